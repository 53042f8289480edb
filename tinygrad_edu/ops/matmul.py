"""Matrix multiplication, as numpy.matmul: 1-D, 2-D and batched operands with broadcast batch dims."""

from ..array_function import ArrayFunction
from ..backend import get_array_module
from .broadcasting import unbroadcast


class MatMul(ArrayFunction):
    """out = a @ b;  da = g @ b^T,  db = a^T @ g  (summed over broadcast batch dims).

    A 1-D `a` acts as a row (1, k) and a 1-D `b` as a column (k, 1), as in numpy.
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        ctx.shapes = a.shape, b.shape
        return a @ b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        a_shape, b_shape = ctx.shapes
        xp = get_array_module(grad_output)
        grad = grad_output  # give g the (..., rows, columns) shape of a_matrix @ b_matrix
        if len(b_shape) == 1:
            grad = xp.expand_dims(grad, -1)
        if len(a_shape) == 1:
            grad = xp.expand_dims(grad, -2)
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            b_matrix = b[:, None] if b.ndim == 1 else b
            a_matrix_shape = (1, *a_shape) if len(a_shape) == 1 else a_shape
            grad_a = unbroadcast(grad @ xp.swapaxes(b_matrix, -1, -2), a_matrix_shape).reshape(a_shape)
        if ctx.needs_input_grad[1]:
            a_matrix = a[None, :] if a.ndim == 1 else a
            b_matrix_shape = (*b_shape, 1) if len(b_shape) == 1 else b_shape
            grad_b = unbroadcast(xp.swapaxes(a_matrix, -1, -2) @ grad, b_matrix_shape).reshape(b_shape)
        return grad_a, grad_b
