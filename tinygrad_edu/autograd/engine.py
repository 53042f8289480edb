"""The backward pass: reverse-mode differentiation over the recorded graph, without recursion.

Each recorded op is a node (graph.py) whose edges lead to the nodes that made its inputs. The engine
first counts, for every node reachable from the roots, how many edges lead into it; then it runs
the nodes in reverse topological order (Kahn's algorithm): a node's backward runs once all the
gradient for its outputs has arrived, and sends one gradient along each of its edges. Time and
memory are linear in the graph's size, and a chain of 100,000 ops needs no deep Python recursion.

Gradients travel as arrays. With `create_graph=True` they travel as Tensors instead, and every
node's backward is recorded like a forward computation: the gradients can be differentiated again.
"""

from .. import dtypes, grad_mode
from ..backend import backend_of
from ..errors import SECOND_BACKWARD
from ..graph import AccumulateGrad, Context, edge_of
from ..tensor import Tensor


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaf), weighted by grad_tensors, into the `.grad` of the leaves
    (or of `inputs` only, leaves or not), as `torch.autograd.backward`."""
    tensors = _as_tuple(tensors)
    grad_tensors = (None,) * len(tensors) if grad_tensors is None else _as_tuple(grad_tensors)
    targets = None
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("backward: the inputs argument can't be empty; leave it out to fill every leaf's .grad")
        targets = {_target_edge(tensor, "backward"): tensor for tensor in inputs}
    retain_graph = create_graph if retain_graph is None else retain_graph
    run(tensors, grad_tensors, retain_graph, create_graph, targets, accumulate=True, op="backward")


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         materialize_grads=False):  # fmt: skip
    """The gradients of `outputs` with respect to `inputs`, returned instead of stored in `.grad`.

    As `torch.autograd.grad`: `grad_outputs` weight the outputs (needed for non-scalars); with
    `create_graph=True` the results are in the graph and can be differentiated again; an input the
    outputs do not depend on is an error unless `allow_unused=True` (then its gradient is None, or
    zeros with `materialize_grads=True`).
    """
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("grad: inputs can't be empty; name the tensors to differentiate with respect to")
    grad_outputs = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    targets = {_target_edge(tensor, "grad"): tensor for tensor in inputs}
    retain_graph = create_graph if retain_graph is None else retain_graph
    captured = run(outputs, grad_outputs, retain_graph, create_graph, targets, accumulate=False, op="grad")
    results = []
    for index, tensor in enumerate(inputs):
        result = captured.get(_target_edge(tensor, "grad"))
        if result is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {index} (shape {tuple(tensor.shape)}) appears to not have been used in the graph "
                    "of the outputs; pass allow_unused=True if that is what you want (its gradient is then None)"
                )
            if materialize_grads:
                result = Tensor._make(backend_of(tensor._data).xp.zeros_like(tensor._data))
        elif not isinstance(result, Tensor):
            result = Tensor._make(result)
        results.append(result)
    return tuple(results)


def run(roots, root_grads, retain_graph, create_graph, targets=None, accumulate=True, op="backward"):
    """Send each root's gradient back through the graph; return the gradients reaching `targets`.

    `targets` maps edges to tensors (backward's `inputs=`, grad's `inputs`): only the nodes on a
    path to one of them run. `accumulate` stores gradients in `.grad` (backward) or only returns
    them (grad).
    """
    if len(root_grads) != len(roots):
        raise RuntimeError(f"{op}: got {len(root_grads)} gradients for {len(roots)} tensors; give one per tensor")
    gradients = {}
    root_nodes = []
    for index, (root, gradient) in enumerate(zip(roots, root_grads)):
        if not isinstance(root, Tensor) or not root._requires_grad:
            raise RuntimeError(
                f"{op}: element {index} of the tensors does not require grad and has no grad_fn; make its "
                "inputs with requires_grad=True (and call backward outside no_grad())"
            )
        node, output_nr = edge_of(root)
        _add_gradient(gradients, node, output_nr, _root_gradient(root, gradient, create_graph))
        root_nodes.append(node)
    # Plain backward (no create_graph, no targets): a leaf's gradients go straight into its .grad as
    # they arrive, unless a hook on the leaf must see their sum first (then its AccumulateGrad runs).
    leaves_directly = targets is None and not create_graph
    pending_edges = _count_incoming_edges(root_nodes, leaves_directly)
    target_nodes = None if targets is None else {node for node, _ in targets}
    to_run = None if targets is None else _nodes_leading_to(target_nodes, root_nodes)
    captured = {}
    previous_mode, grad_mode._enabled = grad_mode._enabled, create_graph  # the backward's own ops: recorded or not
    try:
        ready = [node for node in dict.fromkeys(root_nodes) if pending_edges[node] == 0]
        while ready:
            node = ready.pop()
            node_gradients = gradients.pop(node, None)
            if type(node) is AccumulateGrad:
                _arrive_at_leaf(node, node_gradients, targets, captured, accumulate, create_graph)
                continue
            if node_gradients is not None and (node._watched or target_nodes):
                node_gradients = _arrive_at_node(node, node_gradients, targets, captured, accumulate, create_graph)
            edges = node._edges
            runs = node_gradients is not None and (to_run is None or node in to_run)
            if not runs:  # nothing flowed into this node, or nothing it leads to is wanted: its inputs get nothing
                input_grads = (None,) * len(edges)
            elif create_graph or type(node) is not Context:
                input_grads = node.function.run_backward(node, node_gradients, create_graph)
            else:  # an ArrayFunction on arrays, the common case, called directly
                input_grads = node.function.backward(node, node_gradients)
                if type(input_grads) is not tuple:
                    input_grads = (input_grads,)
            if len(input_grads) != len(edges):
                raise RuntimeError(
                    f"{node.function.__name__}.backward returned {len(input_grads)} gradients, but forward took "
                    f"{len(edges)} arguments: return one per argument (None for non-tensors)"
                )
            for index, edge in enumerate(edges):
                if not edge:
                    continue
                parent = edge[0]
                input_grad = input_grads[index]
                if leaves_directly and type(parent) is AccumulateGrad and not parent._watched:
                    leaf = parent._variable()  # parent.variable without the property's call
                    if input_grad is not None and leaf is not None:  # accumulate_into(leaf, gradient), inline
                        input_grad = _checked_gradient(node, index, input_grad, False)
                        if leaf.grad is None:
                            leaf.grad = Tensor._make(input_grad.copy())
                        else:
                            leaf.grad._data = _sum(leaf.grad._data, input_grad)
                    continue
                if input_grad is not None:
                    input_grad = _checked_gradient(node, index, input_grad, create_graph)
                    if parent.num_outputs == 1 and parent not in gradients:  # the usual case, inline
                        gradients[parent] = input_grad
                    else:
                        _add_gradient(gradients, parent, edge[1], input_grad)
                pending = pending_edges[parent] - 1
                pending_edges[parent] = pending
                if not pending:
                    ready.append(parent)
            if runs and not retain_graph:
                node.release()
    finally:
        grad_mode._enabled = previous_mode
    return captured


def _arrive_at_leaf(node, gradient, targets, captured, accumulate, create_graph):
    """A leaf's gradient is complete: run its hooks, then store it in .grad and/or hand it to grad()."""
    leaf = node.variable
    if gradient is None or leaf is None:  # nothing arrived, or nobody holds the leaf any more
        return
    gradient = _run_hooks(leaf._hooks, gradient, create_graph)
    if targets is not None and (node, 0) in targets:
        captured[(node, 0)] = gradient
    elif targets is not None:
        return
    if accumulate:
        accumulate_into(leaf, gradient, create_graph)


