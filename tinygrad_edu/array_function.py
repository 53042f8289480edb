"""`ArrayFunction`: the pattern every built-in op follows, forward and backward side by side, on arrays.

    class Exp(ArrayFunction):
        @staticmethod
        def forward(ctx, x):                  # x is a numpy (or CuPy) array
            out = get_array_module(x).exp(x)
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, grad_output):       # d(loss)/d(out), same shape as out
            (out,) = ctx.saved_tensors
            return grad_output * out          # d(loss)/dx

    y = Exp.apply(x)                          # x, y are Tensors; y.grad_fn is the ctx

PyTorch's `torch.autograd.Function` hands its forward and backward Tensors; so does
`tinygrad_edu.autograd.Function`. An ArrayFunction hands them raw arrays: an op is exactly where
autograd stops and plain array math begins, and nothing inside it is recorded, which keeps it fast.

Gradients of gradients (`backward(create_graph=True)`) call the same `backward` with Tensors:
`grad_output`, and `saved_tensors` as the Tensors the arrays came from (an input or the output, with
their history; anything else as a constant), with recording on, so the gradient is a graph too. A
backward written with operators and `xp = get_array_module(x)` (for a Tensor, a namespace of Tensor
ops with numpy's names) works at every order; one that needs array-only tools (writes into an array,
strided views, scatter) branches on `ctx.create_graph` and says the gradient with other ops there.

`backward` returns one gradient per `forward` argument (None for non-tensors or inputs that need
none) and must not modify `grad_output` in place. Public functions check their arguments before
calling `apply`; `forward` may assume valid inputs.
"""

import numpy as np

from . import grad_mode
from .backend import backend_of, is_array
from .errors import device_mismatch
from .graph import ALL_CHANGES, NOT_A_TENSOR, OUTPUT, AccumulateGrad, Context, edge_of, saved_sources


class ArrayFunction:
    """Subclass with static `forward(ctx, *args)` and `backward(ctx, grad_output)`; call `apply`."""

    moves_data = False  # True only for ops whose output lives on another device than their input

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError(f"{ctx.function.__name__} must define a static forward(ctx, *args)")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError(f"{ctx.function.__name__} must define a static backward(ctx, grad_output)")

    @classmethod
    def apply(cls, *args):
        """Run forward on the arrays inside the Tensor arguments and, if any needs a gradient,
        record the call in the graph. Non-Tensor arguments (dims, shapes, scalars) pass through."""
        ctx = Context(cls)
        arrays = []
        needs_input_grad = []
        array_type = None
        for arg in args:
            if isinstance(arg, Tensor):
                array = arg._data
                if array_type is None:
                    array_type, first_array = type(array), array
                elif type(array) is not array_type or (
                    array_type is not np.ndarray and _on_other_device(array, first_array)
                ):
                    _raise_device_mismatch(cls, args)
                arrays.append(array)
                needs_input_grad.append(arg._requires_grad)
            else:
                arrays.append(arg)
                needs_input_grad.append(False)
        ctx.needs_input_grad = needs_input_grad = tuple(needs_input_grad)
        try:
            output = cls.forward(ctx, *arrays)
        except (ValueError, TypeError, IndexError) as error:
            raise type(error)(f"{cls.__name__}: {error} (inputs: {_describe(args)})") from error
        if type(output) is not array_type:
            returned, output = output, _check_output(cls, output, array_type)
            if ctx._saved and returned is not output:  # a 0-d result saved as numpy's scalar: save the array
                ctx._saved = tuple(output if value is returned else value for value in ctx._saved)
        result = Tensor._make(output)
        base = getattr(output, "base", None)
        if base is not None:  # the output is a view (reshape, slice, ...): in-place changes show in both
            _share_version_with_base(result, args, base)
        if grad_mode._enabled and True in needs_input_grad:
            ctx._args = args
            ctx._edges = [
                ((arg.grad_fn, arg._output_nr) if arg.grad_fn is not None else (arg._leaf_edge or edge_of(arg)))
                if needed
                else (None if isinstance(arg, Tensor) else NOT_A_TENSOR)
                for arg, needed in zip(args, needs_input_grad)
            ]
            result._requires_grad = True
            result.grad_fn = ctx
            if ctx._saved:
                # For graph.check_versions and saved_sources, which work the rest out when they are needed:
                # the count of in-place changes so far, and the output's counter if the output is saved
                # (not the output Tensor itself: it points back at its grad_fn, which would be a cycle).
                ctx._changes_at_save = ALL_CHANGES.value
                for value in ctx._saved:
                    if value is output:
                        ctx._output_array, ctx._output_counter = output, result._counter()
                        break
        return result

    @classmethod
    def run_backward(cls, ctx, grad_output, create_graph):
        """What the engine calls: `backward` on arrays, or on Tensors while it records (create_graph)."""
        if not create_graph:
            grads = cls.backward(ctx, grad_output)
        else:
            ctx.create_graph = True
            try:
                grads = cls.backward(ctx, grad_output)
            except (TypeError, AttributeError) as error:  # numpy-only code met a Tensor
                raise type(error)(
                    f"{cls.__name__}.backward failed on Tensors ({error}): with create_graph=True it is called with "
                    "Tensors, so write it with operators and xp = get_array_module(x), branch on ctx.create_graph, "
                    "or write the op as a tinygrad_edu.autograd.Function"
                ) from error
            finally:
                ctx.create_graph = False
        return grads if isinstance(grads, tuple) else (grads,)

    @staticmethod
    def saved_for_graph(ctx):
        """`saved_tensors` for a backward that records: each array as the Tensor it came from."""
        values = []
        for value, source in zip(ctx._saved, saved_sources(ctx)):
            if source == OUTPUT:
                values.append(tensor_of_edge(value, (ctx, 0)))
            elif source is not None:
                values.append(tensor_of_edge(value, ctx._edges[source]))
            else:  # an intermediate: a constant
                values.append(Tensor._make(value) if is_array(value) else value)
        return values


