"""conv2d, the op: forward against a plain loop, values and gradients against PyTorch, gradcheck,
the output-size formula, "same"/"valid" padding, groups, and the argument errors of F.conv2d; its
fast path's pieces (im2row in both fill orders, row2im_into, blocks of the batch, any input layout)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nn_reference import assert_matches_torch, host, window_geometries

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.backend import backend_of, to_device
from tinygrad_edu.ops import conv
from tinygrad_edu.ops.windows import output_size, pad_spatial
from tinygrad_edu.testing import gradcheck


def naive_conv2d(x, weight, bias, stride, padding, dilation):
    """The definition, one output pixel at a time."""
    batch, _, height, width = x.shape
    out_channels, _, kernel_height, kernel_width = weight.shape
    padded = np.pad(x, ((0, 0), (0, 0), (padding[0], padding[0]), (padding[1], padding[1])))
    out_height = (height + 2 * padding[0] - dilation[0] * (kernel_height - 1) - 1) // stride[0] + 1
    out_width = (width + 2 * padding[1] - dilation[1] * (kernel_width - 1) - 1) // stride[1] + 1
    out = np.zeros((batch, out_channels, out_height, out_width), dtype=x.dtype)
    for n in range(batch):
        for o in range(out_channels):
            for y in range(out_height):
                for x_position in range(out_width):
                    top, left = y * stride[0], x_position * stride[1]
                    window = padded[
                        n,
                        :,
                        top : top + dilation[0] * (kernel_height - 1) + 1 : dilation[0],
                        left : left + dilation[1] * (kernel_width - 1) + 1 : dilation[1],
                    ]
                    out[n, o, y, x_position] = (window * weight[o]).sum() + (bias[o] if bias is not None else 0)
    return out


@st.composite
def conv_cases(draw):
    kernel, stride, padding, dilation, height, width = draw(window_geometries(max_padding=2))
    batch, in_channels, out_channels = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((batch, in_channels, height, width))
    weight = rng.standard_normal((out_channels, in_channels, *kernel))
    bias = rng.standard_normal(out_channels) if draw(st.booleans()) else None
    return x, weight, bias, stride, padding, dilation


@given(case=conv_cases())
def test_conv2d_forward_equals_the_loop_definition(device, case):
    x, weight, bias, stride, padding, dilation = case
    result = F.conv2d(
        tg.tensor(x, device=device),
        tg.tensor(weight, device=device),
        None if bias is None else tg.tensor(bias, device=device),
        stride,
        padding,
        dilation,
    )
    np.testing.assert_allclose(host(result), naive_conv2d(x, weight, bias, stride, padding, dilation), atol=1e-12)


@given(case=conv_cases())
def test_conv2d_gradients_pass_gradcheck(device, case):
    x, weight, bias, stride, padding, dilation = case
    inputs = [tg.tensor(a, device=device, requires_grad=True) for a in (x, weight)]
    if bias is not None:
        inputs.append(tg.tensor(bias, device=device, requires_grad=True))
    assert gradcheck(lambda *args: F.conv2d(*args, stride=stride, padding=padding, dilation=dilation), inputs)


@given(case=conv_cases())
def test_conv2d_matches_torch(device, case):
    x, weight, bias, stride, padding, dilation = case
    arrays = [a.astype(np.float32) for a in (x, weight) + ((bias,) if bias is not None else ())]
    assert_matches_torch(
        lambda m, *args: m.nn.functional.conv2d(*args, stride=stride, padding=padding, dilation=dilation),
        *arrays,
        device=device,
        atol=1e-4,
        rtol=1e-4,
    )


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("kernel, dilation", [(3, 1), (4, 1), ((2, 5), (2, 1))])
def test_string_padding_matches_torch(device, padding, kernel, dilation):
    rng = np.random.default_rng(1)
    kernel = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    x = rng.standard_normal((2, 2, 9, 10)).astype(np.float32)
    weight = rng.standard_normal((3, 2, *kernel)).astype(np.float32)
    assert_matches_torch(
        lambda m, x, w: m.nn.functional.conv2d(x, w, padding=padding, dilation=dilation),
        x,
        weight,
        device=device,
        atol=1e-4,
        rtol=1e-4,
    )
    if padding == "same":
        result = F.conv2d(
            tg.tensor(x, device=device), tg.tensor(weight, device=device), padding="same", dilation=dilation
        )
        assert result.shape[2:] == x.shape[2:]


def test_grouped_convolution_matches_torch(device):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 4, 6, 6)).astype(np.float32)
    weight = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
    bias = rng.standard_normal(6).astype(np.float32)
    assert_matches_torch(
        lambda m, *args: m.nn.functional.conv2d(*args, padding=1, groups=2), x, weight, bias, device=device, atol=1e-4
    )


@given(
    size=st.integers(1, 40),
    kernel=st.integers(1, 7),
    stride=st.integers(1, 4),
    padding=st.integers(0, 3),
    dilation=st.integers(1, 3),
)
def test_output_size_formula(size, kernel, stride, padding, dilation):
    reach = dilation * (kernel - 1) + 1
    if reach > size + 2 * padding:
        size = reach  # smallest input the kernel fits
    x = tg.zeros(1, 1, size, 3)
    weight = tg.zeros(1, 1, kernel, 1)
    out = F.conv2d(x, weight, stride=(stride, 1), padding=(padding, 0), dilation=(dilation, 1))
    assert out.shape[2] == (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def test_kernel_larger_than_the_padded_input_is_an_error():
    with pytest.raises(ValueError, match=r"conv2d: kernel 5x5 .* padded input's 4 .*input height 2, padding 1\+1"):
        F.conv2d(tg.zeros(1, 1, 2, 9), tg.zeros(1, 1, 5, 5), padding=1)


def test_other_argument_errors():
    x, weight = tg.zeros(1, 2, 5, 5), tg.zeros(4, 2, 3, 3)
    with pytest.raises(ValueError, match="bias must have shape"):
        F.conv2d(x, weight, tg.zeros(3))
    with pytest.raises(ValueError, match="stride must be at least 1"):
        F.conv2d(x, weight, stride=0)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        F.conv2d(x, weight, stride=2, padding="same")
    with pytest.raises(TypeError, match="input is float64 but weight is float32"):
        F.conv2d(x.double(), weight)


@st.composite
def window_matrices(draw):
    """A padded channels-last image and the geometry of its windows, 1 to 3 channels (both im2row fill orders)."""
    kernel, stride, padding, dilation, height, width = draw(window_geometries(max_padding=2))
    batch, channels = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    x = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).standard_normal((batch, channels, height, width))
    out_shape = tuple(
        output_size(size, kernel[axis], stride[axis], padding[axis], padding[axis], dilation[axis])
        for axis, size in enumerate((height, width))
    )
    return x, kernel, stride, ((padding[0],) * 2, (padding[1],) * 2), dilation, out_shape


def on_host(array):
    return backend_of(array).to_numpy(array)


@given(case=window_matrices())
def test_im2row_is_im2col_transposed_with_each_windows_taps_in_i_j_c_order(device, case):
    x, kernel, stride, padding, dilation, out_shape = case
    padded = pad_spatial(to_device(x, device), padding, channels_last=True)
    rows = on_host(conv.im2row(padded, kernel, stride, dilation, out_shape))
    cols = on_host(conv.im2col(pad_spatial(to_device(x, device), padding), kernel, stride, dilation, out_shape))
    channels = x.shape[1]
    # im2col's rows are (c, i, j); im2row's columns are (i, j, c).
    expected = cols.reshape(channels, *kernel, -1).transpose(1, 2, 0, 3).reshape(-1, cols.shape[1]).T
    np.testing.assert_array_equal(rows, expected)


@given(case=window_matrices())
def test_row2im_into_is_im2rows_adjoint(device, case):
    # <im2row(x), R> == <x, row2im(R)> for every padded image x and matrix R: the definition of the adjoint.
    x, kernel, stride, padding, dilation, out_shape = case
    padded = pad_spatial(to_device(x, device), padding, channels_last=True)
    rows = conv.im2row(padded, kernel, stride, dilation, out_shape)
    other = np.random.default_rng(0).standard_normal(rows.shape)
    image = to_device(np.zeros((padded.shape[0], *padded.shape[2:], padded.shape[1])), device)
    conv.row2im_into(image, to_device(other, device), kernel, stride, dilation, out_shape)
    lhs = np.sum(on_host(rows) * other)
    rhs = np.sum(on_host(padded) * on_host(image).transpose(0, 3, 1, 2))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10)


@pytest.mark.parametrize("batch", [1, 4, 7])
def test_batch_blocks_cut_the_batch_into_equal_blocks_on_the_cpu(device, monkeypatch, batch):
    monkeypatch.setattr(conv, "ROWS_BLOCK_BYTES", 1000)
    x = to_device(np.zeros((batch, 1, 1, 1), dtype=np.float32), device)
    for taps in (1, 3, 10, 50):  # 5 rows per image: 20 to 1000 bytes
        blocks = conv._batch_blocks(x, (5, 1), taps)
        assert [index for block in blocks for index in range(batch)[block]] == list(range(batch))
        sizes = [block.stop - block.start for block in blocks]
        assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 1
        if device == "cpu":
            image_bytes = 5 * taps * 4
            assert max(sizes) * image_bytes <= 1000 or max(sizes) == 1
            assert len(blocks) == min(batch, -(-batch * image_bytes // 1000))  # as few blocks as fit
        else:  # a GPU takes the whole batch at once
            assert sizes == [batch]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("in_channels", [1, 3])
def test_conv2d_by_blocks_of_the_batch_gives_what_one_block_gives(monkeypatch, dtype, in_channels):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, in_channels, 7, 6)).astype(dtype)
    weight = rng.standard_normal((4, in_channels, 3, 2)).astype(dtype)
    bias = rng.standard_normal(4).astype(dtype)
    upstream = None
    results = []
    for block_bytes in (1 << 30, 1):  # the whole batch at once, then one image at a time
        monkeypatch.setattr(conv, "ROWS_BLOCK_BYTES", block_bytes)
        inputs = [tg.tensor(array, requires_grad=True) for array in (x, weight, bias)]
        out = F.conv2d(*inputs, stride=(2, 1), padding=(1, 2), dilation=(1, 2))
        upstream = upstream if upstream is not None else rng.standard_normal(tuple(out.shape)).astype(dtype)
        out.backward(tg.tensor(upstream))
        results.append([host(out)] + [host(value.grad) for value in inputs])
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for blocked, whole in zip(results[1], results[0]):
        assert blocked.dtype == dtype
        np.testing.assert_allclose(blocked, whole, rtol=tolerance, atol=tolerance)


def test_conv2d_blocks_match_torch(monkeypatch):
    monkeypatch.setattr(conv, "ROWS_BLOCK_BYTES", 3000)  # several images per block, several blocks
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal(shape).astype(np.float32) for shape in ((9, 2, 8, 8), (3, 2, 3, 3), (3,))]
    assert_matches_torch(lambda m, *args: m.nn.functional.conv2d(*args, padding=1), *arrays, atol=1e-4, rtol=1e-4)


def test_conv2d_takes_every_input_layout_and_gives_a_channels_last_output(device):
    rng = np.random.default_rng(7)
    base = rng.standard_normal((3, 4, 9, 8))
    weight = rng.standard_normal((2, 4, 3, 3))
    expected = naive_conv2d(base, weight, None, (1, 1), (1, 1), (1, 1))
    layouts = {
        "contiguous": base,
        "channels-last": np.ascontiguousarray(base.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2),
        "strided view": np.ascontiguousarray(np.repeat(base, 2, axis=3))[:, :, :, ::2],
    }
    gradients = {}
    for name, x in layouts.items():
        input = tg.tensor(x, device=device, requires_grad=True)
        out = F.conv2d(input, tg.tensor(weight, device=device), padding=1)
        np.testing.assert_allclose(host(out), expected, atol=1e-12, err_msg=name)
        batch, channels, height, width = out.shape
        item = out._data.itemsize
        assert out._data.strides == (height * width * channels * item, item, width * channels * item, channels * item)
        out.backward(tg.tensor(np.cos(expected), device=device))
        gradients[name] = host(input.grad)
    for name, gradient in gradients.items():  # the contiguous input's gradient is checked against PyTorch above
        np.testing.assert_allclose(gradient, gradients["contiguous"], atol=1e-12, err_msg=name)
