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


def assert_second_derivatives_match_torch(fn, *arrays, device="cpu", atol=1e-7, rtol=1e-6, seed=0):
    """Assert fn's second derivatives equal PyTorch's double backward on `arrays` (float64; skips without torch).

    With random v and w: g = d(sum(v * fn(x)))/dx is recorded (create_graph=True), then
    d(sum(w * g))/dx and d(sum(w * g))/dv are compared: a Hessian-vector product, and the recorded
    backward's derivative with respect to its upstream gradient.
    """
    torch = pytest.importorskip("torch")
    theirs = second_derivatives(torch, lambda a, **options: torch.tensor(a, **options), fn, arrays, seed)
    ours = second_derivatives(tg, lambda a, **options: tg.tensor(a, device=device, **options), fn, arrays, seed)
    assert (theirs is None) == (ours is None), "one framework's gradient depends on the inputs, the other's not"
    for position, (their, our) in enumerate(zip(theirs or (), ours or ())):
        np.testing.assert_allclose(
            0.0 if our is None else our, 0.0 if their is None else their, atol=atol, rtol=rtol,
            err_msg=f"second derivative with respect to input {position} (the last one is v)",
        )  # fmt: skip


def second_derivatives(module, make, fn, arrays, seed):
    """[d(sum(w * g))/dx for each x that requires grad, then d(sum(w * g))/dv], g = d(sum(v * fn(x)))/dx, as arrays."""
    rng = np.random.default_rng(seed)
    inputs = [make(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    output = _first(fn(module, *inputs))
    v = make(rng.standard_normal(tuple(output.shape)), requires_grad=True)
    wanted = [tensor for tensor in inputs if tensor.requires_grad]
    weights = [make(rng.standard_normal(tuple(tensor.shape))) for tensor in wanted]
    first = module.autograd.grad([output], wanted, [v], create_graph=True, allow_unused=True)
    terms = [(g * w).sum() for g, w in zip(first, weights) if g is not None and g.requires_grad]
    if not terms:
        return None
    second = module.autograd.grad([sum(terms)], [*wanted, v], allow_unused=True)
    return [None if s is None else _numpy(s) for s in second]
