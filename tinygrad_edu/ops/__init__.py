"""The op library: one `Function` subclass per op, grouped by kind."""

from . import elementwise, matmul, movement, reduce
from .broadcasting import unbroadcast

__all__ = ["elementwise", "matmul", "movement", "reduce", "unbroadcast"]