def tensor_of_edge(array, edge):
    """A Tensor of `array` whose gradient flows along `edge`: a leaf itself, a node's output, or a constant."""
    if not edge or edge[0] is None:  # an input that needs no gradient
        return Tensor._make(array)
    node, output_nr = edge
    if isinstance(node, AccumulateGrad):
        return node.variable
    tensor = Tensor._make(array)
    tensor.grad_fn, tensor._output_nr, tensor._requires_grad = node, output_nr, True
    return tensor


def _share_version_with_base(result, args, base):
    for arg in args:
        if isinstance(arg, Tensor) and (arg._data is base or getattr(arg._data, "base", None) is base):
            result._version_counter = arg._counter()
            if arg._requires_grad:
                result._view_of = arg
            return


def _check_output(function, output, array_type):
    """numpy reductions return numpy scalars: make them 0-d arrays. Anything else is a bug in forward."""
    if isinstance(output, np.generic) and array_type is np.ndarray:
        return np.asarray(output)
    if array_type is not None and isinstance(output, array_type):
        return output
    if function.moves_data:
        backend_of(output)  # any backend's array will do, since moving it was the point
        return output
    raise TypeError(
        f"{function.__name__}.forward returned {type(output).__name__}, expected an array of the same kind "
        f"as its inputs ({getattr(array_type, '__name__', 'none')}); return a single array"
    )


def _on_other_device(array, first_array):
    """GPU arrays of one type can still live on different GPUs (cuda:0, cuda:1)."""
    device_of = backend_of(array).device_of
    return device_of(array) != device_of(first_array)


def _describe(args):
    return ", ".join(
        f"shape {tuple(arg.shape)} {arg.dtype.name} on {arg.device}" if isinstance(arg, Tensor) else repr(arg)
        for arg in args
    )


def _raise_device_mismatch(function, args):
    devices = [backend_of(arg._data).device_of(arg._data) for arg in args if isinstance(arg, Tensor)]
    raise device_mismatch(function.__name__, devices)


from .tensor import Tensor  # noqa: E402  (tensor.py imports this module first)
