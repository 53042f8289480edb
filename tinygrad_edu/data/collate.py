"""Collation: turning a list of samples into one batch, as torch.utils.data.default_collate."""

import numpy as np

from ..creation import tensor
from ..joining import stack
from ..tensor import Tensor


def default_collate(samples):
    """Stack a list of samples into a batch, keeping the samples' structure.

    Tensors and numpy arrays are stacked along a new first dim; Python ints become an int64 tensor,
    Python floats a float64 tensor (as in PyTorch); samples that are tuples or lists give a list of
    collated fields (a namedtuple stays one), dicts a dict; strings and anything else stay a list.

    >>> images, labels = default_collate([(tinygrad_edu.zeros(2), 0), (tinygrad_edu.ones(2), 1)])
    >>> images.shape, labels
    ((2, 2), tensor([0, 1]))
    """
    if not samples:
        raise ValueError("default_collate: got an empty list of samples")
    first = samples[0]
    if isinstance(first, Tensor):
        return stack(samples)
    if isinstance(first, (np.ndarray, np.number, np.bool_)):
        return tensor(np.stack(samples))
    if isinstance(first, (bool, int, float)):
        return tensor(samples, dtype="float64" if isinstance(first, float) else None)
    if isinstance(first, dict):
        return {key: default_collate([sample[key] for sample in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(sample) != len(first) for sample in samples):
            lengths = sorted({len(sample) for sample in samples})
            raise ValueError(f"default_collate: each sample must have the same number of fields, got lengths {lengths}")
        fields = [default_collate(list(field)) for field in zip(*samples)]
        return type(first)(*fields) if hasattr(first, "_fields") else fields
    return list(samples)
