"""The backward pass: reverse-mode differentiation over the recorded graph, without recursion.

Each recorded op is a node (its `Context`, the output's `grad_fn`) whose `inputs` point at the
tensors it was computed from. `backward` first counts, for every node, how many edges lead into it;
then it runs the nodes in reverse topological order (Kahn's algorithm): a node's backward runs once
all the gradient for its output has arrived. Time and memory are linear in the graph's size, and a
chain of 100,000 ops needs no deep Python recursion.
"""

from .backend import backend_of
from .errors import SECOND_BACKWARD
from .tensor import Tensor


def backward(root, gradient=None, retain_graph=False):
    """Accumulate d(root)/d(leaf) * gradient into every leaf's `.grad` that requires grad."""
    if not root._requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no grad_fn; make its inputs with "
            "requires_grad=True (and call backward outside no_grad())"
        )
    root_gradient = _root_gradient(root, gradient)
    root_node = root.grad_fn
    if root_node is None:  # backward() on a leaf: its gradient is the seed itself
        _accumulate_into(root, root_gradient)
        return
    pending_edges = _count_incoming_edges(root_node)
    gradients = {root_node: root_gradient}
    ready = [root_node]
    while ready:
        node = ready.pop()
        grad_output = gradients.pop(node, None)
        inputs = node.inputs
        if grad_output is not None:
            if node._retained_output is not None:
                retained = node._retained_output()
                if retained is not None:
                    _accumulate_into(retained, grad_output)
            input_grads = node.function.backward(node, grad_output)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            if len(input_grads) != len(inputs):
                raise RuntimeError(
                    f"{node.function.__name__}.backward returned {len(input_grads)} gradients, but forward "
                    f"took {len(inputs)} arguments: return one per argument (None for non-tensors)"
                )
        else:  # nothing flowed into this node: its inputs get nothing from it either
            input_grads = (None,) * len(inputs)
        if not retain_graph:
            node.release()
        for index, (tensor, grad) in enumerate(zip(inputs, input_grads)):
            if tensor is None:
                continue
            if grad is not None:
                grad = _checked_gradient(node, index, tensor, grad)
            parent = tensor.grad_fn
            if parent is None:
                if grad is not None:
                    _accumulate_into(tensor, grad)
                continue
            if grad is not None:
                previous = gradients.get(parent)
                gradients[parent] = grad if previous is None else previous + grad
            pending_edges[parent] -= 1
            if pending_edges[parent] == 0:
                ready.append(parent)


def _count_incoming_edges(root_node):
    """How many graph edges lead into each node reachable from root_node (iterative DFS)."""
    counts = {root_node: 0}
    stack = [root_node]
    while stack:
        node = stack.pop()
        if node.inputs is None:
            raise RuntimeError(SECOND_BACKWARD)
        for tensor in node.inputs:
            if tensor is None or tensor.grad_fn is None:
                continue
            parent = tensor.grad_fn
            if parent in counts:
                counts[parent] += 1
            else:
                counts[parent] = 1
                stack.append(parent)
    return counts


def _root_gradient(root, gradient):
    if gradient is None:
        if root._data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for scalar outputs, but this tensor has "
                f"shape {tuple(root.shape)}; pass gradient=<tensor of that shape> or reduce it first (e.g. .sum())"
            )
        return backend_of(root._data).xp.ones_like(root._data)
    data = gradient._data if hasattr(gradient, "_data") else gradient
    xp = backend_of(root._data).xp
    data = xp.asarray(data, dtype=root._data.dtype)
    if data.shape != root._data.shape:
        raise RuntimeError(
            f"backward: gradient has shape {tuple(data.shape)} but the tensor has shape {tuple(root.shape)}; "
            "they must match"
        )
    return data


def _checked_gradient(node, index, tensor, grad):
    """The engine's contract with every backward: one gradient of its input's shape and dtype."""
    expected = tensor._data
    if type(grad) is not type(expected):  # numpy turns 0-d results into scalars
        grad = backend_of(expected).xp.asarray(grad)
    if grad.shape != expected.shape:
        raise RuntimeError(
            f"{node.function.__name__}.backward returned a gradient of shape {tuple(grad.shape)} for input "
            f"{index} of shape {tuple(expected.shape)}; sum broadcast gradients back with unbroadcast()"
        )
    if grad.dtype != expected.dtype:
        grad = grad.astype(expected.dtype)
    return grad


def _accumulate_into(tensor, grad):
    """tensor.grad += grad; the first gradient is copied so no two .grad arrays share memory."""
    if tensor.grad is None:
        tensor.grad = Tensor._make(grad.copy())
    else:
        tensor.grad._data = tensor.grad._data + grad
