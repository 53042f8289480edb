"""Reductions and the softmax family. `axes` is a tuple of non-negative ints or None (all axes).

The gradient of a reduction is the upstream gradient broadcast back over the reduced axes.
"""

from ..array_function import ArrayFunction
from ..backend import get_array_module


def expand_reduced(grad, input_shape, axes, keepdim):
    """Broadcast a reduced gradient back to `input_shape` (a view, no copy)."""
    xp = get_array_module(grad)
    if axes is not None and not keepdim:
        grad = xp.expand_dims(grad, axes)
    return xp.broadcast_to(grad, input_shape)


def reduced_count(shape, axes):
    """How many elements each output of a reduction over `axes` combines."""
    count = 1
    for axis in range(len(shape)) if axes is None else axes:
        count *= shape[axis]
    return count


class Sum(ArrayFunction):
    """out = sum of x over axes;  dx = g broadcast back."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return x.sum(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad_output):
        return expand_reduced(grad_output, ctx.shape, ctx.axes, ctx.keepdim), None, None


class Mean(ArrayFunction):
    """out = sum(x) / n over axes;  dx = g / n broadcast back."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return x.mean(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad_output):
        count = reduced_count(ctx.shape, ctx.axes)
        return expand_reduced(grad_output / count, ctx.shape, ctx.axes, ctx.keepdim), None, None


