"""gradcheck itself: it passes correct ops and catches broken ones (the negative controls)."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import ArrayFunction
from tinygrad_edu.backend import get_array_module
from tinygrad_edu.ops import unbroadcast
from tinygrad_edu.testing import GradcheckError, gradcheck, gradgradcheck


def leaf(shape, device="cpu", seed=0, dtype=np.float64):
    values = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return tg.tensor(values, device=device, requires_grad=True)


def test_correct_ops_pass(device):
    a, b = leaf((3, 1), device, 1), leaf((4,), device, 2)
    assert gradcheck(lambda a, b: (a * b).tanh() + a / (b * b + 1), [a, b]) is True
    assert gradcheck(lambda x: x.softmax(-1), leaf((2, 5), device)) is True


def test_large_inputs_are_checked_on_sampled_elements_and_directions(device):
    a, b = leaf((20, 30), device, 1), leaf((30, 4), device, 2)
    assert gradcheck(lambda a, b: a @ b, [a, b])


def test_float32_inputs_are_checked_in_float64():
    x = leaf((3,), dtype=np.float32)
    assert gradcheck(lambda x: x.exp(), x)
    assert x.dtype == tg.float32  # the caller's tensor is left as it was
    assert x.grad is None


def test_non_tensor_arguments_and_inputs_without_grad_pass_through():
    weights = tg.tensor(np.arange(6.0).reshape(2, 3))
    assert gradcheck(lambda x, w, power: (x @ w) ** power, [leaf((4, 2)), weights, 2])


def test_tuple_outputs_with_integer_indices():
    x = tg.tensor([[0.3, 1.5, -2.0], [4.0, 0.1, 2.0]], dtype=tg.float64, requires_grad=True)
    assert gradcheck(lambda x: x.max(dim=1), x)  # (values, indices): the int64 indices are ignored


def test_an_output_that_ignores_an_input_has_zero_gradient():
    assert gradcheck(lambda x, y: x * 2, [leaf((3,), seed=1), leaf((3,), seed=2)])


def test_requires_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires_grad=True"):
        gradcheck(lambda x: x * 2, tg.ones(3))


# ----- negative controls: deliberately broken backward functions must fail -------------------


class SquareIgnoringUpstream(ArrayFunction):
    """x**2 whose backward forgets to multiply by grad_output."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 2 * x


class AddWithoutUnbroadcast(ArrayFunction):
    """a + b whose backward hands the broadcast gradient back unsummed (shapes are wrong)."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, grad_output


class MulSummingTheWrongAxes(ArrayFunction):
    """a * b whose backward sums the broadcast axes back in the wrong place (shapes are right, values wrong)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = unbroadcast(grad_output * b, a.shape)
        grad_b = (grad_output * a).mean(axis=0, keepdims=True)  # mean instead of sum
        return grad_a, grad_b


class MatMulWithTransposedGradient(ArrayFunction):
    """a @ b for square matrices whose backward forgets to transpose b: da = g @ b instead of g @ b.T."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        xp = get_array_module(a)
        return grad_output @ b, xp.swapaxes(a, -1, -2) @ grad_output


class SquareSignOfUpstream(ArrayFunction):
    """x**2 whose backward uses only the sign of grad_output: right for all-ones upstreams, not linear."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return get_array_module(x).sign(grad_output) * 2 * x


class ScaleInPlace(ArrayFunction):
    """2 * x that writes its result into its input."""

    @staticmethod
    def forward(ctx, x):
        x *= 2
        return x.copy()

    @staticmethod
    def backward(ctx, grad_output):
        return 2 * grad_output


class DoubleModifyingUpstream(ArrayFunction):
    """2 * x whose backward scales grad_output in place."""

    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, grad_output):
        grad_output *= 2
        return grad_output


def test_upstream_gradient_not_multiplied_fails(device):
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(SquareIgnoringUpstream.apply, leaf((3, 2), device))


def test_skipped_unbroadcast_fails(device):
    with pytest.raises(GradcheckError, match="shape"):
        gradcheck(AddWithoutUnbroadcast.apply, [leaf((3, 1), device, 1), leaf((4,), device, 2)])


def test_wrong_broadcast_reduction_fails_naming_input_and_element():
    with pytest.raises(GradcheckError, match=r"input 1 .*element \(0, \d\).*analytic .* numerical"):
        gradcheck(MulSummingTheWrongAxes.apply, [leaf((3, 4), seed=1), leaf((1, 4), seed=2)])