def _arrive_at_node(node, node_gradients, targets, captured, accumulate, create_graph):
    """Before a node runs, its output tensors' hooks may change their gradients; retained and wanted ones are kept."""
    several = node.num_outputs > 1
    slots = list(node_gradients) if several else [node_gradients]
    for output_nr, gradient in enumerate(slots):
        if gradient is None:
            continue
        if node._hooks and output_nr in node._hooks:
            gradient = slots[output_nr] = _run_hooks(node._hooks[output_nr], gradient, create_graph)
        if accumulate and node._retained_outputs and output_nr in node._retained_outputs:
            retained = node._retained_outputs[output_nr]()
            if retained is not None:
                accumulate_into(retained, gradient, create_graph)
        if targets is not None and (node, output_nr) in targets:
            captured[(node, output_nr)] = gradient
            if accumulate:
                accumulate_into(targets[(node, output_nr)], gradient, create_graph)
    return slots if several else slots[0]


def _run_hooks(hooks, gradient, create_graph):
    """Each hook sees the gradient as a Tensor and may return a replacement (PyTorch's register_hook)."""
    if not hooks:
        return gradient
    as_tensor = gradient if create_graph else Tensor._make(gradient)
    for hook in list(hooks):
        replaced = hook(as_tensor)
        if replaced is not None:
            if not isinstance(replaced, Tensor) or replaced.shape != as_tensor.shape:
                raise RuntimeError(
                    f"register_hook: a hook returned {_what(replaced)} for a gradient of shape "
                    f"{tuple(as_tensor.shape)}; return None or a Tensor of the same shape"
                )
            as_tensor = replaced
    return as_tensor if create_graph else as_tensor._data


def accumulate_into(tensor, gradient, create_graph):
    """tensor.grad += gradient. The first gradient is copied (cloned, in a graph) so no two `.grad` share memory."""
    if create_graph:
        tensor.grad = gradient.clone() if tensor.grad is None else tensor.grad + gradient
    elif tensor.grad is None:
        tensor.grad = Tensor._make(gradient.copy())
    else:
        tensor.grad._data = _sum(tensor.grad._data, gradient)


