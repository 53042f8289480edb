"""tinygrad_edu: a small, readable autograd framework with PyTorch's API.

>>> import tinygrad_edu as tg
>>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x ** 2).sum().backward()
>>> x.grad
tensor([2., 4., 6.])
"""

from math import e, inf, nan, pi  # torch.pi, torch.e, torch.inf, torch.nan: the same Python floats

from . import accelerator, autograd, cuda, data, datasets, nn, optim, testing, utils
from .arguments import Device as device
from .arguments import get_default_device, set_default_device
from .array_function import ArrayFunction
from .autograd import Function
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .dtypes import DType as dtype
from .dtypes import (
    bool_ as bool,
)
from .dtypes import (
    double,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from .dtypes import int as int
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .joining import cat, concat, concatenate, pad, stack
from .model_summary import summary
from .ops.broadcasting import broadcast_shapes
from .random import Generator, initial_seed, manual_seed
from .serialization import load, save
from .shortcuts import *  # noqa: F403  (exp, sum, max, softmax, ... as in the torch namespace)
from .tensor import Tensor
from .tensor_types import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)

__version__ = "0.1.0"
