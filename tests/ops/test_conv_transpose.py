"""conv_transpose2d, the op: it is conv2d's adjoint (checked without PyTorch), gradcheck on random
geometries, and values and all three gradients against PyTorch (stride, padding, output_padding,
groups, dilation)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nn_reference import assert_matches_torch, host

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.testing import gradcheck


@st.composite
def transpose_cases(draw):
    """(x, weight, bias, stride, padding, output_padding, groups, dilation) that give a non-empty output."""
    groups = draw(st.integers(1, 2))
    in_channels, out_per_group = groups * draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    height, width = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    # padding at most what keeps one output cell: 2p <= (size-1)*s + d*(k-1) + output_padding
    padding = tuple(
        draw(st.integers(0, ((size - 1) * s + d * (k - 1) + op) // 2))
        for size, s, d, k, op in zip((height, width), stride, dilation, kernel, output_padding)
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.standard_normal((draw(st.integers(1, 2)), in_channels, height, width))
    weight = rng.standard_normal((in_channels, out_per_group, *kernel))
    bias = rng.standard_normal(out_per_group * groups)
    return x, weight, bias, stride, padding, output_padding, groups, dilation


@given(case=transpose_cases())
def test_is_the_adjoint_of_conv2d(device, case):
    # <conv_transpose2d(x), y> == <x, conv2d(y)>: the same weights read windows one way and write them the other.
    x, weight, _, stride, padding, output_padding, groups, dilation = case
    out = F.conv_transpose2d(tg.tensor(x, device=device), tg.tensor(weight, device=device), None, stride, padding,
                             output_padding, groups, dilation)  # fmt: skip
    y = np.random.default_rng(1).standard_normal(tuple(out.shape))
    back = F.conv2d(tg.tensor(y, device=device), tg.tensor(weight, device=device), None, stride, padding, dilation,
                    groups)  # fmt: skip
    # output_padding's extra rows can hold one more window than x has pixels: conv2d's first H x W match x
    back = host(back)[:, :, : x.shape[2], : x.shape[3]]
    assert back.shape == x.shape
    np.testing.assert_allclose((host(out) * y).sum(), (x * back).sum(), rtol=1e-9, atol=1e-9)


@given(case=transpose_cases())
def test_gradcheck(device, case):
    x, weight, bias, stride, padding, output_padding, groups, dilation = case
    assert gradcheck(
        lambda t, w, b: F.conv_transpose2d(t, w, b, stride, padding, output_padding, groups, dilation),
        [tg.tensor(array, device=device, requires_grad=True) for array in (x, weight, bias)],
    )


@given(case=transpose_cases())
def test_matches_torch(torch, device, case):
    x, weight, bias, stride, padding, output_padding, groups, dilation = case
    assert_matches_torch(
        lambda m, t, w, b: m.nn.functional.conv_transpose2d(
            t, w, b, stride, padding, output_padding, groups, dilation
        ),  # fmt: skip
        *(array.astype(np.float32) for array in (x, weight, bias)),
        device=device,
        atol=1e-5,
    )


def test_stride_two_doubles_the_size_and_spreads_each_pixel():
    x = tg.tensor([[[[1.0, 2.0]]]])
    weight = tg.ones(1, 1, 2, 2)
    out = F.conv_transpose2d(x, weight, stride=2)
    assert out.tolist() == [[[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]]]


def test_errors_name_the_op():
    with pytest.raises(RuntimeError, match="output_padding"):
        F.conv_transpose2d(tg.ones(1, 1, 2, 2), tg.ones(1, 1, 2, 2), stride=1, output_padding=1)
    with pytest.raises(ValueError, match="conv_transpose2d: input has 2 channels but weight expects 1"):
        F.conv_transpose2d(tg.ones(1, 2, 2, 2), tg.ones(1, 1, 2, 2))
