"""`FloatTensor`, `LongTensor`, ...: PyTorch's legacy per-dtype tensor types, and `x.type()`'s names for them.

    FloatTensor(2, 3)          # a 2x3 float32 tensor of zeros (Tensor(2, 3, dtype=float32))
    LongTensor([1.7, 2])       # tensor([1, 2]): the data converted to int64
    isinstance(x, FloatTensor) # True for a float32 tensor on the CPU
    x.type(LongTensor)         # the same as x.long()

They are not subclasses: a tensor has one class, Tensor, and "being a FloatTensor" means having its dtype.
`x.type()` names them under tinygrad_edu ('tinygrad_edu.FloatTensor', 'tinygrad_edu.cuda.FloatTensor')
where PyTorch says 'torch.FloatTensor'; `x.type("torch.FloatTensor")` is accepted too.
"""

from . import dtypes
from .tensor import Tensor


class _TensorType(type):
    """The metaclass: calling a tensor type makes a Tensor of its dtype; isinstance checks the dtype."""

    def __call__(cls, *data, device=None):
        return Tensor(*data, dtype=cls.dtype, device=device)

    def __instancecheck__(cls, value):
        return isinstance(value, Tensor) and value.dtype == cls.dtype and value.device.type == "cpu"

    def __repr__(cls):
        return f"<class 'tinygrad_edu.{cls.__name__}'>"


def _tensor_type(name, dtype):
    return _TensorType(name, (), {"dtype": dtype, "__doc__": f"`{name}(data or sizes)`: a Tensor of {dtype}."})


FloatTensor = _tensor_type("FloatTensor", dtypes.float32)
DoubleTensor = _tensor_type("DoubleTensor", dtypes.float64)
HalfTensor = _tensor_type("HalfTensor", dtypes.float16)
LongTensor = _tensor_type("LongTensor", dtypes.int64)
IntTensor = _tensor_type("IntTensor", dtypes.int32)
ShortTensor = _tensor_type("ShortTensor", dtypes.int16)
CharTensor = _tensor_type("CharTensor", dtypes.int8)
ByteTensor = _tensor_type("ByteTensor", dtypes.uint8)
BoolTensor = _tensor_type("BoolTensor", dtypes.bool_)

TENSOR_TYPES = [
    FloatTensor,
    DoubleTensor,
    HalfTensor,
    LongTensor,
    IntTensor,
    ShortTensor,
    CharTensor,
    ByteTensor,
    BoolTensor,
]
_BY_DTYPE = {tensor_type.dtype: tensor_type for tensor_type in TENSOR_TYPES}
_BY_NAME = {tensor_type.__name__: tensor_type for tensor_type in TENSOR_TYPES}


def type_name(tensor):
    """'tinygrad_edu.FloatTensor' for a float32 CPU tensor, 'tinygrad_edu.cuda.FloatTensor' on a GPU."""
    place = "" if tensor.device.type == "cpu" else f"{tensor.device.type}."
    return f"tinygrad_edu.{place}{_BY_DTYPE[tensor.dtype].__name__}"


def as_dtype(target):
    """The dtype that `x.type(target)` converts to: a dtype, a tensor type, or a type name as a string."""
    if isinstance(target, _TensorType):
        return target.dtype
    if isinstance(target, str) and target.endswith("Tensor"):
        name = target.rsplit(".", 1)[-1]
        if name not in _BY_NAME:
            raise TypeError(f"type: invalid type {target!r}; expected one of {sorted(_BY_NAME)} or a dtype")
        return _BY_NAME[name].dtype
    return dtypes.as_dtype(target)
