"""Elementwise ops: forward against numpy, gradients by gradcheck on broadcast shapes, and values and
gradients against PyTorch, kinks and ties included."""

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


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# name: (our op, numpy reference, strategy for an input of a given shape)
UNARY = {
    "neg": (lambda x: -x, np.negative, tgst.smooth_arrays),
    "abs": (lambda x: x.abs(), np.abs, tgst.nonzero_arrays),
    "exp": (lambda x: x.exp(), np.exp, tgst.smooth_arrays),
    "log": (lambda x: x.log(), np.log, tgst.positive_arrays),
    "sqrt": (lambda x: x.sqrt(), np.sqrt, tgst.positive_arrays),
    "sin": (lambda x: x.sin(), np.sin, tgst.smooth_arrays),
    "cos": (lambda x: x.cos(), np.cos, tgst.smooth_arrays),
    "tanh": (lambda x: x.tanh(), np.tanh, tgst.smooth_arrays),
    "sigmoid": (lambda x: x.sigmoid(), sigmoid, tgst.smooth_arrays),
    "relu": (lambda x: x.relu(), lambda x: np.maximum(x, 0), tgst.nonzero_arrays),
    "square": (lambda x: x.square(), np.square, tgst.smooth_arrays),
    "clamp": (
        lambda x: x.clamp(-0.5, 1.0),
        lambda x: np.clip(x, -0.5, 1.0),
        lambda shape: tgst.arrays_away_from(shape, points=(-0.5, 1.0)),
    ),
    "pow scalar": (lambda x: x**3, lambda x: x**3, tgst.smooth_arrays),
    "fractional pow": (lambda x: x**0.5, np.sqrt, tgst.positive_arrays),
    "reflected pow": (lambda x: 2.0**x, lambda x: 2.0**x, tgst.smooth_arrays),
    "reflected sub": (lambda x: 1.5 - x, lambda x: 1.5 - x, tgst.smooth_arrays),
    "reflected div": (lambda x: 3 / x, lambda x: 3 / x, tgst.nonzero_arrays),
}


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_forward_and_gradient(device, name, data):
    op, reference, strategy = UNARY[name]
    x = data.draw(strategy(data.draw(tgst.shapes())))
    result = op(tg.tensor(x, device=device))
    np.testing.assert_allclose(host(result), reference(x), rtol=1e-12, atol=1e-12)
    assert gradcheck(op, tg.tensor(x, device=device, requires_grad=True))


@pytest.mark.parametrize("name", UNARY)
def test_unary_keeps_float32(device, name):
    op = UNARY[name][0]
    x = tg.tensor(np.linspace(0.2, 1.7, 6, dtype=np.float32), device=device, requires_grad=True)
    result = op(x)
    result.sum().backward()
    assert result.dtype == tg.float32 and x.grad.dtype == tg.float32


def divide(a, b):
    return a / b


# name: (our op, numpy reference, strategy for a pair of arrays of the given shapes)
def _smooth_pair(shapes):
    return st.tuples(tgst.smooth_arrays(shapes[0]), tgst.smooth_arrays(shapes[1]))


def _positive_base(shapes):
    return st.tuples(tgst.positive_arrays(shapes[0]), tgst.smooth_arrays(shapes[1]))


def _nonzero_divisor(shapes):
    return st.tuples(tgst.smooth_arrays(shapes[0]), tgst.nonzero_arrays(shapes[1]))


@st.composite
def _distinct_pair(draw, shapes):
    """Two arrays with no value shared (closer than 0.1) between or within them: no ties in max/min."""
    sizes = [int(np.prod(shape, dtype=np.int64)) for shape in shapes]
    values = draw(tgst.separated_arrays((sum(sizes),), gap=0.1))
    return values[: sizes[0]].reshape(shapes[0]), values[sizes[0] :].reshape(shapes[1])


BINARY = {
    "add": (lambda a, b: a + b, np.add, _smooth_pair),
    "sub": (lambda a, b: a - b, np.subtract, _smooth_pair),
    "mul": (lambda a, b: a * b, np.multiply, _smooth_pair),
    "div": (divide, np.divide, _nonzero_divisor),
    "pow": (lambda a, b: a**b, np.power, _positive_base),
    "maximum": (tg.maximum, np.maximum, _distinct_pair),
    "minimum": (tg.minimum, np.minimum, _distinct_pair),
}


@pytest.mark.parametrize("name", BINARY)
@given(data=st.data())
def test_binary_forward_and_gradient_on_broadcast_shapes(device, name, data):
    op, reference, strategy = BINARY[name]
    a, b = data.draw(strategy(data.draw(tgst.broadcastable_shapes(2))))
    result = op(tg.tensor(a, device=device), tg.tensor(b, device=device))
    np.testing.assert_allclose(host(result), reference(a, b), rtol=1e-12, atol=1e-12)
    inputs = [tg.tensor(a, device=device, requires_grad=True), tg.tensor(b, device=device, requires_grad=True)]
    assert gradcheck(op, inputs)