def _add_gradient(gradients, node, output_nr, gradient):
    """Sum gradients arriving for the same output of a node (a tensor used several times)."""
    if node.num_outputs == 1:
        previous = gradients.get(node)
        gradients[node] = gradient if previous is None else _sum(previous, gradient)
        return
    slots = gradients.get(node)
    if slots is None:
        slots = gradients[node] = [None] * node.num_outputs
    slots[output_nr] = gradient if slots[output_nr] is None else _sum(slots[output_nr], gradient)


def _sum(previous, gradient):
    total = previous + gradient
    return total if type(total) is type(previous) else backend_of(previous).xp.asarray(total)  # 0-d: no scalars


def _count_incoming_edges(root_nodes, leaves_directly):
    """How many graph edges lead into each node reachable from the roots (iterative DFS); leaves the
    engine fills directly are not counted."""
    counts = dict.fromkeys(root_nodes, 0)
    stack = list(counts)
    while stack:
        node = stack.pop()
        if node._released:
            raise RuntimeError(SECOND_BACKWARD)
        for edge in node._edges:
            if not edge:
                continue
            parent = edge[0]
            if parent in counts:
                counts[parent] += 1
            elif leaves_directly and type(parent) is AccumulateGrad and not parent._watched:
                continue
            else:
                counts[parent] = 1
                stack.append(parent)
    return counts


def _nodes_leading_to(target_nodes, root_nodes):
    """The nodes with a path to a target node below them: the ones that must run (post-order DFS)."""
    leads = set()
    visited = set()
    stack = [(node, False) for node in root_nodes]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            if any(parent in target_nodes or parent in leads for parent, _ in node.next_functions):
                leads.add(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        stack.extend(
            (parent, False) for parent, _ in node.next_functions if parent is not None and parent not in visited
        )
    return leads


def _root_gradient(root, gradient, create_graph):
    """The seed d(root)/d(root): ones for a scalar, else the gradient given (checked, in root's dtype)."""
    if gradient is None:
        if root._data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for scalar outputs, but this tensor has "
                f"shape {tuple(root.shape)}; pass gradient=<tensor of that shape> or reduce it first (e.g. .sum())"
            )
        seed = backend_of(root._data).xp.ones_like(root._data)
        return Tensor._make(seed) if create_graph else seed
    if isinstance(gradient, Tensor):
        if gradient.shape != root.shape:
            raise RuntimeError(
                f"backward: gradient has shape {tuple(gradient.shape)} but the tensor has shape {tuple(root.shape)}; "
                "they must match"
            )
        if create_graph:
            return gradient._to_dtype(root.dtype)
        gradient = gradient._data
    xp = backend_of(root._data).xp
    data = xp.asarray(gradient, dtype=root._data.dtype)
    if data.shape != root._data.shape:
        raise RuntimeError(
            f"backward: gradient has shape {tuple(data.shape)} but the tensor has shape {tuple(root.shape)}; "
            "they must match"
        )
    return Tensor._make(data) if create_graph else data


def _checked_gradient(node, index, grad, create_graph):
    """The engine's contract with every backward: one gradient of its input's shape and dtype."""
    expected = node._args[index]._data
    if type(grad) is type(expected):  # an array, the common case
        if grad.shape != expected.shape:
            _raise_wrong_shape(node, index, grad.shape, expected.shape)
        if grad.dtype != expected.dtype:
            grad = grad.astype(expected.dtype)
        return Tensor._make(grad) if create_graph else grad  # a constant, in a recorded backward
    if isinstance(grad, Tensor):
        if grad.shape != expected.shape:
            _raise_wrong_shape(node, index, grad.shape, expected.shape)
        return grad if grad._data.dtype == expected.dtype else grad._to_dtype(dtypes.from_numpy_dtype(expected.dtype))
    if type(grad) is not type(expected):  # numpy turns 0-d results into scalars
        grad = backend_of(expected).xp.asarray(grad)
    if grad.shape != expected.shape:
        _raise_wrong_shape(node, index, grad.shape, expected.shape)
    if grad.dtype != expected.dtype:
        grad = grad.astype(expected.dtype)
    return Tensor._make(grad) if create_graph else grad  # a constant, in a recorded backward


def _raise_wrong_shape(node, index, got, expected):
    raise RuntimeError(
        f"{node.function.__name__}.backward returned a gradient of shape {tuple(got)} for input {index} of "
        f"shape {tuple(expected)}; sum broadcast gradients back with unbroadcast()"
    )


def _target_edge(tensor, op):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: inputs must be Tensors, got {type(tensor).__name__}")
    if not tensor._requires_grad:
        raise RuntimeError(f"{op}: one of the inputs (shape {tuple(tensor.shape)}) does not require grad")
    return edge_of(tensor)


def _as_tuple(values):
    if isinstance(values, Tensor) or values is None:
        return (values,)
    return tuple(values)


def _what(value):
    return f"shape {tuple(value.shape)}" if isinstance(value, Tensor) else type(value).__name__
