"""The array backend: the one module that knows which array library holds a tensor's data.

Ops never import numpy for tensor data; they ask `get_array_module(array)` for `xp` (numpy on the
CPU, CuPy on a GPU) and write `xp.exp(x)`. Where numpy and CuPy differ (scatter-add, strided
views, random generators, moving data between devices) a `Backend` method is the one place both
are handled. This is the pattern of DeZero's `cuda.py`.
"""

import importlib

import numpy as np

from . import host_memory
from .arguments import CPU, as_device

host_memory.keep_freed_memory()  # numpy's buffers: freed ones are reused by the next step (host_memory.py)


class NumpyBackend:
    """numpy on the CPU. Other backends (CuPy, test doubles) implement the same methods."""

    device_type = "cpu"
    xp = np
    array_types = (np.ndarray,)

    def device_of(self, array):
        return CPU

    def to_device(self, array, device):
        """An array on this backend (a numpy array: other backends bring theirs back first)."""
        if isinstance(array, np.ndarray):
            return array
        return backend_of(array).to_numpy(array)

    def to_numpy(self, array):
        return array

    def scatter_add(self, target, index, values):
        """target[index] += values, adding repeated indices up (a plain `+=` would keep only one)."""
        np.add.at(target, index, values)

    def as_strided(self, array, shape, strides):
        """A read-only view of `array` with the given shape and byte strides (no copy)."""
        return np.lib.stride_tricks.as_strided(array, shape, strides, writeable=False)

    def new_generator(self, seed, device):
        """A random generator with `.random`, `.standard_normal` (both taking dtype) and `.integers`."""
        return np.random.default_rng(seed)

    def synchronize(self, device):
        """Wait for queued work to finish (nothing to wait for on the CPU)."""


NUMPY = NumpyBackend()
# numpy scalars (what numpy returns for 0-d results) count as numpy arrays.
_backend_by_array_type = {np.ndarray: NUMPY, np.generic: NUMPY}
_backend_by_device_type = {"cpu": NUMPY}
# Backends imported the first time their device is asked for, so `import tinygrad_edu` needs numpy only.
_lazy_backend_modules = {"cuda": "tinygrad_edu.backend_cuda"}


def register_array_namespace(array_type, xp):
    """Let `get_array_module` answer `xp` for `array_type` (used for Tensors by autograd.tensor_numpy)."""
    _backend_by_array_type[array_type] = _Namespace(xp)


class _Namespace:
    def __init__(self, xp):
        self.xp = xp


def register_backend(backend):
    """Make a backend's device type and array types known (used by the CuPy backend and test doubles)."""
    _backend_by_device_type[backend.device_type] = backend
    for array_type in backend.array_types:
        _backend_by_array_type[array_type] = backend


def backend_for(device):
    """The backend that owns a device ("cpu", "cuda:0", a Device); imports CuPy on first use."""
    device_type = as_device(device).type
    backend = _backend_by_device_type.get(device_type)
    if backend is None:
        module_name = _lazy_backend_modules.get(device_type)
        if module_name is None:
            known = ", ".join(sorted(set(_backend_by_device_type) | set(_lazy_backend_modules)))
            raise RuntimeError(f"unknown device type {device_type!r}: expected one of {known}")
        importlib.import_module(module_name)  # registers itself, or raises a RuntimeError saying what is missing
        backend = _backend_by_device_type[device_type]
    return backend


def backend_of(array):
    """The backend whose array library made `array`."""
    backend = _backend_by_array_type.get(type(array))
    if backend is None:
        for array_type, candidate in _backend_by_array_type.items():
            if isinstance(array, array_type):
                return candidate
        raise TypeError(f"expected a numpy or CuPy array, got {type(array).__name__}")
    return backend


def get_array_module(array):
    """`numpy` for numpy arrays, `cupy` for CuPy arrays: write an op once as `xp.exp(x)`.

    For a Tensor (a backward recording its own graph, see array_function.py) it is
    `autograd.tensor_numpy`: Tensor ops under numpy's names, so the same `xp.exp(x)` is recorded.
    """
    return backend_of(array).xp


def is_array(value):
    """True for an array of any backend (what forward saves besides None and plain numbers)."""
    return type(value) in _backend_by_array_type or isinstance(value, np.ndarray)


def to_device(array, device):
    """`array` moved to `device` (a no-op when it is already there)."""
    device = as_device(device)
    return backend_for(device).to_device(array, device)
