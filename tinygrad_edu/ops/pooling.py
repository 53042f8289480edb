"""Pooling: the max or the mean of each window that slides over the image (see windows.py), and max
unpooling, which puts each maximum back where max pooling found it.

Max pooling sends each window's gradient to the one element that won (the first on ties, as
PyTorch); average pooling spreads it evenly over the window. Where windows overlap, the
gradients an element receives add up.
"""

from ..array_function import ArrayFunction
from ..backend import get_array_module
from .movement import IndexedAdd, SetItem
from .windows import crop_spatial, kernel_offsets, pad_spatial, window_view


class MaxPool2d(ArrayFunction):
    """out = max of each window of the -inf padded input;  dx = g at each window's argmax, summed.

    The windows are one strided view (N, C, out_h, out_w, kh*kw); argmax over the last axis picks
    the first maximum in row-major window order, as PyTorch does. `padding` is
    ((top, bottom), (left, right)), including the extra cells ceil_mode's partial windows reach.
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out_shape):
        x_padded, windows, winners = _windows_and_winners(x, kernel, stride, padding, dilation, out_shape)
        ctx.save_for_backward(winners)
        ctx.geometry = x.shape, x_padded.shape, kernel, stride, padding, dilation, out_shape
        return get_array_module(x).take_along_axis(windows, winners, axis=-1)[..., 0]

    @staticmethod
    def backward(ctx, grad_output):
        input_shape, padded_shape, kernel, stride, padding, dilation, out_shape = ctx.geometry
        (winners,) = ctx.saved_arrays
        winners = winners[..., 0]
        if ctx.create_graph:
            positions = winner_positions(winners, input_shape[3], kernel, stride, padding, dilation, out_shape)
            return _sent_to_positions(grad_output, positions, input_shape), None, None, None, None, None
        xp = get_array_module(grad_output)
        grad_padded = xp.zeros(padded_shape, dtype=grad_output.dtype)
        for i, j, rows, columns in kernel_offsets(kernel, stride, dilation, out_shape):
            grad_padded[:, :, rows, columns] += grad_output * (winners == i * kernel[1] + j)
        return crop_spatial(grad_padded, padding, *input_shape[2:]), None, None, None, None, None


def _windows_and_winners(x, kernel, stride, padding, dilation, out_shape):
    """The padded input, its windows (N, C, out_h, out_w, kh*kw) and each window's first argmax (..., 1).

    Padding is the lowest value of x's dtype (-inf for floats), so it never wins.
    """
    xp = get_array_module(x)
    lowest = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
    x_padded = pad_spatial(x, padding, lowest)
    windows = window_view(x_padded, kernel, stride, dilation, out_shape)
    windows = windows.reshape(*windows.shape[:4], -1)  # (N, C, out_h, out_w, kh*kw), one copy
    winners = windows.argmax(axis=-1)[..., None]
    return x_padded, windows, winners


def max_pool2d_indices(x, kernel, stride, padding, dilation, out_shape):
    """Where each window's maximum sits in its (H, W) input plane, as the flat index row * W + column (int64):
    the indices max_pool2d(return_indices=True) returns and max_unpool2d takes."""
    _, _, winners = _windows_and_winners(x, kernel, stride, padding, dilation, out_shape)
    return winner_positions(winners[..., 0], x.shape[3], kernel, stride, padding, dilation, out_shape)


def winner_positions(winners, width, kernel, stride, padding, dilation, out_shape):
    """Flat input positions row * W + column of each window's winning tap: tap t of the window at
    output (y, x) is input row y*s + (t // kw)*d - top, and likewise for the column."""
    xp = get_array_module(winners)
    out_rows = xp.arange(out_shape[0]).reshape(-1, 1)
    out_columns = xp.arange(out_shape[1]).reshape(1, -1)
    rows = out_rows * stride[0] + (winners // kernel[1]) * dilation[0] - padding[0][0]
    columns = out_columns * stride[1] + (winners % kernel[1]) * dilation[1] - padding[1][0]
    return (rows * width + columns).astype(xp.int64)


def _sent_to_positions(grad_output, positions, input_shape):
    """Max pooling's backward as a recorded op: each window's g added at its winner's flat position."""
    planes = input_shape[0] * input_shape[1]
    plane_rows = get_array_module(positions).arange(planes).reshape(-1, 1)
    values = grad_output.reshape(planes, -1)
    plane_size = input_shape[2] * input_shape[3]
    return IndexedAdd.apply(values, (planes, plane_size), (plane_rows, positions.reshape(planes, -1))).reshape(
        input_shape
    )


class MaxUnpool2d(ArrayFunction):
    """out = zeros of out_shape with x[n, c, i] written at the flat position indices[n, c, i] of plane (n, c);

    dx = g read back at those positions. max_pool2d(return_indices=True)'s partial inverse: each
    maximum returns to where it came from, every other cell is 0. Overlapping windows can name one
    position twice; it then keeps one of the values (which one is unspecified, as in PyTorch).
    """

    @staticmethod
    def forward(ctx, x, indices, out_shape):
        xp = get_array_module(x)
        planes = x.shape[0] * x.shape[1]
        out = xp.zeros((*x.shape[:2], *out_shape), dtype=x.dtype)
        plane_rows = xp.arange(planes).reshape(-1, 1)
        flat_indices = indices.reshape(planes, -1)
        out.reshape(planes, -1)[plane_rows, flat_indices] = x.reshape(planes, -1)
        ctx.save_for_backward(plane_rows, flat_indices)
        ctx.input_shape = x.shape
        return out

    @staticmethod
    def backward(ctx, grad_output):
        plane_rows, flat_indices = ctx.saved_tensors
        planes = plane_rows.shape[0]
        return grad_output.reshape(planes, -1)[plane_rows, flat_indices].reshape(ctx.input_shape), None, None


class MaxPool2dTiles(ArrayFunction):
    """MaxPool2d's fast path for kernel == stride, no padding, no dilation: the windows tile the image.

    Then tap (i, j) of every window is the strided slice x[:, :, i::kh, j::kw] (cut to whole tiles),
    no element belongs to two windows, and the max is a running maximum over the kh*kw taps.
    Plain version: x.reshape(N, C, H // kh, kh, W // kw, kw).max(axis=(3, 5)). The output and the
    gradient keep x's memory layout (a channels-last conv output stays channels-last).
    """

    @staticmethod
    def forward(ctx, x, kernel):
        xp = get_array_module(x)
        out_shape = (x.shape[2] // kernel[0], x.shape[3] // kernel[1])
        taps = [tap for _, _, tap in _tile_taps(x, kernel, out_shape)]
        out = taps[0].copy(order="K")  # in x's memory order: a channels-last input gives a channels-last output
        for tap in taps[1:]:
            xp.maximum(out, tap, out=out)
        ctx.save_for_backward(x, out)
        ctx.kernel = kernel
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_arrays
        out_shape = out.shape[2:]
        if ctx.create_graph:
            no_padding = ((0, 0), (0, 0))
            _, _, winners = _windows_and_winners(x, ctx.kernel, ctx.kernel, no_padding, (1, 1), out_shape)
            positions = winner_positions(
                winners[..., 0], x.shape[3], ctx.kernel, ctx.kernel, no_padding, (1, 1), out_shape
            )
            return _sent_to_positions(grad_output, positions, x.shape), None
        xp = get_array_module(grad_output)
        covered = tuple(size * k for size, k in zip(out_shape, ctx.kernel)) == x.shape[2:]
        # Rows and columns past the last whole tile get 0.
        grad_x = xp.empty_like(x, dtype=grad_output.dtype) if covered else xp.zeros_like(x, dtype=grad_output.dtype)
        grad_output = _in_layout_of(grad_output, out)
        claimed = None  # windows whose gradient already went to an earlier maximum
        for rows, columns, tap in _tile_taps(x, ctx.kernel, out_shape):
            wins = tap == out
            if claimed is None:
                claimed = wins
            else:
                xp.greater(wins, claimed, out=wins)  # a maximum, and the window's first one: wins & ~claimed
                claimed |= wins
            xp.multiply(grad_output, wins, out=grad_x[:, :, rows, columns])
        return grad_x, None


def _in_layout_of(array, like):
    """`array` with its axes in memory in the order of `like`'s (same shape): itself if they already are, else a copy.

    Elementwise loops over arrays whose axes lie in memory in different orders (one channels-last,
    one not) stride through memory and run several times slower than over arrays that agree.
    """
    if _axes_by_stride(array) == _axes_by_stride(like):
        return array
    aligned = get_array_module(array).empty_like(like, dtype=array.dtype)
    aligned[...] = array
    return aligned


def _axes_by_stride(array):
    """The axes of `array` from the one with the largest memory step to the smallest (its layout)."""
    return sorted(range(array.ndim), key=lambda axis: -abs(array.strides[axis]))


def _tile_taps(x, kernel, out_shape):
    """(rows, columns, x[:, :, rows, columns]) for each tap of non-overlapping kernel-sized tiles, row-major."""
    for _, _, rows, columns in kernel_offsets(kernel, kernel, (1, 1), out_shape):
        yield rows, columns, x[:, :, rows, columns]


class AvgPool2d(ArrayFunction):
    """out = sum of each window of the zero-padded input / divisor;  dx = g / divisor added to each tap.

    `divisor` has the output's spatial shape: kh*kw, or fewer cells where count_include_pad=False
    or ceil_mode's partial windows leave some out (computed by the caller).
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, divisor):
        xp = get_array_module(x)
        x_padded = pad_spatial(x, padding)
        out_shape = divisor.shape
        out = xp.zeros((*x.shape[:2], *out_shape), dtype=x.dtype)
        for _, _, rows, columns in kernel_offsets(kernel, stride, (1, 1), out_shape):
            out += x_padded[:, :, rows, columns]
        ctx.geometry = x.shape, x_padded.shape, kernel, stride, padding
        ctx.divisor = divisor
        return out / divisor

    @staticmethod
    def backward(ctx, grad_output):
        input_shape, padded_shape, kernel, stride, padding = ctx.geometry
        share = grad_output / ctx.divisor
        if ctx.create_graph:  # each tap's share written into zeros (SetItem, recorded), then summed
            zeros = get_array_module(ctx.divisor).zeros(padded_shape, dtype=ctx.divisor.dtype)
            grad_padded = None
            for _, _, rows, columns in kernel_offsets(kernel, stride, (1, 1), ctx.divisor.shape):
                tap = SetItem.apply(zeros, (slice(None), slice(None), rows, columns), share)
                grad_padded = tap if grad_padded is None else grad_padded + tap
            return crop_spatial(grad_padded, padding, *input_shape[2:]), None, None, None, None
        xp = get_array_module(grad_output)
        grad_padded = xp.zeros(padded_shape, dtype=grad_output.dtype)
        for _, _, rows, columns in kernel_offsets(kernel, stride, (1, 1), share.shape[2:]):
            grad_padded[:, :, rows, columns] += share
        return crop_spatial(grad_padded, padding, *input_shape[2:]), None, None, None, None
