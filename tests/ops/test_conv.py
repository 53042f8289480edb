"""conv2d, the op: forward against a plain loop, values and gradients against PyTorch, gradcheck,
the output-size formula, "same"/"valid" padding, groups, and the argument errors of F.conv2d."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nn_reference import assert_matches_torch, host, window_geometries

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
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
