"""max_pool2d and avg_pool2d, the ops: forward against a plain loop, values and gradients against
PyTorch (ties, -inf padding, ceil_mode, count_include_pad), gradcheck, and both max-pool code paths."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from nn_reference import assert_matches_torch, host, window_geometries

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.ops import pooling
from tinygrad_edu.testing import gradcheck
from tinygrad_edu.testing import strategies as tgst


def naive_max_pool2d(x, kernel, stride, padding, dilation):
    batch, channels, height, width = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2), constant_values=-np.inf)
    out_height = (height + 2 * padding[0] - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    out_width = (width + 2 * padding[1] - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    out = np.empty((batch, channels, out_height, out_width), dtype=x.dtype)
    for y in range(out_height):
        for x_position in range(out_width):
            top, left = y * stride[0], x_position * stride[1]
            window = padded[
                :,
                :,
                top : top + dilation[0] * (kernel[0] - 1) + 1 : dilation[0],
                left : left + dilation[1] * (kernel[1] - 1) + 1 : dilation[1],
            ]
            out[:, :, y, x_position] = window.max(axis=(2, 3))
    return out


@st.composite
def pool_cases(draw, dilation=True):
    kernel, stride, padding, dilation, height, width = draw(
        window_geometries(max_kernel=3, max_stride=3, max_dilation=2 if dilation else 1, pool=True)
    )
    batch, channels = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    x = draw(tgst.separated_arrays((batch, channels, height, width)))
    return x, kernel, stride, padding, dilation


@given(case=pool_cases())
def test_max_pool2d_forward_equals_the_loop_definition(device, case):
    x, kernel, stride, padding, dilation = case
    result = F.max_pool2d(tg.tensor(x, device=device), kernel, stride, padding, dilation)
    np.testing.assert_array_equal(host(result), naive_max_pool2d(x, kernel, stride, padding, dilation))


@given(case=pool_cases())
def test_max_pool2d_gradcheck_on_well_separated_values(device, case):
    x, kernel, stride, padding, dilation = case
    assert gradcheck(
        lambda t: F.max_pool2d(t, kernel, stride, padding, dilation), tg.tensor(x, device=device, requires_grad=True)
    )


@given(case=pool_cases(), ceil_mode=st.booleans())
def test_max_pool2d_matches_torch(device, case, ceil_mode):
    x, kernel, stride, padding, dilation = case
    assert_matches_torch(
        lambda m, t: m.nn.functional.max_pool2d(t, kernel, stride, padding, dilation, ceil_mode=ceil_mode),
        x.astype(np.float32),
        device=device,
    )


def naive_max_pool2d_backward(x, grad_output, kernel, stride):
    """The documented tie rule as a loop: each window's gradient goes to its first maximum in
    row-major order; overlapping windows add up."""
    grad = np.zeros_like(x)
    for n, c, y, x_position in np.ndindex(grad_output.shape):
        top, left = y * stride[0], x_position * stride[1]
        window = x[n, c, top : top + kernel[0], left : left + kernel[1]]
        row, column = np.unravel_index(np.argmax(window), window.shape)
        grad[n, c, top + row, left + column] += grad_output[n, c, y, x_position]
    return grad


@st.composite
def pool_cases_with_ties(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    height, width = kernel[0] + draw(st.integers(0, 4)), kernel[1] + draw(st.integers(0, 4))
    x = draw(hnp.arrays(np.float64, (1, 2, height, width), elements=st.integers(0, 2).map(float)))
    return x, kernel, stride


@settings(max_examples=4 * settings().max_examples)
@given(case=pool_cases_with_ties())
@example(case=(np.full((1, 2, 4, 4), 1.0), (2, 2), (2, 2)))  # every window tied throughout
@example(case=(np.array([[[[0.0, 2.0, 2.0], [2.0, 2.0, 0.0]]]]), (2, 2), (1, 1)))  # overlapping, shared ties
@example(case=(np.array([[[[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]]]), (3, 2), (3, 2)))
def test_ties_send_the_gradient_to_each_windows_first_maximum(device, case):
    x, kernel, stride = case
    tensor = tg.tensor(x, device=device, requires_grad=True)
    out = F.max_pool2d(tensor, kernel, stride)
    np.testing.assert_array_equal(host(out), naive_max_pool2d(x, kernel, stride, (0, 0), (1, 1)))
    upstream = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(tg.tensor(upstream, device=device))
    np.testing.assert_allclose(host(tensor.grad), naive_max_pool2d_backward(x, upstream, kernel, stride))


@pytest.mark.parametrize("kernel, stride", [(2, None), (3, 3), ((2, 3), (2, 3)), (2, 1), (3, 2)])
def test_ties_send_the_gradient_to_the_first_maximum_as_torch(device, kernel, stride):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, size=(2, 3, 7, 8)).astype(np.float32)  # many ties, whole windows of equal values
    assert_matches_torch(lambda m, t: m.nn.functional.max_pool2d(t, kernel, stride), x, device=device)


def test_padding_is_minus_infinity_not_zero(device):
    x = tg.full((1, 1, 2, 2), -5.0, device=device, requires_grad=True)
    out = F.max_pool2d(x, 2, stride=1, padding=1)
    np.testing.assert_array_equal(host(out), np.full((1, 1, 3, 3), -5.0))
    out.sum().backward()
    assert host(x.grad).sum() == 9  # every window's gradient reached a real element


@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (1, 2, 7, 9)])
def test_tiling_fast_path_agrees_with_the_window_view_path(device, shape):
    rng = np.random.default_rng(4)
    x = rng.integers(0, 4, size=shape).astype(np.float32)
    upstream = rng.standard_normal((shape[0], shape[1], shape[2] // 2, shape[3] // 2)).astype(np.float32)
    results = []
    for function, args in (
        (pooling.MaxPool2dTiles, ((2, 2),)),
        (pooling.MaxPool2d, ((2, 2), (2, 2), ((0, 0),) * 2, (1, 1), upstream.shape[2:])),
    ):
        t = tg.tensor(x, device=device, requires_grad=True)
        out = function.apply(t, *args)
        out.backward(tg.tensor(upstream, device=device))
        results.append((host(out), host(t.grad)))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tiles_keep_a_channels_last_input_channels_last_whatever_the_gradients_layout(device, dtype):
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, size=(2, 3, 6, 9)).astype(dtype)  # ties, and a column past the last whole tile
    upstream = rng.standard_normal((2, 3, 3, 4)).astype(dtype)
    channels_last = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    expected_out, expected_grad = None, None
    for input in (x, channels_last):
        for grad in (upstream, np.ascontiguousarray(upstream.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)):
            t = tg.tensor(input, device=device, requires_grad=True)
            out = F.max_pool2d(t, 2)
            out.backward(tg.tensor(grad, device=device))
            if expected_out is None:
                expected_out, expected_grad = host(out), host(t.grad)
            np.testing.assert_array_equal(host(out), expected_out)
            np.testing.assert_array_equal(host(t.grad), expected_grad)
            assert t.grad.dtype == t.dtype
            # The output's axes lie in memory in the input's order (channels-last stays channels-last).
            order = sorted(range(4), key=lambda axis: -out._data.strides[axis])
            assert order == sorted(range(4), key=lambda axis: -t._data.strides[axis])
    np.testing.assert_array_equal(expected_out, naive_max_pool2d(x, (2, 2), (2, 2), (0, 0), (1, 1)))


@given(case=pool_cases(dilation=False), ceil_mode=st.booleans(), count_include_pad=st.booleans())
def test_avg_pool2d_matches_torch(device, case, ceil_mode, count_include_pad):
    x, kernel, stride, padding, _ = case
    assert_matches_torch(
        lambda m, t: m.nn.functional.avg_pool2d(t, kernel, stride, padding, ceil_mode, count_include_pad),
        x.astype(np.float32),
        device=device,
    )


@given(case=pool_cases(dilation=False))
def test_avg_pool2d_gradcheck(device, case):
    x, kernel, stride, padding, _ = case
    assert gradcheck(
        lambda t: F.avg_pool2d(t, kernel, stride, padding, count_include_pad=False),
        tg.tensor(x, device=device, requires_grad=True),
    )


def test_avg_pool2d_divisor_override_matches_torch(device):
    x = np.random.default_rng(5).standard_normal((1, 2, 5, 5)).astype(np.float32)
    assert_matches_torch(lambda m, t: m.nn.functional.avg_pool2d(t, 3, 2, 1, divisor_override=4), x, device=device)


def test_max_pool2d_float32_in_float32_out(device):
    x = tg.randn(2, 3, 6, 6, device=device, requires_grad=True)
    for kernel, stride in ((2, 2), (3, 1)):
        out = F.max_pool2d(x, kernel, stride)
        out.sum().backward()
        assert out.dtype == tg.float32 and x.grad.dtype == tg.float32


def test_pooling_errors():
    with pytest.raises(ValueError, match=r"max_pool2d: expected a 4-D input \(N, C, H, W\), got shape \(3, 8, 8\)"):
        F.max_pool2d(tg.zeros(3, 8, 8), 2)
    with pytest.raises(ValueError, match="max_pool2d: kernel 5x5 .* larger than the padded input"):
        F.max_pool2d(tg.zeros(1, 1, 4, 4), 5)
    with pytest.raises(ValueError, match="padding should be at most half of the kernel size"):
        F.max_pool2d(tg.zeros(1, 1, 8, 8), 2, padding=2)
    with pytest.raises(ValueError, match="avg_pool2d: kernel_size must be at least 1"):
        F.avg_pool2d(tg.zeros(1, 1, 8, 8), 0)


@given(case=pool_cases(), ceil_mode=st.booleans())
def test_max_pool2d_indices_point_at_the_maxima(device, case, ceil_mode):
    x, kernel, stride, padding, dilation = case
    out, indices = F.max_pool2d(tg.tensor(x, device=device), kernel, stride, padding, dilation, ceil_mode, True)
    assert indices.dtype == tg.int64 and indices.shape == out.shape
    planes = x.reshape(*x.shape[:2], -1)
    picked = np.take_along_axis(planes, host(indices).reshape(*x.shape[:2], -1), axis=2)
    np.testing.assert_array_equal(picked.reshape(out.shape), host(out))


@given(case=pool_cases())
def test_max_pool2d_indices_match_torch(torch, case):
    x, kernel, stride, padding, dilation = case
    _, ours = F.max_pool2d(tg.tensor(x), kernel, stride, padding, dilation, return_indices=True)
    _, theirs = torch.nn.functional.max_pool2d(torch.tensor(x), kernel, stride, padding, dilation, return_indices=True)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@given(case=pool_cases(dilation=False))
def test_max_unpool2d_gradcheck(device, case):
    x, kernel, _, padding, _ = case  # stride = kernel: windows that never share a maximum (as in real use)
    stride = kernel
    _, indices = F.max_pool2d(tg.tensor(x, device=device), kernel, stride, padding, return_indices=True)
    values = tg.tensor(np.linspace(-1, 1, indices.numel()).reshape(indices.shape), device=device, requires_grad=True)
    output_size = x.shape[2:]
    assert gradcheck(lambda v: F.max_unpool2d(v, indices, kernel, stride, padding, output_size), values)


def test_max_unpool2d_matches_torch(torch, device):
    x = np.random.default_rng(7).standard_normal((2, 3, 6, 5)).astype(np.float32)
    _, indices = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)

    def unpool(m, t):
        pooled, where = m.nn.functional.max_pool2d(t, 2, return_indices=True)
        return m.nn.functional.max_unpool2d(pooled, where, 2, output_size=(6, 5))

    assert_matches_torch(unpool, x, device=device)


def test_max_unpool2d_by_hand_and_its_errors():
    x = tg.tensor([[[[1.0, 5.0], [3.0, 2.0]]]])
    pooled, indices = F.max_pool2d(x, 2, return_indices=True)
    assert indices.tolist() == [[[[1]]]]
    assert F.max_unpool2d(pooled, indices, 2).tolist() == [[[[0.0, 5.0], [0.0, 0.0]]]]
    with pytest.raises(RuntimeError, match="output_size"):
        F.max_unpool2d(pooled, tg.tensor([[[[4]]]]), 2)
    with pytest.raises(RuntimeError, match="indices must be an integer tensor"):
        F.max_unpool2d(pooled, tg.tensor([[[[1.0]]]]), 2)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
def test_max_pool2d_of_integer_images(torch, dtype):
    x = np.random.default_rng(8).integers(0, 200, (1, 2, 5, 5)).astype(dtype)
    for args in ((2,), (3, 1, 1)):
        ours = F.max_pool2d(tg.tensor(x), *args)
        theirs = torch.nn.functional.max_pool2d(torch.tensor(x.astype(np.int64)), *args)
        assert ours.dtype.name == dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_max_pool2d_pads_integers_with_their_lowest_value():
    x = tg.tensor([[[[-5, -7], [-9, -6]]]], dtype=tg.int32)
    assert F.max_pool2d(x, 2, stride=1, padding=1).tolist() == [[[[-5, -5, -7], [-5, -5, -6], [-9, -6, -6]]]]
