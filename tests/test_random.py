"""tinygrad_edu.Generator: a seeded CPU generator of one's own, as torch.Generator, for the data utilities."""

import doctest

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.random
from tinygrad_edu.utils.data import DataLoader, RandomSampler, SubsetRandomSampler, random_split


def orders(generator):
    """What each data utility draws from `generator`, in one list."""
    loader = DataLoader(list(range(12)), batch_size=12, shuffle=True, generator=generator)
    with_replacement = RandomSampler(range(12), replacement=True, num_samples=6, generator=generator)
    return [
        next(iter(loader)).tolist(),
        [part.indices.tolist() for part in random_split(list(range(12)), [0.5, 0.25, 0.25], generator=generator)],
        list(with_replacement),
        list(SubsetRandomSampler([10, 20, 30, 40], generator=generator)),
    ]


def test_the_same_seed_gives_the_same_orders_and_another_seed_others():
    assert orders(tg.Generator().manual_seed(7)) == orders(tg.Generator().manual_seed(7))
    assert orders(tg.Generator().manual_seed(7)) != orders(tg.Generator().manual_seed(8))
    first = orders(tg.Generator().manual_seed(7))
    assert sorted(first[0]) == list(range(12)) and sorted(sum(first[1], [])) == list(range(12))
    assert all(0 <= index < 12 for index in first[2]) and sorted(first[3]) == [10, 20, 30, 40]


def test_the_orders_do_not_depend_on_the_global_seed_and_do_not_consume_it():
    tg.manual_seed(0)
    expected_global = tg.rand(3).numpy()
    tg.manual_seed(0)
    ours = orders(tg.Generator().manual_seed(5))
    np.testing.assert_array_equal(tg.rand(3).numpy(), expected_global)
    tg.manual_seed(1)
    assert orders(tg.Generator().manual_seed(5)) == ours


def test_seeds_as_pytorch():
    generator = tg.Generator()
    assert generator.initial_seed() == 67280421310721  # an unseeded torch.Generator's seed
    assert generator.manual_seed(3) is generator and generator.initial_seed() == 3
    assert generator.manual_seed(-1).initial_seed() == 2**64 - 1
    drawn = generator.seed()
    assert drawn == generator.initial_seed() and 0 <= drawn < 2**64
    assert tg.Generator().permutation(9).tolist() == tg.Generator().permutation(9).tolist()  # the default seed


@pytest.mark.parametrize("seed", [2.5, "3", True, None])
def test_a_seed_that_is_not_an_int_is_refused(seed):
    with pytest.raises(RuntimeError, match="expected an int seed"):
        tg.Generator().manual_seed(seed)


def test_only_cpu_generators():
    assert tg.Generator("cpu").device == tg.device("cpu")
    with pytest.raises(RuntimeError, match="only 'cpu' generators"):
        tg.Generator("cuda")


def test_docstring_example():
    assert doctest.testmod(tinygrad_edu.random).failed == 0
