"""Making tensors: `tensor(data)` and the factories (`zeros`, `arange`, `randn`, ...), as in PyTorch.

Every factory takes `dtype=`, `device=` and `requires_grad=`. Random factories draw from the seeded
per-device generator (see random.py), so `manual_seed(0)` makes them reproducible.
"""

import functools
import math

import numpy as np

from . import arguments, dtypes, random
from .arguments import CPU
from .backend import backend_for, to_device
from .errors import ArgumentError, DTypeError
from .tensor import Tensor, _as_array


def _on_default_device(factory):
    """device=None means the default device (see `set_default_device`), as in PyTorch."""

    @functools.wraps(factory)
    def wrapper(*args, device=None, **kwargs):
        if device is None and arguments.get_default_device() != CPU:
            device = arguments.get_default_device()
        return factory(*args, device=device, **kwargs)

    return wrapper


@_on_default_device
def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of `data`. Floats become float32 (the default), ints int64,
    numpy arrays keep their dtype."""
    result = Tensor._make(_as_array(data, dtype, device))
    return result.requires_grad_() if requires_grad else result


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    return Tensor._make(_as_array(data, dtype, device))


def from_numpy(array):
    """A tensor that shares memory with a numpy array (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    dtypes.from_numpy_dtype(array.dtype)
    return Tensor._make(array)


def _finish(array, requires_grad, device=None):
    if device is not None:  # xp made it on the current GPU, which may not be the one asked for
        array = to_device(array, device)
    result = Tensor._make(array)
    return result.requires_grad_() if requires_grad else result


def _dtype(dtype, default=None):
    return (dtypes.as_dtype(dtype) or default or dtypes.get_default_dtype()).numpy


def _floating_dtype(dtype, op):
    numpy_dtype = _dtype(dtype)
    if numpy_dtype.kind != "f":
        raise DTypeError(f"{op}: dtype must be floating point, got {dtypes.as_dtype(dtype)}; use randint for integers")
    return numpy_dtype


def _xp(device):
    return backend_for(CPU if device is None else device).xp


@_on_default_device
def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """A tensor of shape `size` filled with fill_value (its dtype follows fill_value, as in PyTorch)."""
    if not isinstance(fill_value, (int, float, bool, np.number, np.bool_)):
        raise TypeError(f"full: fill_value must be a number, got {type(fill_value).__name__}")
    if dtype is None:
        dtype = dtypes.from_numpy_dtype(dtypes.infer_numpy_dtype(fill_value))
    shape = arguments.shape((size,) if not isinstance(size, (tuple, list)) else (tuple(size),), "full")
    return _finish(_xp(device).full(shape, fill_value, dtype=_dtype(dtype)), requires_grad, device)


@_on_default_device
def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _finish(_xp(device).zeros(arguments.shape(size, "zeros"), dtype=_dtype(dtype)), requires_grad, device)


@_on_default_device
def ones(*size, dtype=None, device=None, requires_grad=False):
    return _finish(_xp(device).ones(arguments.shape(size, "ones"), dtype=_dtype(dtype)), requires_grad, device)


empty = zeros


@_on_default_device
def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """start, start + step, ... up to but excluding end; int64 when all arguments are ints."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ArgumentError("arange: step must be nonzero")
    if not all(math.isfinite(value) for value in (start, end, step)):
        raise ArgumentError(f"arange: start, end and step must be finite, got {start}, {end}, {step}")
    if (end - start) * step < 0:
        raise ArgumentError(f"arange: the step {step} points away from end {end} (start {start}); flip its sign")
    if dtype is None:
        all_ints = all(isinstance(value, (int, np.integer)) for value in (start, end, step))
        dtype = dtypes.int64 if all_ints else dtypes.get_default_dtype()
    count = max(math.ceil((end - start) / step), 0)
    array = _xp(device).arange(count, dtype=np.float64) * step + start
    return _finish(array.astype(_dtype(dtype)), requires_grad, device)


@_on_default_device
def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """`steps` evenly spaced values from start to end, both included."""
    if steps < 0:
        raise ArgumentError(f"linspace: number of steps must be non-negative, got {steps}")
    numpy_dtype = _dtype(dtype)
    if numpy_dtype.kind == "f":
        return _finish(_xp(device).linspace(start, end, steps, dtype=numpy_dtype), requires_grad, device)
    # integers, as PyTorch: the first half counts up from start, the second half back from end, in float64,
    # and each value is cut toward zero (astype); numpy's integer linspace floors them instead
    xp = _xp(device)
    step = (end - start) / max(steps - 1, 1)
    index = xp.arange(steps, dtype=np.float64)
    halfway = steps // 2 or 1  # a single step is start
    values = xp.where(index < halfway, start + step * index, end - step * (steps - 1 - index))
    return _finish(values.astype(numpy_dtype), requires_grad, device)


@_on_default_device
def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    """The n x m identity matrix (m defaults to n)."""
    if n < 0 or (m is not None and m < 0):
        raise ArgumentError(f"eye: n and m must be non-negative, got n={n}, m={m}")
    return _finish(_xp(device).eye(n, n if m is None else m, dtype=_dtype(dtype)), requires_grad, device)


@_on_default_device
def rand(*size, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1)."""
    numpy_dtype = _floating_dtype(dtype, "rand")
    samples = random.generator(device).random(arguments.shape(size, "rand"), dtype=random.sampling_dtype(numpy_dtype))
    return _finish(samples.astype(numpy_dtype, copy=False), requires_grad)


@_on_default_device
def randn(*size, dtype=None, device=None, requires_grad=False):
    """Standard normal samples (mean 0, variance 1)."""
    numpy_dtype = _floating_dtype(dtype, "randn")
    rng = random.generator(device)
    samples = rng.standard_normal(arguments.shape(size, "randn"), dtype=random.sampling_dtype(numpy_dtype))
    return _finish(samples.astype(numpy_dtype, copy=False), requires_grad)


@_on_default_device
def randint(low, high=None, size=None, *, dtype=None, device=None):
    """Random ints in [low, high) of shape `size` (int64); `randint(high, size)` starts at 0."""
    if isinstance(high, (tuple, list)) and size is None:  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=size)
        low, high = 0, low
    if size is None:
        raise TypeError("randint: missing the size argument, e.g. randint(0, 10, (3,))")
    if high <= low:
        raise ArgumentError(f"randint: low ({low}) must be smaller than high ({high})")
    shape = arguments.shape((size,) if not isinstance(size, (tuple, list)) else (tuple(size),), "randint")
    samples = random.generator(device).integers(low, high, size=shape)
    return Tensor._make(samples.astype(_dtype(dtype, dtypes.int64)))


@_on_default_device
def randperm(n, *, dtype=None, device=None):
    """A random permutation of 0 .. n-1 (int64)."""
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    order = random.generator(device).permutation(n)
    return Tensor._make(order.astype(_dtype(dtype, dtypes.int64)))


def _like(factory, input, dtype, device, requires_grad, *args):
    return factory(*args, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):
    return _like(zeros, input, dtype, device, requires_grad, input.shape)


def ones_like(input, *, dtype=None, device=None, requires_grad=False):
    return _like(ones, input, dtype, device, requires_grad, input.shape)


empty_like = zeros_like


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    return _like(full, input, dtype, device, requires_grad, input.shape, fill_value)


def rand_like(input, *, dtype=None, device=None, requires_grad=False):
    return _like(rand, input, dtype, device, requires_grad, input.shape)


def randn_like(input, *, dtype=None, device=None, requires_grad=False):
    return _like(randn, input, dtype, device, requires_grad, input.shape)
