"""2-D convolution by im2col: every filter position becomes a column, and all of them one matmul.

A filter of shape (C_in, kh, kw) slides over the zero-padded input in steps of `stride`; at each
stop it takes the dot product with the window under it, one output pixel per stop and filter:

    out[n, o, y, x] = b[o] + sum over c, i, j of W[o, c, i, j] * x_padded[n, c, y*s + i*d, x*s + j*d]

Output size per spatial dim: `output_size` in windows.py. Parameters: C_out * (C_in*kh*kw + 1).

im2col gathers the windows into a matrix `cols` of shape (C_in*kh*kw, N*out_h*out_w), one column
per window; the loops above then collapse into a single BLAS call, `W.reshape(C_out, -1) @ cols`.
Backward is two more matmuls (dW = g @ cols.T, dcols = W.T @ g) and col2im, which adds each
column's entries back where they came from in the image.
"""

from ..array_function import ArrayFunction
from ..backend import get_array_module
from .matmul import MatMul
from .movement import Pad
from .windows import crop_spatial, kernel_offsets, output_size, pad_spatial, window_view


def im2col(x_padded, kernel, stride, dilation, out_shape):
    """(C*kh*kw, N*out_h*out_w) matrix of windows: one strided view, copied once into place."""
    windows = window_view(x_padded, kernel, stride, dilation, out_shape)  # (N, C, out_h, out_w, kh, kw)
    channels_and_taps = windows.shape[1] * kernel[0] * kernel[1]
    # Rows ordered (c, i, j) to match W.reshape(C_out, -1); columns (n, y, x).
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(channels_and_taps, -1)


def col2im(cols, padded_shape, kernel, stride, dilation, out_shape):
    """im2col's adjoint: sum each column entry into the padded image cell it was read from.

    Overlapping windows read a cell several times, so the cell gets the sum of their gradients.
    Plain version: for every window and tap, dx_padded[n, c, y*s + i*d, x*s + j*d] += cols[...].
    """
    batch, channels, padded_height, padded_width = padded_shape
    xp = get_array_module(cols)
    taps = cols.reshape(channels, kernel[0], kernel[1], batch, *out_shape)
    # Channel-major while adding, so each slice add walks contiguous rows of `taps`.
    image = xp.zeros((channels, batch, padded_height, padded_width), dtype=cols.dtype)
    for i, j, rows, columns in kernel_offsets(kernel, stride, dilation, out_shape):
        image[:, :, rows, columns] += taps[:, i, j]
    return image.transpose(1, 0, 2, 3)