class Var(ArrayFunction):
    """out = sum((x - mean)**2) / (n - correction);  dx = g * 2 (x - mean) / (n - correction)."""

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim):
        xp = get_array_module(x)
        ctx.save_for_backward(x)
        ctx.axes, ctx.correction, ctx.keepdim = axes, correction, keepdim
        return xp.var(x, axis=axes, ddof=correction, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        centered = x - x.mean(axis=ctx.axes, keepdims=True)
        divisor = reduced_count(x.shape, ctx.axes) - ctx.correction
        scale = 2 / divisor if divisor > 0 else float("nan")  # no degrees of freedom left: nan, as PyTorch
        grad = expand_reduced(grad_output, x.shape, ctx.axes, ctx.keepdim)
        return grad * centered * scale, None, None, None


class Amax(ArrayFunction):
    """out = max of x over axes;  dx = g shared evenly among the elements equal to the max (as PyTorch)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        out = x.max(axis=axes, keepdims=True)
        ctx.save_for_backward(x, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out if keepdim else _drop_axes(out, axes)

    @staticmethod
    def backward(ctx, grad_output):
        return _to_extremes(ctx, grad_output), None, None


class Amin(ArrayFunction):
    """out = min of x over axes;  dx = g shared evenly among the elements equal to the min (as PyTorch)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        out = x.min(axis=axes, keepdims=True)
        ctx.save_for_backward(x, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out if keepdim else _drop_axes(out, axes)

    @staticmethod
    def backward(ctx, grad_output):
        return _to_extremes(ctx, grad_output), None, None


def _drop_axes(array, axes):
    return array.reshape(()) if axes is None else array.squeeze(axis=axes)


def _to_extremes(ctx, grad_output):
    x, extreme = ctx.saved_tensors
    is_extreme = x == extreme
    ties = is_extreme.sum(axis=ctx.axes, keepdims=True, dtype=grad_output.dtype)
    grad = expand_reduced(grad_output, x.shape, ctx.axes, ctx.keepdim)
    return grad * is_extreme / ties


class MaxAlong(ArrayFunction):
    """out = max of x along one axis (as `x.max(dim)`);  dx = g at the returned index only."""

    @staticmethod
    def forward(ctx, x, axis, keepdim):
        return _pick_along(ctx, x, x.argmax(axis=axis), axis, keepdim)

    @staticmethod
    def backward(ctx, grad_output):
        return _to_index(ctx, grad_output), None, None


class MinAlong(ArrayFunction):
    """out = min of x along one axis (as `x.min(dim)`);  dx = g at the returned index only."""

    @staticmethod
    def forward(ctx, x, axis, keepdim):
        return _pick_along(ctx, x, x.argmin(axis=axis), axis, keepdim)

    @staticmethod
    def backward(ctx, grad_output):
        return _to_index(ctx, grad_output), None, None


def _pick_along(ctx, x, indices, axis, keepdim):
    """x's elements at `indices` along `axis`; remembers where they were for backward."""
    xp = get_array_module(x)
    ctx.indices = indices = xp.expand_dims(indices, axis)
    ctx.shape, ctx.axis, ctx.keepdim = x.shape, axis, keepdim
    out = xp.take_along_axis(x, indices, axis=axis)
    return out if keepdim else out.squeeze(axis=axis)


def _to_index(ctx, grad_output):
    """Scatter g to the chosen index along the axis: a one-hot mask (index == position) times g."""
    axis = ctx.axis
    positions_shape = [1] * len(ctx.shape)
    positions_shape[axis] = ctx.shape[axis]
    positions = get_array_module(ctx.indices).arange(ctx.shape[axis]).reshape(positions_shape)
    if not ctx.keepdim:
        grad_output = get_array_module(grad_output).expand_dims(grad_output, axis)
    return (positions == ctx.indices) * grad_output


class LogSumExp(ArrayFunction):
    """out = log(sum(e**x)) over axes, computed as m + log(sum(e**(x - m))) with m = max;  dx = g * softmax(x)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        xp = get_array_module(x)
        shift = x.max(axis=axes, keepdims=True)
        shift = xp.where(xp.isfinite(shift), shift, 0)  # all -inf rows stay -inf, not nan
        out = xp.log(xp.exp(x - shift).sum(axis=axes, keepdims=True)) + shift
        out = out if keepdim else _drop_axes(out, axes)
        ctx.save_for_backward(x, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        xp = get_array_module(x)
        grad = expand_reduced(grad_output, x.shape, ctx.axes, ctx.keepdim)
        return grad * xp.exp(x - expand_reduced(out, x.shape, ctx.axes, ctx.keepdim)), None, None


class Softmax(ArrayFunction):
    """out = e**(x - max) / sum(e**(x - max)) along axis;  dx = out * (g - sum(g * out))."""

    @staticmethod
    def forward(ctx, x, axis):
        xp = get_array_module(x)
        exps = xp.exp(x - x.max(axis=axis, keepdims=True))
        out = exps / exps.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return out * (grad_output - (grad_output * out).sum(axis=ctx.axis, keepdims=True)), None


class LogSoftmax(ArrayFunction):
    """out = x - logsumexp(x) along axis;  dx = g - softmax(x) * sum(g)."""

    @staticmethod
    def forward(ctx, x, axis):
        xp = get_array_module(x)
        shifted = x - x.max(axis=axis, keepdims=True)
        out = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        xp = get_array_module(out)
        return grad_output - xp.exp(out) * grad_output.sum(axis=ctx.axis, keepdims=True), None


class Prod(ArrayFunction):
    """out = product of x along one axis;  dx_i = g * (product of all the other x_j).

    The product of the others is (product of those before i) * (product of those after i), two
    exclusive running products, so zeros in x need no division: plain version g * out / x.
    """

    @staticmethod
    def forward(ctx, x, axis, keepdim):
        ctx.save_for_backward(x)
        ctx.axis, ctx.keepdim = axis, keepdim
        return x.prod(axis=axis, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        if ctx.create_graph:
            return _product_of_others_recorded(x, ctx.saved_arrays[0], ctx.axis, ctx.keepdim, grad_output), None, None
        xp = get_array_module(x)
        axis = ctx.axis
        all_but_last = (slice(None),) * axis + (slice(None, -1),)
        ones = xp.ones_like(x[(slice(None),) * axis + (slice(0, 1),)])
        before = xp.cumprod(xp.concatenate([ones, x[all_but_last]], axis), axis)  # x_0 * ... * x_(i-1)
        reversed_x = xp.flip(x, axis)
        after = xp.flip(xp.cumprod(xp.concatenate([ones, reversed_x[all_but_last]], axis), axis), axis)
        grad = grad_output if ctx.keepdim else xp.expand_dims(grad_output, axis)
        return grad * before * after, None, None


def _product_of_others_recorded(x, x_array, axis, keepdim, grad_output):
    """Prod's gradient as recorded ops, for create_graph: g * prod_{j != i} x_j, taken as the product
    along a new axis of x repeated n times with its diagonal set to 1 (n*n values: fine at second order)."""
    length = x.shape[axis]
    xp = get_array_module(x)
    repeated = xp.broadcast_to(xp.expand_dims(x, axis), (*x.shape[:axis], length, *x.shape[axis:]))
    diagonal_shape = [1] * repeated.ndim
    diagonal_shape[axis], diagonal_shape[axis + 1] = length, length
    diagonal = get_array_module(x_array).eye(length, dtype=bool).reshape(diagonal_shape)
    others = Prod.apply(xp.where(diagonal, 1, repeated), axis + 1, False)
    grad = grad_output if keepdim else xp.expand_dims(grad_output, axis)
    return grad * others
