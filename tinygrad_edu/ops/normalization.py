"""Batch normalisation: standardise each channel, then scale and shift it with learned w and b."""

from ..array_function import ArrayFunction
from ..backend import get_array_module


class BatchNorm(ArrayFunction):
    """y = (x - mean) * invstd * w + b per channel (axis 1), with invstd = 1 / sqrt(var + eps).

    With batch statistics (training) mean and var are the batch's own, and the running statistics
    (when given) move towards them in place: new = (1 - momentum) * old + momentum * batch, with the
    unbiased variance. Otherwise mean and var are the running statistics.
    dw = sum(g * x_hat),  db = sum(g),  where x_hat = (x - mean) * invstd.
    With the running statistics (eval) mean and invstd are constants: dx = g * w * invstd.
    With the batch's own statistics (training) they depend on x too, which adds two terms:
    dx = invstd * (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)),  dx_hat = g * w.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, batch_statistics, momentum, eps):
        channel_shape = (1, -1) + (1,) * (x.ndim - 2)
        if batch_statistics:
            axes = (0,) + tuple(range(2, x.ndim))
            mean, var = x.mean(axis=axes), x.var(axis=axes)
            _update_running_statistics(running_mean, running_var, mean, var, x.size // x.shape[1], momentum)
        else:
            mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
        invstd = 1 / get_array_module(x).sqrt(var + x.dtype.type(eps))
        x_hat = (x - mean.reshape(channel_shape)) * invstd.reshape(channel_shape)
        out = x_hat
        if weight is not None:
            out = out * weight.reshape(channel_shape)
        if bias is not None:
            out = out + bias.reshape(channel_shape)
        ctx.save_for_backward(x_hat, weight, invstd, x)
        ctx.batch_statistics, ctx.eps = batch_statistics, eps
        ctx.mean = None if batch_statistics else mean
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x_hat, weight, invstd, x = ctx.saved_tensors
        axes = (0,) + tuple(range(2, x_hat.ndim))
        channel_shape = (1, -1) + (1,) * (x_hat.ndim - 2)
        if ctx.create_graph:  # x_hat and invstd again, from x with recorded ops
            x_hat, invstd = _standardized_recorded(x, ctx, axes, channel_shape, invstd)
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_x_hat = grad_output if weight is None else grad_output * weight.reshape(channel_shape)
            if ctx.batch_statistics:
                xp = get_array_module(x_hat)
                grad_x_hat = (
                    grad_x_hat
                    - grad_x_hat.mean(axis=axes, keepdims=True)
                    - x_hat * xp.mean(grad_x_hat * x_hat, axis=axes, keepdims=True)
                )
            grad_x = grad_x_hat * invstd.reshape(channel_shape)
        if ctx.needs_input_grad[1]:
            grad_weight = (grad_output * x_hat).sum(axis=axes)
        if ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(axis=axes)
        return grad_x, grad_weight, grad_bias, None, None, None, None, None


def _standardized_recorded(x, ctx, axes, channel_shape, running_invstd):
    """(x_hat, invstd) as forward computes them, with recorded ops on the Tensor x (create_graph)."""
    if not ctx.batch_statistics:  # the running statistics are constants
        return (x - ctx.mean.reshape(channel_shape)) * running_invstd.reshape(channel_shape), running_invstd
    xp = get_array_module(x)
    centered = x - x.mean(axis=axes, keepdims=True)
    invstd = 1 / xp.sqrt((centered * centered).mean(axis=axes) + ctx.eps)
    return centered * invstd.reshape(channel_shape), invstd


def _update_running_statistics(running_mean, running_var, mean, var, count, momentum):
    """Move the running averages towards the batch's statistics, in place (they are state, not graph)."""
    if running_mean is not None:
        running_mean *= 1 - momentum
        running_mean += momentum * mean
    if running_var is not None:
        running_var *= 1 - momentum
        running_var += momentum * count / (count - 1) * var