class Conv2d(ArrayFunction):
    """out = W * x + b (cross-correlation, as torch.nn.functional.conv2d), computed as W_matrix @ im2col(x).

    dW = g @ cols.T,  db = g summed over (N, H, W),  dx = col2im(W_matrix.T @ g).
    `padding` is ((top, bottom), (left, right)); stride and dilation are (rows, columns) pairs.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation):
        batch = x.shape[0]
        out_channels, kernel = weight.shape[0], weight.shape[2:]
        x_padded = pad_spatial(x, padding)
        out_shape = tuple(
            output_size(size, kernel[axis], stride[axis], *padding[axis], dilation[axis])
            for axis, size in enumerate(x.shape[2:])
        )
        cols = im2col(x_padded, kernel, stride, dilation, out_shape)
        weight_matrix = weight.reshape(out_channels, -1)
        out = weight_matrix @ cols  # (C_out, N*out_h*out_w): the one BLAS call
        if bias is not None:
            out += bias[:, None]
        ctx.save_for_backward(cols if ctx.needs_input_grad[1] else None, weight_matrix)
        ctx.geometry = x.shape, x_padded.shape, kernel, stride, padding, dilation, out_shape
        # (N, C_out, out_h, out_w) as a transposed view: channel-major in memory, which is also what
        # backward's grad_matrix wants, so neither direction copies the output.
        return out.reshape(out_channels, batch, *out_shape).transpose(1, 0, 2, 3)

    @staticmethod
    def backward(ctx, grad_output):
        if ctx.create_graph:
            return _conv2d_backward_recorded(ctx, grad_output)
        cols, weight_matrix = ctx.saved_tensors
        input_shape, padded_shape, kernel, stride, padding, dilation, out_shape = ctx.geometry
        out_channels = grad_output.shape[1]
        grad_matrix = grad_output.transpose(1, 0, 2, 3).reshape(out_channels, -1)  # (C_out, N*out_h*out_w)
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_cols = weight_matrix.T @ grad_matrix
            grad_padded = col2im(grad_cols, padded_shape, kernel, stride, dilation, out_shape)
            grad_x = crop_spatial(grad_padded, padding, *input_shape[2:])
        if ctx.needs_input_grad[1]:
            grad_weight = (grad_matrix @ cols.T).reshape(out_channels, -1, *kernel)
        if ctx.needs_input_grad[2]:
            grad_bias = grad_matrix.sum(axis=1)
        return grad_x, grad_weight, grad_bias, None, None, None


def _conv2d_backward_recorded(ctx, grad_output):
    """Conv2d's backward as recorded ops (create_graph): dx is a transposed convolution of g with W,
    dW a convolution of x with g, so their own gradients are convolutions again, at every order."""
    from .conv_transpose import ConvTranspose2d

    cols, weight_matrix = ctx.saved_arrays
    input_shape, padded_shape, kernel, stride, padding, dilation, out_shape = ctx.geometry
    (top, bottom), (left, right) = padding
    weight = ctx.input_in_graph(1) if ctx.needs_input_grad[1] else weight_matrix.reshape(-1, input_shape[1], *kernel)
    grad_x = grad_weight = grad_bias = None
    if ctx.needs_input_grad[0]:
        # output_padding makes the transposed convolution cover the whole padded input, then the padding is cut off.
        extra = tuple(
            padded_shape[2 + axis] - ((out_shape[axis] - 1) * stride[axis] + dilation[axis] * (kernel[axis] - 1) + 1)
            for axis in range(2)
        )
        grad_padded = ConvTranspose2d.apply(grad_output, weight, None, stride, (0, 0), extra, dilation)
        grad_x = grad_padded[:, :, top : top + input_shape[2], left : left + input_shape[3]]
    if ctx.needs_input_grad[1]:
        if ctx.needs_input_grad[0]:
            x_padded = Pad.apply(ctx.input_in_graph(0), ((0, 0), (0, 0), (top, bottom), (left, right)), 0)
            grad_weight = window_correlation(x_padded, grad_output, kernel, stride, dilation)
        else:  # x is a constant: its im2col columns were saved
            xp = get_array_module(grad_output)
            grad_matrix = xp.transpose(grad_output, (1, 0, 2, 3)).reshape(grad_output.shape[1], -1)
            grad_weight = MatMul.apply(grad_matrix, cols.T).reshape(grad_output.shape[1], -1, *kernel)
    if ctx.needs_input_grad[2]:
        grad_bias = grad_output.sum(axis=(0, 2, 3))
    return grad_x, grad_weight, grad_bias, None, None, None


def window_correlation(image_padded, gradient, kernel, stride, dilation):
    """sum over n, y, x of gradient[n, o, y, x] * image_padded[n, c, y*s + i*d, x*s + j*d], shape (O, C, kh, kw).

    That is a weight gradient, computed as a recorded Conv2d: batch and channels swap places, so do
    stride and dilation, and the gradient serves as the filters.
    """
    images = get_array_module(image_padded).transpose(image_padded, (1, 0, 2, 3))  # arrays (constants) or Tensors
    filters = get_array_module(gradient).transpose(gradient, (1, 0, 2, 3))
    correlation = Conv2d.apply(images, filters, None, dilation, ((0, 0), (0, 0)), stride)  # (C, O, kh', kw')
    return get_array_module(correlation).transpose(correlation[:, :, : kernel[0], : kernel[1]], (1, 0, 2, 3))
