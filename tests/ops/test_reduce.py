"""Reductions and the softmax family: forward against numpy, gradcheck over random dims, PyTorch's
values, gradients and tie rules, and the errors."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch_reference import assert_matches_torch

import tinygrad_edu as tg
from tinygrad_edu.testing import gradcheck
from tinygrad_edu.testing import strategies as tgst


def host(tensor):
    return tensor.detach().cpu().numpy()


@st.composite
def array_and_dims(draw, values=tgst.smooth_arrays, min_side=1):
    """An array, a dim argument for it (None, an int or a tuple, negative dims included) and keepdim."""
    shape = draw(tgst.shapes(min_dims=1, min_side=min_side))
    array = draw(values(shape))
    axes = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True))
    negative = draw(st.booleans())
    dims = tuple(axis - len(shape) if negative else axis for axis in axes)
    dim = draw(st.sampled_from([None, dims[0], dims]))
    numpy_axis = None if dim is None else tuple(axis % len(shape) for axis in np.atleast_1d(dim))
    return array, dim, numpy_axis, draw(st.booleans())


def separated(shape):
    return tgst.separated_arrays(shape, gap=0.1)


def logsumexp(x, axis, keepdims):
    shift = x.max(axis=axis, keepdims=True)
    return np.squeeze(np.log(np.exp(x - shift).sum(axis=axis, keepdims=True)) + shift, () if keepdims else axis)


# name: (our reduction given dim and keepdim, numpy reference, input strategy, smallest side)
REDUCTIONS = {
    "sum": (lambda x, d, k: x.sum(d, keepdim=k), lambda x, a, k: x.sum(axis=a, keepdims=k), tgst.smooth_arrays, 1),
    "mean": (lambda x, d, k: x.mean(d, keepdim=k), lambda x, a, k: x.mean(axis=a, keepdims=k), tgst.smooth_arrays, 1),
    "var": (
        lambda x, d, k: x.var(d, keepdim=k),
        lambda x, a, k: x.var(axis=a, ddof=1, keepdims=k),
        separated,
        2,
    ),
    "std without correction": (
        lambda x, d, k: x.std(d, keepdim=k, correction=0),
        lambda x, a, k: x.std(axis=a, keepdims=k),
        separated,
        2,
    ),
    "amax": (lambda x, d, k: x.amax(d, keepdim=k), lambda x, a, k: x.max(axis=a, keepdims=k), separated, 1),
    "amin": (lambda x, d, k: x.amin(d, keepdim=k), lambda x, a, k: x.min(axis=a, keepdims=k), separated, 1),
    "logsumexp": (lambda x, d, k: x.logsumexp(d, keepdim=k), logsumexp, tgst.smooth_arrays, 1),
}


@pytest.mark.parametrize("name", REDUCTIONS)
@given(data=st.data())
def test_reduction_forward_and_gradient(device, name, data):
    op, reference, values, min_side = REDUCTIONS[name]
    x, dim, axis, keepdim = data.draw(array_and_dims(values, min_side))
    if name == "logsumexp" and dim is None:
        dim = tuple(range(x.ndim))  # logsumexp needs its dims, as in PyTorch
    result = op(tg.tensor(x, device=device), dim, keepdim)
    np.testing.assert_allclose(host(result), reference(x, axis, keepdim), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda t: op(t, dim, keepdim), tg.tensor(x, device=device, requires_grad=True))


@st.composite
def array_and_dim(draw, values=tgst.smooth_arrays):
    shape = draw(tgst.shapes(min_dims=1))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return draw(values(shape)), dim, draw(st.booleans())


@pytest.mark.parametrize("name", ["max", "min"])
@given(data=st.data())
def test_max_min_along_a_dim_return_values_and_indices(device, name, data):
    x, dim, keepdim = data.draw(array_and_dim(separated))
    values, indices = getattr(tg.tensor(x, device=device), name)(dim, keepdim=keepdim)
    expected_values = getattr(np, name)(x, axis=dim, keepdims=keepdim)
    expected_indices = getattr(np, "arg" + name)(x, axis=dim, keepdims=keepdim)
    np.testing.assert_array_equal(host(values), expected_values)
    np.testing.assert_array_equal(host(indices), expected_indices)
    assert indices.dtype == tg.int64 and values.dtype == tg.float64
    assert gradcheck(lambda t: getattr(t, name)(dim, keepdim=keepdim), tg.tensor(x, device=device, requires_grad=True))


@pytest.mark.parametrize("name", ["max", "min"])
@given(data=st.data())
def test_max_min_of_everything(device, name, data):
    x = data.draw(separated(data.draw(tgst.shapes())))
    result = getattr(tg.tensor(x, device=device), name)()
    assert result.shape == () and result.item() == getattr(np, name)(x)
    assert gradcheck(lambda t: getattr(t, name)(), tg.tensor(x, device=device, requires_grad=True))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@given(data=st.data())
def test_argmax_argmin(device, name, data):
    x, dim, keepdim = data.draw(array_and_dim(separated))
    tensor = tg.tensor(x, device=device)
    result = getattr(tensor, name)(dim, keepdim=keepdim)
    expected = getattr(np, name)(x, axis=dim, keepdims=keepdim)
    np.testing.assert_array_equal(host(result), expected)
    assert result.dtype == tg.int64 and not result.requires_grad
    assert getattr(tensor, name)().item() == getattr(np, name)(x)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@given(data=st.data())
def test_softmax_family(device, name, data):
    x, dim, _ = data.draw(array_and_dim())
    shifted = x - x.max(axis=dim, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
    expected = log_probabilities if name == "log_softmax" else np.exp(log_probabilities)
    result = getattr(tg.tensor(x, device=device), name)(dim)
    np.testing.assert_allclose(host(result), expected, rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda t: getattr(t, name)(dim), tg.tensor(x, device=device, requires_grad=True))


@st.composite
def arrays_with_ties(draw):
    """Arrays of the values 0, 1 and 2 only (ties everywhere) and a dim."""
    shape = draw(tgst.shapes(min_dims=1))
    x = draw(hnp.arrays(np.float64, shape, elements=st.integers(0, 2).map(float)))
    return x, draw(st.integers(-len(shape), len(shape) - 1))


@settings(max_examples=4 * settings().max_examples)
@given(case=arrays_with_ties())
@example(case=(np.full((2, 3), 2.0), 1))  # all tied
@example(case=(np.array([[1.0, 3.0, 3.0], [3.0, 0.0, 3.0]]), -1))
@example(case=(np.array([[[2.0, 2.0], [0.0, 2.0]], [[1.0, 1.0], [1.0, 0.0]]]), 0))
def test_ties_follow_the_documented_rule(device, case):
    """max/min along a dim: the first extreme's index, which gets all the gradient; amax/amin and
    max()/min() of everything: the gradient shared evenly among the tied extremes (as PyTorch)."""
    x, dim = case
    upstream_rng = np.random.default_rng(0)
    for name, extreme in (("max", np.max), ("min", np.min)):
        tensor = tg.tensor(x, device=device, requires_grad=True)
        values, indices = getattr(tensor, name)(dim)
        first = getattr(np, "arg" + name)(x, axis=dim)
        np.testing.assert_array_equal(host(indices), first)
        upstream = upstream_rng.standard_normal(values.shape)
        values.backward(tg.tensor(upstream, device=device))
        expected = np.zeros_like(x)
        np.put_along_axis(expected, np.expand_dims(first, dim), np.expand_dims(upstream, dim), axis=dim)
        np.testing.assert_allclose(host(tensor.grad), expected, err_msg=f"{name}(dim)")

        tensor = tg.tensor(x, device=device, requires_grad=True)
        getattr(tensor, "a" + name)(dim).backward(tg.tensor(upstream, device=device))
        is_extreme = x == extreme(x, axis=dim, keepdims=True)
        shared = np.expand_dims(upstream, dim) * is_extreme / is_extreme.sum(axis=dim, keepdims=True)
        np.testing.assert_allclose(host(tensor.grad), shared, err_msg=f"a{name}(dim)")

        tensor = tg.tensor(x, device=device, requires_grad=True)
        getattr(tensor, name)().backward()
        is_extreme = x == extreme(x)
        np.testing.assert_allclose(host(tensor.grad), is_extreme / is_extreme.sum(), err_msg=f"{name}()")


def test_softmax_is_stable_for_large_inputs(device):
    x = tg.tensor([[1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4]], device=device)
    probabilities = host(x.softmax(-1))
    assert np.isfinite(probabilities).all()
    np.testing.assert_allclose(probabilities.sum(-1), [1.0, 1.0], rtol=1e-6)
    assert np.isfinite(host(x.log_softmax(-1))).all()
    np.testing.assert_allclose(host(x.logsumexp(1)), [1000.0, -1e4 + np.log(3.0)], rtol=1e-6)


# ----- against PyTorch: values, gradients and tie rules ----------------------------------------

RNG = np.random.default_rng(3)
X = RNG.standard_normal((2, 3, 4)).astype(np.float32)
TIES = np.array([[1.0, 3.0, 3.0], [3.0, 0.0, 3.0]], dtype=np.float32)
TORCH_CASES = {
    "sum dims keepdim": lambda m, x: x.sum((0, 2), keepdim=True),
    "sum list of dims": lambda m, x: x.sum([0, -1]),
    "mean": lambda m, x: x.mean(-1),
    "mean all": lambda m, x: x.mean(),
    "var default": lambda m, x: x.var(),
    "var dim": lambda m, x: x.var(1),
    "var positional unbiased": lambda m, x: x.var(1, False),
    "var keyword unbiased": lambda m, x: x.var(dim=1, unbiased=False, keepdim=True),
    "var correction": lambda m, x: x.var(1, correction=0),
    "var old positional bool": lambda m, x: x.var(False),
    "std tuple": lambda m, x: x.std((0, 2)),
    "std keepdim": lambda m, x: x.std(1, keepdim=True),
    "max all": lambda m, x: x.max(),
    "max dim": lambda m, x: x.max(1),
    "min dim keepdim": lambda m, x: x.min(dim=-1, keepdim=True),
    "amax tuple": lambda m, x: x.amax((0, 1)),
    "amin": lambda m, x: x.amin(0),
    "logsumexp": lambda m, x: x.logsumexp(1),
    "logsumexp dims": lambda m, x: x.logsumexp((0, 2), keepdim=True),
    "softmax": lambda m, x: x.softmax(0),
    "log_softmax": lambda m, x: x.log_softmax(-1),
    "torch namespace": lambda m, x: m.softmax(x, 1) + m.log_softmax(x, 2) + m.logsumexp(x, 2, keepdim=True),
}


@pytest.mark.parametrize("name", TORCH_CASES)
def test_matches_torch(device, name):
    assert_matches_torch(TORCH_CASES[name], X * 10, device=device)


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")
def test_var_without_degrees_of_freedom_is_nan_as_in_torch(device):
    assert_matches_torch(lambda m, x: x[:, :1].var(1), X, device=device)


TORCH_REDUCTIONS = {
    "sum": lambda x, dim, keepdim: x.sum(dim, keepdim=keepdim),
    "mean": lambda x, dim, keepdim: x.mean(dim, keepdim=keepdim),
    "var": lambda x, dim, keepdim: x.var(dim, keepdim=keepdim),
    "std": lambda x, dim, keepdim: x.std(dim, keepdim=keepdim, unbiased=False),
    "amax": lambda x, dim, keepdim: x.amax(dim, keepdim=keepdim),
    "amin": lambda x, dim, keepdim: x.amin(dim, keepdim=keepdim),
    "logsumexp": lambda x, dim, keepdim: x.logsumexp(dim, keepdim=keepdim),
}


@pytest.mark.parametrize("name", TORCH_REDUCTIONS)
@given(data=st.data())
def test_random_reductions_match_torch(name, data):
    x, dim, _, keepdim = data.draw(array_and_dims(separated, min_side=2))
    dim = tuple(range(x.ndim)) if dim is None else dim
    op = TORCH_REDUCTIONS[name]
    assert_matches_torch(lambda m, t: op(t, dim, keepdim), x.astype(np.float32))


@pytest.mark.parametrize("name", ["max", "min", "softmax", "log_softmax"])
@given(data=st.data())
def test_random_single_dim_ops_match_torch(name, data):
    x, dim, keepdim = data.draw(array_and_dim(separated))
    arguments = (dim,) if name.endswith("softmax") else (dim, keepdim)
    assert_matches_torch(lambda m, t: getattr(t, name)(*arguments), x.astype(np.float32))


TIE_CASES = {
    "max of everything shares the gradient among ties": lambda m, x: x.max(),
    "min of everything shares the gradient among ties": lambda m, x: (-x).min(),
    "max along a dim sends the gradient to the returned index": lambda m, x: x.max(1),
    "min along a dim sends the gradient to the returned index": lambda m, x: (-x).min(1),
    "amax along a dim shares the gradient among ties": lambda m, x: x.amax(1),
    "amin over dims shares the gradient among ties": lambda m, x: (-x).amin((0, 1)),
}


@pytest.mark.parametrize("name", TIE_CASES)
def test_tie_rules_match_torch(device, name):
    assert_matches_torch(TIE_CASES[name], TIES, device=device)


def test_max_along_dim_on_ties_returns_the_first_index(device):
    values, indices = tg.tensor(TIES, device=device).max(1)
    np.testing.assert_array_equal(host(indices), [1, 0])
    np.testing.assert_array_equal(host(values), [3.0, 3.0])


def test_max_of_a_0d_tensor_along_dim_0():
    values, indices = tg.tensor(2.0).max(0)
    assert values.item() == 2.0 and indices.item() == 0 and indices.dtype == tg.int64


def test_integer_sums_stay_integers():
    assert tg.tensor([1, 2]).sum().dtype == tg.int64
    assert tg.tensor([True, True]).sum().item() == 2


def test_reduction_errors_name_the_op():
    x = tg.ones(2, 3)
    with pytest.raises(IndexError, match=r"sum: dim 2 is out of range for a tensor of shape \(2, 3\)"):
        x.sum(2)
    with pytest.raises(TypeError, match="mean: input dtype must be floating point"):
        tg.tensor([1, 2]).mean()
    with pytest.raises(TypeError, match="max: dim must be a single int"):
        x.max((0, 1))
    with pytest.raises(ValueError, match="sum: dim .* names the same dimension twice"):
        x.sum((1, -1))
    with pytest.raises(TypeError, match="softmax: dim must be an int"):
        x.softmax(None)


@st.composite
def arrays_with_zeros(draw):
    """An array with one dim picked, where some entries are exactly 0 (where a division-based gradient breaks)."""
    shape = draw(tgst.shapes(min_dims=1, max_dims=3))
    array = draw(tgst.smooth_arrays(shape))
    zeros = draw(hnp.arrays(np.bool_, shape))
    return np.where(zeros, 0.0, array), draw(st.integers(-len(shape), len(shape) - 1)), draw(st.booleans())


@given(case=arrays_with_zeros())
@example(case=(np.array([[0.0, 0.0, 2.0], [1.0, 0.0, 3.0]]), 1, False))  # two zeros in a row
def test_prod_forward_and_gradient_with_zeros(device, case):
    x, dim, keepdim = case
    result = tg.tensor(x, device=device).prod(dim, keepdim=keepdim)
    np.testing.assert_allclose(host(result), x.prod(axis=dim, keepdims=keepdim), rtol=1e-12)
    assert gradcheck(lambda t: t.prod(dim, keepdim=keepdim), tg.tensor(x, device=device, requires_grad=True))


def test_prod_gradient_is_the_product_of_the_others():
    x = tg.tensor([2.0, 0.0, 5.0], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [0.0, 10.0, 0.0]


PROD_CASES = {
    "prod all": lambda m, x: x.prod(),
    "prod dim": lambda m, x: x.prod(1),
    "prod keepdim": lambda m, x: m.prod(x, -1, keepdim=True),
    "prod dtype": lambda m, x: x.prod(0, dtype=m.float64),
    "sum dtype": lambda m, x: x.sum(1, dtype=m.float64),
    "sum dtype namespace": lambda m, x: m.sum(x, dtype=m.float64),
}


@pytest.mark.parametrize("name", PROD_CASES)
def test_prod_and_sum_dtype_match_torch(torch, device, name):
    zeros = np.where(X > 1.0, 0.0, X).astype(np.float32)
    assert_matches_torch(PROD_CASES[name], zeros, device=device)


def test_sum_dtype_casts_integers_first(torch):
    values = np.array([[1, 2], [3, 4]], dtype=np.int32)
    for dtype in ("int32", "float64", "int64"):
        ours = tg.tensor(values).sum(0, dtype=getattr(tg, dtype))
        theirs = torch.tensor(values).sum(0, dtype=getattr(torch, dtype))
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
        assert ours.tolist() == theirs.tolist()
    assert tg.tensor(values).prod().dtype == tg.int64


# every reduction as PyTorch's numpy spellings: x.name(axis=..., keepdims=...) and tg.name(x, axis=...)
AXIS_CASES = {
    "sum": lambda m, x: x.sum(axis=1, keepdims=True) + m.sum(x, axis=(0, 2), keepdims=True),
    "mean": lambda m, x: x.mean(axis=0) + m.mean(x, axis=0),
    "var": lambda m, x: x.var(axis=2) + m.var(x, axis=2, keepdims=False),
    "std": lambda m, x: x.std(axis=-1, keepdim=True) + m.std(x, axis=-1, keepdims=True),
    "max": lambda m, x: x.max(axis=1).values + m.max(x, axis=1, keepdims=False)[0],
    "min": lambda m, x: x.min(axis=0, keepdims=True).values + m.min(x, axis=0, keepdim=True)[0],
    "amax": lambda m, x: x.amax(axis=(0, 1)) + m.amax(x, axis=(0, 1)),
    "amin": lambda m, x: x.amin(axis=2, keepdims=True) + m.amin(x, axis=2, keepdims=True),
    "argmax": lambda m, x: x.argmax(axis=1) + m.argmax(x, axis=1, keepdims=False),
    "argmin": lambda m, x: x.argmin(axis=0, keepdims=True) + m.argmin(x, axis=0, keepdim=True),
    "prod": lambda m, x: x.prod(axis=1) + m.prod(x, axis=1),
    "all": lambda m, x: (x > 0).all(axis=1) | m.all(x > 0, axis=1),
    "any": lambda m, x: (x > 0).any(axis=1, keepdims=True) | m.any(x > 0, axis=1, keepdims=True),
    "logsumexp": lambda m, x: x.logsumexp(axis=1) + m.logsumexp(x, axis=1),
    "softmax": lambda m, x: x.softmax(axis=1) + m.softmax(x, axis=1),
    "log_softmax": lambda m, x: x.log_softmax(axis=-1) + m.log_softmax(x, axis=-1),
}


@pytest.mark.parametrize("name", AXIS_CASES)
def test_axis_and_keepdims_spell_dim_and_keepdim_as_in_torch(torch, device, name):
    assert_matches_torch(AXIS_CASES[name], X, device=device)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "logsumexp", "softmax"])
def test_axis_is_the_same_argument_as_dim(name):
    x = tg.tensor(X)
    assert getattr(x, name)(axis=1).tolist() == getattr(x, name)(dim=1).tolist() == getattr(x, name)(1).tolist()
    with pytest.raises(TypeError, match="both dim= and its alias axis="):
        getattr(x, name)(dim=1, axis=1)


MEAN_PAIRS = {
    "var_mean": lambda m, x: m.var_mean(x, 1)[0] + m.var_mean(x, 1)[1],
    "var_mean keepdim correction": lambda m, x: m.var_mean(x, (0, 2), keepdim=True, correction=0)[0],
    "std_mean": lambda m, x: m.std_mean(x, dim=-1)[0] * m.std_mean(x, dim=-1)[1],
    "std_mean all": lambda m, x: m.std_mean(x)[0] + m.std_mean(x)[1],
    "std_mean axis": lambda m, x: m.std_mean(x, axis=0, keepdims=True)[0],
}


@pytest.mark.parametrize("name", MEAN_PAIRS)
def test_var_mean_std_mean_match_torch(torch, device, name):
    assert_matches_torch(MEAN_PAIRS[name], X, device=device)


def test_var_mean_is_var_and_mean():
    x = tg.tensor([1.0, 2.0, 6.0])
    assert [t.item() for t in tg.var_mean(x)] == [7.0, 3.0]
