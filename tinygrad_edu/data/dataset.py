"""Datasets: anything with `__getitem__(index)` and `__len__()`, as torch.utils.data.Dataset.

Array-backed datasets (TensorDataset, MNIST) also define `get_batch(indices)`, which returns what
`default_collate([dataset[i] for i in indices])` would, but from one fancy index per array: the
DataLoader then never loops over samples in Python.
"""

import math
import operator

import numpy as np

from .. import random
from ..tensor import Tensor
from .collate import default_collate


class Dataset:
    """Base class: subclasses define `__getitem__(index)` (one sample) and `__len__()`."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index) returning one sample")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__() returning the number of samples")


class TensorDataset(Dataset):
    """Samples are rows of the given tensors: `dataset[i] == (tensors[0][i], tensors[1][i], ...)`.

    >>> dataset = TensorDataset(tinygrad_edu.randn(100, 3), tinygrad_edu.zeros(100))
    >>> features, target = dataset[0]
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        for position, tensor in enumerate(tensors):
            if not isinstance(tensor, Tensor):
                raise TypeError(
                    f"TensorDataset: argument {position} is a {type(tensor).__name__}, expected a Tensor; "
                    "wrap arrays with tinygrad_edu.tensor(...) first"
                )
            if tensor.ndim == 0:
                raise ValueError(f"TensorDataset: argument {position} is a 0-d tensor; samples are rows, so give 1-d+")
        lengths = [len(tensor) for tensor in tensors]
        if len(set(lengths)) != 1:
            raise ValueError(f"TensorDataset: all tensors must have the same length (dim 0), got lengths {lengths}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self):
        return len(self.tensors[0])

    def get_batch(self, indices):
        """The samples at `indices` (an int64 numpy array) already stacked: one fancy index per tensor."""
        return [tensor[Tensor._make(indices).to(tensor.device)] for tensor in self.tensors]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def __len__(self):
        return len(self.indices)

    def get_batch(self, indices):
        """The samples at `indices`, collated: one fancy index when the wrapped dataset can batch."""
        picked = self.indices[indices]
        if hasattr(self.dataset, "get_batch"):
            return self.dataset.get_batch(picked)
        return default_collate([self.dataset[int(index)] for index in picked])


def random_split(dataset, lengths, generator=None):
    """Split into non-overlapping random Subsets of the given lengths (ints, or fractions summing to 1).

    Draws from `generator` (e.g. `tinygrad_edu.Generator().manual_seed(42)`), else from
    `tinygrad_edu.random.generator("cpu")`, reset by `manual_seed`.
    """
    total = len(dataset)
    lengths = list(lengths)
    if all(isinstance(length, float) for length in lengths) and math.isclose(sum(lengths), 1.0):
        counts = [math.floor(total * fraction) for fraction in lengths]
        for position in range(total - sum(counts)):  # hand the remainder out round-robin, as PyTorch does
            counts[position % len(counts)] += 1
        lengths = counts
    try:
        lengths = [operator.index(length) for length in lengths]
    except TypeError:
        raise TypeError(f"random_split: lengths must be ints or fractions summing to 1, got {lengths}") from None
    if sum(lengths) != total or any(length < 0 for length in lengths):
        raise ValueError(
            f"random_split: lengths {lengths} must be non-negative and sum to the dataset's length {total}"
        )
    permutation = (generator or random.generator("cpu")).permutation(total)
    boundaries = np.cumsum([0] + lengths)
    return [Subset(dataset, permutation[start:stop]) for start, stop in zip(boundaries[:-1], boundaries[1:])]
