"""DataLoader, TensorDataset, Subset, random_split and default_collate against PyTorch's semantics."""

import collections

import numpy as np
import pytest

import tinygrad_edu
from tinygrad_edu.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split


class SquaresDataset(Dataset):
    """A generic dataset (no get_batch): sample i is (features, i, i / 2)."""

    def __init__(self, size):
        self.size = size
        self.fetched = []

    def __getitem__(self, index):
        self.fetched.append(index)
        return tinygrad_edu.tensor([index, index**2], dtype="float32"), index, index / 2

    def __len__(self):
        return self.size


def numbers(size, device="cpu"):
    return TensorDataset(tinygrad_edu.arange(size, device=device), tinygrad_edu.arange(size, device=device) * 10)


def as_lists(loader):
    return [[tensor.detach().cpu().numpy().tolist() for tensor in batch] for batch in loader]


@pytest.mark.parametrize("size, batch_size", [(10, 3), (9, 3), (2, 5), (1, 1)])
def test_batches_cover_the_dataset_in_order(size, batch_size):
    loader = DataLoader(numbers(size), batch_size=batch_size)
    batches = as_lists(loader)
    expected_starts = range(0, size, batch_size)
    assert len(batches) == len(loader) == len(expected_starts)
    for (values, tens), start in zip(batches, expected_starts):
        stop = min(start + batch_size, size)
        assert values == list(range(start, stop))
        assert tens == [10 * value for value in range(start, stop)]


@pytest.mark.parametrize("size, batch_size, expected_batches", [(10, 3, 3), (9, 3, 3), (2, 5, 0)])
def test_drop_last_drops_only_the_short_last_batch(size, batch_size, expected_batches):
    loader = DataLoader(numbers(size), batch_size=batch_size, drop_last=True)
    batches = as_lists(loader)
    assert len(batches) == len(loader) == expected_batches
    assert all(len(values) == batch_size for values, _ in batches)


def test_shuffle_is_a_permutation_reproducible_under_manual_seed():
    loader = DataLoader(numbers(50), batch_size=8, shuffle=True)
    tinygrad_edu.manual_seed(3)
    first_pass = as_lists(loader)
    second_pass = as_lists(loader)
    tinygrad_edu.manual_seed(3)
    repeated = as_lists(loader)
    order = [value for values, _ in first_pass for value in values]
    assert sorted(order) == list(range(50)) and order != list(range(50))
    assert all(tens == [10 * value for value in values] for values, tens in first_pass)  # rows stay aligned
    assert repeated == first_pass
    assert second_pass != first_pass  # a fresh order each epoch


def test_seed_and_generator_fix_the_order_independently_of_the_global_seed():
    orders = []
    for global_seed in (0, 1):
        tinygrad_edu.manual_seed(global_seed)
        orders.append(as_lists(DataLoader(numbers(20), batch_size=20, shuffle=True, seed=7)))
        orders.append(
            as_lists(DataLoader(numbers(20), batch_size=20, shuffle=True, generator=np.random.default_rng(7)))
        )
    assert all(order == orders[0] for order in orders)


def test_loader_is_re_iterable_and_passes_do_not_interfere():
    loader = DataLoader(numbers(7), batch_size=2)
    outer = iter(loader)
    next(outer)
    assert as_lists(loader) == as_lists(loader)
    assert next(outer)[0].tolist() == [2, 3]


def test_generic_dataset_is_collated_sample_by_sample():
    dataset = SquaresDataset(5)
    features, indices, halves = next(iter(DataLoader(dataset, batch_size=4)))
    assert features.shape == (4, 2) and features.dtype == tinygrad_edu.float32
    np.testing.assert_array_equal(features.numpy()[:, 1], [0, 1, 4, 9])
    assert indices.dtype == tinygrad_edu.int64 and indices.tolist() == [0, 1, 2, 3]
    assert halves.dtype == tinygrad_edu.float64 and halves.tolist() == [0, 0.5, 1, 1.5]  # as in PyTorch
    assert dataset.fetched == [0, 1, 2, 3]


def test_array_backed_datasets_fetch_each_batch_with_one_index():
    class CountingTensorDataset(TensorDataset):
        def __getitem__(self, index):
            raise AssertionError("the batched path must not fetch single samples")

    dataset = CountingTensorDataset(tinygrad_edu.arange(6))
    assert [batch.tolist() for (batch,) in DataLoader(dataset, batch_size=4)] == [[0, 1, 2, 3], [4, 5]]


def test_custom_collate_fn_receives_the_list_of_samples():
    received = []

    def collate(samples):
        received.append(samples)
        return len(samples)

    loader = DataLoader(numbers(5), batch_size=2, collate_fn=collate)
    assert list(loader) == [2, 2, 1]
    assert [int(value) for value, _ in received[0]] == [0, 1]


def test_default_collate_keeps_structure_like_pytorch():
    Point = collections.namedtuple("Point", ["x", "y"])
    samples = [{"point": Point(1, 2.0), "name": "a", "array": np.ones(3, np.float32)} for _ in range(2)]
    batch = default_collate(samples)
    assert isinstance(batch["point"], Point)
    assert batch["point"].x.tolist() == [1, 1] and batch["point"].y.dtype == tinygrad_edu.float64
    assert batch["name"] == ["a", "a"]
    assert batch["array"].shape == (2, 3) and batch["array"].dtype == tinygrad_edu.float32
    assert isinstance(default_collate([(1, 2), (3, 4)]), list)


