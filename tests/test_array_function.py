"""The ArrayFunction contract, as a learner writes a new op: forward and backward see arrays, non-tensor
arguments pass through, the call is recorded only when a gradient is needed, and every broken
promise (wrong gradients, a non-array output, mixed devices, a freed graph) is named."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import ArrayFunction
from tinygrad_edu.backend import get_array_module
from tinygrad_edu.testing import gradcheck


def host(tensor):
    return tensor.detach().cpu().numpy()


class Cube(ArrayFunction):
    """out = x**3;  dx = g * 3 x**2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x * x


class ScaledSoftplus(ArrayFunction):
    """out = log(1 + e**(scale * x)) / scale, with a non-tensor argument;  dx = g * sigmoid(scale * x)."""

    @staticmethod
    def forward(ctx, x, scale):
        xp = get_array_module(x)
        ctx.save_for_backward(x)
        ctx.scale = scale
        return xp.logaddexp(0, scale * x) / scale

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        xp = get_array_module(x)
        return grad_output / (1 + xp.exp(-ctx.scale * x)), None


def test_a_user_written_function_trains_like_a_built_in_op(device):
    x = tg.tensor([1.0, -2.0, 0.5], device=device, requires_grad=True)
    y = Cube.apply(x)
    assert y.grad_fn is not None and not y.is_leaf
    assert "Cube" in repr(y.grad_fn)
    y.sum().backward()
    np.testing.assert_allclose(host(x.grad), 3 * np.array([1.0, -2.0, 0.5]) ** 2)
    assert gradcheck(Cube.apply, tg.tensor([0.3, -1.2], dtype=tg.float64, device=device, requires_grad=True))


def test_a_user_written_function_with_a_non_tensor_argument():
    x = tg.tensor([0.3, -1.2, 2.0], dtype=tg.float64, requires_grad=True)
    assert gradcheck(lambda x: ScaledSoftplus.apply(x, 2.0), x)
    assert ScaledSoftplus.apply(x, 2.0).grad_fn.needs_input_grad == (True, False)


def test_a_function_sees_which_inputs_need_grad():
    seen = []

    class Record(ArrayFunction):
        @staticmethod
        def forward(ctx, a, b):
            seen.append(ctx.needs_input_grad)
            return a + b

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, grad_output

    Record.apply(tg.ones(2, requires_grad=True), tg.ones(2))
    assert seen == [(True, False)]
    assert Record.apply(tg.ones(2), tg.ones(2)).grad_fn is None


def test_a_backward_returning_the_wrong_number_of_gradients_is_named():
    class TwoGradients(ArrayFunction):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, grad_output

    with pytest.raises(RuntimeError, match="TwoGradients.backward returned 2 gradients, but forward took 1"):
        TwoGradients.apply(tg.ones(2, requires_grad=True)).sum().backward()


def test_a_backward_returning_the_wrong_shape_is_named():
    class Broadcasting(ArrayFunction):
        @staticmethod
        def forward(ctx, x):
            return x + get_array_module(x).zeros((3, 2), dtype=x.dtype)

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    with pytest.raises(RuntimeError, match=r"Broadcasting.backward returned a gradient of shape \(3, 2\).*unbroadcast"):
        Broadcasting.apply(tg.ones(2, requires_grad=True)).sum().backward()


def test_a_forward_must_return_an_array():
    class ReturnsList(ArrayFunction):
        @staticmethod
        def forward(ctx, x):
            return [1.0]

    with pytest.raises(TypeError, match="ReturnsList.forward returned list"):
        ReturnsList.apply(tg.ones(1))


class Seen(ArrayFunction):
    """out = 2 x, recording what forward was given."""

    arguments = []

    @staticmethod
    def forward(ctx, x, factor):
        Seen.arguments.append((type(x), factor))
        return x * 2

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * 2, None


def test_forward_sees_arrays_and_non_tensor_arguments_as_given():
    Seen.arguments.clear()
    Seen.apply(tg.ones(2), "a label")
    assert Seen.arguments == [(np.ndarray, "a label")]


def test_the_call_is_recorded_only_when_an_input_needs_grad_and_grad_mode_is_on():
    x = tg.ones(2, requires_grad=True)
    assert Seen.apply(x, None).grad_fn.name() == "SeenBackward"
    assert Seen.apply(tg.ones(2), None).grad_fn is None
    with tg.no_grad():
        result = Seen.apply(x, None)
    assert result.grad_fn is None and not result.requires_grad


def test_an_error_in_forward_names_the_function_and_its_inputs():
    class Strict(ArrayFunction):
        @staticmethod
        def forward(ctx, x):
            raise ValueError("x must be positive")

    with pytest.raises(ValueError, match=r"Strict: x must be positive \(inputs: shape \(2,\) float32 on cpu\)"):
        Strict.apply(tg.ones(2))


def test_a_function_without_forward_or_backward_says_which_is_missing():
    class Empty(ArrayFunction):
        pass

    with pytest.raises(NotImplementedError, match="Empty must define a static forward"):
        Empty.apply(tg.ones(1))


def test_tensors_on_two_devices_are_refused_naming_the_function_and_both_devices():
    pytest.importorskip("fakegpu")

    class Both(ArrayFunction):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

    expected = "Both: expected all tensors to be on the same device, but found tensors on fakegpu:0 and cpu"
    with pytest.raises(RuntimeError, match=expected):
        Both.apply(tg.ones(1, device="fakegpu"), tg.ones(1))


def test_saved_arrays_are_freed_after_backward():
    y = Cube.apply(tg.ones(2, requires_grad=True))
    context = y.grad_fn
    y.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        _ = context.saved_tensors
