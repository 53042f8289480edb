"""Matrix multiplication, as numpy.matmul: 1-D, 2-D and batched operands with broadcast batch dims."""

from ..backend import get_array_module
from ..function import Function
from .broadcasting import unbroadcast


class MatMul(Function):
    """out = a @ b;  da = g @ b^T,  db = a^T @ g  (summed over broadcast batch dims).

    A 1-D `a` acts as a row (1, k) and a 1-D `b` as a column (k, 1), as in numpy.
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        xp = get_array_module(a)
        a_matrix = a[None, :] if a.ndim == 1 else a
        b_matrix = b[:, None] if b.ndim == 1 else b
        grad = grad_output  # give g the (..., rows, columns) shape of a_matrix @ b_matrix
        if b.ndim == 1:
            grad = xp.expand_dims(grad, -1)
        if a.ndim == 1:
            grad = xp.expand_dims(grad, -2)
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = unbroadcast(grad @ xp.swapaxes(b_matrix, -1, -2), a_matrix.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            grad_b = unbroadcast(xp.swapaxes(a_matrix, -1, -2) @ grad, b_matrix.shape).reshape(b.shape)
        return grad_a, grad_b
