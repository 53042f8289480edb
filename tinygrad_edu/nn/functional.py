"""`tinygrad_edu.nn.functional` (import as F): the layers and losses as plain functions, as in PyTorch.

Each function checks its arguments, so a mistake is reported with the op's name, the shapes and
dtypes involved and what to do, and then calls one op (an `ArrayFunction` in tinygrad_edu/ops/).
"""

import warnings

import numpy as np

from ..arguments import pair
from ..backend import to_device
from ..creation import tensor as make_tensor
from ..errors import ArgumentError, DTypeError, ShapeError
from ..joining import cat, pad
from ..ops import activation as activation_ops
from ..ops import conv as conv_ops
from ..ops import conv_transpose as conv_transpose_ops
from ..ops import dropout as dropout_ops
from ..ops import embedding as embedding_ops
from ..ops import linear as linear_ops
from ..ops import loss as loss_ops
from ..ops import normalization as normalization_ops
from ..ops import pooling as pooling_ops
from ..ops.broadcasting import broadcast_shapes
from ..ops.windows import extra_right_padding, output_size
from ..tensor import Tensor, to_common_dtype

__all__ = [
    "linear",
    "conv2d",
    "conv_transpose2d",
    "max_pool2d",
    "max_unpool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "relu",
    "leaky_relu",
    "gelu",
    "silu",
    "softplus",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "dropout",
    "batch_norm",
    "layer_norm",
    "embedding",
    "cross_entropy",
    "nll_loss",
    "mse_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "pad",
    "one_hot",
]

# ----- argument checks shared by the functions below ------------------------------------------


def _check_tensor(value, op, name="input"):
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}")


def _check_float(tensor, op, name="input"):
    if not tensor.is_floating_point():
        raise DTypeError(
            f"{op}: {name} must be a floating point tensor, got {tensor.dtype.name}; convert it with .float()"
        )


def _check_same_dtype(input, other, op, name):
    if other is not None and other.dtype != input.dtype:
        raise TypeError(
            f"{op}: input is {input.dtype.name} but {name} is {other.dtype.name}; they must match: convert the "
            "input (e.g. x.float()) or the model (e.g. model.double())"
        )


def _check_image(input, op, integers_allowed=False):
    _check_tensor(input, op)
    if input.ndim != 4:
        hint = "; add the batch dim with x.unsqueeze(0)" if input.ndim == 3 else ""
        raise ShapeError(f"{op}: expected a 4-D input (N, C, H, W), got shape {tuple(input.shape)}{hint}")
    if not (integers_allowed and input.dtype.numpy.kind in "iu"):
        _check_float(input, op)


def _check_probability(p, op):
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise ValueError(f"{op}: probability p has to be between 0 and 1, but got {p!r}")


def _check_groups(groups, in_channels, out_channels, op):
    divides = isinstance(groups, int) and not isinstance(groups, bool) and groups >= 1
    if not divides or in_channels % groups or out_channels % groups:
        raise ShapeError(
            f"{op}: groups={groups!r} must be a positive int dividing both in_channels={in_channels} "
            f"and out_channels={out_channels}"
        )