def test_transposed_matmul_gradient_fails(device):
    with pytest.raises(GradcheckError, match="wrong gradient for input 0"):
        gradcheck(MatMulWithTransposedGradient.apply, [leaf((3, 3), device, 1), leaf((3, 3), device, 2)])


def test_transposed_matmul_gradient_fails_on_large_inputs_too():
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(MatMulWithTransposedGradient.apply, [leaf((12, 12), seed=1), leaf((12, 12), seed=2)])


def test_backward_that_is_not_linear_in_the_upstream_gradient_fails():
    with pytest.raises(GradcheckError, match="not linear in the upstream gradient"):
        gradcheck(SquareSignOfUpstream.apply, leaf((4,)))


def test_forward_that_modifies_its_input_fails():
    with pytest.raises(GradcheckError, match="modified input 0 in place"):
        gradcheck(ScaleInPlace.apply, leaf((3,)))


def test_backward_that_modifies_grad_output_fails():
    with pytest.raises(GradcheckError, match="grad_output in place"):
        gradcheck(DoubleModifyingUpstream.apply, leaf((3,)))


def test_float32_inside_fn_is_reported():
    with pytest.raises(GradcheckError, match="float32"):
        gradcheck(lambda x: x.float() * 2, leaf((3,)))


def test_kink_within_eps_is_reported_as_unstable_not_as_a_wrong_gradient():
    x = tg.tensor([0.5, 0.0, -1.0], dtype=tg.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"element \(1,\) is unstable.*kink"):
        gradcheck(lambda x: x.relu(), x)


def test_tie_within_eps_is_reported_as_unstable():
    x = tg.tensor([1.0, 3.0, 3.0 + 1e-9], dtype=tg.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="unstable"):
        gradcheck(lambda x: x.max(), x)


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(GradcheckError, AssertionError)


def test_gradcheck_needs_only_numpy():
    import subprocess
    import sys

    script = "import sys, tinygrad_edu; tinygrad_edu.testing.gradcheck; print('hypothesis' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# ----- gradgradcheck: second derivatives, and its negative controls ----------------------------


def test_gradgradcheck_passes_correct_second_derivatives(device):
    a, b = leaf((3, 1), device, 1), leaf((4,), device, 2)
    assert gradgradcheck(lambda a, b: (a * b).tanh() + a / (b * b + 1), [a, b]) is True
    assert gradgradcheck(lambda x: x.log_softmax(-1), leaf((2, 5), device))


class CubeWithAConstantSlope(ArrayFunction):
    """x**3 with a right first derivative whose recorded version treats x as a constant."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        if ctx.create_graph:
            x = x.detach()  # the bug: the slope 3 x**2 no longer depends on x
        return grad_output * 3 * x * x


class CubeIgnoringUpstreamWhenRecorded(ArrayFunction):
    """x**3 whose recorded backward drops grad_output: right values for g = ones, wrong in v."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return (grad_output.detach() if ctx.create_graph else grad_output) * 3 * x * x


class CubeAsFunction(tg.autograd.Function):
    """The Tensor-level version of the same bug: a backward that detaches what it needs."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x.detach() ** 2


@pytest.mark.parametrize("broken", [CubeWithAConstantSlope, CubeIgnoringUpstreamWhenRecorded, CubeAsFunction])
def test_gradgradcheck_catches_a_wrong_second_derivative_that_gradcheck_passes(broken):
    x = leaf((4,), seed=3)
    assert gradcheck(broken.apply, x)  # the first derivative is right
    with pytest.raises(GradcheckError, match="gradgradcheck .*second derivatives"):
        gradgradcheck(broken.apply, x)


def test_gradgradcheck_names_the_upstream_gradient_when_the_error_is_in_it():
    x = leaf((4,), seed=3)
    with pytest.raises(GradcheckError, match=r"input 1 is v for output 0.*input 1"):
        gradgradcheck(CubeIgnoringUpstreamWhenRecorded.apply, x)


def test_gradgradcheck_of_a_linear_function_is_trivially_true():
    """Its gradient does not depend on x (only on v): the second derivative in x is 0 and is checked as 0."""
    assert gradgradcheck(lambda x: 3 * x + 1, leaf((3,)))
