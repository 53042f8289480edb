"""`tinygrad_edu.exp(x)`: the torch-namespace spellings of Tensor methods, one line each.

This module shadows builtins such as `sum` and `max` on purpose, so nothing else lives here.
"""

from . import arguments, creation
from .tensor import Tensor


def maximum(input, other):
    return input.maximum(other)


def minimum(input, other):
    return input.minimum(other)


def matmul(input, other):
    return input.matmul(other)


def where(condition, input, other):
    """input where condition is true, else other; either may be a number (as torch.where)."""
    if not isinstance(input, Tensor):  # a number: it takes other's dtype, or its own when both are numbers
        device = condition.device if isinstance(condition, Tensor) else None
        input = other._operand(input, "where") if isinstance(other, Tensor) else creation.tensor(input, device=device)
    return input.where(condition, other)


def clamp(input, min=None, max=None):
    return input.clamp(min, max)


clip = clamp


@arguments.numpy_names
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over dim in one call, as torch.var_mean."""
    return input.var(dim, unbiased, keepdim, correction=correction), input.mean(dim, keepdim=keepdim)


@arguments.numpy_names
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over dim in one call, as torch.std_mean."""
    return input.std(dim, unbiased, keepdim, correction=correction), input.mean(dim, keepdim=keepdim)


def _method(name):
    def function(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)

    function.__name__ = name
    function.__doc__ = f"`tinygrad_edu.{name}(x, ...)` is `x.{name}(...)`."
    return function


abs = _method("abs")
exp = _method("exp")
log = _method("log")
log1p = _method("log1p")
sign = _method("sign")
sqrt = _method("sqrt")
sin = _method("sin")
cos = _method("cos")
tanh = _method("tanh")
sigmoid = _method("sigmoid")
relu = _method("relu")
neg = _method("neg")
square = _method("square")
sum = _method("sum")
prod = _method("prod")
all = _method("all")
any = _method("any")
mean = _method("mean")
var = _method("var")
std = _method("std")
max = _method("max")
min = _method("min")
amax = _method("amax")
amin = _method("amin")
argmax = _method("argmax")
argmin = _method("argmin")
logsumexp = _method("logsumexp")
softmax = _method("softmax")
log_softmax = _method("log_softmax")
reshape = _method("reshape")
permute = _method("permute")
transpose = _method("transpose")
flatten = _method("flatten")
squeeze = _method("squeeze")
unsqueeze = _method("unsqueeze")
split = _method("split")
chunk = _method("chunk")
add = _method("add")
sub = _method("sub")
mul = _method("mul")
div = _method("div")
pow = _method("pow")
eq = _method("eq")
ne = _method("ne")
lt = _method("lt")
le = _method("le")
gt = _method("gt")
ge = _method("ge")
isnan = _method("isnan")
isfinite = _method("isfinite")
flip = _method("flip")
roll = _method("roll")
repeat_interleave = _method("repeat_interleave")
tril = _method("tril")
triu = _method("triu")
masked_fill = _method("masked_fill")
sort = _method("sort")
argsort = _method("argsort")
topk = _method("topk")
isclose = _method("isclose")
allclose = _method("allclose")
equal = _method("equal")
floor_divide = _method("floor_divide")
remainder = _method("remainder")
