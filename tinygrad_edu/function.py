"""`Function`: the one pattern every differentiable op follows, built-in or written by a user.

    class Exp(Function):
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

As in torch.autograd.Function, except that `forward` and `backward` see raw arrays rather than
Tensors: an op is exactly where autograd stops and plain array math begins. Public functions check
their arguments before calling `apply`; `forward` may assume valid inputs. `backward` returns one
gradient per `forward` argument (None for non-tensors or inputs that need none) and must not
modify `grad_output` in place.
"""

import numpy as np

from . import grad_mode
from .backend import backend_of
from .errors import SECOND_BACKWARD, device_mismatch


class Context:
    """What `forward` leaves for `backward`; once the call is recorded it is the output's `grad_fn`.

    `inputs` holds the input Tensors that need a gradient (None elsewhere): these are the edges
    of the graph that `backward()` walks. They and the saved arrays are released after backward.
    """

    def __init__(self, function):
        self.function = function
        self.inputs = ()
        self.needs_input_grad = ()
        self._saved = ()
        self._retained_output = None

    def save_for_backward(self, *arrays):
        """Keep arrays that `backward` needs (inputs or the output) until the graph is released."""
        self._saved = arrays

    @property
    def saved_tensors(self):
        if self._saved is None:
            raise RuntimeError(SECOND_BACKWARD)
        return self._saved

    def name(self):
        return f"{self.function.__name__}Backward"

    def release(self):
        """Free the saved arrays and the edges, as PyTorch does after a backward pass."""
        self._saved = None
        self.inputs = None

    def __repr__(self):
        return f"<{self.name()}>"


class Function:
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
            output = _check_output(cls, output, array_type)
        result = Tensor._make(output)
        if grad_mode._enabled and True in needs_input_grad:
            ctx.inputs = tuple(arg if needed else None for arg, needed in zip(args, needs_input_grad))
            result._requires_grad = True
            result.grad_fn = ctx
        return result


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