def _conv_padding(padding, kernel, stride, dilation, op):
    """padding (an int, a pair, "valid" or "same") as ((top, bottom), (left, right))."""
    if not isinstance(padding, str):
        return tuple((p, p) for p in pair(padding, op, "padding", 0))
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding != "same":
        raise ArgumentError(f"{op}: padding must be an int, a pair, 'same' or 'valid', got {padding!r}")
    if stride != (1, 1):
        raise ArgumentError(f"{op}: padding='same' is not supported for strided convolutions (stride={stride})")
    totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
    return tuple((total // 2, total - total // 2) for total in totals)


def _check_reduction(reduction, op, size_average=None, reduce=None):
    if size_average is not None or reduce is not None:
        raise TypeError(
            f"{op}: size_average and reduce are deprecated in PyTorch; use reduction='mean', 'sum' or 'none'"
        )
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# ----- layers -----------------------------------------------------------------------------------


def linear(input, weight, bias=None):
    """y = x @ W.T + b, with W of shape (out_features, in_features), as one op.

    >>> import tinygrad_edu as tg
    >>> tg.nn.functional.linear(tg.ones(2, 3), tg.ones(4, 3), tg.zeros(4))
    tensor([[3., 3., 3., 3.],
            [3., 3., 3., 3.]])
    """
    fits = isinstance(input, Tensor) and isinstance(weight, Tensor) and (bias is None or isinstance(bias, Tensor))
    if fits:  # one cheap test for the common case (a Linear layer runs this on every call)
        x, w = input._data, weight._data
        fits = (
            x.ndim > 0
            and w.ndim == 2
            and x.shape[-1] == w.shape[1]
            and x.dtype == w.dtype
            and x.dtype.kind == "f"
            and (bias is None or (bias._data.shape == w.shape[:1] and bias._data.dtype == x.dtype))
        )
    if not fits:
        _explain_linear_error(input, weight, bias)
    return linear_ops.Linear.apply(input, weight, bias)


def _explain_linear_error(input, weight, bias):
    op = "linear"
    _check_tensor(input, op)
    _check_tensor(weight, op, "weight")
    if bias is not None:
        _check_tensor(bias, op, "bias")
    if input.ndim == 0 or weight.ndim != 2 or input.shape[-1] != weight.shape[1]:
        raise ShapeError(
            f"{op}: input of shape {tuple(input.shape)} doesn't fit weight of shape {tuple(weight.shape)}: "
            f"the input's last dim must be in_features = weight.shape[1]"
            + (f" ({input.shape[-1]} != {weight.shape[1]})" if input.ndim and weight.ndim == 2 else "")
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ShapeError(f"{op}: bias must have shape ({weight.shape[0]},), got {tuple(bias.shape)}")
    _check_float(input, op)
    _check_same_dtype(input, weight, op, "weight")
    _check_same_dtype(input, bias, op, "bias")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation of a (N, C_in, H, W) input with (C_out, C_in/groups, kh, kw) filters, by im2col.

    Output size per dim: `windows.output_size` (ops/windows.py). `padding` is an int, a pair, "valid" (0)
    or "same" (output as big as the input, stride 1 only).
    """
    op = "conv2d"
    _check_image(input, op)
    _check_tensor(weight, op, "weight")
    if weight.ndim != 4:
        raise ShapeError(f"{op}: weight must be 4-D (C_out, C_in, kh, kw), got shape {tuple(weight.shape)}")
    _check_groups(groups, input.shape[1], weight.shape[0], op)
    if input.shape[1] != weight.shape[1] * groups:
        expected = weight.shape[1] * groups
        raise ShapeError(
            f"{op}: input has {input.shape[1]} channels but weight expects {expected} "
            f"(weight shape {tuple(weight.shape)})"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ShapeError(f"{op}: bias must have shape ({weight.shape[0]},), got {tuple(bias.shape)}")
    _check_same_dtype(input, weight, op, "weight")
    _check_same_dtype(input, bias, op, "bias")
    stride = pair(stride, op, "stride", 1)
    dilation = pair(dilation, op, "dilation", 1)
    kernel = tuple(weight.shape[2:])
    padding = _conv_padding(padding, kernel, stride, dilation, op)
    for axis, name in enumerate(("height", "width")):
        size, (before, after) = input.shape[2 + axis], padding[axis]
        reach = dilation[axis] * (kernel[axis] - 1) + 1
        if reach > size + before + after:
            raise ShapeError(
                f"{op}: kernel {kernel[0]}x{kernel[1]} (dilation {dilation[0]}x{dilation[1]}) spans {reach} pixels "
                f"in {name}, more than the padded input's {size + before + after} (input {name} {size}, padding "
                f"{before}+{after}); use a smaller kernel or dilation, or more padding"
            )
    if groups == 1:
        return conv_ops.Conv2d.apply(input, weight, bias, stride, padding, dilation)
    in_per_group, out_per_group = input.shape[1] // groups, weight.shape[0] // groups
    outputs = [
        conv_ops.Conv2d.apply(
            input[:, g * in_per_group : (g + 1) * in_per_group],
            weight[g * out_per_group : (g + 1) * out_per_group],
            None if bias is None else bias[g * out_per_group : (g + 1) * out_per_group],
            stride,
            padding,
            dilation,
        )
        for g in range(groups)
    ]
    return cat(outputs, dim=1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed convolution (conv2d's adjoint, "deconvolution") of (N, C_in, H, W) with (C_in, C_out/groups, kh, kw).

    Each input pixel adds W[c] times itself into a window of the output; output size per dim is
    (H - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1 (ops/conv_transpose.py).
    """
    op = "conv_transpose2d"
    _check_image(input, op)
    _check_tensor(weight, op, "weight")
    if weight.ndim != 4:
        raise ShapeError(f"{op}: weight must be 4-D (C_in, C_out/groups, kh, kw), got shape {tuple(weight.shape)}")
    _check_groups(groups, weight.shape[0], weight.shape[1] * groups, op)
    if input.shape[1] != weight.shape[0]:
        raise ShapeError(
            f"{op}: input has {input.shape[1]} channels but weight expects {weight.shape[0]} "
            f"(weight shape {tuple(weight.shape)}: its first dim is in_channels)"
        )
    out_channels = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ShapeError(f"{op}: bias must have shape ({out_channels},), got {tuple(bias.shape)}")
    _check_same_dtype(input, weight, op, "weight")
    _check_same_dtype(input, bias, op, "bias")
    stride = pair(stride, op, "stride", 1)
    padding = pair(padding, op, "padding", 0)
    output_padding = pair(output_padding, op, "output_padding", 0)
    dilation = pair(dilation, op, "dilation", 1)
    for axis, name in enumerate(("height", "width")):
        if output_padding[axis] >= max(stride[axis], dilation[axis]):
            raise RuntimeError(
                f"{op}: output_padding {output_padding} must be smaller than either stride {stride} or "
                f"dilation {dilation} in {name}"
            )
        kernel = weight.shape[2 + axis]
        size = (input.shape[2 + axis] - 1) * stride[axis] - 2 * padding[axis]
        size += dilation[axis] * (kernel - 1) + output_padding[axis] + 1
        if size < 1:
            raise RuntimeError(
                f"{op}: the output {name} would be {size} (input shape {tuple(input.shape)}, padding {padding}); "
                "use less padding"
            )
    if groups == 1:
        return conv_transpose_ops.ConvTranspose2d.apply(input, weight, bias, stride, padding, output_padding, dilation)
    in_per_group, out_per_group = input.shape[1] // groups, weight.shape[1]
    outputs = [
        conv_transpose_ops.ConvTranspose2d.apply(
            input[:, g * in_per_group : (g + 1) * in_per_group],
            weight[g * in_per_group : (g + 1) * in_per_group],
            None if bias is None else bias[g * out_per_group : (g + 1) * out_per_group],
            stride,
            padding,
            output_padding,
            dilation,
        )
        for g in range(groups)
    ]
    return cat(outputs, dim=1)


def _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode, op):
    """kernel, stride, dilation, ((top, bottom), (left, right)) padding (with ceil_mode's extra) and out_shape."""
    kernel = pair(kernel_size, op, "kernel_size", 1)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) else stride
    stride = pair(stride, op, "stride", 1)
    padding = pair(padding, op, "padding", 0)
    dilation = pair(dilation, op, "dilation", 1)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ArgumentError(
            f"{op}: padding should be at most half of the kernel size, got padding={padding} and kernel_size={kernel}"
        )
    out_shape, full_padding = [], []
    for axis, name in enumerate(("height", "width")):
        size = input.shape[2 + axis]
        count = output_size(size, kernel[axis], stride[axis], padding[axis], padding[axis], dilation[axis], ceil_mode)
        if count < 1:
            raise ShapeError(
                f"{op}: kernel {kernel[0]}x{kernel[1]} (dilation {dilation[0]}x{dilation[1]}) is larger than the "
                f"padded input: {name} {size} with padding {padding[axis]} leaves no window (input shape "
                f"{tuple(input.shape)}); use a smaller kernel or a bigger input"
            )
        extra = extra_right_padding(
            size, kernel[axis], stride[axis], padding[axis], padding[axis], dilation[axis], count
        )
        out_shape.append(count)
        full_padding.append((padding[axis], padding[axis] + extra))
    return kernel, stride, dilation, tuple(full_padding), tuple(out_shape)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum of each kernel_size window (stride defaults to kernel_size; padding is -inf, never chosen).

    Gradient: to each window's maximum element (the first one on ties, as PyTorch). Integer images
    pool too. return_indices=True also returns where each maximum was, as the flat index
    row * W + column in its input plane (int64), which max_unpool2d takes.
    """
    op = "max_pool2d"
    _check_image(input, op, integers_allowed=True)
    kernel, stride, dilation, padding, out_shape = _pool_geometry(
        input, kernel_size, stride, padding, dilation, ceil_mode, op
    )
    tiles_the_image = stride == kernel and dilation == (1, 1) and padding == ((0, 0), (0, 0))
    if tiles_the_image:
        output = pooling_ops.MaxPool2dTiles.apply(input, kernel)
    else:
        output = pooling_ops.MaxPool2d.apply(input, kernel, stride, padding, dilation, out_shape)
    if not return_indices:
        return output
    indices = pooling_ops.max_pool2d_indices(input._data, kernel, stride, padding, dilation, out_shape)
    return output, Tensor._make(indices)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Max pooling's partial inverse: each value goes back to the position `indices` (from
    max_pool2d(return_indices=True)) names in its (H, W) plane; every other cell is 0.

    Output size per dim: (in - 1) * stride - 2 * padding + kernel_size, unless output_size says otherwise.
    Gradient: g read back at the same positions.
    """
    op = "max_unpool2d"
    _check_tensor(input, op)
    _check_tensor(indices, op, "indices")
    if input.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {tuple(input.shape)}")
    if indices.shape != input.shape or indices.dtype.numpy.kind not in "iu":
        raise RuntimeError(
            f"{op}: indices must be an integer tensor of the input's shape {tuple(input.shape)} (from "
            f"max_pool2d(return_indices=True)), got {indices.dtype.name} of shape {tuple(indices.shape)}"
        )
    if input.ndim == 3:
        return max_unpool2d(input.unsqueeze(0), indices.unsqueeze(0), kernel_size, stride, padding, output_size)[0]
    kernel = pair(kernel_size, op, "kernel_size", 1)
    stride = kernel if stride is None else pair(stride, op, "stride", 1)
    padding = pair(padding, op, "padding", 0)
    out_shape = tuple((size - 1) * s - 2 * p + k for size, s, p, k in zip(input.shape[2:], stride, padding, kernel))
    if output_size is not None:
        out_shape = tuple(output_size)[-2:]
    cells = out_shape[0] * out_shape[1]
    if input.numel() and ((indices < 0) | (indices >= cells)).any():
        raise RuntimeError(
            f"{op}: found an index outside the output plane of {out_shape[0]}x{out_shape[1]} = {cells} cells; "
            "pass the output_size of the tensor that was pooled"
        )
    return pooling_ops.MaxUnpool2d.apply(input, indices, out_shape)


def avg_pool2d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    """The mean of each kernel_size window (stride defaults to kernel_size; zero padding).

    count_include_pad=True (PyTorch's default) divides by the window size, padding included;
    False divides by the number of input pixels under the window. Gradient: g / divisor to each tap.
    """
    op = "avg_pool2d"
    _check_image(input, op)
    kernel, stride, _, padding, out_shape = _pool_geometry(input, kernel_size, stride, padding, 1, ceil_mode, op)
    if divisor_override is not None and (not isinstance(divisor_override, int) or divisor_override < 1):
        raise ValueError(f"{op}: divisor_override must be a positive int, got {divisor_override!r}")
    counts = []
    for axis in range(2):  # per output row (column): cells counted along that dim
        size, before, count = input.shape[2 + axis], padding[axis][0], out_shape[axis]
        starts = np.arange(count) * stride[axis] - before
        ends = np.minimum(starts + kernel[axis], size + before)
        if count_include_pad:
            counts.append(ends - starts)
        else:
            counts.append(np.minimum(ends, size) - np.maximum(starts, 0))
    divisor = np.outer(counts[0], counts[1]) if divisor_override is None else np.full(out_shape, divisor_override)
    divisor = to_device(divisor.astype(input.dtype.numpy), input.device)
    return pooling_ops.AvgPool2d.apply(input, kernel, stride, padding, divisor)


def _adaptive_pooling_matrix(size, out_size, dtype):
    """(out_size, size) matrix whose row i averages cells floor(i*size/out) .. ceil((i+1)*size/out) - 1."""
    matrix = np.zeros((out_size, size), dtype=dtype)
    for i in range(out_size):
        start, end = (i * size) // out_size, -(-(i + 1) * size // out_size)
        matrix[i, start:end] = 1 / (end - start)
    return matrix


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed (out_h, out_w), whatever the input's size (PyTorch's window rule).

    Window i along a dim of `size` cells covers floor(i*size/out) .. ceil((i+1)*size/out) - 1, so
    windows may differ in size and overlap. Each dim's averaging is a matrix, so the whole op is
    out = P_h @ x @ P_w.T, and its gradient P_h.T @ g @ P_w comes from matmul's backward.
    `output_size` is an int, a pair, and None in a pair keeps that dim's input size.
    """
    op = "adaptive_avg_pool2d"
    _check_tensor(input, op)
    if input.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {tuple(input.shape)}")
    _check_float(input, op)
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    if len(sizes) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair (out_h, out_w), got {output_size!r}")
    out_shape = []
    for size, wanted in zip(input.shape[-2:], sizes):
        wanted = size if wanted is None else wanted
        if isinstance(wanted, bool) or not isinstance(wanted, int) or wanted < 0:
            raise ValueError(f"{op}: output_size must hold non-negative ints (or None), got {output_size!r}")
        out_shape.append(wanted)
    rows, columns = (
        make_tensor(_adaptive_pooling_matrix(size, wanted, input.dtype.numpy), device=input.device)
        for size, wanted in zip(input.shape[-2:], out_shape)
    )
    return rows @ input @ columns.T


def relu(input, inplace=False):
    """max(x, 0);  gradient 1 where x > 0, else 0."""
    _check_tensor(input, "relu")
    return input.relu()


def sigmoid(input):
    """1 / (1 + e**-x), computed stably;  gradient out * (1 - out)."""
    _check_tensor(input, "sigmoid")
    return input.sigmoid()


def tanh(input):
    """tanh(x);  gradient 1 - out**2."""
    _check_tensor(input, "tanh")
    return input.tanh()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, else negative_slope * x;  gradient 1 or negative_slope."""
    op = "leaky_relu"
    _check_tensor(input, op)
    _check_float(input, op)
    return activation_ops.LeakyReLU.apply(input, float(negative_slope))


