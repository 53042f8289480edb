"""2-D transposed convolution: conv2d's adjoint, so col2im runs in the forward pass and im2col in the backward.

conv2d reads each output pixel from a window of the input; the transposed convolution writes each
input pixel into a window of the output, scaled by the filter, and adds up where windows overlap:

    out_full[n, o, y*s + i*d, x*s + j*d] += sum over c of x[n, c, y, x] * W[c, o, i, j]

then crops `padding` from every side (output_padding extra rows and columns at the bottom and
right are kept). Output size per dim: (H - 1)*s - 2p + d*(k - 1) + output_padding + 1. With
stride 2 it doubles an image's size, which is why decoders and GANs use it to upsample.

It is conv2d's input gradient run forwards: `cols = W_matrix.T @ x`, then col2im. Its backward is
conv2d's forward: im2col of the gradient, dx = W_matrix @ cols(g), dW = x @ cols(g).T.
"""

from ..array_function import ArrayFunction
from .conv import Conv2d, col2im, im2col, window_correlation
from .movement import Pad
from .windows import crop_spatial, pad_spatial


class ConvTranspose2d(ArrayFunction):
    """out = col2im(W_matrix.T @ x) cropped by padding, + b, with W of shape (C_in, C_out, kh, kw);

    dx = W_matrix @ im2col(g),  dW = x_matrix @ im2col(g).T,  db = g summed over (N, H, W).
    `padding` and `output_padding`, `stride` and `dilation` are (rows, columns) pairs.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, output_padding, dilation):
        batch, in_channels, height, width = x.shape
        out_channels, kernel = weight.shape[1], weight.shape[2:]
        full_shape = tuple(
            (size - 1) * stride[axis] + dilation[axis] * (kernel[axis] - 1) + 1 + output_padding[axis]
            for axis, size in enumerate((height, width))
        )
        weight_matrix = weight.reshape(in_channels, -1)  # (C_in, C_out*kh*kw)
        x_matrix = x.transpose(1, 0, 2, 3).reshape(in_channels, -1)  # (C_in, N*H*W)
        cols = weight_matrix.T @ x_matrix  # (C_out*kh*kw, N*H*W): each input pixel's contribution to its window
        out_full = col2im(cols, (batch, out_channels, *full_shape), kernel, stride, dilation, (height, width))
        pads = tuple((p, p) for p in padding)
        out = crop_spatial(out_full, pads, *(size - 2 * p for size, p in zip(full_shape, padding)))
        if bias is not None:
            out = out + bias[:, None, None]
        ctx.save_for_backward(x_matrix if ctx.needs_input_grad[1] else None, weight_matrix)
        ctx.geometry = x.shape, kernel, stride, pads, dilation
        return out

    @staticmethod
    def backward(ctx, grad_output):
        if ctx.create_graph:
            return _conv_transpose2d_backward_recorded(ctx, grad_output)
        x_matrix, weight_matrix = ctx.saved_tensors
        input_shape, kernel, stride, pads, dilation = ctx.geometry
        batch, in_channels, height, width = input_shape
        grad_full = pad_spatial(grad_output, pads)  # the cropped border got no gradient
        grad_cols = im2col(grad_full, kernel, stride, dilation, (height, width))  # (C_out*kh*kw, N*H*W)
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_x = (weight_matrix @ grad_cols).reshape(in_channels, batch, height, width).transpose(1, 0, 2, 3)
        if ctx.needs_input_grad[1]:
            grad_weight = (x_matrix @ grad_cols.T).reshape(in_channels, -1, *kernel)
        if ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(axis=(0, 2, 3))
        return grad_x, grad_weight, grad_bias, None, None, None, None


def _conv_transpose2d_backward_recorded(ctx, grad_output):
    """The backward as recorded ops (create_graph): dx is conv2d of the padded g with W, dW the
    correlation of g's windows with x (conv.window_correlation), both differentiable again."""
    x_matrix, weight_matrix = ctx.saved_arrays
    input_shape, kernel, stride, pads, dilation = ctx.geometry
    batch, in_channels, height, width = input_shape
    grad_full = Pad.apply(grad_output, ((0, 0), (0, 0), *pads), 0)
    grad_x = grad_weight = grad_bias = None
    if ctx.needs_input_grad[0]:
        weight = ctx.input_in_graph(1) if ctx.needs_input_grad[1] else weight_matrix.reshape(in_channels, -1, *kernel)
        grad_x = Conv2d.apply(grad_full, weight, None, stride, ((0, 0), (0, 0)), dilation)[:, :, :height, :width]
    if ctx.needs_input_grad[1]:
        if ctx.needs_input_grad[0]:
            x = ctx.input_in_graph(0)
        else:  # a constant x, from the matrix forward kept
            x = x_matrix.reshape(in_channels, batch, height, width).transpose(1, 0, 2, 3)
        grad_weight = window_correlation(grad_full, x, kernel, stride, dilation)
    if ctx.needs_input_grad[2]:
        grad_bias = grad_output.sum(axis=(0, 2, 3))
    return grad_x, grad_weight, grad_bias, None, None, None, None