@given(data=st.data())
def test_where_forward_and_gradient(device, data):
    condition_shape, a_shape, b_shape = data.draw(tgst.broadcastable_shapes(3))
    condition = data.draw(tgst.smooth_arrays(condition_shape)) > 0
    a, b = data.draw(tgst.smooth_arrays(a_shape)), data.draw(tgst.smooth_arrays(b_shape))
    mask = tg.tensor(condition, device=device)
    result = tg.where(mask, tg.tensor(a, device=device), tg.tensor(b, device=device))
    np.testing.assert_array_equal(host(result), np.where(condition, a, b))
    inputs = [tg.tensor(a, device=device, requires_grad=True), tg.tensor(b, device=device, requires_grad=True)]
    assert gradcheck(lambda a, b: tg.where(mask, a, b), inputs)


def test_where_with_numbers(device):
    mask = tg.tensor([True, False, True], device=device)
    x = tg.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    assert tg.where(mask, 1.0, 0.0).dtype == tg.float32
    assert tg.where(mask, 1, 0).dtype == tg.int64
    result = tg.where(mask, x, 0.0)
    assert result.dtype == tg.float32
    result.sum().backward()
    np.testing.assert_array_equal(host(x.grad), [1.0, 0.0, 1.0])


@given(data=st.data())
def test_clamp_with_tensor_bounds(device, data):
    shape = data.draw(tgst.shapes(min_dims=1))
    values = data.draw(tgst.separated_arrays((3,) + shape, gap=0.1))
    x, low, high = values[0], np.minimum(values[1], values[2]), np.maximum(values[1], values[2])
    inputs = [tg.tensor(array, device=device, requires_grad=True) for array in (x, low, high)]
    np.testing.assert_allclose(host(inputs[0].clamp(inputs[1], inputs[2])), np.clip(x, low, high))
    assert gradcheck(lambda x, low, high: x.clamp(low, high), inputs)


# ----- against PyTorch: values and gradients, kinks and ties included --------------------------


@pytest.mark.parametrize("name", BINARY)
@given(data=st.data())
def test_random_broadcast_binary_ops_match_torch(name, data):
    op, _, strategy = BINARY[name]
    a, b = data.draw(strategy(data.draw(tgst.broadcastable_shapes(2))))
    assert_matches_torch(lambda m, a, b: op(a, b), a.astype(np.float32), b.astype(np.float32))


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_random_unary_ops_match_torch(name, data):
    op, _, strategy = UNARY[name]
    x = data.draw(strategy(data.draw(tgst.shapes())))
    assert_matches_torch(lambda m, t: op(t), x.astype(np.float32))


RNG = np.random.default_rng(7)


