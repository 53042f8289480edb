"""Arguments as users spell them, read in one place: devices, sizes, pairs and `.to(...)`.

PyTorch accepts several spellings of one thing: "cuda:1", 1 and device("cuda", 1) name one GPU;
zeros(2, 3), zeros((2, 3)) and zeros([2, 3]) one shape; kernel_size=3 means (3, 3). Every function
that takes such an argument reads it here, so they all accept the same spellings and reject the
same mistakes with the same words.
"""

import functools
import operator

import numpy as np

from . import dtypes
from .errors import ArgumentError, ArgumentTypeError


class Device:
    """Where a tensor lives: `Device("cpu")`, `Device("cuda")`, `Device("cuda:1")`, as torch.device
    (a bare int N means "cuda:N")."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, Device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool) and type >= 0:
            type, index = "cuda", type
        elif not isinstance(type, str):
            raise TypeError(f"expected a device such as 'cpu', 'cuda' or 'cuda:0', got {type!r}")
        elif ":" in type:
            type, _, index_text = type.partition(":")
            if not index_text.isdigit():
                raise ValueError(f"invalid device string {type}:{index_text!r}: expected 'cpu', 'cuda' or 'cuda:N'")
            index = int(index_text)
        self.type = type
        self.index = index

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __eq__(self, other):
        if isinstance(other, str):
            other = Device(other)
        if not isinstance(other, Device):
            return NotImplemented
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self):
        return hash((self.type, self.index or 0))


CPU = Device("cpu")


def as_device(device, default=None):
    """`device` ("cpu", "cuda:1", 1 or a Device) as a Device; None gives `default`."""
    if device is None:
        return default
    return device if isinstance(device, Device) else Device(device)


def cuda_device(index=None):
    """The device `.cuda(index)` means: the current GPU without an index, "cuda:N" for an int N."""
    return Device("cuda") if index is None else as_device(index)


def to_arguments(op, args, kwargs):
    """(device, dtype) from the arguments of `.to(...)`, each None when not asked for.

    Accepts `to(dtype)`, `to(device)`, `to(device, dtype)`, `to(other_tensor)` (its device and dtype)
    and the keywords `device=`, `dtype=` and `non_blocking=` (accepted for PyTorch code; every copy
    here is synchronous).
    """
    device, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"{op}: unexpected arguments {sorted(kwargs)}")
    for arg in args:
        if isinstance(arg, (str, Device)):
            device = arg
        elif isinstance(getattr(arg, "dtype", None), dtypes.DType):  # a tensor: only ours have a DType
            device, dtype = arg.device, arg.dtype
        else:
            dtype = arg
    return as_device(device), dtypes.as_dtype(dtype)


def sizes(args, op, name="size"):
    """f(2, 3), f((2, 3)) and f([2, 3]) alike: the sizes as a tuple of ints (negative ones included)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    try:
        return tuple(operator.index(size) for size in args)
    except TypeError:
        raise TypeError(f"{op}: {name} must be ints, got {args}") from None


def shape(args, op):
    """The shape of a new tensor, spelled as `sizes` accepts: ints, none negative."""
    result = sizes(args, op)
    if any(size < 0 for size in result):
        raise ArgumentError(f"{op}: size must be non-negative, got {result}")
    return result


def pair(value, op, name, minimum):
    """An int or a pair of ints (kernel_size=3 or (3, 5)) as a pair, each at least `minimum`."""
    both = (value, value) if isinstance(value, (int, np.integer)) else value
    if (
        not isinstance(both, (tuple, list))
        or len(both) != 2
        or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in both)
    ):
        raise ArgumentTypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if any(v < minimum for v in both):
        raise ArgumentError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return tuple(int(v) for v in both)


def numpy_names(method):
    """Let a reduction also take numpy's spellings, as PyTorch does: `axis=` for `dim=`, `keepdims=` for `keepdim=`.

    `x.sum(axis=0, keepdims=True)` is `x.sum(dim=0, keepdim=True)`; naming both spellings is a TypeError.
    """

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        for numpy_name, torch_name in (("axis", "dim"), ("keepdims", "keepdim")):
            if numpy_name in kwargs:
                if torch_name in kwargs:
                    raise TypeError(f"{method.__name__}: got both {torch_name}= and its alias {numpy_name}=; pass one")
                kwargs[torch_name] = kwargs.pop(numpy_name)
        return method(*args, **kwargs)

    return wrapper


_default_device = CPU


def set_default_device(device):
    """Where the factories (tensor, zeros, randn, ...) put a tensor when no device= is given, as in
    PyTorch; None goes back to "cpu"."""
    global _default_device
    _default_device = as_device(device, CPU)


def get_default_device():
    return _default_device
