"""numpy's names for Tensor ops: the `xp` an ArrayFunction's backward gets when it runs on Tensors.

With `create_graph=True` the engine calls each op's backward with Tensors, and
`get_array_module(tensor)` answers this module, so the `xp.exp(x)`, `xp.where(mask, g, 0)` and
`xp.expand_dims(g, axes)` of a backward are recorded like any forward computation and can be
differentiated again. Only what the built-in ops' backward methods call is here.
"""

import sys

import numpy as np

from ..backend import register_array_namespace
from ..tensor import Tensor

inf = np.inf


def exp(x):
    return x.exp()


def log(x):
    return x.log()


def log1p(x):
    return x.log1p()


def sqrt(x):
    return x.sqrt()


def sin(x):
    return x.sin()


def cos(x):
    return x.cos()


def tanh(x):
    return x.tanh()


def abs(x):
    return x.abs()


def sign(x):
    return x.sign()


def floor_divide(a, b):
    return a // b


def maximum(a, b):
    return a.maximum(b) if isinstance(a, Tensor) else b.maximum(a)


def where(condition, a, b):
    """a where condition else b; either may be a number (not both)."""
    if isinstance(a, Tensor):
        return a.where(condition, b)
    return b.where(~condition, a)


def expand_dims(x, axis):
    """New dims of size 1 at the positions `axis` (an int or a tuple) of the result, as numpy's."""
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    ndim = x.ndim + len(axes)
    for position in sorted(a % ndim for a in axes):
        x = x.unsqueeze(position)
    return x


def broadcast_to(x, shape):
    return x.expand(*shape)


def swapaxes(x, first, second):
    return x.transpose(first, second)


def transpose(x, axes):
    return x.permute(*axes)


def mean(x, axis=None, keepdims=False):
    return x.mean(axis, keepdims)


register_array_namespace(Tensor, sys.modules[__name__])
