"""Movement ops: they move or select elements without arithmetic, so backward moves the gradient back."""

from ..backend import backend_of, get_array_module, to_device
from ..function import Function
from .broadcasting import unbroadcast


class Reshape(Function):
    """out = x with a new shape (same elements, row-major order);  dx = g reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.reshape(ctx.shape), None


class Permute(Function):
    """out = x with its axes reordered (out.shape[i] = x.shape[dims[i]]);  dx = g with the inverse order."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad_output):
        inverse = [0] * len(ctx.dims)
        for position, axis in enumerate(ctx.dims):
            inverse[axis] = position
        return grad_output.transpose(inverse), None


class Expand(Function):
    """out = x broadcast to `shape` (a view);  dx = g summed over the broadcast axes."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return get_array_module(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad_output):
        return unbroadcast(grad_output, ctx.shape), None


class GetItem(Function):
    """out = x[index];  dx = zeros with g added at index (repeated indices add up)."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        return x[index]

    @staticmethod
    def backward(ctx, grad_output):
        backend = backend_of(grad_output)
        grad = backend.xp.zeros(ctx.shape, dtype=ctx.dtype)
        if _may_repeat(ctx.index):
            backend.scatter_add(grad, ctx.index, grad_output)
        else:  # slices, ints and masks pick each element at most once: plain assignment is enough
            grad[ctx.index] = grad_output
        return grad, None


def _may_repeat(index):
    """True when the index holds an integer array, which can name the same element twice."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(getattr(part, "dtype", None) is not None and part.dtype.kind in "iu" and part.ndim > 0 for part in parts)


class Cat(Function):
    """out = the inputs joined along `axis`;  each input gets its slice of g."""

    @staticmethod
    def forward(ctx, axis, *arrays):
        ctx.axis = axis
        ctx.sizes = [array.shape[axis] for array in arrays]
        return get_array_module(arrays[0]).concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad_output):
        grads = []
        start = 0
        index = [slice(None)] * grad_output.ndim
        for size in ctx.sizes:
            index[ctx.axis] = slice(start, start + size)
            grads.append(grad_output[tuple(index)])
            start += size
        return (None, *grads)


class Pad(Function):
    """out = x with `value` added around it (`widths` is numpy's ((before, after), ...));  dx = the inner part of g."""

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.widths = widths
        return get_array_module(x).pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad_output):
        inner = tuple(slice(before, size - after) for (before, after), size in zip(ctx.widths, grad_output.shape))
        return grad_output[inner], None, None


class ToDevice(Function):
    """out = x copied to another device;  dx = g copied back to x's device."""

    moves_data = True

    @staticmethod
    def forward(ctx, x, device):
        ctx.source = backend_of(x).device_of(x)
        return to_device(x, device)

    @staticmethod
    def backward(ctx, grad_output):
        return to_device(grad_output, ctx.source), None