def gelu(input, approximate="none"):
    """x * Phi(x), Phi the standard normal CDF (approximate="tanh": its tanh approximation)."""
    op = "gelu"
    _check_tensor(input, op)
    _check_float(input, op)
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"{op}: approximate must be 'none' or 'tanh', got {approximate!r}")
    return activation_ops.GELU.apply(input, approximate)


def silu(input, inplace=False):
    """x * sigmoid(x);  gradient s * (1 + x * (1 - s)) with s = sigmoid(x)."""
    op = "silu"
    _check_tensor(input, op)
    _check_float(input, op)
    return activation_ops.SiLU.apply(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e**(beta x)) / beta, a smooth relu; x itself where beta * x > threshold."""
    op = "softplus"
    _check_tensor(input, op)
    _check_float(input, op)
    return activation_ops.Softplus.apply(input, float(beta), float(threshold))


def _softmax_dim(input, dim, op):
    _check_tensor(input, op)
    if dim is None:  # PyTorch's legacy implicit choice
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return dim


def softmax(input, dim=None, dtype=None):
    """e**x / sum(e**x) along dim, computed stably (x - max first)."""
    dim = _softmax_dim(input, dim, "softmax")
    return (input if dtype is None else input.to(dtype)).softmax(dim)


def log_softmax(input, dim=None, dtype=None):
    """x - logsumexp(x) along dim, computed stably."""
    dim = _softmax_dim(input, dim, "log_softmax")
    return (input if dtype is None else input.to(dtype)).log_softmax(dim)


def dropout(input, p=0.5, training=True, inplace=False):
    """In training, zero each element with probability p and scale the rest by 1 / (1 - p); else identity."""
    op = "dropout"
    _check_tensor(input, op)
    _check_probability(p, op)
    if not training or p == 0:
        return input
    _check_float(input, op)
    return dropout_ops.Dropout.apply(input, float(p))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05):
    """Normalise each channel (dim 1) to mean 0, variance 1, then scale by weight and shift by bias.

    training=True uses the batch's statistics and updates running_mean / running_var in place
    (new = (1 - momentum) * old + momentum * batch, with the unbiased variance); training=False
    uses the running statistics.
    """
    op = "batch_norm"
    _check_tensor(input, op)
    if input.ndim < 2:
        raise ShapeError(f"{op}: expected an input of shape (N, C, ...), got shape {tuple(input.shape)}")
    _check_float(input, op)
    channels = input.shape[1]
    for name, value in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                        ("bias", bias)):  # fmt: skip
        if value is not None and tuple(value.shape) != (channels,):
            raise ShapeError(
                f"{op}: {name} must have shape ({channels},) for an input with {channels} channels "
                f"(shape {tuple(input.shape)}), got {tuple(value.shape)}"
            )
    _check_same_dtype(input, weight, op, "weight")
    _check_same_dtype(input, bias, op, "bias")
    if training and input.numel() // channels <= 1:
        raise ShapeError(
            f"{op}: expected more than 1 value per channel when training, got input shape {tuple(input.shape)}; "
            "use a bigger batch or call model.eval()"
        )
    if not training and (running_mean is None or running_var is None):
        raise ValueError(f"{op}: running_mean and running_var are required when training=False")
    return normalization_ops.BatchNorm.apply(input, weight, bias, running_mean, running_var, training, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Normalise each sample over its last len(normalized_shape) dims to mean 0, variance 1 (biased),
    then scale by weight and shift by bias (both of shape normalized_shape).

    Written with tensor ops (mean, var, sqrt), so its gradient comes from theirs.
    """
    op = "layer_norm"
    _check_tensor(input, op)
    _check_float(input, op)
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    count = len(normalized_shape)
    if count == 0 or tuple(input.shape[input.ndim - count :]) != normalized_shape or input.ndim < count:
        raise RuntimeError(
            f"{op}: normalized_shape {list(normalized_shape)} must be the input's last dims, but the input "
            f"has shape {tuple(input.shape)}"
        )
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != normalized_shape:
            raise ShapeError(f"{op}: {name} must have shape {normalized_shape}, got {tuple(value.shape)}")
    _check_same_dtype(input, weight, op, "weight")
    _check_same_dtype(input, bias, op, "bias")
    dims = tuple(range(input.ndim - count, input.ndim))
    centered = input - input.mean(dims, keepdim=True)
    out = centered / (centered.var(dims, keepdim=True, correction=0) + eps).sqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """Row input[...] of the table weight (num_embeddings, dim): output shape input.shape + (dim,).

    Gradient: each row gets the sum of the output gradients at the positions that picked it; the
    padding_idx row gets none.
    """
    op = "embedding"
    _check_tensor(input, op)
    _check_tensor(weight, op, "weight")
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError(
            f"{op}: max_norm, scale_grad_by_freq and sparse are not supported; leave them at their defaults"
        )
    if input.dtype.numpy.kind not in "iu":
        raise RuntimeError(f"{op}: indices must be an integer tensor (Long or Int), got {input.dtype.name}")
    if weight.ndim != 2:
        raise RuntimeError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got {tuple(weight.shape)}")
    rows = weight.shape[0]
    if input.numel() and ((input < 0) | (input >= rows)).any():
        raise IndexError(f"{op}: index out of range: indices must be in [0, {rows}), got min {int(input.min())}, "
                         f"max {int(input.max())}")  # fmt: skip
    if padding_idx is not None:
        padding_idx = _padding_index(padding_idx, rows, op)
    return embedding_ops.Embedding.apply(weight, input, padding_idx)


