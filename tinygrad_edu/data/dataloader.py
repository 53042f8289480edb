"""DataLoader: iterate over a dataset in (shuffled) mini-batches, as torch.utils.data.DataLoader.

Single-process. For datasets with `get_batch(indices)` (TensorDataset, MNIST) a batch is one
fancy index into their arrays; for any other dataset the samples are fetched one by one and
stacked by `collate_fn` (default: `default_collate`).
"""

import math
import operator

import numpy as np

from .. import random
from ..tensor import Tensor
from .collate import default_collate


class DataLoader:
    """Batches of `dataset`, in order or reshuffled on every pass.

    `generator` (anything with `.permutation(n)`, e.g. a numpy Generator) or `seed` fixes the
    shuffling; otherwise it draws from `tinygrad_edu.random.generator("cpu")`, so `manual_seed`
    makes it reproducible. `device` moves every batch there (e.g. "cuda"); PyTorch has no such
    argument (there you call `.to(device)` in the loop).

    >>> loader = DataLoader(TensorDataset(tinygrad_edu.arange(10)), batch_size=4)
    >>> [batch.tolist() for (batch,) in loader]
    [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    """

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=False,
        drop_last=False,
        collate_fn=None,
        generator=None,
        *,
        seed=None,
        device=None,
    ):
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(
                f"DataLoader: the dataset must define __getitem__ and __len__, got a {type(dataset).__name__}"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got a {type(collate_fn).__name__}")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: give either generator or seed, not both")
        if generator is not None and not hasattr(generator, "permutation"):
            raise TypeError(
                f"DataLoader: generator must have a .permutation(n) method (e.g. numpy.random.default_rng(0)), "
                f"got a {type(generator).__name__}"
            )
        self.dataset = dataset
        self.batch_size = operator.index(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = np.random.default_rng(seed) if seed is not None else generator
        self.device = device

    def __len__(self):
        """The number of batches in one pass."""
        if self.drop_last:
            return len(self.dataset) // self.batch_size
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        size = len(self.dataset)
        if self.shuffle:
            generator = self.generator or random.generator("cpu")
            order = np.asarray(generator.permutation(size), dtype=np.int64)
        else:
            order = np.arange(size, dtype=np.int64)
        return self._batches(order)

    def _batches(self, order):
        fetch_batch = self._batch_fetcher()
        for batch_number in range(len(self)):
            indices = order[batch_number * self.batch_size : (batch_number + 1) * self.batch_size]
            batch = fetch_batch(indices)
            yield batch if self.device is None else _to_device(batch, self.device)

    def _batch_fetcher(self):
        """One fancy index per batch when the dataset can do it and no custom collate_fn is set."""
        if self.collate_fn is None and hasattr(self.dataset, "get_batch"):
            return self.dataset.get_batch
        collate = self.collate_fn or default_collate
        return lambda indices: collate([self.dataset[int(index)] for index in indices])

    def __repr__(self):
        return (
            f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last})"
        )


def _to_device(batch, device):
    """Every tensor in a (nested) batch moved to `device`."""
    if isinstance(batch, Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {key: _to_device(value, device) for key, value in batch.items()}
    if isinstance(batch, (list, tuple)):
        moved = [_to_device(value, device) for value in batch]
        return type(batch)(*moved) if hasattr(batch, "_fields") else type(batch)(moved)
    return batch
