"""nn.utils.clip_grad_norm_ and clip_grad_value_: PyTorch's returned norms and clipped gradients, and the rules
checked by hand."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.nn.utils import clip_grad_norm_, clip_grad_value_
from tinygrad_edu.testing import strategies as tgst

GRADS = [np.array([3.0, 4.0, 0.0], dtype=np.float32), np.array([[1.0, -2.0], [0.0, 5.0]], dtype=np.float32)]


def parameters_with_grads(module, grads):
    parameters = []
    for grad in grads:
        parameter = module.zeros(grad.shape, requires_grad=True)
        parameter.grad = module.tensor(grad)
        parameters.append(parameter)
    return parameters


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.0, float("inf"), "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 2.0, 100.0])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    ours = parameters_with_grads(tg, GRADS)
    theirs = parameters_with_grads(torch, GRADS)
    our_total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    their_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    np.testing.assert_allclose(our_total.item(), their_total.item(), rtol=1e-6)
    for mine, other in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), other.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("clip_value", [0.5, 3])
def test_clip_grad_value_matches_torch(torch, clip_value):
    ours, theirs = parameters_with_grads(tg, GRADS), parameters_with_grads(torch, GRADS)
    assert clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for mine, other in zip(ours, theirs):
        np.testing.assert_array_equal(mine.grad.numpy(), other.grad.numpy())


@given(
    grads=st.lists(tgst.shapes(min_dims=1).flatmap(tgst.smooth_arrays), min_size=1, max_size=3),
    max_norm=st.floats(0.1, 5.0),
)
def test_clipped_norm_is_at_most_max_norm_and_direction_is_kept(grads, max_norm):
    parameters = parameters_with_grads(tg, grads)
    total = clip_grad_norm_(parameters, max_norm)
    expected = math.sqrt(sum(float((grad**2).sum()) for grad in grads))
    np.testing.assert_allclose(total.item(), expected, rtol=1e-9)
    scale = min(1.0, max_norm / (expected + 1e-6))
    for parameter, grad in zip(parameters, grads):
        np.testing.assert_allclose(parameter.grad.numpy(), grad * scale, rtol=1e-9, atol=1e-12)


def test_parameters_without_grads_are_skipped_and_a_single_tensor_works():
    unused = tg.zeros(2, requires_grad=True)
    used = tg.zeros(2, requires_grad=True)
    used.grad = tg.tensor([6.0, 8.0])
    assert clip_grad_norm_([unused, used], 5.0).item() == 10.0
    assert unused.grad is None and np.allclose(used.grad.numpy(), [3.0, 4.0], rtol=1e-5)
    assert clip_grad_norm_(unused, 1.0).item() == 0.0
    used.grad = tg.tensor([-6.0, 3.0])
    clip_grad_value_(used, 3.5)
    assert used.grad.tolist() == [-3.5, 3.0]


def test_non_finite_norm_raises_when_asked():
    parameter = tg.zeros(2, requires_grad=True)
    parameter.grad = tg.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([parameter], 1.0, error_if_nonfinite=True)