def _padding_index(padding_idx, num_embeddings, op):
    """padding_idx as a row in [0, num_embeddings); negative values count from the end."""
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"{op}: padding_idx must be within num_embeddings ({num_embeddings}), got {padding_idx}")
    return padding_idx % num_embeddings


# ----- losses -----------------------------------------------------------------------------------


def _class_target(input, target, op, ignore_index):
    """Check integer class targets: shape input.shape without dim 1, values in [0, C) or ignore_index."""
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    expected_shape = (input.shape[0], *input.shape[2:]) if input.ndim > 1 else ()
    if tuple(target.shape) != expected_shape:
        raise ShapeError(
            f"{op}: target shape {tuple(target.shape)} doesn't match input shape {tuple(input.shape)}: expected class "
            f"indices of shape {expected_shape} (the input's shape without the class dim 1)"
        )
    if target.numel():
        bad = ((target < 0) | (target >= classes)) & (target != ignore_index)
        if bad.any():
            bad_value = int(target[bad][0])
            raise IndexError(
                f"{op}: target value {bad_value} is out of range for {classes} classes "
                f"(expected 0 <= target < {classes}, or ignore_index={ignore_index})"
            )


def _rows(input):
    """input as (rows, classes): the class dim (1) moved last and the rest flattened."""
    if input.ndim == 1:
        return input.reshape(1, -1)
    if input.ndim == 2:
        return input
    moved = input.permute(0, *range(2, input.ndim), 1)
    return moved.reshape(-1, input.shape[1])


