"""Data types: thin named wrappers around numpy dtypes, with PyTorch's names and inference rules.

`tensor(1.5)` is float32 (the default float dtype), `tensor(3)` is int64, `tensor(np_array)` keeps
the array's dtype. A Python scalar mixed with a tensor never changes the tensor's dtype.
"""

import numpy as np


class DType:
    """A tensor's element type, e.g. `tinygrad_edu.float32`. Compares equal to the numpy dtype too."""

    __slots__ = ("name", "numpy")

    def __init__(self, name):
        self.name = name
        self.numpy = np.dtype(name)

    @property
    def is_floating_point(self):
        return self.numpy.kind == "f"

    @property
    def itemsize(self):
        return self.numpy.itemsize

    def __eq__(self, other):
        if isinstance(other, DType):
            return self.numpy == other.numpy
        try:
            return self.numpy == np.dtype(other)
        except TypeError:
            return NotImplemented

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"tinygrad_edu.{self.name}"


float16 = DType("float16")
float32 = DType("float32")
float64 = DType("float64")
uint8 = DType("uint8")
int8 = DType("int8")
int16 = DType("int16")
int32 = DType("int32")
int64 = DType("int64")
bool_ = DType("bool")
# PyTorch's aliases. They shadow the builtins inside this module only; see builtins_* below.
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64

_BY_NUMPY = {d.numpy: d for d in (float16, float32, float64, uint8, int8, int16, int32, int64, bool_)}
_default_float = float32


def set_default_dtype(dtype):
    """Set the dtype that Python floats and float factories produce (float32 or float64)."""
    global _default_float
    dtype = as_dtype(dtype)
    if not dtype.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating dtypes can be the default, got {dtype}")
    _default_float = dtype


def get_default_dtype():
    """The dtype of `tensor(1.0)` and of `zeros(3)`: float32 unless changed."""
    return _default_float


def as_dtype(dtype):
    """Turn a DType, numpy dtype, Python type or name into our DType (None stays None)."""
    if dtype is None or isinstance(dtype, DType):
        return dtype
    if dtype is builtins_float:  # Python's float is a double, as in PyTorch
        return float64
    if dtype is builtins_int:
        return int64
    if dtype is builtins_bool:
        return bool_
    try:
        return _BY_NUMPY[np.dtype(dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"unsupported dtype {dtype!r}: use one of " + ", ".join(d.name for d in _BY_NUMPY.values())
        ) from None


def from_numpy_dtype(numpy_dtype):
    """Our DType for an array's dtype (an error names the unsupported dtype)."""
    try:
        return _BY_NUMPY[numpy_dtype]
    except KeyError:
        raise TypeError(f"arrays of dtype {numpy_dtype} are not supported by tinygrad_edu") from None


def infer_numpy_dtype(data):
    """The numpy dtype PyTorch would choose for Python data (arrays keep their own dtype)."""
    if hasattr(data, "dtype"):
        return np.dtype(data.dtype)
    array = np.asarray(data)
    kind = array.dtype.kind
    if kind == "f":
        return _default_float.numpy
    if kind in "iu":
        return np.dtype(np.int64)
    if kind == "b":
        return np.dtype(np.bool_)
    raise TypeError(f"its elements are not numbers (numpy kind {kind!r})")


def promote(a, b):
    """Result dtype of a binary op between two tensors, as in PyTorch: float beats int, wider beats narrower."""
    if a == b:
        return a
    a_float, b_float = a.kind == "f", b.kind == "f"
    if a_float != b_float:
        return a if a_float else b
    return np.promote_types(a, b)


def result_dtype(a, b):
    """Result dtype of a binary op between arrays a and b, as in PyTorch: a 0-d operand acts like a
    scalar (it does not widen a dimensioned operand of the same kind: float32 * 0-d float64 is float32)."""
    if a.dtype == b.dtype:
        return a.dtype
    if (a.ndim == 0) != (b.ndim == 0) and _category(a.dtype) == _category(b.dtype):
        return b.dtype if a.ndim == 0 else a.dtype
    return promote(a.dtype, b.dtype)


def _category(numpy_dtype):
    """bool < integer < floating: only a higher category promotes across a 0-d operand."""
    return {"b": 0, "u": 1, "i": 1, "f": 2}[numpy_dtype.kind]


def scalar_dtype(tensor_dtype, scalar):
    """Dtype of tensor-op-scalar: the tensor's, unless a float scalar meets an integer tensor."""
    if isinstance(scalar, (bool, np.bool_)):
        return tensor_dtype
    if isinstance(scalar, (builtins_float, np.floating)) and tensor_dtype.kind != "f":
        return _default_float.numpy
    if tensor_dtype.kind == "b" and isinstance(scalar, (builtins_int, np.integer)):
        return np.dtype(np.int64)
    return tensor_dtype


builtins_float = (1.0).__class__
builtins_int = (1).__class__
builtins_bool = True.__class__
