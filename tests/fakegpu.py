"""A strict stand-in for CuPy, so that CI without a GPU still proves the code is device independent.

A `FakeArray` keeps a numpy array as its "device memory" and behaves like a CuPy array where bugs hide:

- it refuses implicit conversion to numpy: `np.asarray(fake)` raises TypeError, as CuPy does;
- it refuses to meet numpy arrays in any operation: `fake + ndarray`, `fake[ndarray]`,
  `fake[...] = ndarray`, `xp.where(ndarray_mask, fake, fake)` all raise TypeError;
- numpy functions called on it directly (`np.exp(fake)`, `np.concatenate([fake])`) raise: only the
  `xp` namespace below computes on it, just as only `cupy` computes on CuPy arrays;
- reductions give 0-d arrays, never numpy scalars (CuPy's `x.sum()` is a 0-d device array);
- each array knows its device index, and arrays on different devices refuse to meet.

Python and numpy scalars mix freely, as with CuPy. Importing this module registers the device type
"fakegpu" ("fakegpu:0", "fakegpu:1", ...) with tinygrad_edu's backend registry.
"""

import operator

import numpy as np

from tinygrad_edu import backend
from tinygrad_edu.arguments import Device

DEVICE_COUNT = 2  # fakegpu:0 and fakegpu:1, enough to test moves and mixing between GPUs
DEFAULT_DEVICE_INDEX = 0  # where arrays made from scratch (xp.zeros, xp.asarray(list)) live: CuPy's current device


class FakeArray:
    """A numpy array that pretends to live in GPU memory (see the module docstring for its rules)."""

    __slots__ = ("_array", "device_index")
    __array_ufunc__ = None  # np.exp(fake) raises; `ndarray + fake` falls back to fake.__radd__, which refuses
    __hash__ = None

    def __init__(self, array, device_index):
        self._array = array
        self.device_index = device_index

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a NumPy "
            "array explicitly. (fakegpu: device data reached numpy; use xp = get_array_module(array) or "
            "backend.to_device)"
        )

    def __array_function__(self, function, types, args, kwargs):
        raise TypeError(
            f"numpy.{function.__name__} was called on fakegpu data; compute with "
            "xp = get_array_module(array) instead of numpy"
        )

    def __array_namespace__(self, api_version=None):
        return xp

    def get(self):
        """A numpy copy in host memory (CuPy's explicit device-to-host transfer)."""
        return self._array.copy()

    shape = property(lambda self: self._array.shape)
    ndim = property(lambda self: self._array.ndim)
    dtype = property(lambda self: self._array.dtype)
    size = property(lambda self: self._array.size)
    itemsize = property(lambda self: self._array.itemsize)
    nbytes = property(lambda self: self._array.nbytes)
    strides = property(lambda self: self._array.strides)
    T = property(lambda self: FakeArray(self._array.T, self.device_index))

    def __len__(self):
        return len(self._array)

    def __iter__(self):
        return (FakeArray(row, self.device_index) for row in self._array)

    def __repr__(self):
        return f"fakegpu_array({self._array!r}, device={self.device_index})"

    # Leaving the device for a Python value is allowed (CuPy synchronises and copies).
    def item(self):
        return self._array.item()

    def tolist(self):
        return self._array.tolist()

    def __bool__(self):
        return bool(self._array)

    def __float__(self):
        return float(self._array)

    def __int__(self):
        return int(self._array)

    def __index__(self):
        return operator.index(self._array)

    def __getitem__(self, index):
        return _call(operator.getitem, (self, index), {})

    def __setitem__(self, index, value):
        _call(operator.setitem, (self, index, value), {})


def _method(name):
    numpy_method = getattr(np.ndarray, name)

    def method(self, *args, **kwargs):
        return _call(numpy_method, (self, *args), kwargs)

    method.__name__ = name
    return method


def _inplace_method(name):
    numpy_method = getattr(np.ndarray, name)

    def method(self, other):
        _call(numpy_method, (self, other), {})
        return self

    method.__name__ = name
    return method


_METHODS = (
    "reshape transpose swapaxes squeeze ravel flatten copy astype view fill clip round repeat take nonzero "
    "sum mean var std prod cumsum max min argmax argmin any all sort argsort dot"
)
_OPERATORS = (
    "add sub mul truediv floordiv mod pow matmul and or xor lshift rshift".split(),
    "eq ne lt le gt ge neg pos abs invert".split(),
)
for _name in _METHODS.split():
    setattr(FakeArray, _name, _method(_name))
