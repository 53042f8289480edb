"""Run one function in PyTorch and in tinygrad_edu on the same arrays; compare values, dtypes and gradients.

`fn(module, *tensors)` is written once for both, e.g. `lambda m, a, b: m.maximum(a, b)` (module is
`torch` or `tinygrad_edu`). Floating inputs require grad; the gradients compared are those of
sum(v * fn(...)) for one random upstream v, so a backward that ignores its upstream gradient fails.
"""

import numpy as np
import pytest

import tinygrad_edu as tg


def assert_matches_torch(fn, *arrays, device="cpu", torch_fn=None, atol=1e-5, rtol=1e-4, seed=0):
    """Assert fn gives PyTorch's values, dtype and input gradients on `arrays` (skips without torch)."""
    torch = pytest.importorskip("torch")
    torch_fn = torch_fn or fn
    torch_inputs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    our_inputs = [tg.tensor(a, device=device, requires_grad=a.dtype.kind == "f") for a in arrays]
    expected = _first(torch_fn(torch, *torch_inputs))
    actual = _first(fn(tg, *our_inputs))
    assert tuple(actual.shape) == tuple(expected.shape)
    assert actual.dtype.name == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_allclose(_numpy(actual), expected.detach().numpy(), atol=atol, rtol=rtol, equal_nan=True)
    if not expected.requires_grad:
        assert not actual.requires_grad
        return
    upstream = np.random.default_rng(seed).standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(upstream, dtype=expected.dtype))
    actual.backward(tg.tensor(upstream, dtype=actual.dtype, device=device))
    for position, (theirs, ours) in enumerate(zip(torch_inputs, our_inputs)):
        if not theirs.requires_grad:
            continue
        their_grad = np.zeros(theirs.shape) if theirs.grad is None else theirs.grad.numpy()
        our_grad = np.zeros(ours.shape) if ours.grad is None else _numpy(ours.grad)
        if ours.grad is not None:
            assert ours.grad.dtype == ours.dtype, f"gradient of input {position} changed dtype"
        np.testing.assert_allclose(
            our_grad, their_grad, atol=atol, rtol=rtol, equal_nan=True, err_msg=f"gradient of input {position}"
        )


def _first(result):
    """max(dim) and friends return (values, indices): compare the values."""
    return result[0] if isinstance(result, tuple) else result


def _numpy(tensor):
    return tensor.detach().cpu().numpy()