def _class_weight(weight, input, op):
    if weight is None:
        return None
    _check_tensor(weight, op, "weight")
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    if tuple(weight.shape) != (classes,):
        raise ShapeError(f"{op}: weight must have one entry per class, shape ({classes},), got {tuple(weight.shape)}")
    return weight.detach().to(input.dtype)


def _check_class_input(input, op):
    _check_tensor(input, op)
    if input.ndim == 0:
        raise ShapeError(f"{op}: input must have a class dim: shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor")
    _check_float(input, op)


def cross_entropy(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction="mean",
    label_smoothing=0.0,
):
    """Softmax + negative log likelihood as one fused, stable op;  gradient softmax(x) - onehot(y).

    input holds logits of shape (N, C) (or (C,), or (N, C, d1, ...)); target holds class indices
    (int64, shape (N,)) or class probabilities (input's shape).
    """
    op = "cross_entropy"
    _check_class_input(input, op)
    _check_tensor(target, op, "target")
    _check_reduction(reduction, op, size_average, reduce)
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"{op}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing!r}")
    class_weight = _class_weight(weight, input, op)
    if target.is_floating_point() and target.shape == input.shape:
        target_rows = _rows(target.to(input.dtype))
    elif target.dtype.numpy.kind in "iu":
        _class_target(input, target, op, ignore_index)
        target_rows = target.reshape(-1)
    else:
        raise DTypeError(
            f"{op}: target must hold class indices (an integer tensor of shape {(input.shape[0], *input.shape[2:])}"
            f"; convert with target.long()) or class probabilities (a float tensor of the input's shape "
            f"{tuple(input.shape)}), got {target.dtype.name} of shape {tuple(target.shape)}"
        )
    loss = loss_ops.CrossEntropy.apply(
        _rows(input), target_rows, class_weight, ignore_index, float(label_smoothing), reduction
    )
    if reduction == "none":
        return loss.reshape(input.shape[:1] + input.shape[2:] if input.ndim > 1 else ())
    return loss


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log likelihood of class indices, given log-probabilities (e.g. from log_softmax):
    loss = -input[n, target[n]];  gradient -1 at each target class (times weight), 0 elsewhere."""
    op = "nll_loss"
    _check_class_input(input, op)
    _check_tensor(target, op, "target")
    _check_reduction(reduction, op, size_average, reduce)
    if target.dtype.numpy.kind not in "iu":
        raise DTypeError(
            f"{op}: target must hold class indices of an integer dtype, got {target.dtype.name}; use .long()"
        )
    _class_target(input, target, op, ignore_index)
    class_weight = _class_weight(weight, input, op)
    loss = loss_ops.NLLLoss.apply(_rows(input), target.reshape(-1), class_weight, ignore_index, reduction)
    if reduction == "none":
        return loss.reshape(input.shape[:1] + input.shape[2:] if input.ndim > 1 else ())
    return loss


def _float_target(input, target, op, same_shape=True):
    _check_tensor(input, op)
    _check_tensor(target, op, "target")
    _check_float(input, op)
    if not target.is_floating_point():
        raise DTypeError(f"{op}: target must be a floating point tensor, got {target.dtype.name}; use target.float()")
    if same_shape and target.shape != input.shape:
        raise ShapeError(
            f"{op}: target shape {tuple(target.shape)} differs from input shape {tuple(input.shape)}; "
            "they must be the same (reshape one of them, e.g. target.view(-1, 1))"
        )
    return target.to(input.dtype)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean squared error: mean((x - y)**2);  gradient 2 (x - y) / n."""
    op = "mse_loss"
    _check_reduction(reduction, op, size_average, reduce)
    _check_tensor(input, op)
    _check_tensor(target, op, "target")
    input, target = to_common_dtype([input, target])  # an integer target counts as floats, as in PyTorch
    _check_float(input, op, "input or target")
    try:
        broadcast_shapes(tuple(input.shape), tuple(target.shape))
    except ShapeError:
        raise ShapeError(
            f"{op}: target shape {tuple(target.shape)} can't be broadcast to input shape {tuple(input.shape)}; "
            "give them the same shape"
        ) from None
    if target.shape != input.shape:
        warnings.warn(
            f"{op}: using a target size {tuple(target.shape)} that is different to the input size "
            f"{tuple(input.shape)}; this will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=2,
        )
    return loss_ops.MeanSquaredError.apply(input, target, reduction)


