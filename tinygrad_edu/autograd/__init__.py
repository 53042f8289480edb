"""Automatic differentiation: the engine (`backward`, `grad`), custom `Function`s, and
`functional` (vjp, jvp, jacobian, hessian, hvp), as in `torch.autograd`."""

from . import functional, tensor_numpy  # tensor_numpy: numpy names for Tensors, used by a recorded backward
from .engine import backward, grad
from .function import Function, FunctionCtx, once_differentiable

__all__ = ["Function", "FunctionCtx", "backward", "functional", "grad", "once_differentiable"]
