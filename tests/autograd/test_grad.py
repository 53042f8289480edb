"""autograd.grad and backward's create_graph / retain_graph / inputs, with PyTorch's semantics, and
PyTorch's own documented examples of them re-typed."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd import grad


def host(tensor):
    return tensor.detach().cpu().numpy()


def test_grad_returns_gradients_and_leaves_dot_grad_alone():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor([3.0, 4.0], requires_grad=True)
    (gx, gw) = grad((x * w).sum(), [x, w])
    np.testing.assert_array_equal(host(gx), [3.0, 4.0])
    np.testing.assert_array_equal(host(gw), [1.0, 2.0])
    assert x.grad is None and w.grad is None and not gx.requires_grad


def test_pytorchs_higher_order_example_x_cubed():
    """d/dx x**3 = 3 x**2 = 12 and d2/dx2 = 6 x = 12 at x = 2, as in PyTorch's docs."""
    x = tg.tensor(2.0, requires_grad=True)
    y = x**3
    (dy,) = grad(y, x, create_graph=True)
    assert dy.requires_grad and dy.item() == 12.0
    (d2y,) = grad(dy, x)
    assert d2y.item() == 12.0


def test_backward_with_create_graph_makes_dot_grad_differentiable():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    first = x.grad
    assert first.requires_grad and first.grad_fn is not None
    x.grad = None
    first.sum().backward()
    np.testing.assert_array_equal(host(x.grad), [6.0, 12.0])


def test_retain_graph_defaults_to_create_graph():
    x = tg.tensor([1.0], requires_grad=True)
    y = (x * x).sum()
    grad(y, x, create_graph=True)
    grad(y, x)  # the graph was kept by the create_graph call
    with pytest.raises(RuntimeError, match="second time"):
        grad(y, x)


def test_grad_outputs_weight_a_non_scalar_output_and_a_missing_one_is_an_error():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (gx,) = grad(x * x, x, grad_outputs=tg.tensor([1.0, 10.0]))
    np.testing.assert_array_equal(host(gx), [2.0, 40.0])
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        grad(x * x, x)


def test_several_outputs_and_inputs():
    x, y = tg.tensor(2.0, requires_grad=True), tg.tensor(3.0, requires_grad=True)
    gx, gy = grad([x * y, x + y], [x, y])
    assert (gx.item(), gy.item()) == (4.0, 3.0)


def test_an_unused_input_is_an_error_unless_allowed():
    x, unused = tg.tensor(2.0, requires_grad=True), tg.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="input 1 .* not have been used in the graph.*allow_unused=True"):
        grad(x * x, [x, unused])
    gx, gu = grad(x * x, [x, unused], allow_unused=True)
    assert gx.item() == 4.0 and gu is None
    _, zeros = grad(x * x, [x, unused], materialize_grads=True)
    assert zeros.item() == 0.0


def test_grad_of_a_non_leaf_is_the_total_gradient_flowing_into_it():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 3
    out = (hidden * hidden).sum() + hidden.sum()
    (g_hidden,) = grad(out, hidden)
    np.testing.assert_array_equal(host(g_hidden), 2 * host(hidden) + 1)


def test_inputs_that_do_not_require_grad_are_refused():
    with pytest.raises(RuntimeError, match="does not require grad"):
        grad(tg.tensor(1.0, requires_grad=True) * 2, tg.tensor(1.0))


def test_backward_inputs_limits_which_grads_are_filled(torch):
    for library in (tg, torch):
        x, w = library.tensor([1.0, 2.0], requires_grad=True), library.tensor([3.0, 4.0], requires_grad=True)
        hidden = x * w
        (hidden * hidden).sum().backward(inputs=[w, hidden])
        assert x.grad is None
        np.testing.assert_array_equal(host(w.grad), 2 * host(hidden) * host(x))
        np.testing.assert_array_equal(host(hidden.grad), 2 * host(hidden))


def test_backward_of_several_tensors_at_once():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    tg.autograd.backward([(x * 2).sum(), x * x], [None, tg.tensor([1.0, 1.0])])
    np.testing.assert_array_equal(host(x.grad), [4.0, 6.0])


def test_a_gradient_penalty_step_matches_torch(torch):
    """WGAN-GP style: the norm of d(critic)/d(input), squared, added to the loss and trained through."""
    rng = np.random.default_rng(1)
    inputs, weight = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    grads = []
    for library in (tg, torch):
        x = library.tensor(inputs, requires_grad=True)
        w = library.tensor(weight, requires_grad=True)
        critic = (x @ w).tanh().sum()
        (input_grad,) = library.autograd.grad(critic, x, create_graph=True)
        penalty = ((input_grad.square().sum(1).sqrt() - 1) ** 2).mean()
        (critic + 10 * penalty).backward()
        grads.append(host(w.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)


def test_newtons_method_converges_in_a_few_steps():
    """Minimise f(x) = x**4 - 2 x**2 + x from x = 2 with x -= f'(x) / f''(x), both from autograd."""
    x = tg.tensor(2.0, dtype=tg.float64, requires_grad=True)
    for _ in range(8):
        (slope,) = grad(x**4 - 2 * x**2 + x, x, create_graph=True)
        (curvature,) = grad(slope, x)
        with tg.no_grad():
            x -= slope / curvature
    assert x.item() == pytest.approx(0.8375654352833, abs=1e-9)  # the right-hand minimum: 4x^3 - 4x + 1 = 0


def test_a_long_chain_needs_no_recursion_with_create_graph():
    x = tg.tensor(1.0, dtype=tg.float64, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.00001
    (slope,) = grad(y * y, x, create_graph=True)  # 2 x c**(2n)
    (curvature,) = grad(slope, x)
    assert slope.item() == pytest.approx(2 * 1.00001**40000, rel=1e-9)
    assert curvature.item() == pytest.approx(2 * 1.00001**40000, rel=1e-9)


def test_recorded_gradients_accumulate_across_backward_calls():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x**2).sum().backward(create_graph=True)
    (x**3).sum().backward(create_graph=True)
    np.testing.assert_array_equal(host(x.grad), 2 * host(x) + 3 * host(x) ** 2)
    assert x.grad.requires_grad
