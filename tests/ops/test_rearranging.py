"""flip, roll, repeat, repeat_interleave, tril/triu, masked_fill, sort, argsort, topk: forward against numpy,
gradcheck on random shapes, PyTorch's values and gradients, and the errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from torch_reference import assert_matches_torch

import tinygrad_edu as tg
from tinygrad_edu.testing import gradcheck
from tinygrad_edu.testing import strategies as tgst


def host(tensor):
    return tensor.detach().cpu().numpy()


@st.composite
def array_and_axis(draw, values=tgst.smooth_arrays, min_dims=1):
    """An array of 1-3 dims and one of its axes, sometimes spelled as a negative dim."""
    shape = draw(tgst.shapes(min_dims=min_dims))
    axis = draw(st.integers(0, len(shape) - 1))
    return draw(values(shape)), axis, axis - len(shape) if draw(st.booleans()) else axis


def separated(shape):
    return tgst.separated_arrays(shape, gap=0.1)


@given(case=array_and_axis(), extra=st.booleans())
def test_flip(device, case, extra):
    x, axis, dim = case
    dims = (dim, (axis + 1) % x.ndim) if extra and x.ndim > 1 else (dim,)
    op = lambda t: t.flip(dims)  # noqa: E731
    np.testing.assert_array_equal(host(op(tg.tensor(x, device=device))), np.flip(x, [d % x.ndim for d in dims]))
    assert gradcheck(op, tg.tensor(x, device=device, requires_grad=True))


@given(case=array_and_axis(), shift=st.integers(-7, 7), flat=st.booleans())
def test_roll(device, case, shift, flat):
    x, _, dim = case
    op = (lambda t: t.roll(shift)) if flat else (lambda t: t.roll(shift, dim))
    np.testing.assert_array_equal(host(op(tg.tensor(x, device=device))), np.roll(x, shift, None if flat else dim))
    assert gradcheck(op, tg.tensor(x, device=device, requires_grad=True))


@given(x=tgst.shapes(max_dims=2).flatmap(tgst.smooth_arrays), data=st.data())
def test_repeat(device, x, data):
    sizes = tuple(data.draw(st.lists(st.integers(1, 3), min_size=x.ndim, max_size=x.ndim + 1)))
    op = lambda t: t.repeat(*sizes)  # noqa: E731
    np.testing.assert_array_equal(host(op(tg.tensor(x, device=device))), np.tile(x, sizes))
    assert gradcheck(op, tg.tensor(x, device=device, requires_grad=True))


@given(case=array_and_axis(), data=st.data())
def test_repeat_interleave(device, case, data):
    x, axis, dim = case
    counts = data.draw(st.lists(st.integers(0, 3), min_size=x.shape[axis], max_size=x.shape[axis]))
    op = lambda t: t.repeat_interleave(tg.tensor(counts), dim=dim)  # noqa: E731
    np.testing.assert_array_equal(host(op(tg.tensor(x, device=device))), np.repeat(x, counts, axis=axis))
    assert gradcheck(op, tg.tensor(x, device=device, requires_grad=True))
    flat = lambda t: t.repeat_interleave(2)  # noqa: E731
    np.testing.assert_array_equal(host(flat(tg.tensor(x, device=device))), np.repeat(x, 2))


@pytest.mark.parametrize("name", ["tril", "triu"])
@given(x=tgst.shapes(min_dims=2).flatmap(tgst.smooth_arrays), diagonal=st.integers(-3, 3))
def test_tril_triu(device, name, x, diagonal):
    op = lambda t: getattr(t, name)(diagonal)  # noqa: E731
    np.testing.assert_array_equal(host(op(tg.tensor(x, device=device))), getattr(np, name)(x, diagonal))
    assert gradcheck(op, tg.tensor(x, device=device, requires_grad=True))


@given(x=tgst.shapes(min_dims=1).flatmap(tgst.smooth_arrays), value=st.floats(-3, 3), data=st.data())
def test_masked_fill(device, x, value, data):
    mask = data.draw(st.lists(st.booleans(), min_size=x.shape[-1], max_size=x.shape[-1]))  # broadcast over rows
    op = lambda t: t.masked_fill(tg.tensor(mask, device=device), value)  # noqa: E731
    np.testing.assert_array_equal(host(op(tg.tensor(x, device=device))), np.where(mask, value, x))
    assert gradcheck(op, tg.tensor(x, device=device, requires_grad=True))


@given(case=array_and_axis(separated), descending=st.booleans())
def test_sort_and_argsort(device, case, descending):
    x, axis, dim = case
    values, indices = tg.tensor(x, device=device).sort(dim, descending=descending)
    order = np.argsort(-x if descending else x, axis=axis)
    np.testing.assert_array_equal(host(indices), order)
    np.testing.assert_array_equal(host(values), np.take_along_axis(x, order, axis))
    np.testing.assert_array_equal(host(tg.tensor(x, device=device).argsort(dim, descending=descending)), order)
    assert gradcheck(lambda t: t.sort(dim, descending)[0], tg.tensor(x, device=device, requires_grad=True))


@given(case=array_and_axis(separated), largest=st.booleans(), data=st.data())
def test_topk(device, case, largest, data):
    x, axis, dim = case
    k = data.draw(st.integers(0, x.shape[axis]))
    values, indices = tg.tensor(x, device=device).topk(k, dim, largest=largest)
    order = np.take(np.argsort(-x if largest else x, axis=axis), range(k), axis=axis)
    np.testing.assert_array_equal(host(indices), order)
    np.testing.assert_array_equal(host(values), np.take_along_axis(x, order, axis))
    assert gradcheck(lambda t: t.topk(k, dim, largest)[0], tg.tensor(x, device=device, requires_grad=True))


def test_repeated_picks_add_their_gradients():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x.repeat(3) * tg.tensor([1.0, 10.0, 100.0, 1000.0, 1e4, 1e5])).sum().backward()
    assert x.grad.tolist() == [10101.0, 101010.0]


def test_masked_fill_in_place_and_dtype():
    x = tg.tensor([1, 2, 3])
    assert x.masked_fill_(x > 1, 2.7) is x
    assert x.tolist() == [1, 2, 2] and x.dtype == tg.int64


RNG = np.random.default_rng(5)
X = RNG.permutation(24).reshape(2, 3, 4).astype(np.float32) / 4 - 3
TORCH_CASES = {
    "flip": lambda m, x: x.flip(0, 2),
    "flip list": lambda m, x: m.flip(x, [-1]),
    "roll flat": lambda m, x: x.roll(5),
    "roll dims": lambda m, x: m.roll(x, (1, -2), (0, 2)),
    "repeat": lambda m, x: x.repeat(2, 1, 1, 3),
    "repeat tuple": lambda m, x: x[0].repeat((2, 2)),
    "repeat_interleave": lambda m, x: x.repeat_interleave(2, dim=1),
    "repeat_interleave flat": lambda m, x: m.repeat_interleave(x, 3),
    "repeat_interleave counts": lambda m, x: x.repeat_interleave(m.tensor([2, 0, 1]), dim=-2),
    "tril": lambda m, x: x.tril(),
    "tril diagonal": lambda m, x: m.tril(x, -1),
    "triu": lambda m, x: x.triu(1),
    "masked_fill": lambda m, x: x.masked_fill(x > 0, -1.0),
    "masked_fill broadcast": lambda m, x: m.masked_fill(x, x[0, 0] > 0, 5),
    "masked_fill tensor value": lambda m, x: x.masked_fill(x < 0, x[0, 0, 0].detach()),
    "sort": lambda m, x: x.sort().values,
    "sort indices": lambda m, x: x.sort(dim=1, descending=True).indices,
    "sort namespace": lambda m, x: m.sort(x, 0)[0],
    "argsort": lambda m, x: x.argsort(dim=0, descending=True),
    "argsort namespace": lambda m, x: m.argsort(x),
    "topk": lambda m, x: x.topk(2).values,
    "topk indices": lambda m, x: x.topk(2, dim=1).indices,
    "topk smallest": lambda m, x: m.topk(x, 2, dim=1, largest=False)[0],
}


@pytest.mark.parametrize("name", TORCH_CASES)
def test_matches_torch(torch, device, name):
    assert_matches_torch(TORCH_CASES[name], X, device=device)


def test_sort_ties_are_stable_and_integer_dtypes_sort(torch):
    values = np.array([[3, 1, 3, 1, 2]], dtype=np.int32)
    for descending in (False, True):
        ours = tg.tensor(values).sort(descending=descending, stable=True)
        theirs = torch.tensor(values).sort(descending=descending, stable=True)
        assert ours.values.tolist() == theirs.values.tolist()
        assert ours.indices.tolist() == theirs.indices.tolist()
    flags = np.array([True, False, True])
    assert tg.tensor(flags).sort(descending=True).indices.tolist() == [0, 2, 1]


def test_errors_name_the_op():
    x = tg.ones(2, 3)
    with pytest.raises(RuntimeError, match="repeat: number of repeat dims"):
        x.repeat(2)
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        tg.ones(3).tril()
    with pytest.raises(TypeError, match="masked_fill: only supports boolean masks"):
        x.masked_fill(tg.ones(3), 0)
    with pytest.raises(RuntimeError, match="topk: k \\(4\\) is out of range"):
        x.topk(4)
    with pytest.raises(RuntimeError, match="roll: shifts"):
        x.roll((1, 2), 0)