def test_default_collate_matches_torch():
    torch = pytest.importorskip("torch")
    samples = [(np.full(2, index, np.float32), index, index * 0.5) for index in range(3)]
    ours, theirs = default_collate(samples), torch.utils.data.default_collate(samples)
    assert type(ours) is type(theirs) and len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_array_equal(mine.numpy(), reference.numpy())
        assert str(mine.dtype).split(".")[-1] == str(reference.dtype).split(".")[-1]


def test_device_moves_every_batch(device):
    loader = DataLoader(numbers(5), batch_size=2, device=device)
    for values, tens in loader:
        assert values.device == device and tens.device == device
    assert as_lists(loader)[2] == [[4], [40]]


def test_tensor_dataset_on_a_device_batches_there(device):
    batches = as_lists(DataLoader(numbers(5, device=device), batch_size=3, shuffle=True, seed=0))
    assert sorted(value for values, _ in batches for value in values) == list(range(5))


def test_subset_and_random_split():
    dataset = numbers(10)
    subset = Subset(dataset, [9, 2, 4])
    assert len(subset) == 3 and int(subset[0][0]) == 9
    assert as_lists(DataLoader(subset, batch_size=2)) == [[[9, 2], [90, 20]], [[4], [40]]]
    tinygrad_edu.manual_seed(0)
    parts = random_split(dataset, [0.7, 0.3])
    assert [len(part) for part in parts] == [7, 3]
    assert sorted(np.concatenate([part.indices for part in parts]).tolist()) == list(range(10))
    tinygrad_edu.manual_seed(0)
    assert [part.indices.tolist() for part in random_split(dataset, [7, 3])] == [
        part.indices.tolist() for part in parts
    ]


def test_subset_of_a_generic_dataset_batches_through_default_collate():
    batches = list(DataLoader(Subset(SquaresDataset(6), [5, 1]), batch_size=2))
    assert batches[0][1].tolist() == [5, 1]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: DataLoader(numbers(3), batch_size=0), "batch_size must be a positive int"),
        (lambda: DataLoader(numbers(3), batch_size=2.5), "batch_size must be a positive int"),
        (lambda: DataLoader([1, 2, 3][0]), "must define __getitem__ and __len__"),
        (lambda: DataLoader(numbers(3), generator=5), "permutation"),
        (lambda: DataLoader(numbers(3), seed=1, generator=np.random.default_rng(1)), "either generator or seed"),
        (lambda: TensorDataset(tinygrad_edu.zeros(3), tinygrad_edu.zeros(4)), r"same length .* \[3, 4\]"),
        (lambda: TensorDataset(np.zeros(3)), "expected a Tensor"),
        (lambda: random_split(numbers(5), [2, 2]), "sum to the dataset's length 5"),
    ],
)
def test_bad_arguments_raise_errors_that_say_what_to_do(make, message):
    with pytest.raises((TypeError, ValueError), match=message):
        make()


# ----- the arguments real scripts pass ----------------------------------------------------------


def test_positional_arguments_follow_torchs_order():
    loader = DataLoader(numbers(5), 2, False, None, None, 0, None, False, True)
    assert loader.drop_last and as_lists(loader) == [[[0, 1], [0, 10]], [[2, 3], [20, 30]]]


def test_sampler_and_batch_sampler_give_torchs_batches(torch):
    data = list(range(10))
    for options in (
        {"batch_size": 3, "sampler": [9, 2, 4, 4, 0]},
        {"batch_size": 2, "sampler": range(7), "drop_last": True},
        {"batch_sampler": [[3, 1], [0], [9, 8, 7]]},
    ):
        ours = DataLoader(TensorDataset(tinygrad_edu.tensor(data)), **options)
        theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(data)), **options)
        assert [batch.tolist() for (batch,) in ours] == [batch.tolist() for (batch,) in theirs]
        assert len(ours) == len(theirs)


def test_subset_random_sampler_loads_only_its_subset():
    loader = DataLoader(SquaresDataset(20), batch_size=4, sampler=tinygrad_edu.data.SubsetRandomSampler(range(8)))
    seen = sorted(index for _, indices, _ in loader for index in indices.tolist())
    assert seen == list(range(8)) and len(loader) == 2


def test_num_workers_warns_once_and_gives_the_same_batches():
    dataset = numbers(11)
    tinygrad_edu.manual_seed(3)
    expected = as_lists(DataLoader(dataset, batch_size=4, shuffle=True))
    tinygrad_edu.manual_seed(3)
    with pytest.warns(UserWarning, match="num_workers=2 is accepted but loading stays in the main process"):
        loader = DataLoader(
            dataset,
            batch_size=4,
            shuffle=True,
            num_workers=2,
            pin_memory=True,
            persistent_workers=True,
            prefetch_factor=2,
            worker_init_fn=lambda worker_id: None,
        )
    assert as_lists(loader) == expected


def test_custom_collate_fn_and_generator():
    loader = DataLoader(SquaresDataset(6), batch_size=3, collate_fn=lambda samples: [s[1] for s in samples])
    assert list(loader) == [[0, 1, 2], [3, 4, 5]]
    orders = [
        as_lists(DataLoader(numbers(8), batch_size=8, shuffle=True, generator=np.random.default_rng(5)))
        for _ in range(2)
    ]
    assert orders[0] == orders[1]


@pytest.mark.parametrize(
    "options",
    [
        {"sampler": [0, 1], "shuffle": True},
        {"batch_sampler": [[0]], "batch_size": 2},
        {"batch_sampler": [[0]], "drop_last": True},
        {"num_workers": -1},
        {"prefetch_factor": 2},
        {"persistent_workers": True},
        {"timeout": -1},
    ],
)
def test_conflicting_options_raise_value_error_as_torch(torch, options):
    with pytest.raises(ValueError):
        torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(4)), **options)
    with pytest.raises(ValueError):
        DataLoader(numbers(4), **options)
