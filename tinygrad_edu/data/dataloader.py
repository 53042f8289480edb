"""DataLoader: iterate over a dataset in (shuffled) mini-batches, as torch.utils.data.DataLoader.

Single-process. For datasets with `get_batch(indices)` (TensorDataset, MNIST) a batch is one
fancy index into their arrays; for any other dataset the samples are fetched one by one and
stacked by `collate_fn` (default: `default_collate`).

`num_workers > 0` is accepted, with a warning, and loading stays in the main process: for the
datasets here a batch is one numpy fancy index (MNIST with a per-sample transform: 10,000 images
in about 0.5 s on two cores), so worker processes would add start-up and pickling for little gain,
and one process keeps the loop easy to follow and step through in a debugger. The batches are the ones
`num_workers=0` gives for the same seed. The other worker options (`worker_init_fn`,
`prefetch_factor`, `persistent_workers`, `timeout`, `multiprocessing_context`) are checked as
PyTorch checks them and otherwise unused; `pin_memory` is accepted and does nothing (there is no
pinned host memory to use).
"""

import math
import operator
import warnings

import numpy as np

from .. import random
from ..tensor import Tensor
from .collate import default_collate

WORKERS_WARNING = (
    "DataLoader: num_workers={} is accepted but loading stays in the main process (one process keeps the "
    "data path easy to read and debug); the batches are the same as with num_workers=0, and worker_init_fn "
    "is not called"
)


class DataLoader:
    """Batches of `dataset`, in order or reshuffled on every pass, as torch.utils.data.DataLoader.

    The indices come from `sampler` (any iterable of indices, e.g. SubsetRandomSampler) or from
    `shuffle`; `batch_sampler` (an iterable of index lists) replaces batch_size, shuffle, sampler
    and drop_last. `generator` (a `tinygrad_edu.Generator`, or anything with `.permutation(n)`) or `seed`
    fixes the shuffling; otherwise it draws from `tinygrad_edu.random.generator("cpu")`, so
    `manual_seed` makes it reproducible. `device` moves every batch there (e.g. "cuda"); PyTorch
    has no such argument (there you call `.to(device)` in the loop). num_workers: see the module
    docstring (loading stays in this process).

    >>> loader = DataLoader(TensorDataset(tinygrad_edu.arange(10)), batch_size=4)
    >>> [batch.tolist() for (batch,) in loader]
    [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    """

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=None,
        sampler=None,
        batch_sampler=None,
        num_workers=0,
        collate_fn=None,
        pin_memory=False,
        drop_last=False,
        timeout=0,
        worker_init_fn=None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor=None,
        persistent_workers=False,
        pin_memory_device="",
        in_order=True,
        seed=None,
        device=None,
    ):
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(
                f"DataLoader: the dataset must define __getitem__ and __len__, got a {type(dataset).__name__}"
            )
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                    "and drop_last"
                )
            batch_size, drop_last = None, False
        elif isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        _check_worker_options(num_workers, timeout, worker_init_fn, prefetch_factor, persistent_workers)
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got a {type(collate_fn).__name__}")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: give either generator or seed, not both")
        if generator is not None and not hasattr(generator, "permutation"):
            raise TypeError(
                "DataLoader: generator must have a .permutation(n) method "
                f"(e.g. tinygrad_edu.Generator().manual_seed(0)), got a {type(generator).__name__}"
            )
        if num_workers > 0:
            warnings.warn(WORKERS_WARNING.format(num_workers), stacklevel=2)
        self.dataset = dataset
        self.batch_size = None if batch_size is None else operator.index(batch_size)
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = np.random.default_rng(seed) if seed is not None else generator
        self.num_workers, self.pin_memory, self.timeout = num_workers, bool(pin_memory), timeout
        self.worker_init_fn, self.prefetch_factor = worker_init_fn, prefetch_factor
        self.persistent_workers = persistent_workers
        self.device = device

    def __len__(self):
        """The number of batches in one pass."""
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        count = len(self.dataset) if self.sampler is None else len(self.sampler)
        if self.drop_last:
            return count // self.batch_size
        return math.ceil(count / self.batch_size)

    def __iter__(self):
        if self.batch_sampler is not None:
            return self._fetch(np.asarray(list(indices), dtype=np.int64) for indices in self.batch_sampler)
        if self.sampler is not None:
            order = np.fromiter(iter(self.sampler), dtype=np.int64)
        elif self.shuffle:
            generator = self.generator or random.generator("cpu")
            order = np.asarray(generator.permutation(len(self.dataset)), dtype=np.int64)
        else:
            order = np.arange(len(self.dataset), dtype=np.int64)
        return self._fetch(self._chunks(order))

    def _chunks(self, order):
        """order cut into batch_size pieces (the last one shorter, or dropped with drop_last)."""
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            if len(chunk) == self.batch_size or not self.drop_last:
                yield chunk

    def _fetch(self, index_batches):
        fetch_batch = self._batch_fetcher()
        for indices in index_batches:
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


def _check_worker_options(num_workers, timeout, worker_init_fn, prefetch_factor, persistent_workers):
    """PyTorch's checks of the worker options, with its messages."""
    if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
        raise ValueError(
            f"DataLoader: num_workers option should be non-negative; use num_workers=0 to disable "
            f"multiprocessing, got {num_workers!r}"
        )
    if timeout < 0:
        raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout!r}")
    if worker_init_fn is not None and not callable(worker_init_fn):
        raise TypeError(f"DataLoader: worker_init_fn must be callable, got a {type(worker_init_fn).__name__}")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "DataLoader: prefetch_factor option could only be specified in multiprocessing; let num_workers > 0 "
            "to enable multiprocessing, otherwise set prefetch_factor to None"
        )
    if prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError(f"DataLoader: prefetch_factor option should be non-negative, got {prefetch_factor!r}")
    if persistent_workers and num_workers == 0:
        raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")


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
