"""autograd.Function, PyTorch's contract for custom ops: Tensors in and out, ctx's methods, several
outputs, and Functions differentiable twice (the ArrayFunction contract: tests/test_array_function.py)."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd import Function, once_differentiable
from tinygrad_edu.testing import gradcheck, gradgradcheck


def host(tensor):
    return tensor.detach().cpu().numpy()


def relu_function(library):
    """The custom ReLU of PyTorch's "Learning PyTorch with examples", for either library."""

    class ClampedReLU(library.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    return ClampedReLU


def legendre_function(library):
    """P3(x) = (5 x^3 - 3 x) / 2 with its derivative written out, as PyTorch's tutorial does."""

    class LegendreP3(library.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input**2 - 1)

    return LegendreP3


def test_function_is_exported_as_in_pytorch():
    assert tg.Function is tg.autograd.Function is Function


def test_a_tutorial_relu_gives_values_and_gradients():
    ClampedReLU = relu_function(tg)
    x = tg.tensor([-1.5, 0.5, 2.0], requires_grad=True)
    y = ClampedReLU.apply(x)
    assert y.grad_fn.name() == "ClampedReLUBackward" and y.requires_grad
    (y * tg.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(host(y), [0.0, 0.5, 2.0])
    np.testing.assert_array_equal(host(x.grad), [0.0, 2.0, 3.0])
    assert gradcheck(ClampedReLU.apply, tg.tensor([-1.5, 0.5, 2.0], dtype=tg.float64, requires_grad=True))


def test_a_tutorial_relu_matches_torch(torch):
    values = np.array([[-1.0, 0.3], [2.0, -0.2]])
    results = []
    for library in (tg, torch):
        x = library.tensor(values, requires_grad=True)
        y = relu_function(library).apply(x * 2)
        (y * y).sum().backward()
        results.append((host(y), host(x.grad)))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs)


def fit_sine_with_legendre(library, steps=300):
    """PyTorch's tutorial model y = a + b * P3(c + d x) fitted to sin by hand-written SGD, in float64."""
    x = library.linspace(-math.pi, math.pi, 200, dtype=library.float64)
    y = library.sin(x)
    a, b, c, d = (library.tensor(value, dtype=library.float64, requires_grad=True) for value in (0.0, -1.0, 0.0, 0.3))
    P3 = legendre_function(library)
    for _ in range(steps):
        prediction = a + b * P3.apply(c + d * x)
        loss = ((prediction - y) ** 2).sum()
        loss.backward()
        with library.no_grad():
            for parameter in (a, b, c, d):
                parameter -= 5e-6 * parameter.grad
                parameter.grad = None
    return loss.item(), [parameter.item() for parameter in (a, b, c, d)]


def test_the_legendre_polynomial_fit_takes_torchs_steps(torch):
    loss, coefficients = fit_sine_with_legendre(tg)
    torch_loss, torch_coefficients = fit_sine_with_legendre(torch)
    assert loss == pytest.approx(torch_loss, rel=1e-9)
    assert coefficients == pytest.approx(torch_coefficients, rel=1e-9, abs=1e-12)


def test_the_legendre_polynomial_fit_learns_without_torch():
    first, _ = fit_sine_with_legendre(tg, steps=1)
    last, _ = fit_sine_with_legendre(tg, steps=300)
    assert last < 0.75 * first


def test_a_backward_made_of_differentiable_ops_is_differentiable_twice():
    P3 = legendre_function(tg)
    x = tg.tensor([-0.7, 0.2, 1.1], dtype=tg.float64, requires_grad=True)
    assert gradgradcheck(P3.apply, x)
    (slope,) = tg.autograd.grad(P3.apply(x).sum(), x, create_graph=True)
    (curvature,) = tg.autograd.grad(slope.sum(), x)
    np.testing.assert_allclose(host(curvature), 15 * host(x))  # P3'' = 15 x


def test_once_differentiable_allows_one_backward_and_refuses_a_second():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return tg.tensor(2 * host(x) * host(grad_output))  # through numpy: not recorded

    x = tg.tensor([1.0, 3.0], requires_grad=True)
    Square.apply(x).sum().backward()
    np.testing.assert_array_equal(host(x.grad), [2.0, 6.0])
    (slope,) = tg.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    assert slope.requires_grad
    with pytest.raises(RuntimeError, match="differentiate twice a function that was marked with @once_differentiable"):
        slope.sum().backward()


class SortWithIndices(Function):
    """Two outputs; the indices are marked non-differentiable."""

    @staticmethod
    def forward(ctx, x):
        values, indices = x.sort()
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        ctx.length = x.shape[0]
        return values, indices

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        (indices,) = ctx.saved_tensors
        assert grad_indices is not None and not grad_indices.any()  # materialized as zeros
        grad = tg.zeros(ctx.length, dtype=grad_values.dtype)
        grad[indices] = grad_values
        return grad


def test_several_outputs_and_a_non_differentiable_one():
    x = tg.tensor([3.0, -1.0, 2.0], requires_grad=True)
    values, indices = SortWithIndices.apply(x)
    assert values.requires_grad and not indices.requires_grad
    assert values.grad_fn is indices.grad_fn is None or values.grad_fn.name() == "SortWithIndicesBackward"
    (values * tg.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(host(values), [-1.0, 2.0, 3.0])
    np.testing.assert_array_equal(host(x.grad), [100.0, 1.0, 10.0])


def test_gradients_of_several_outputs_add_up_and_unused_ones_are_zeros_or_none():
    seen = []

    class SplitInTwo(Function):
        @staticmethod
        def forward(ctx, x, materialize):
            ctx.set_materialize_grads(materialize)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, grad_double, grad_triple):
            seen.append((grad_double, grad_triple))
            total = 0
            if grad_double is not None:
                total = total + 2 * grad_double
            if grad_triple is not None:
                total = total + 3 * grad_triple
            return total, None

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    double, triple = SplitInTwo.apply(x, True)
    (double.sum() + triple.sum()).backward()
    np.testing.assert_array_equal(host(x.grad), [5.0, 5.0])
    x.grad = None
    double, _ = SplitInTwo.apply(x, True)
    double.sum().backward()
    np.testing.assert_array_equal(host(seen[-1][1]), [0.0, 0.0])  # materialized
    double, _ = SplitInTwo.apply(x, False)
    double.sum().backward()
    assert seen[-1][1] is None


def test_mark_dirty_an_input_changed_in_place_keeps_its_identity():
    class DoubleInPlace(Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2

    w = tg.tensor([1.0, -2.0], requires_grad=True)
    hidden = w * 3
    out = DoubleInPlace.apply(hidden)
    assert out is hidden and hidden.grad_fn.name() == "DoubleInPlaceBackward" and hidden._version == 1
    out.sum().backward()
    np.testing.assert_array_equal(host(hidden), [6.0, -12.0])
    np.testing.assert_array_equal(host(w.grad), [6.0, 6.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        DoubleInPlace.apply(tg.tensor([1.0], requires_grad=True))


def test_setup_context_style_and_needs_input_grad():
    class Scale(Function):
        @staticmethod
        def forward(x, factor):
            return x * factor

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.factor = inputs[1]

        @staticmethod
        def backward(ctx, grad_output):
            assert ctx.needs_input_grad == (True, False)
            return grad_output * ctx.factor, None

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    Scale.apply(x, 4.0).sum().backward()
    np.testing.assert_array_equal(host(x.grad), [4.0, 4.0])


def test_without_grad_nothing_is_recorded():
    P3 = legendre_function(tg)
    assert P3.apply(tg.tensor([1.0])).grad_fn is None
    with tg.no_grad():
        assert not P3.apply(tg.tensor([1.0], requires_grad=True)).requires_grad


def test_a_broadcast_gradient_is_summed_back_and_a_wrong_one_is_named():
    class BroadcastingBackward(Function):
        @staticmethod
        def forward(ctx, x, wrong):
            ctx.wrong = wrong
            return x * 1

        @staticmethod
        def backward(ctx, grad_output):
            return (tg.ones(5) if ctx.wrong else grad_output.expand(4, 3)), None

    x = tg.zeros(3, requires_grad=True)
    BroadcastingBackward.apply(x, False).sum().backward()
    np.testing.assert_array_equal(host(x.grad), [4.0, 4.0, 4.0])
    with pytest.raises(
        RuntimeError, match=r"invalid gradient at index 0: got shape \[5\] but expected shape compatible"
    ):
        BroadcastingBackward.apply(x, True).sum().backward()


def test_the_wrong_number_of_gradients_is_named():
    class TwoInputs(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    a = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"incorrect number of gradients \(expected 2, got 1\)"):
        TwoInputs.apply(a, a).sum().backward()


def test_a_saved_tensor_changed_in_place_is_an_error():
    P3 = legendre_function(tg)
    w = tg.tensor([0.5, 1.0], requires_grad=True)
    hidden = w * 2
    out = P3.apply(hidden)
    with tg.no_grad():
        hidden.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*is at version 1; expected version 0"):
        out.sum().backward()


def test_save_for_backward_takes_tensors_only():
    class SavesANumber(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 2.0)
            return x

    with pytest.raises(TypeError, match="can only save Tensors or None"):
        SavesANumber.apply(tg.ones(1, requires_grad=True))
