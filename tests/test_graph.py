"""The recorded graph as PyTorch shows it: grad_fn.next_functions with AccumulateGrad nodes for leaves,
hooks on tensors, and drawing a graph that includes a recorded backward."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.graph import AccumulateGrad


def host(tensor):
    return tensor.detach().cpu().numpy()


def test_next_functions_lead_to_the_nodes_and_leaves_of_the_inputs(torch):
    graphs = []
    for library in (tg, torch):
        w = library.tensor([1.0, 2.0], requires_grad=True)
        x = library.tensor([3.0, 4.0])
        y = (w * x).exp().sum()
        graphs.append((y, w))
    for y, w in graphs:
        (exp_node, index) = y.grad_fn.next_functions[0]
        assert index == 0 and exp_node.name().startswith("ExpBackward")
        (mul_node, _) = exp_node.next_functions[0]
        assert mul_node.name().startswith("MulBackward")
        (leaf_node, _), (constant, _) = mul_node.next_functions
        assert type(leaf_node).__name__ == "AccumulateGrad" and leaf_node.variable is w
        assert constant is None


def test_a_leaf_has_one_accumulategrad_node_for_all_its_uses():
    w = tg.tensor([1.0], requires_grad=True)
    first, second = (w * 2).grad_fn.next_functions[0][0], (w + 1).grad_fn.next_functions[0][0]
    assert first is second and isinstance(first, AccumulateGrad) and repr(first) == "<AccumulateGrad>"


def test_next_functions_list_tensor_inputs_only():
    x = tg.tensor([[1.0, 2.0]], requires_grad=True)
    assert len(x.sum(1).grad_fn.next_functions) == 1  # dim and keepdim are not inputs


def test_the_graph_stays_inspectable_after_backward():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).sum()
    y.backward()
    assert y.grad_fn.next_functions[0][0].name() == "MulBackward"
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


@pytest.mark.parametrize("library_name", ["tinygrad_edu", "torch"])
def test_a_hook_sees_and_may_replace_a_gradient(library_name):
    library = tg if library_name == "tinygrad_edu" else pytest.importorskip("torch")
    seen = []
    w = library.tensor([1.0, 2.0], requires_grad=True)
    hidden = w * 3
    hidden.register_hook(lambda grad: seen.append(host(grad)) or grad * 10)
    w.register_hook(lambda grad: seen.append(host(grad)))
    (hidden * hidden).sum().backward()
    np.testing.assert_array_equal(seen[0], [6.0, 12.0])  # d/d hidden
    np.testing.assert_array_equal(seen[1], [180.0, 360.0])  # after the hook multiplied it by 10
    np.testing.assert_array_equal(host(w.grad), [180.0, 360.0])


def test_a_leaf_hook_sees_the_summed_gradient_once_and_can_be_removed():
    seen = []
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    handle = w.register_hook(lambda grad: seen.append(host(grad)))
    (w * 2 + w * 3).sum().backward()
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], [5.0, 5.0])
    handle.remove()
    (w * 2).sum().backward()
    assert len(seen) == 1


def test_a_hook_needs_a_tensor_that_requires_grad_and_must_return_a_same_shaped_tensor():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        tg.ones(2).register_hook(print)
    w = tg.ones(2, requires_grad=True)
    w.register_hook(lambda grad: grad.sum())
    with pytest.raises(RuntimeError, match="return None or a Tensor of the same shape"):
        (w * 2).sum().backward()


def test_hooks_run_in_a_recorded_backward_too():
    x = tg.tensor([2.0], requires_grad=True)
    hidden = x**3
    hidden.register_hook(lambda grad: grad * 2)
    (slope,) = tg.autograd.grad(hidden.sum(), x, create_graph=True)
    (curvature,) = tg.autograd.grad(slope.sum(), x)
    assert slope.item() == pytest.approx(2 * 3 * 4) and curvature.item() == pytest.approx(2 * 6 * 2)


def test_a_hooked_leaf_still_accumulates_across_backward_calls():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    w.register_hook(lambda grad: None)  # the leaf's AccumulateGrad node now runs, instead of the engine's shortcut
    (w * 2).sum().backward()
    (w * 3).sum().backward()
    np.testing.assert_array_equal(host(w.grad), [5.0, 5.0])