def normal(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


KINKS = np.array([-1.0, 0.0, 0.0, 1.0, 2.0, -2.0], dtype=np.float32)
TORCH_CASES = {
    "add broadcast": (lambda m, a, b: a + b, normal(3, 1), normal(2, 1, 4)),
    "sub": (lambda m, a, b: a - b, normal(3, 4), normal(4)),
    "mul": (lambda m, a, b: a * b, normal(3, 1), normal(4)),
    "div": (lambda m, a, b: a / b, normal(3, 1), normal(4) + 4),
    "pow tensors": (lambda m, a, b: a**b, np.abs(normal(3, 1)) + 0.5, normal(4)),
    "pow int exponent at 0": (lambda m, x: x**2 + x**0, KINKS),
    "pow tensor exponent 0 at base 0": (lambda m, a, b: a**b, np.zeros(3, np.float32), np.zeros(3, np.float32)),
    "scalar forms": (lambda m, x: (2 - x) * 3 / (x * x + 1) + 1.5 ** (x / 4) - x / 2, normal(5)),
    "neg": (lambda m, x: -x, normal(4)),
    "abs at 0": (lambda m, x: x.abs(), KINKS),
    "relu at 0": (lambda m, x: m.relu(x), KINKS),
    "exp": (lambda m, x: x.exp(), normal(4)),
    "log": (lambda m, x: x.log(), np.abs(normal(4)) + 0.1),
    "sqrt": (lambda m, x: x.sqrt(), np.abs(normal(4)) + 0.1),
    "sin cos": (lambda m, x: x.sin() * x.cos(), normal(4)),
    "tanh": (lambda m, x: x.tanh(), normal(4)),
    "sigmoid large inputs": (lambda m, x: x.sigmoid(), np.array([-100.0, -5.0, 0.0, 5.0, 100.0], np.float32)),
    "clamp at its bounds": (lambda m, x: x.clamp(-1, 1), KINKS),
    "clamp min only": (lambda m, x: x.clamp(min=0), KINKS),
    "clamp min above max": (lambda m, x: x.clamp(1, -1), KINKS),
    "clamp tensor bounds with ties": (
        lambda m, x, low, high: x.clamp(low, high),
        np.array([-1.0, 0.0, 1.0, 2.0], np.float32),
        np.array([-1.0, -1.0, -1.0, -1.0], np.float32),
        np.array([1.0, 0.0, 0.5, 1.0], np.float32),
    ),
    "maximum ties share the gradient": (
        lambda m, a, b: m.maximum(a, b),
        np.array([1.0, 2.0, 3.0], np.float32),
        np.array([1.0, 3.0, 2.0], np.float32),
    ),
    "minimum ties broadcast": (
        lambda m, a, b: m.minimum(a, b),
        np.array([[1.0, 2.0, 3.0]], np.float32),
        np.array([[2.0], [1.0]], np.float32),
    ),
    "where": (lambda m, a, b: m.where(a > 0, a, b), normal(3, 1), normal(4)),
    "where scalar": (lambda m, a: m.where(a > 0, a, 0.5), normal(3, 2)),
    "float64 stays float64": (lambda m, x: x.exp() * 2.5 + 1, normal(3).astype(np.float64)),
    "int tensor times float tensor": (lambda m, i, x: i * x, np.array([1, 2, 3]), normal(3)),
    "exp of an int tensor is float32": (lambda m, i: i.exp(), np.array([0, 1, 2])),
    "int tensor clamped to a float": (lambda m, i: i.clamp(0.5), np.array([0, 1, 2])),
    "float32 times 0-d float64": (lambda m, x, s: x * s, normal(3), np.array(1.5)),
}


@pytest.mark.parametrize("name", TORCH_CASES)
def test_matches_torch(device, name):
    fn, *arrays = TORCH_CASES[name]
    assert_matches_torch(fn, *arrays, device=device)


def test_relu_and_abs_have_zero_gradient_at_zero(device):
    x = tg.tensor([0.0, 0.0], device=device, requires_grad=True)
    (x.relu() + x.abs()).sum().backward()
    np.testing.assert_array_equal(host(x.grad), [0.0, 0.0])


def test_maximum_tie_splits_the_gradient_evenly(device):
    a = tg.tensor([2.0], device=device, requires_grad=True)
    b = tg.tensor([2.0], device=device, requires_grad=True)
    tg.maximum(a, b).backward(tg.tensor([1.0], device=device))
    assert a.grad.item() == 0.5 and b.grad.item() == 0.5


def test_python_and_numpy_scalars_never_promote_float32(device):
    x = tg.tensor([1.0, 2.0], device=device, requires_grad=True)
    result = (x * np.float64(2.0) + 1.5 - np.float32(1.0)) / 3.0**x - 2**-1 + np.int64(3)
    result.sum().backward()
    assert result.dtype == tg.float32 and x.grad.dtype == tg.float32


def test_broadcast_error_names_the_op_and_shapes(device):
    with pytest.raises(
        ValueError, match=r"^add: shapes \(3, 4\) and \(5, 2\) can't be broadcast together: sizes 3 and 5 at dim -2"
    ):
        tg.ones(3, 4, device=device) + tg.ones(5, 2, device=device)


def test_unsupported_operand_is_a_type_error():
    with pytest.raises(TypeError, match="mul: unsupported operand type str"):
        tg.ones(2) * "a"


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="clamp: at least one of min and max"):
        tg.ones(2).clamp()


def test_remainder_and_floor_divide_match_python_and_pytorch_signs():
    a = tg.tensor([7.5, -7.5, 7.5, -7.5], dtype=tg.float64)
    b = tg.tensor([2.0, 2.0, -2.0, -2.0], dtype=tg.float64)
    assert (a % b).tolist() == [7.5 % 2, -7.5 % 2, 7.5 % -2, -7.5 % -2]
    assert (a // b).tolist() == [7.5 // 2, -7.5 // 2, 7.5 // -2, -7.5 // -2]
    assert (7 % tg.tensor([3, -3])).tolist() == [1, -2]
    assert (tg.arange(10) // 3).dtype == tg.int64


def test_remainder_gradient_away_from_its_jumps():
    # a / b stays strictly between integers, where remainder is smooth: da = 1, db = -floor(a / b).
    a = tg.tensor([[2.3, -4.6, 7.1]], dtype=tg.float64, requires_grad=True)
    b = tg.tensor([1.5, 2.0, -3.0], dtype=tg.float64, requires_grad=True)
    assert gradcheck(lambda a, b: a % b, (a, b))


def test_floor_divide_stays_outside_the_graph():
    x = tg.tensor([3.0, 4.5], requires_grad=True)
    assert not (x // 2).requires_grad


@pytest.mark.parametrize(
    "divide",
    [
        lambda m: m.tensor([3, 4]) // m.tensor([1, 0]),
        lambda m: m.tensor([3, 4]) % 0,
        lambda m: 7 // m.tensor([0, 2], dtype=m.int32),
        lambda m: m.tensor([3, 4]).remainder(m.tensor(0)),
        lambda m: m.floor_divide(m.tensor([3]), m.tensor([0])),
    ],
)
def test_integer_division_by_zero_raises_as_torch(torch, divide):
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        divide(torch)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        divide(tg)
    with pytest.raises(ZeroDivisionError):  # also Python's own exception
        divide(tg)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_float_division_by_zero_gives_inf_and_nan_as_torch(torch):
    for module in (torch, tg):
        x = module.tensor([1.0, -2.0])
        assert (x // 0).tolist() == [float("inf"), float("-inf")]
        assert all(value != value for value in (x % 0).tolist())
