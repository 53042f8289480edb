"""The backward engine: accumulation, graph shapes, retain_graph, freeing, memory and deep graphs
(the ArrayFunction contract itself: tests/test_array_function.py)."""

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import ArrayFunction
from tinygrad_edu.backend import get_array_module


def host(tensor):
    return tensor.detach().cpu().numpy()


def test_a_tensor_used_twice_gets_both_gradients(device):
    x = tg.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    (x * x + x).sum().backward()
    np.testing.assert_allclose(host(x.grad), 2 * np.array([1.0, 2.0, 3.0]) + 1)


def test_diamond_graph(device):
    x = tg.tensor([0.5, -1.0], device=device, requires_grad=True)
    left, right = x.exp(), x.sin()
    (left * right).sum().backward()
    values = np.array([0.5, -1.0])
    np.testing.assert_allclose(host(x.grad), np.exp(values) * (np.sin(values) + np.cos(values)), rtol=1e-6)


def test_gradients_accumulate_across_backward_calls_until_reset(device):
    x = tg.tensor([1.0, 2.0], device=device, requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(host(x.grad), [6.0, 6.0])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(host(x.grad), [3.0, 3.0])


def test_gradients_are_summed_back_over_broadcast_dims(device):
    bias = tg.zeros(3, device=device, requires_grad=True)
    column = tg.zeros(4, 1, device=device, requires_grad=True)
    (tg.ones(2, 4, 3, device=device) + bias + column).sum().backward()
    np.testing.assert_array_equal(host(bias.grad), [8.0, 8.0, 8.0])
    np.testing.assert_array_equal(host(column.grad), [[6.0]] * 4)


def test_backward_with_an_explicit_gradient(device):
    x = tg.tensor([1.0, 2.0], device=device, requires_grad=True)
    (x * x).backward(tg.tensor([1.0, 10.0], device=device))
    np.testing.assert_array_equal(host(x.grad), [2.0, 40.0])


def test_backward_on_a_leaf(device):
    x = tg.tensor(3.0, device=device, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_no_two_grad_arrays_share_memory(device):
    x = tg.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = tg.tensor([3.0, 4.0], requires_grad=True, device=device)
    hidden = x + y  # add's backward hands the same upstream array to both inputs
    hidden.retain_grad()
    seed = tg.ones(2, device=device)
    hidden.backward(seed)
    arrays = {"x": x.grad._data, "y": y.grad._data, "hidden": hidden.grad._data, "seed": seed._data}
    xp = get_array_module(x.grad._data)
    for first, second in [("x", "y"), ("x", "hidden"), ("y", "hidden"), ("x", "seed"), ("hidden", "seed")]:
        assert not xp.shares_memory(arrays[first], arrays[second]), f"{first}.grad and {second}"
    tg.optim.SGD([x], lr=0.1).zero_grad(set_to_none=False)  # zeroes x.grad in place ...
    np.testing.assert_array_equal(y.grad.cpu().numpy(), [1.0, 1.0])  # ... and only x.grad
    y.grad.zero_()
    np.testing.assert_array_equal(hidden.grad.cpu().numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(seed.cpu().numpy(), [1.0, 1.0])
    leaf = tg.tensor([5.0], requires_grad=True, device=device)
    leaf_seed = tg.tensor([2.0], device=device)
    leaf.backward(leaf_seed)
    leaf.grad.zero_()
    assert leaf_seed.item() == 2.0


def test_non_scalar_backward_without_gradient_says_what_to_do():
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*shape \(2,\).*gradient="):
        (tg.ones(2, requires_grad=True) * 2).backward()


def test_backward_gradient_of_the_wrong_shape():
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\) but the tensor has shape \(2,\)"):
        (tg.ones(2, requires_grad=True) * 2).backward(tg.ones(3))


def test_backward_on_a_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.ones(2).sum().backward()


def test_second_backward_through_a_freed_graph_says_retain_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward(device):
    x = tg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(host(x.grad), [4.0, 8.0])


def test_non_leaf_grad_is_none_unless_retained(device):
    x = tg.tensor([1.0, 2.0], device=device, requires_grad=True)
    hidden, kept = x * 2, x * 3
    kept.retain_grad()
    (hidden * kept).sum().backward()
    assert hidden.grad is None and not hidden.retains_grad
    assert kept.retains_grad
    np.testing.assert_array_equal(host(kept.grad), [2.0, 4.0])


def test_graph_is_freed_after_backward():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    intermediate = x * 3
    intermediate_ref = weakref.ref(intermediate)
    node = weakref.ref(intermediate.grad_fn)
    loss = (intermediate * intermediate).sum()
    del intermediate
    gc.disable()  # prove that no reference cycle needs the collector
    try:
        assert intermediate_ref() is not None  # the graph holds it until backward
        loss.backward()
        assert intermediate_ref() is None  # what the nodes saved is freed...
        assert node() is not None and node().next_functions  # ...the structure stays for inspection, as PyTorch's
        del loss
        assert node() is None  # and goes with the output, without the collector
    finally:
        gc.enable()


def test_memory_stays_flat_over_many_training_steps():
    weights = tg.randn(20, 10, requires_grad=True)
    inputs = tg.randn(8, 20)

    def step():
        loss = ((inputs @ weights).relu() ** 2).mean()
        loss.backward()
        with tg.no_grad():
            weights.sub_(weights.grad * 0.01)
        weights.grad = None

    tracemalloc.start()
    try:
        for _ in range(2000):  # fills Python's and numpy's free lists and caches, which are bounded
            step()
        after_warmup = tracemalloc.get_traced_memory()[0]
        for _ in range(2000):
            step()
        growth = tracemalloc.get_traced_memory()[0] - after_warmup
    finally:
        tracemalloc.stop()
    assert growth < 20_000, f"memory grew by {growth} bytes over 2000 steps"


def test_a_chain_of_100000_ops_backprops_without_recursion_error():
    x = tg.tensor(1.0, requires_grad=True)
    out = x
    for _ in range(100_000):
        out = out * 1.0
    out.backward()
    assert x.grad.item() == 1.0


def test_backward_runs_each_node_once_however_many_paths_lead_to_it():
    """Linear time without a timer: 60 diamonds make 2**60 paths, yet each node's backward runs once."""
    calls = []

    class Counted(ArrayFunction):
        @staticmethod
        def forward(ctx, x):
            return x.copy()

        @staticmethod
        def backward(ctx, grad_output):
            calls.append(1)
            return grad_output

    x = tg.tensor(1.0, dtype=tg.float64, requires_grad=True)
    out = x
    for _ in range(60):
        shared = Counted.apply(out)
        out = shared + shared
    out.backward()
    assert len(calls) == 60
    assert x.grad.item() == 2.0**60


def test_backward_gradient_dtype_follows_the_tensor():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).backward(tg.tensor([1.0, 1.0], dtype=tg.float64))
    assert x.grad.dtype == tg.float32