for _name in _OPERATORS[0]:
    setattr(FakeArray, f"__{_name}__", _method(f"__{_name}__"))
    setattr(FakeArray, f"__r{_name}__", _method(f"__r{_name}__"))
    setattr(FakeArray, f"__i{_name}__", _inplace_method(f"__i{_name}__"))
for _name in _OPERATORS[1]:
    setattr(FakeArray, f"__{_name}__", _method(f"__{_name}__"))


def _call(function, args, kwargs):
    """Run a numpy function on the device arrays inside args: refuse numpy arrays, rewrap the result."""
    devices = set()
    args = _unwrap(args, devices)
    kwargs = {key: _unwrap(value, devices) for key, value in kwargs.items()}
    if len(devices) > 1:
        raise ValueError(
            f"fakegpu: arrays on devices {sorted(devices)} met in one operation; move them to one device first"
        )
    result = function(*args, **kwargs)
    return _wrap(result, devices.pop() if devices else DEFAULT_DEVICE_INDEX)


def _unwrap(value, devices):
    if isinstance(value, FakeArray):
        devices.add(value.device_index)
        return value._array
    if isinstance(value, np.ndarray):
        raise TypeError(
            f"fakegpu: a numpy array (shape {value.shape}, {value.dtype}) met fakegpu data: incompatible array "
            "types are mixed; move it with backend.to_device(array, device) first"
        )
    if type(value) in (tuple, list):
        return type(value)(_unwrap(item, devices) for item in value)
    return value


def _wrap(result, device_index):
    if isinstance(result, np.ndarray):
        return FakeArray(result, device_index)
    if isinstance(result, np.generic):  # CuPy returns 0-d device arrays where numpy returns scalars
        return FakeArray(np.asarray(result), device_index)
    if type(result) in (tuple, list):
        return type(result)(_wrap(item, device_index) for item in result)
    return result


class _Namespace:
    """`xp` for fakegpu arrays: numpy's functions, taking and returning FakeArrays (as `cupy` mirrors numpy)."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        attribute = getattr(self._module, name)
        if attribute is np.ndarray:
            return FakeArray
        if isinstance(attribute, type) or not callable(attribute):  # dtypes, finfo, constants, newaxis
            return attribute
        if isinstance(attribute, type(np)):
            return _Namespace(attribute)

        def function(*args, **kwargs):
            return _call(attribute, args, kwargs)

        function.__name__ = name
        setattr(self, name, function)
        return function


xp = _Namespace(np)


class FakeGenerator:
    """numpy's Generator, with its samples placed on a fake device."""

    def __init__(self, seed, device_index):
        self._rng = np.random.default_rng(seed)
        self._device_index = device_index

    def random(self, size, dtype=np.float64):
        return FakeArray(self._rng.random(size, dtype=dtype), self._device_index)

    def standard_normal(self, size, dtype=np.float64):
        return FakeArray(self._rng.standard_normal(size, dtype=dtype), self._device_index)

    def integers(self, low, high=None, size=None):
        return FakeArray(np.asarray(self._rng.integers(low, high, size=size)), self._device_index)

    def permutation(self, n):
        return FakeArray(self._rng.permutation(n), self._device_index)


class FakeGpuBackend:
    """The backend for device type "fakegpu": the same methods as NumpyBackend and CupyBackend."""

    device_type = "fakegpu"
    xp = xp
    array_types = (FakeArray,)

    def device_of(self, array):
        return Device("fakegpu", array.device_index)

    def to_device(self, array, device):
        """Host arrays are copied in; arrays on another fake device are copied across."""
        index = _existing_index(device)
        if isinstance(array, FakeArray):
            return array if array.device_index == index else FakeArray(array._array.copy(), index)
        return FakeArray(np.array(backend.backend_of(array).to_numpy(array), copy=True), index)

    def to_numpy(self, array):
        return array.get()

    def scatter_add(self, target, index, values):
        devices = set()
        np.add.at(_unwrap(target, devices), _unwrap(index, devices), _unwrap(values, devices))

    def as_strided(self, array, shape, strides):
        view = np.lib.stride_tricks.as_strided(array._array, shape, strides, writeable=False)
        return FakeArray(view, array.device_index)

    def new_generator(self, seed, device):
        return FakeGenerator(seed, _existing_index(device))

    def synchronize(self, device):
        """Nothing is queued: fake kernels run at once."""


def _existing_index(device):
    index = device.index or 0
    if index >= DEVICE_COUNT:
        raise RuntimeError(f"device {device} does not exist: there are {DEVICE_COUNT} fake GPUs")
    return index


BACKEND = FakeGpuBackend()
backend.register_backend(BACKEND)
