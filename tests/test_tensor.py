"""Tensor: what it is (shape, dtype, grad state), how it prints (as PyTorch), leaving the framework
(numpy, item, tolist), detach/clone, comparisons, in-place updates and conversions."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg


def host(tensor):
    return tensor.detach().cpu().numpy()


def test_what_a_tensor_knows_about_itself(device):
    x = tg.zeros(2, 3, device=device)
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2
    assert x.size() == (2, 3) and x.size(-1) == 3 and x.numel() == 6 and len(x) == 2
    assert x.dtype == tg.float32 and x.is_floating_point()
    assert x.device == tg.device(device)
    assert x.is_leaf and x.grad is None and x.grad_fn is None and not x.requires_grad


def test_grad_state_of_leaves_and_results():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert x.is_leaf and x.requires_grad and x.grad_fn is None
    assert not y.is_leaf and y.requires_grad and y.grad_fn is not None
    assert x.requires_grad_(False) is x and not x.requires_grad
    with pytest.raises(RuntimeError, match="only change requires_grad of leaf tensors"):
        y.requires_grad_(False)


def test_leaving_the_framework():
    array = np.array([[1.5, 2.0]], dtype=np.float32)
    x = tg.tensor(array)
    assert x.tolist() == [[1.5, 2.0]]
    assert tg.tensor([[3.5]]).item() == 3.5 and isinstance(tg.tensor([[3.5]]).item(), float)
    assert tg.tensor(3).item() == 3 and isinstance(tg.tensor(3).item(), int)
    assert float(tg.tensor(2.5)) == 2.5 and int(tg.tensor(7)) == 7 and bool(tg.tensor([True]))
    assert [1, 2, 3][tg.tensor(1)] == 2
    assert [tuple(row.shape) for row in tg.zeros(3, 2)] == [(2,)] * 3
    np.testing.assert_array_equal(np.asarray(x), array)


def test_numpy_shares_memory_and_refuses_tensors_that_require_grad():
    x = tg.zeros(3)
    x.numpy()[0] = 5.0
    assert x[0].item() == 5.0
    with pytest.raises(RuntimeError, match=r"detach\(\).numpy\(\)"):
        tg.zeros(3, requires_grad=True).numpy()


def test_item_and_bool_need_one_element():
    with pytest.raises(RuntimeError, match="item: a tensor with 2 elements"):
        tg.zeros(2).item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tg.zeros(2))


def test_detach_shares_memory_and_leaves_the_graph(device):
    x = tg.tensor([1.0, 2.0], device=device, requires_grad=True)
    detached = (x * 2).detach()
    assert not detached.requires_grad and detached.grad_fn is None and detached.is_leaf
    plain = x.detach()
    with tg.no_grad():
        plain.fill_(7.0)
    np.testing.assert_array_equal(host(x), [7.0, 7.0])


def test_clone_copies_and_stays_in_the_graph(device):
    x = tg.tensor([1.0, 2.0], device=device, requires_grad=True)
    copy = x.clone()
    assert copy.grad_fn is not None
    (copy * 3).sum().backward()
    np.testing.assert_array_equal(host(x.grad), [3.0, 3.0])
    with tg.no_grad():
        copy.fill_(0.0)
    np.testing.assert_array_equal(host(x), [1.0, 2.0])


def test_data_is_a_detached_view():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.data.mul_(2)
    np.testing.assert_array_equal(x.detach().numpy(), [2.0, 4.0])
    assert not x.data.requires_grad


def test_comparisons_give_bool_tensors_outside_the_graph(device):
    x = tg.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    other = tg.tensor([3.0, 2.0, 1.0], device=device)
    for result, expected in [
        (x == other, [False, True, False]),
        (x != other, [True, False, True]),
        (x < other, [True, False, False]),
        (x <= 2, [True, True, False]),
        (x > 1.5, [False, True, True]),
        (x >= other, [False, True, True]),
    ]:
        assert result.dtype == tg.bool and not result.requires_grad and result.grad_fn is None
        np.testing.assert_array_equal(host(result), expected)


def test_comparison_with_incompatible_shapes_names_them():
    with pytest.raises(ValueError, match=r"comparison: shapes \(2,\) and \(3,\)"):
        tg.zeros(2).lt(tg.zeros(3))


def test_in_place_updates_are_refused_while_recording_a_tensor_that_requires_grad(device):
    w = tg.ones(2, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"add_: a leaf tensor that requires grad.*no_grad"):
        w.add_(1.0)
    with tg.no_grad():
        w.add_(1.0).mul_(3.0).sub_(tg.ones(2, device=device), alpha=2).div_(2.0)
    np.testing.assert_array_equal(host(w), [2.0, 2.0])
    plain = tg.tensor([1.0, -2.0], device=device)
    plain.zero_()
    np.testing.assert_array_equal(host(plain), [0.0, 0.0])
    plain.copy_(tg.tensor([5.0, -5.0], device=device)).clamp_(-1.0, 1.0)
    np.testing.assert_array_equal(host(plain), [1.0, -1.0])


def test_add_with_alpha_addcmul_and_addcdiv_follow_their_formulas_in_place(device):
    rng = np.random.default_rng(4)
    start, a = rng.standard_normal(3).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    b = (np.abs(rng.standard_normal(3)) + 0.5).astype(np.float32)
    x, tensor_a, tensor_b = (tg.tensor(array, device=device) for array in (start, a, b))
    assert x.add_(tensor_a, alpha=-0.5) is x
    expected = start - 0.5 * a
    np.testing.assert_allclose(host(x), expected, rtol=1e-6)
    x.addcmul_(tensor_a, tensor_b, value=0.25)
    expected = expected + 0.25 * a * b
    np.testing.assert_allclose(host(x), expected, rtol=1e-6)
    x.addcdiv_(tensor_a, tensor_b, value=-2.0)
    np.testing.assert_allclose(host(x), expected - 2.0 * (a / b), rtol=1e-6)
    assert x.dtype == tg.float32 and x.device == tensor_a.device
    w = tg.ones(3, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="addcdiv_: a leaf tensor that requires grad"):
        w.addcdiv_(tensor_a, tensor_b)


def test_setitem(device):
    x = tg.zeros(2, 3, device=device)
    x[0] = 1.0
    x[1, 1:] = tg.tensor([2.0, 3.0], device=device)
    x[:, 0] = [4.0, 5.0]
    np.testing.assert_array_equal(host(x), [[4.0, 1.0, 1.0], [5.0, 2.0, 3.0]])


def test_conversions(device):
    x = tg.tensor([1.5, -2.5], device=device, requires_grad=True)
    assert x.double().dtype == tg.float64 and x.float() is x
    assert x.long().dtype == tg.int64 and x.to(tg.int32).dtype == tg.int32
    assert x.to(dtype=tg.float16).dtype == tg.float16 and x.half().dtype == tg.float16
    assert x.bool().dtype == tg.bool and x.type_as(tg.ones(1, dtype=tg.float64)).dtype == tg.float64
    np.testing.assert_array_equal(host(x.long()), [1, -2])  # truncates toward zero, as PyTorch
    x.double().sum().backward()  # a float cast stays in the graph
    assert x.grad.dtype == tg.float32
    np.testing.assert_array_equal(host(x.grad), [1.0, 1.0])


# ----- repr, as PyTorch prints ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([1.0, 2.0], "tensor([1., 2.])"),
        ([[1.0, -2.5]], "tensor([[ 1.0000, -2.5000]])"),
        ([1e-5, 1.0], "tensor([1.0000e-05, 1.0000e+00])"),
        ([123456.0, 1.0], "tensor([1.2346e+05, 1.0000e+00])"),
        ([[1.123456789, 200.0]], "tensor([[  1.1235, 200.0000]])"),
        ([float("inf"), 1.5], "tensor([   inf, 1.5000])"),
        (3.0, "tensor(3.)"),
        ([1, 2, 30], "tensor([ 1,  2, 30])"),
        ([True, False], "tensor([ True, False])"),
    ],
)
def test_repr_examples(data, expected):
    assert repr(tg.tensor(data)) == expected


def test_repr_suffixes():
    assert repr(tg.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(tg.tensor([1.0], requires_grad=True) * 2) == "tensor([2.], grad_fn=<MulBackward>)"
    assert repr(tg.tensor([1.0], dtype=tg.float64)) == "tensor([1.], dtype=tinygrad_edu.float64)"
    assert repr(tg.tensor([1], dtype=tg.int32)) == "tensor([1], dtype=tinygrad_edu.int32)"
    assert repr(tg.zeros(2, 0)) == "tensor([], size=(2, 0))"
    assert repr(tg.zeros(0, dtype=tg.int64)) == "tensor([], dtype=tinygrad_edu.int64)"


def test_repr_summarizes_large_tensors():
    text = repr(tg.arange(2000.0))
    assert text == ("tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])")


@st.composite
def printable_arrays(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int64, np.bool_]))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=12))
    if dtype is np.bool_:
        elements = st.booleans()
    elif dtype is np.int64:
        elements = st.integers(-(10 ** draw(st.integers(0, 9))), 10**9)
    else:
        scale = draw(st.sampled_from([1e-6, 1e-3, 1.0, 100.0, 1e5, 1e9]))
        special = st.sampled_from([0.0, 1.0, -3.0, float("nan"), float("inf"), -float("inf")])
        elements = st.floats(-10, 10, width=32).map(lambda value: value * scale) | special
    return draw(hnp.arrays(dtype, shape, elements=elements))


@given(printable_arrays())
def test_repr_matches_torch(array):
    torch = pytest.importorskip("torch")
    theirs = repr(torch.from_numpy(array.copy())).replace("torch.", "tinygrad_edu.")

    def same_line_suffix(text):  # our dtype names are longer, so a suffix may wrap where PyTorch's does not
        return re.sub(r",\s+dtype=", ", dtype=", text)

    assert same_line_suffix(repr(tg.tensor(array))) == same_line_suffix(theirs)


def test_tensor_from_ragged_data_is_a_type_error():
    with pytest.raises(TypeError, match="tensor: can't make a tensor from list"):
        tg.tensor([[1.0, 2.0], [3.0]])


def test_tensor_from_unsupported_dtypes():
    with pytest.raises(TypeError, match="complex128 are not supported"):
        tg.tensor(np.array([1j]))


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: tg.tensor("abc"), TypeError, r"tensor: can't make a tensor from str data: its elements are not"),
        (lambda: tg.tensor(None), TypeError, "tensor: can't make a tensor from NoneType"),
        (lambda: tg.ones(2, 3) + tg.ones(3, 2), ValueError, r"add: shapes \(2, 3\) and \(3, 2\) can't be broadcast"),
        (lambda: tg.ones(2) + "a", TypeError, "add: unsupported operand type str"),
        (lambda: tg.ones(2, 3).clamp("a"), TypeError, "clamp: min and max must be numbers"),
        (lambda: tg.ones(2, 3).unsqueeze(1.0), TypeError, "unsqueeze: dim must be an int"),
        (lambda: tg.ones(2, 3).sum(dim="a"), TypeError, "sum: dim must be an int"),
        (lambda: tg.ones(2, 3)[0, 0, 0], IndexError, "GetItem: too many indices"),
        (lambda: tg.ones(2, 3)[tg.tensor([True, False, True])], IndexError, "GetItem: boolean index did not match"),
        (lambda: tg.cat(tg.ones(2, 3)), TypeError, "cat: expected a list or tuple of Tensors, got a single Tensor"),
        (lambda: tg.cat([tg.tensor(1.0), tg.tensor(2.0)]), ValueError, "cat: zero-dimensional tensors"),
        (lambda: tg.where(tg.ones(2), tg.ones(2), tg.ones(2)), TypeError, "where: condition must be a bool tensor"),
        (lambda: tg.full((2,), "a"), TypeError, "full: fill_value must be a number"),
        (lambda: tg.eye(-1), ValueError, "eye: n and m must be non-negative"),
        (lambda: tg.arange(0, float("inf")), ValueError, "arange: start, end and step must be finite"),
        (lambda: tg.ones(2).to("tpu"), RuntimeError, "unknown device type 'tpu'"),
        (lambda: tg.tensor([1, 2]) ** -1, ValueError, "Pow: Integers to negative integer powers"),
    ],
)
def test_bad_inputs_raise_errors_that_name_the_op(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_a_numpy_scalar_becomes_a_0d_array_that_later_ops_accept():
    scalar = tg.tensor(np.float64(1.5), requires_grad=True)
    assert isinstance(scalar._data, np.ndarray) and scalar.shape == () and scalar.dtype == tg.float64
    (scalar * tg.ones(3, dtype=tg.float64)).sum().backward()
    assert scalar.grad.item() == 3.0


def test_isclose_allclose_equal_match_torch(torch):
    a = np.array([1.0, 2.0, np.nan, 1e-9, 100.0], dtype=np.float32)
    b = np.array([1.0 + 1e-6, 2.1, np.nan, 0.0, 100.001], dtype=np.float32)
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0.1, "atol": 0.0}):
        ours, theirs = tg.tensor(a).isclose(tg.tensor(b), **kwargs), torch.tensor(a).isclose(torch.tensor(b), **kwargs)
        assert ours.tolist() == theirs.tolist()
        assert tg.isclose(tg.tensor(a), tg.tensor(b), **kwargs).tolist() == theirs.tolist()
        assert tg.allclose(tg.tensor(a[:2]), tg.tensor(b[:2]), **kwargs) == torch.allclose(
            torch.tensor(a[:2]), torch.tensor(b[:2]), **kwargs
        )
    assert tg.equal(tg.tensor(a[:2]), tg.tensor(a[:2])) and not tg.equal(tg.tensor(a[:2]), tg.tensor(a[:1]))
    assert tg.tensor([1.0, 2.0]).isclose(1.0).tolist() == [True, False]
