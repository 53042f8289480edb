"""Sliding windows: the geometry that convolution and pooling share.

A k x k window steps over a (padded) image by `stride`; its taps are `dilation` apart. Along one
spatial dim of size H with p padding on each side it fits

    out = (H + 2p - d(k-1) - 1) // s + 1        times.

Kernel offset (i, j) of every window, taken together, is one strided slice of the padded image:
`x_padded[..., i*d : i*d + s*(out_h-1) + 1 : s, j*d : ... : s]`. Gradients flow back by adding
into those slices, one kernel offset at a time (a loop over kh*kw only).
"""

from ..backend import backend_of, get_array_module


def output_size(size, kernel, stride, padding_before, padding_after, dilation, ceil_mode=False):
    """How many windows fit along one dim of `size` cells (the formula at the top of this module).

    With ceil_mode a last, partial window is kept, as long as it starts inside the input or the
    padding before it (PyTorch's rule).
    """
    span = size + padding_before + padding_after - dilation * (kernel - 1) - 1
    if not ceil_mode:
        return span // stride + 1
    count = -(-span // stride) + 1
    if (count - 1) * stride >= size + padding_before:
        count -= 1
    return count


def extra_right_padding(size, kernel, stride, padding_before, padding_after, dilation, count):
    """Cells the last of `count` windows reaches past the padded input (ceil_mode only; else 0)."""
    reach = (count - 1) * stride + dilation * (kernel - 1) + 1
    return max(0, reach - (size + padding_before + padding_after))


def pad_spatial(x, padding, value=0, channels_last=False):
    """x (N, C, H, W) with `value` around the image; padding is ((top, bottom), (left, right)).

    channels_last=True returns it laid out (N, H, W, C) in memory, still indexed [n, c, y, x]
    (see to_channels_last); the padding and the change of layout are then one copy.
    """
    (top, bottom), (left, right) = padding
    if not (top or bottom or left or right):
        return to_channels_last(x) if channels_last else x
    batch, channels, height, width = x.shape
    padded_height, padded_width = height + top + bottom, width + left + right
    xp = get_array_module(x)
    if channels_last:
        padded = xp.full((batch, padded_height, padded_width, channels), value, dtype=x.dtype).transpose(0, 3, 1, 2)
    else:
        padded = xp.full((batch, channels, padded_height, padded_width), value, dtype=x.dtype)
    padded[:, :, top : top + height, left : left + width] = x
    return padded


def to_channels_last(x):
    """x (N, C, H, W) laid out (N, H, W, C) in memory, the channels of a pixel side by side; same shape and values.

    A (N, C, H, W)-shaped view of a (N, H, W, C) array, PyTorch's channels_last memory format. It
    copies only when x is not laid out that way already.
    """
    return get_array_module(x).ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def crop_spatial(x_padded, padding, height, width):
    """The inner (height, width) part of a padded (N, C, H', W') array: pad_spatial's inverse."""
    (top, _), (left, _) = padding
    return x_padded[:, :, top : top + height, left : left + width]


def window_view(x_padded, kernel, stride, dilation, out_shape):
    """A read-only (N, C, out_h, out_w, kh, kw) view: [n, c, y, x] is the window at output (y, x).

    No copy: the strides step `stride` pixels between windows and `dilation` pixels between taps.
    """
    batch, channels = x_padded.shape[:2]
    batch_step, channel_step, row_step, column_step = x_padded.strides
    shape = (batch, channels, *out_shape, *kernel)
    strides = (
        batch_step,
        channel_step,
        row_step * stride[0],
        column_step * stride[1],
        row_step * dilation[0],
        column_step * dilation[1],
    )
    return backend_of(x_padded).as_strided(x_padded, shape, strides)


def kernel_offsets(kernel, stride, dilation, out_shape):
    """(i, j, rows, columns) for each kernel offset: x_padded[..., rows, columns] is that tap of every window."""
    for i in range(kernel[0]):
        rows = slice(i * dilation[0], i * dilation[0] + stride[0] * (out_shape[0] - 1) + 1, stride[0])
        for j in range(kernel[1]):
            columns = slice(j * dilation[1], j * dilation[1] + stride[1] * (out_shape[1] - 1) + 1, stride[1])
            yield i, j, rows, columns
