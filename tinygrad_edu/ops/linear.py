"""The fully connected layer as one op, so a Linear layer costs one graph node instead of three."""

import math

from ..array_function import ArrayFunction


class Linear(ArrayFunction):
    """y = x @ W.T + b;  dx = g @ W,  dW = g.T @ x,  db = g.sum(0).

    x is (..., in_features) and W is (out_features, in_features), PyTorch's layout; leading dims
    of x are batch dims, flattened into one for the matmuls.
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        batch = math.prod(x.shape[:-1])  # not reshape(-1, ...): numpy can't infer -1 when in_features is 0
        rows = x if x.ndim == 2 else x.reshape(batch, x.shape[-1])
        out = rows @ weight.T
        if bias is not None:
            out += bias
        ctx.save_for_backward(rows, weight)
        ctx.input_shape = x.shape
        return out if x.ndim == 2 else out.reshape(*x.shape[:-1], weight.shape[0])

    @staticmethod
    def backward(ctx, grad_output):
        rows, weight = ctx.saved_tensors
        if ctx.create_graph and ctx.needs_input_grad[0] and len(ctx.input_shape) != 2:
            rows = ctx.input_in_graph(0).reshape(rows.shape)  # the saved rows are a view: take x's history
        grad_rows = grad_output if grad_output.ndim == 2 else grad_output.reshape(rows.shape[0], weight.shape[0])
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_x = grad_rows @ weight if len(ctx.input_shape) == 2 else (grad_rows @ weight).reshape(ctx.input_shape)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_rows.T @ rows
        if ctx.needs_input_grad[2]:
            grad_bias = grad_rows.sum(axis=0)
        return grad_x, grad_weight, grad_bias