def _loss_weight(weight, loss, op):
    if weight is None:
        return loss
    _check_tensor(weight, op, "weight")
    return loss * weight.to(loss.dtype)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(y log p + (1 - y) log(1 - p)) for probabilities p in [0, 1]; each log is clamped to >= -100.

    For logits prefer binary_cross_entropy_with_logits: it is stable where sigmoid saturates.
    """
    op = "binary_cross_entropy"
    _check_reduction(reduction, op, size_average, reduce)
    target = _float_target(input, target, op)
    if input.numel() and not ((input >= 0) & (input <= 1)).all():
        raise ArgumentError(
            f"{op}: all elements of input should be between 0 and 1 (probabilities); apply sigmoid first"
        )
    loss = loss_ops.BinaryCrossEntropy.apply(input, target)
    return _reduce(_loss_weight(weight, loss, op), reduction)


def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    """binary_cross_entropy(sigmoid(x), y) computed stably from the logits x; gradient sigmoid(x) - y.

    pos_weight (broadcast over the last dim, e.g. one per class) weighs the positive term.
    """
    op = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, op, size_average, reduce)
    target = _float_target(input, target, op)
    if pos_weight is not None:
        _check_tensor(pos_weight, op, "pos_weight")
        pos_weight = pos_weight.to(input.dtype)
        try:
            broadcast_shapes(tuple(pos_weight.shape), tuple(input.shape))
        except ValueError:
            raise ShapeError(
                f"{op}: pos_weight of shape {tuple(pos_weight.shape)} can't be broadcast to the input's shape "
                f"{tuple(input.shape)}; give one weight per class (the last dim)"
            ) from None
    loss = loss_ops.BinaryCrossEntropyWithLogits.apply(input, target, pos_weight)
    return _reduce(_loss_weight(weight, loss, op), reduction)


def one_hot(tensor, num_classes=-1):
    """Class indices (int64) to rows of 0s with a 1 at the index: shape (*tensor.shape, num_classes), int64.

    num_classes=-1 takes the largest index + 1. Not differentiable (its input holds integers).
    """
    op = "one_hot"
    _check_tensor(tensor, op)
    if tensor.dtype.name != "int64":
        raise DTypeError(f"{op}: is only applicable to index tensors of type int64 (LongTensor), got {tensor.dtype}")
    indices = tensor._data
    if indices.size and indices.min() < 0:
        raise ArgumentError(f"{op}: class values must be non-negative, got {int(indices.min())}")
    if num_classes == -1:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    if indices.size and indices.max() >= num_classes:
        raise ArgumentError(
            f"{op}: class values must be smaller than num_classes={num_classes}, got {int(indices.max())}"
        )
    classes = to_device(np.arange(num_classes), tensor.device)
    return Tensor._make((indices[..., None] == classes).astype(np.int64))
