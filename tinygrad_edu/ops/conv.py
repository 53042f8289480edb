"""2-D convolution by im2col: every filter position becomes a column, and all of them one matmul.

A filter of shape (C_in, kh, kw) slides over the zero-padded input in steps of `stride`; at each
stop it takes the dot product with the window under it, one output pixel per stop and filter:

    out[n, o, y, x] = b[o] + sum over c, i, j of W[o, c, i, j] * x_padded[n, c, y*s + i*d, x*s + j*d]

Output size per spatial dim: `output_size` in windows.py. Parameters: C_out * (C_in*kh*kw + 1).

im2col gathers the windows into a matrix `cols` of shape (C_in*kh*kw, N*out_h*out_w), one column
per window; the loops above then collapse into a single BLAS call, `W.reshape(C_out, -1) @ cols`.
Backward is two more matmuls (dW = g @ cols.T, dcols = W.T @ g) and col2im, which adds each
column's entries back where they came from in the image.

`Conv2d` runs the same idea on the image laid out channels-last, (N, H, W, C) in memory (PyTorch's
channels_last): the windows become rows, in (i, j, c) order (im2row), because then every window is
a few contiguous runs of memory, and its output is channels-last too, which is what the next
ReLU, pooling and conv read fastest. `im2col` and `col2im` are the plain version (ConvTranspose2d
uses them).
"""

from ..array_function import ArrayFunction
from ..backend import backend_of, get_array_module
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


def im2row(x_padded, kernel, stride, dilation, out_shape):
    """(N*out_h*out_w, kh*kw*C) matrix of windows, one row per window, taps in (i, j, c) order.

    im2col's transpose, up to the order of a window's taps. From a channels-last image the copy
    reads each window's rows as runs of kw*C contiguous values. With a single channel those runs
    are only kw long, so the matrix is filled a tap at a time instead (each tap of all windows is a
    run along the image's rows) and returned as the transpose of a (kh*kw, N*out_h*out_w) array.
    """
    windows = window_view(x_padded, kernel, stride, dilation, out_shape)  # (N, C, out_h, out_w, kh, kw)
    batch, channels = windows.shape[:2]
    window_count, taps = batch * out_shape[0] * out_shape[1], kernel[0] * kernel[1] * channels
    if channels > 1:
        return windows.transpose(0, 2, 3, 4, 5, 1).reshape(window_count, taps)  # (N, out_h, out_w, kh, kw, C)
    rows_transposed = get_array_module(x_padded).empty((taps, window_count), dtype=x_padded.dtype)
    rows_transposed.reshape(*kernel, channels, batch, *out_shape)[...] = windows.transpose(4, 5, 1, 0, 2, 3)
    return rows_transposed.T


def row2im_into(image, rows, kernel, stride, dilation, out_shape):
    """im2row's adjoint, channels-last: add each row entry into the padded (N, H', W', C) `image` cell it was read from.

    Plain version: col2im(rows.T) for the (c, i, j) tap order; here each slice add moves C
    contiguous values at a time.
    """
    taps = rows.reshape(image.shape[0], *out_shape, kernel[0], kernel[1], image.shape[3])
    for i, j, image_rows, image_columns in kernel_offsets(kernel, stride, dilation, out_shape):
        image[:, image_rows, image_columns] += taps[:, :, :, i, j]


# On the CPU, Conv2d goes through the batch this many bytes of im2row rows at a time (see its docstring).
ROWS_BLOCK_BYTES = 1 << 22


