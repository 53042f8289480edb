"""Pooling: the max or the mean of each window that slides over the image (see windows.py).

Max pooling sends each window's gradient to the one element that won (the first on ties, as
PyTorch); average pooling spreads it evenly over the window. Where windows overlap, the
gradients an element receives add up.
"""

from ..backend import get_array_module
from ..function import Function
from .windows import crop_spatial, kernel_offsets, pad_spatial, window_view


class MaxPool2d(Function):
    """out = max of each window of the -inf padded input;  dx = g at each window's argmax, summed.

    The windows are one strided view (N, C, out_h, out_w, kh*kw); argmax over the last axis picks
    the first maximum in row-major window order, as PyTorch does. `padding` is
    ((top, bottom), (left, right)), including the extra cells ceil_mode's partial windows reach.
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out_shape):
        xp = get_array_module(x)
        x_padded = pad_spatial(x, padding, -xp.inf)
        windows = window_view(x_padded, kernel, stride, dilation, out_shape)
        windows = windows.reshape(*windows.shape[:4], -1)  # (N, C, out_h, out_w, kh*kw), one copy
        winners = windows.argmax(axis=-1)[..., None]
        ctx.winners = winners
        ctx.geometry = x.shape, x_padded.shape, kernel, stride, padding, dilation, out_shape
        return xp.take_along_axis(windows, winners, axis=-1)[..., 0]

    @staticmethod
    def backward(ctx, grad_output):
        input_shape, padded_shape, kernel, stride, padding, dilation, out_shape = ctx.geometry
        xp = get_array_module(grad_output)
        winners = ctx.winners[..., 0]
        grad_padded = xp.zeros(padded_shape, dtype=grad_output.dtype)
        for i, j, rows, columns in kernel_offsets(kernel, stride, dilation, out_shape):
            grad_padded[:, :, rows, columns] += grad_output * (winners == i * kernel[1] + j)
        grad_x = crop_spatial(grad_padded, padding, *input_shape[2:])
        return xp.ascontiguousarray(grad_x), None, None, None, None, None


class MaxPool2dTiles(Function):
    """MaxPool2d's fast path for kernel == stride, no padding, no dilation: the windows tile the image.

    Then x (cropped to whole tiles) reshaped to (N, C, out_h, kh, out_w, kw) holds window (y, x)
    at [:, :, y, :, x, :], and no element belongs to two windows: the max is a running maximum
    over the kh*kw kernel offsets, and backward writes instead of adding.
    """

    @staticmethod
    def forward(ctx, x, kernel):
        xp = get_array_module(x)
        batch, channels, height, width = x.shape
        out_height, out_width = height // kernel[0], width // kernel[1]
        tiles = x[:, :, : out_height * kernel[0], : out_width * kernel[1]].reshape(
            batch, channels, out_height, kernel[0], out_width, kernel[1]
        )
        out = tiles[:, :, :, 0, :, 0].copy()
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                xp.maximum(out, tiles[:, :, :, i, :, j], out=out)
        ctx.save_for_backward(tiles, out)
        ctx.input_shape = x.shape
        return out

    @staticmethod
    def backward(ctx, grad_output):
        tiles, out = ctx.saved_tensors
        xp = get_array_module(grad_output)
        kernel = (tiles.shape[3], tiles.shape[5])
        grad_tiles = xp.empty(tiles.shape, dtype=grad_output.dtype)
        claimed = None  # windows whose gradient already went to an earlier maximum
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                wins = tiles[:, :, :, i, :, j] == out
                if claimed is None:
                    claimed = wins
                else:
                    wins = xp.greater(wins, claimed)  # a maximum, and the window's first one: wins & ~claimed
                    claimed = claimed | wins
                xp.multiply(grad_output, wins, out=grad_tiles[:, :, :, i, :, j])
        batch, channels, height, width = ctx.input_shape
        tiled_height, tiled_width = tiles.shape[2] * kernel[0], tiles.shape[4] * kernel[1]
        grad_x = grad_tiles.reshape(batch, channels, tiled_height, tiled_width)
        if (tiled_height, tiled_width) != (height, width):  # rows and columns past the last whole tile get 0
            grad_x = pad_spatial(grad_x, ((0, height - tiled_height), (0, width - tiled_width)))
        return grad_x, None


class AvgPool2d(Function):
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
        xp = get_array_module(grad_output)
        share = grad_output / ctx.divisor
        grad_padded = xp.zeros(padded_shape, dtype=grad_output.dtype)
        for _, _, rows, columns in kernel_offsets(kernel, stride, (1, 1), share.shape[2:]):
            grad_padded[:, :, rows, columns] += share
        grad_x = crop_spatial(grad_padded, padding, *input_shape[2:])
        return xp.ascontiguousarray(grad_x), None, None, None, None
