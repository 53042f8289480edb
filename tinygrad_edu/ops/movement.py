"""Movement ops: they move or select elements without arithmetic, so backward moves the gradient back."""

from ..array_function import ArrayFunction
from ..backend import backend_of, get_array_module, to_device
from .broadcasting import unbroadcast


class Reshape(ArrayFunction):
    """out = x with a new shape (same elements, row-major order);  dx = g reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.reshape(ctx.shape), None


class Permute(ArrayFunction):
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
        return get_array_module(grad_output).transpose(grad_output, inverse), None


class Expand(ArrayFunction):
    """out = x broadcast to `shape` (a view);  dx = g summed over the broadcast axes."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return get_array_module(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad_output):
        return unbroadcast(grad_output, ctx.shape), None


class GetItem(ArrayFunction):
    """out = x[index];  dx = zeros with g added at index (repeated indices add up)."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        return x[index]

    @staticmethod
    def backward(ctx, grad_output):
        if ctx.create_graph:
            return IndexedAdd.apply(grad_output, ctx.shape, ctx.index), None
        return added_at(grad_output, ctx.shape, ctx.index), None


def added_at(values, shape, index):
    """zeros(shape) with `values` added at `index` (repeated indices add up)."""
    backend = backend_of(values)
    out = backend.xp.zeros(shape, dtype=values.dtype)
    if _may_repeat(index):
        backend.scatter_add(out, index, values)
    else:  # slices, ints and masks pick each element at most once: plain assignment is enough
        out[index] = values
    return out


class IndexedAdd(ArrayFunction):
    """out = zeros(shape) with x added at index (GetItem's backward, recorded);  dx = g[index]."""

    @staticmethod
    def forward(ctx, x, shape, index):
        ctx.index = index
        return added_at(x, shape, index)

    @staticmethod
    def backward(ctx, grad_output):
        picked = GetItem.apply(grad_output, ctx.index) if ctx.create_graph else grad_output[ctx.index]
        return picked, None, None


def _may_repeat(index):
    """True when the index holds an integer array, which can name the same element twice."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(getattr(part, "dtype", None) is not None and part.dtype.kind in "iu" and part.ndim > 0 for part in parts)


class SetItem(ArrayFunction):
    """out = x with out[index] = value (`x[index] = value` recorded in the graph);
    dx = g with 0 at index,  dvalue = g[index] summed back to value's shape."""

    @staticmethod
    def forward(ctx, x, index, value):
        out = x.copy()
        out[index] = value
        ctx.index, ctx.value_shape = index, getattr(value, "shape", None)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        grad_value = None
        if ctx.needs_input_grad[2]:
            grad_value = unbroadcast(grad_output[ctx.index], ctx.value_shape)
        if ctx.create_graph:  # the copy with zeros written in, recorded
            grad_x = SetItem.apply(grad_output, ctx.index, 0)
        else:
            grad_x = grad_output.copy()
            grad_x[ctx.index] = 0
        return grad_x, None, grad_value


class Cat(ArrayFunction):
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


class Pad(ArrayFunction):
    """out = x with `value` added around it (`widths` is numpy's ((before, after), ...));  dx = the inner part of g."""

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.widths = widths
        return get_array_module(x).pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad_output):
        inner = tuple(slice(before, size - after) for (before, after), size in zip(ctx.widths, grad_output.shape))
        return grad_output[inner], None, None


class ToDevice(ArrayFunction):
    """out = x copied to another device;  dx = g copied back to x's device."""

    moves_data = True

    @staticmethod
    def forward(ctx, x, device):
        ctx.source = backend_of(x).device_of(x)
        return to_device(x, device)

    @staticmethod
    def backward(ctx, grad_output):
        if ctx.create_graph:
            return ToDevice.apply(grad_output, ctx.source), None
        return to_device(grad_output, ctx.source), None
