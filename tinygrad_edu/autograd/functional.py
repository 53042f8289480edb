"""Derivatives of a whole function at a point, as `torch.autograd.functional`: vjp, jvp, jacobian, hessian, hvp, vhp.

Each takes `func` (Tensors in, a Tensor or a tuple of Tensors out) and `inputs` (a Tensor or a
tuple); results mirror that structure. They are all built from `grad`, i.e. from vector-Jacobian
products: J^T v is one backward pass. A Jacobian-vector product J v comes from two of them (the
"double-vjp trick"): g(u) = J^T u is linear in u, with d/du [(J^T u) . v] = J v, so one more
backward of the first one's result gives it. A Hessian is the Jacobian of the gradient, so it
needs create_graph.

    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.autograd.functional import hessian
    >>> hessian(lambda x: (x ** 3).sum(), tg.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
"""

from .. import grad_mode
from ..creation import ones_like, zeros_like
from ..errors import ArgumentError
from ..joining import stack
from ..tensor import Tensor
from .engine import grad


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product, one backward pass (`v` optional for a scalar output)."""
    with grad_mode.enable_grad():
        inputs, single_input = _prepare(inputs, create_graph, "vjp")
        outputs, single_output = _as_outputs(func(*inputs), "vjp")
        v = _vectors(v, outputs, "v", "vjp", needs_scalar_default=True)
        grads = _grad(outputs, inputs, v, create_graph, strict, "vjp")
    return _finish(outputs, single_output, create_graph), _finish(grads, single_input, create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by two backward passes (the double-vjp trick)."""
    with grad_mode.enable_grad():
        inputs, single_input = _prepare(inputs, create_graph, "jvp")
        outputs, single_output = _as_outputs(func(*inputs), "jvp")
        v = _vectors(v, inputs, "v", "jvp", needs_scalar_default=True)
        dummies = tuple(zeros_like(output).requires_grad_() for output in outputs)  # u in J^T u
        vjps = _grad(outputs, inputs, dummies, True, strict, "jvp")
        jvps = _grad(vjps, dummies, v, create_graph, strict, "jvp")
    return _finish(outputs, single_output, create_graph), _finish(jvps, single_output, create_graph)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d func / d inputs, of shape output.shape + input.shape (one per output and input when there are several).

    reverse-mode: one backward pass per output element; forward-mode: one jvp per input element.
    `vectorize` is accepted for PyTorch's signature; the passes run one after the other either way.
    """
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ArgumentError(f"jacobian: strategy must be 'reverse-mode' or 'forward-mode', got {strategy!r}")
    with grad_mode.enable_grad():
        inputs, single_input = _prepare(inputs, create_graph, "jacobian")
        outputs, single_output = _as_outputs(func(*inputs), "jacobian")
        if strategy == "reverse-mode":
            rows = [[[] for _ in inputs] for _ in outputs]  # rows[i][j]: d output_i[k] / d input_j, one per k
            for i, output in enumerate(outputs):
                flat = output.reshape(-1)
                for k in range(flat.shape[0]):
                    grads = _grad((flat[k],), inputs, None, create_graph, strict, "jacobian", retain_graph=True)
                    for j, gradient in enumerate(grads):
                        rows[i][j].append(gradient)
            blocks = [
                [_stacked(rows[i][j], output.shape, inputs[j].shape, inputs[j]) for j in range(len(inputs))]
                for i, output in enumerate(outputs)
            ]
        else:
            columns = [[[] for _ in inputs] for _ in outputs]  # columns[i][j]: d output_i / d input_j[k], one per k
            for j, tensor in enumerate(inputs):
                for k in range(tensor.numel()):
                    basis = [zeros_like(other) for other in inputs]
                    basis[j].reshape(-1)[k] = 1
                    _, directional = jvp(func, tuple(inputs), tuple(basis), create_graph, strict)
                    directional = (directional,) if isinstance(directional, Tensor) else directional
                    for i, column in enumerate(directional):
                        columns[i][j].append(column.reshape(-1))
            blocks = [
                [_moved_last(columns[i][j], output, inputs[j]) for j in range(len(inputs))]
                for i, output in enumerate(outputs)
            ]
    blocks = [tuple(_finish(row, False, create_graph)) for row in blocks]
    if single_output:
        blocks = blocks[0]
        return blocks[0] if single_input else tuple(blocks)
    return tuple(row[0] for row in blocks) if single_input else tuple(blocks)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """d^2 func / d inputs^2 for a func with a single-element output: the Jacobian of its gradient."""

    def gradient(*points):
        output = func(*points)
        if not isinstance(output, Tensor) or output.numel() != 1:
            raise RuntimeError("hessian: func must return a Tensor with a single element")
        return jacobian(lambda *xs: func(*xs).reshape(()), points, create_graph=True, strict=strict)

    _, single_input = _as_tuple(inputs)
    result = jacobian(gradient, inputs, create_graph, strict, vectorize, outer_jacobian_strategy)
    return result[0] if single_input else result  # the gradient is a tuple (one per input): one row per input


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a func with a single-element output: the vjp of its gradient."""
    with grad_mode.enable_grad():
        inputs, single_input = _prepare(inputs, create_graph, "vhp")
        outputs, single_output = _as_outputs(func(*inputs), "vhp")
        _check_scalar(outputs, "vhp")
        v = _vectors(v, inputs, "v", "vhp", needs_scalar_default=True)
        first = _grad(outputs, inputs, None, True, strict, "vhp")
        result = _grad(first, inputs, v, create_graph, strict, "vhp")
    return _finish(outputs, single_output, create_graph), _finish(result, single_input, create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a func with a single-element output, by the double-vjp trick on its gradient."""
    with grad_mode.enable_grad():
        inputs, single_input = _prepare(inputs, create_graph, "hvp")
        outputs, single_output = _as_outputs(func(*inputs), "hvp")
        _check_scalar(outputs, "hvp")
        v = _vectors(v, inputs, "v", "hvp", needs_scalar_default=True)
        first = _grad(outputs, inputs, None, True, strict, "hvp")
        dummies = tuple(zeros_like(tensor).requires_grad_() for tensor in inputs)
        double = _grad(first, inputs, dummies, True, strict, "hvp")
        result = _grad(double, dummies, v, create_graph, strict, "hvp")
    return _finish(outputs, single_output, create_graph), _finish(result, single_input, create_graph)


def _as_tuple(values):
    if isinstance(values, (tuple, list)):
        return tuple(values), False
    return (values,), True


def _prepare(inputs, create_graph, op):
    """The inputs as a tuple of tensors that require grad; detached unless the result must stay in the graph."""
    inputs, single = _as_tuple(inputs)
    for index, tensor in enumerate(inputs):
        if not isinstance(tensor, Tensor):
            raise TypeError(
                f"{op}: inputs must be Tensors (or a tuple of them), got {type(tensor).__name__} at {index}"
            )
    prepared = []
    for tensor in inputs:
        if create_graph and tensor.requires_grad:
            prepared.append(tensor.view_as(tensor) if tensor.grad_fn is None else tensor)
        else:
            prepared.append(tensor.detach().requires_grad_(tensor.is_floating_point()))
    return tuple(prepared), single


def _as_outputs(outputs, op):
    outputs, single = _as_tuple(outputs)
    for index, output in enumerate(outputs):
        if not isinstance(output, Tensor):
            raise TypeError(
                f"{op}: func must return a Tensor or a tuple of Tensors, got {type(output).__name__} at {index}"
            )
    return outputs, single


def _vectors(v, like, name, op, needs_scalar_default):
    """The user's v as a tuple matching `like`; None means ones for single-element tensors."""
    if v is None:
        if needs_scalar_default and any(tensor.numel() != 1 for tensor in like):
            raise RuntimeError(f"{op}: {name} can be left out only when every tensor it pairs with has one element")
        return tuple(ones_like(tensor) for tensor in like)
    v, _ = _as_tuple(v)
    if len(v) != len(like) or any(a.shape != b.shape for a, b in zip(v, like)):
        raise RuntimeError(
            f"{op}: {name} has shapes {[tuple(t.shape) for t in v]}, expected {[tuple(t.shape) for t in like]}"
        )
    return v


def _check_scalar(outputs, op):
    if len(outputs) != 1 or outputs[0].numel() != 1:
        raise RuntimeError(f"{op}: func must return a single Tensor with a single element")


def _grad(outputs, inputs, grad_outputs, create_graph, strict, op, retain_graph=None):
    """grad(), with the gradient of an input the outputs don't depend on as zeros (an error if strict)."""
    usable = [(output, g) for output, g in zip(outputs, grad_outputs or (None,) * len(outputs)) if output.requires_grad]
    if not usable:
        if strict:
            raise RuntimeError(f"{op}: the outputs don't depend on the inputs (strict=True)")
        return tuple(zeros_like(tensor) for tensor in inputs)
    grads = grad(
        [output for output, _ in usable], inputs, [g for _, g in usable], create_graph=create_graph,
        retain_graph=True if retain_graph is None else retain_graph, allow_unused=True,
    )  # fmt: skip
    if strict and any(gradient is None for gradient in grads):
        raise RuntimeError(f"{op}: an output doesn't depend on one of the inputs (strict=True)")
    return tuple(zeros_like(tensor) if gradient is None else gradient for gradient, tensor in zip(grads, inputs))


def _stacked(rows, output_shape, input_shape, like):
    if not rows:
        return zeros_like(like).reshape(*output_shape, *input_shape)
    return stack(rows).reshape(*output_shape, *input_shape)


def _moved_last(columns, output, tensor):
    """Columns d output / d input[k] stacked into output.shape + input.shape."""
    if not columns:
        return zeros_like(output).reshape(-1, 0).reshape(*output.shape, *tensor.shape)
    return stack(columns, 1).reshape(*output.shape, *tensor.shape)


def _finish(tensors, single, create_graph):
    """Detach results unless they should stay in the graph; one tensor back for a single input or output."""
    tensors = tuple(tensor if create_graph else tensor.detach() for tensor in tensors)
    return tensors[0] if single else tensors
