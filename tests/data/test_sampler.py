"""Samplers: the indices each one yields, their lengths, and repeatability under manual_seed."""

import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import BatchSampler, RandomSampler, SequentialSampler, SubsetRandomSampler


def test_sequential_and_batch_samplers_match_torch(torch):
    for drop_last in (False, True):
        ours = list(BatchSampler(SequentialSampler(range(10)), 3, drop_last))
        theirs = list(torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(10)), 3, drop_last))
        assert ours == theirs
        assert len(BatchSampler(SequentialSampler(range(10)), 3, drop_last)) == len(ours)


def test_random_sampler_is_a_permutation_repeatable_under_manual_seed():
    tg.manual_seed(0)
    first = list(RandomSampler(range(20)))
    assert sorted(first) == list(range(20)) and first != list(range(20))
    tg.manual_seed(0)
    assert list(RandomSampler(range(20))) == first
    many = list(RandomSampler(range(4), num_samples=10))
    assert len(many) == 10 and sorted(many[:4]) == [0, 1, 2, 3]
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=50))
    assert len(drawn) == 50 and set(drawn) <= {0, 1, 2}
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)


def test_subset_random_sampler_visits_only_its_indices():
    sampler = SubsetRandomSampler([5, 7, 9, 11])
    assert sorted(sampler) == [5, 7, 9, 11] and len(sampler) == 4
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(sampler, 0, False)
