"""Samplers: which dataset indices a DataLoader visits, and in what order, as torch.utils.data's.

A sampler is any iterable of indices (one pass per `iter`); a batch sampler is an iterable of
lists of indices, one list per batch. `DataLoader(sampler=...)` batches a sampler's indices;
`DataLoader(batch_sampler=...)` takes its batches as they come.
"""

import numpy as np

from .. import random


class Sampler:
    """Base class: subclasses define `__iter__` (indices) and usually `__len__`."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__, yielding dataset indices")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1: the order of DataLoader(shuffle=False)."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh permutation of the indices on every pass (or num_samples draws with replacement=True).

    Draws from `generator` (a `tinygrad_edu.Generator`, or anything with numpy's `permutation` and
    `integers`) or else from `tinygrad_edu.random.generator("cpu")`, so `manual_seed` makes the order
    repeatable.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if isinstance(self.num_samples, bool) or not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"RandomSampler: num_samples should be a positive integer, got {self.num_samples!r}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        generator = self.generator or random.generator("cpu")
        size = len(self.data_source)
        if self.replacement:
            return iter(np.asarray(generator.integers(0, size, self.num_samples)).tolist())
        passes = -(-self.num_samples // size)  # more samples than the dataset holds: several permutations
        order = np.concatenate([np.asarray(generator.permutation(size)) for _ in range(passes)])
        return iter(order[: self.num_samples].tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a fresh random order on every pass (e.g. a validation split of one dataset)."""

    def __init__(self, indices, generator=None):
        self.indices = list(indices)
        self.generator = generator

    def __iter__(self):
        generator = self.generator or random.generator("cpu")
        return iter([self.indices[int(i)] for i in np.asarray(generator.permutation(len(self.indices)))])

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of batch_size (the last one shorter unless drop_last)."""

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive integer, got {batch_size!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, bool(drop_last)

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)
