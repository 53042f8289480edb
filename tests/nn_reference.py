"""Helpers for the nn and op tests: run a function in PyTorch and in tinygrad_edu on the same arrays and
compare outputs and gradients, and draw conv/pool geometries that always fit."""

import numpy as np
import pytest
from hypothesis import strategies as st

import tinygrad_edu as tg


def host(tensor):
    return tensor.detach().cpu().numpy()


def assert_matches_torch(fn, *arrays, device="cpu", torch_fn=None, atol=1e-6, rtol=1e-5, seed=0, grad=None):
    """fn(module, *tensors), written once for `torch` and `tinygrad_edu`, gives the same values and the
    same input gradients of sum(v * output) for a random v. `grad` lists which inputs require grad
    (default: the floating ones)."""
    torch = pytest.importorskip("torch")
    torch_fn = torch_fn or fn
    grad = grad or [array.dtype.kind == "f" for array in arrays]
    theirs = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grad)]
    ours = [tg.tensor(a, device=device, requires_grad=g) for a, g in zip(arrays, grad)]
    expected = torch_fn(torch, *theirs)
    actual = fn(tg, *ours)
    assert tuple(actual.shape) == tuple(expected.shape)
    assert actual.dtype.name == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_allclose(host(actual), expected.detach().numpy(), atol=atol, rtol=rtol)
    upstream = np.random.default_rng(seed).standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(upstream, dtype=expected.dtype))
    actual.backward(tg.tensor(upstream, dtype=actual.dtype, device=device))
    for position, (their_input, our_input) in enumerate(zip(theirs, ours)):
        if not their_input.requires_grad:
            continue
        assert our_input.grad is not None, f"input {position} got no gradient"
        assert our_input.grad.dtype == our_input.dtype
        np.testing.assert_allclose(
            host(our_input.grad),
            their_input.grad.numpy(),
            atol=atol,
            rtol=rtol,
            err_msg=f"gradient of input {position}",
        )


@st.composite
def window_geometries(draw, max_kernel=3, max_stride=2, max_padding=1, max_dilation=2, pool=False):
    """(kernel, stride, padding, dilation, height, width) for one 2-D sliding window that fits the input.

    For pooling, padding is at most half the kernel (PyTorch's rule) and only on undilated axes."""
    kernel = (draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel)))
    stride = (draw(st.integers(1, max_stride)), draw(st.integers(1, max_stride)))
    dilation = (draw(st.integers(1, max_dilation)), draw(st.integers(1, max_dilation)))
    if pool:  # padding only undilated axes, so no window lies wholly in the padding
        padding = tuple(
            draw(st.integers(0, min(max_padding, k // 2) if d == 1 else 0)) for k, d in zip(kernel, dilation)
        )
    else:
        padding = (draw(st.integers(0, max_padding)), draw(st.integers(0, max_padding)))
    sizes = []
    for axis in range(2):
        reach = dilation[axis] * (kernel[axis] - 1) + 1
        sizes.append(max(1, reach - 2 * padding[axis]) + draw(st.integers(0, 4)))
    return kernel, stride, padding, dilation, sizes[0], sizes[1]