def _batch_blocks(x, out_shape, taps):
    """Slices that cut x's batch into equal blocks of about ROWS_BLOCK_BYTES of im2row rows (at least one image).

    An image has out_h*out_w rows of `taps` values. Only on the CPU: a GPU has no such cache to
    fit, and each block would only add kernel launches.
    """
    batch = x.shape[0]
    bytes_per_image = out_shape[0] * out_shape[1] * taps * x.itemsize
    count = -(-batch * bytes_per_image // ROWS_BLOCK_BYTES) if backend_of(x).device_type == "cpu" else 1
    count = max(1, min(batch, count))
    bounds = [batch * block // count for block in range(count + 1)]
    return [slice(start, stop) for start, stop in zip(bounds, bounds[1:])]


class Conv2d(ArrayFunction):
    """out = W * x + b (cross-correlation, as torch.nn.functional.conv2d), one matmul over all windows.

    Plain version: out = W_matrix @ im2col(x) + b;  dW = g @ cols.T,  db = g summed over (N, H, W),
    dx = col2im(W_matrix.T @ g), with W_matrix = W.reshape(C_out, -1). The fast one pads x into a
    channels-last copy and multiplies the other way round, rows = im2row(x) and W_rows = W's taps in
    (i, j, c) order: out = rows @ W_rows.T + b, (N*out_h*out_w, C_out), which is the output
    channels-last with no transposing copy; dW = g.T @ rows, dx = row2im(g @ W_rows). It takes the
    batch a few images at a time (about 4 MB of rows), so each block of rows is still in the CPU's
    cache when the matmul reads it, and backward rebuilds the rows instead of keeping them all.
    `padding` is ((top, bottom), (left, right)); stride and dilation are (rows, columns) pairs.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation):
        xp = get_array_module(x)
        batch = x.shape[0]
        out_channels, kernel = weight.shape[0], weight.shape[2:]
        x_padded = pad_spatial(x, padding, channels_last=True)
        out_shape = tuple(
            output_size(size, kernel[axis], stride[axis], *padding[axis], dilation[axis])
            for axis, size in enumerate(x.shape[2:])
        )
        weight_rows = weight.transpose(0, 2, 3, 1).reshape(out_channels, -1)  # (C_out, kh*kw*C_in)
        out = xp.empty((batch, *out_shape, out_channels), dtype=x.dtype)  # channels-last
        for images in _batch_blocks(x, out_shape, weight_rows.shape[1]):
            rows = im2row(x_padded[images], kernel, stride, dilation, out_shape)
            xp.matmul(rows, weight_rows.T, out=out[images].reshape(rows.shape[0], out_channels))
        if bias is not None:
            # out += bias, one image row at a time: numpy's loop then runs along out_w*C_out values, not C_out.
            image_rows = out.reshape(-1, out_shape[1] * out_channels)
            image_rows += xp.tile(bias, out_shape[1])
        ctx.save_for_backward(x_padded if ctx.needs_input_grad[1] else None, weight_rows)
        ctx.geometry = x.shape, x_padded.shape, kernel, stride, padding, dilation, out_shape
        return out.transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, grad_output):
        if ctx.create_graph:
            return _conv2d_backward_recorded(ctx, grad_output)
        x_padded, weight_rows = ctx.saved_tensors
        input_shape, padded_shape, kernel, stride, padding, dilation, out_shape = ctx.geometry
        xp = get_array_module(grad_output)
        batch, out_channels = grad_output.shape[:2]
        grad_nhwc = xp.ascontiguousarray(grad_output.transpose(0, 2, 3, 1))  # no copy if channels-last already
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_padded = xp.zeros((batch, *padded_shape[2:], padded_shape[1]), dtype=grad_output.dtype)
        if ctx.needs_input_grad[1]:
            grad_weight_rows_t = xp.zeros_like(weight_rows.T)  # dW_rows.T = rows.T @ g: the faster order in BLAS
        for images in _batch_blocks(grad_output, out_shape, weight_rows.shape[1]):
            grad_rows = grad_nhwc[images].reshape(-1, out_channels)
            if ctx.needs_input_grad[0]:
                row2im_into(grad_padded[images], grad_rows @ weight_rows, kernel, stride, dilation, out_shape)
            if ctx.needs_input_grad[1]:
                grad_weight_rows_t += im2row(x_padded[images], kernel, stride, dilation, out_shape).T @ grad_rows
        if ctx.needs_input_grad[0]:
            grad_x = crop_spatial(grad_padded.transpose(0, 3, 1, 2), padding, *input_shape[2:])
        if ctx.needs_input_grad[1]:
            grad_weight = grad_weight_rows_t.T.reshape(out_channels, *kernel, input_shape[1]).transpose(0, 3, 1, 2)
        if ctx.needs_input_grad[2]:
            grad_rows = grad_nhwc.reshape(-1, out_channels)
            # The rows' sum as one BLAS call: grad_rows.sum(axis=0) of a tall, narrow matrix is several times slower.
            grad_bias = xp.ones(grad_rows.shape[0], dtype=grad_rows.dtype) @ grad_rows
        return grad_x, grad_weight, grad_bias, None, None, None


def _conv2d_backward_recorded(ctx, grad_output):
    """Conv2d's backward as recorded ops (create_graph): dx is a transposed convolution of g with W,
    dW a convolution of x with g, so their own gradients are convolutions again, at every order."""
    from .conv_transpose import ConvTranspose2d

    x_padded, weight_rows = ctx.saved_arrays  # indexed (N, C, H', W'), channels-last in memory; (C_out, kh*kw*C_in)
    input_shape, padded_shape, kernel, stride, padding, dilation, out_shape = ctx.geometry
    (top, bottom), (left, right) = padding
    if ctx.needs_input_grad[1]:
        weight = ctx.input_in_graph(1)
    else:  # a constant weight, from the rows forward kept
        weight = weight_rows.reshape(-1, *kernel, input_shape[1]).transpose(0, 3, 1, 2)
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
            x_image = Pad.apply(ctx.input_in_graph(0), ((0, 0), (0, 0), (top, bottom), (left, right)), 0)
        else:  # a constant x: its padded copy was saved
            x_image = x_padded
        grad_weight = window_correlation(x_image, grad_output, kernel, stride, dilation)
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
