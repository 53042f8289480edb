"""`Function`: PyTorch's contract for a custom differentiable op, with Tensors in and Tensors out.

    class MyReLU(Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * (input > 0)

    y = MyReLU.apply(x)

`forward` runs with recording off, so whatever it computes becomes one node of the graph (the
outputs' `grad_fn`) and `backward` alone says how the gradient crosses it. `backward` runs on
Tensors; written with differentiable ops, it is recorded when the caller asks for
`create_graph=True`, so the Function can be differentiated twice. The built-in ops follow the same
pattern on raw arrays (`ArrayFunction`, array_function.py), which is faster.
"""

import functools

from .. import grad_mode
from ..errors import SECOND_BACKWARD
from ..graph import NOT_A_TENSOR, Context, edge_of
from ..ops.broadcasting import broadcast_shapes, unbroadcast
from ..tensor import Tensor


class FunctionCtx(Context):
    """The `ctx` a Function's forward and backward share (and the node it records)."""

    def __init__(self, function):
        super().__init__(function)
        self.materialize_grads = True
        self._dirty = ()
        self._non_differentiable = ()
        self._outputs = ()  # (shape, dtype, device) of each output, for the zeros of a missing gradient

    def save_for_backward(self, *tensors):
        """Keep Tensors (inputs or outputs) or None for backward; an in-place change to them afterwards is caught."""
        for tensor in tensors:
            if tensor is not None and not isinstance(tensor, Tensor):
                raise TypeError(
                    f"save_for_backward: can only save Tensors or None, got {type(tensor).__name__}; keep other "
                    "values as attributes of ctx (ctx.scale = scale)"
                )
        self._saved = tensors

    def mark_dirty(self, *tensors):
        """Say that forward changed these inputs in place (and returns them)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        """Say that these outputs have no gradient (indices, masks): they won't require grad."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        """True (the default): backward gets zeros for outputs that received no gradient; False: None."""
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self):
        if self._released:
            raise RuntimeError(SECOND_BACKWARD)
        return tuple(_unpack(self, saved) for saved in self._saved)


class _SavedOutput:
    """Output k, saved without the output Tensor itself (which would point back at its grad_fn, a cycle)."""

    def __init__(self, array, output_nr, differentiable):
        self.array, self.output_nr, self.differentiable = array, output_nr, differentiable


class _SavedTensor:
    """A saved Tensor with its version at the end of forward."""

    def __init__(self, tensor):
        self.tensor, self.counter = tensor, tensor._counter()
        self.version = self.counter.value


def _unpack(ctx, saved):
    if saved is None:
        return None
    counter, version = (saved.counter, saved.version) if isinstance(saved, _SavedTensor) else (None, None)
    if counter is not None and counter.value != version:
        tensor = saved.tensor
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"[{tensor.type()} {list(tensor.shape)}] is at version {counter.value}; expected version {version} "
            f"instead. Hint: it was changed in place after {ctx.name()}'s forward saved it; change a .clone() of it"
        )
    if isinstance(saved, _SavedTensor):
        return saved.tensor
    output = Tensor._make(saved.array)
    if saved.differentiable:
        output.grad_fn, output._output_nr, output._requires_grad = ctx, saved.output_nr, True
    return output


class Function:
    """Subclass with static `forward(ctx, *args)` and `backward(ctx, *grad_outputs)`; call `apply`.

    As `torch.autograd.Function`. forward may instead take only the inputs and leave `ctx` to a
    static `setup_context(ctx, inputs, output)`, PyTorch's newer style.
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function must define a static forward(ctx, *args)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError  # not overridden: forward takes ctx itself

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(f"{ctx.function.__name__} must define a static backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward without recording; if an input requires grad, make the outputs one node of the graph."""
        ctx = FunctionCtx(cls)
        needs = tuple(isinstance(arg, Tensor) and arg._requires_grad for arg in args)
        ctx.needs_input_grad = needs
        records = grad_mode._enabled and True in needs
        if records:  # the edges first: forward may change an input in place (mark_dirty)
            ctx._args = args
            ctx._edges = tuple(
                edge_of(arg) if needed else (None if isinstance(arg, Tensor) else NOT_A_TENSOR)
                for arg, needed in zip(args, needs)
            )
        with grad_mode.no_grad():
            if cls.setup_context is not Function.setup_context:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        several = isinstance(outputs, tuple)
        outputs = outputs if several else (outputs,)
        if records:
            outputs = _record(ctx, args, outputs)
        return outputs if several else outputs[0]

    @classmethod
    def run_backward(cls, ctx, grad_outputs, create_graph):
        """What the engine calls: backward on Tensors, then its gradients checked against the inputs."""
        grad_outputs = grad_outputs if ctx.num_outputs > 1 else [grad_outputs]
        tensors = []
        for gradient, (shape, dtype, device) in zip(grad_outputs, ctx._outputs):
            if gradient is None:
                if ctx.materialize_grads and shape is not None:
                    gradient = _zeros(shape, dtype, device)
            elif not create_graph:
                gradient = Tensor._make(gradient)
            tensors.append(gradient)
        results = cls.backward(ctx, *tensors)
        results = results if isinstance(results, tuple) else (results,)
        expected = len(ctx._edges)
        if len(results) > expected and all(result is None for result in results[expected:]):
            results = results[:expected]
        if len(results) != expected:
            raise RuntimeError(
                f"{ctx.name()}: backward returned an incorrect number of gradients (expected {expected}, got "
                f"{len(results)}): return one per forward argument, None for non-tensors"
            )
        return tuple(
            _checked(ctx, index, result, create_graph) if ctx.needs_input_grad[index] and result is not None else None
            for index, result in enumerate(results)
        )


def _zeros(shape, dtype, device):
    from ..creation import zeros

    return zeros(shape, dtype=dtype, device=device)


def _record(ctx, args, outputs):
    """Make forward's outputs the outputs of ctx's node, and note what it saved."""
    ctx.num_outputs = len(outputs)
    results = []
    meta = []
    for output_nr, output in enumerate(outputs):
        if not isinstance(output, Tensor):
            results.append(output)
            meta.append((None, None, None))
            continue
        dirty = any(output is tensor for tensor in ctx._dirty)
        if dirty:
            if output.grad_fn is None and output._requires_grad:
                raise RuntimeError(
                    f"{ctx.name()}: a leaf Variable that requires grad is being used in an in-place operation "
                    "(forward marked it dirty); clone it before passing it in"
                )
            result = output
        elif any(output is arg for arg in args) or output.grad_fn is not None:
            result = Tensor._make(output._data)  # an input returned as it is: a new tensor sharing its memory
            result._version_counter = output._counter()
        else:
            result = output
        differentiable = result.is_floating_point() and not any(output is t for t in ctx._non_differentiable)
        result.grad_fn, result._output_nr, result._requires_grad = (
            (ctx, output_nr, True) if differentiable else (None, 0, False)
        )
        meta.append((result.shape, result.dtype, result.device))
        results.append(result)
    ctx._outputs = meta
    ctx._saved = tuple(_save(saved, outputs, results) for saved in ctx._saved)
    return tuple(results)


def _save(tensor, outputs, results):
    if tensor is None:
        return None
    for output_nr, (output, result) in enumerate(zip(outputs, results)):
        if tensor is output or tensor is result:
            return _SavedOutput(result._data, output_nr, result.grad_fn is not None)
    return _SavedTensor(tensor)


def _checked(ctx, index, gradient, create_graph):
    """A gradient for input `index`: a Tensor, summed back to the input's shape if it was broadcast (as PyTorch)."""
    if not isinstance(gradient, Tensor):
        raise TypeError(
            f"{ctx.name()}: backward must return Tensors (or None), got {type(gradient).__name__} for input {index}"
        )
    shape = ctx.inputs[index].shape
    if gradient.shape != shape:
        try:
            if broadcast_shapes(gradient.shape, shape) != gradient.shape:
                raise ValueError
        except ValueError:
            raise RuntimeError(
                f"{ctx.name()} returned an invalid gradient at index {index}: got shape {list(gradient.shape)} but "
                f"expected shape compatible with {list(shape)}"
            ) from None
        gradient = unbroadcast(gradient, shape)
    return gradient if create_graph else gradient._data


def once_differentiable(backward):
    """Decorate a Function's backward that can't be differentiated (it uses arrays, say), as PyTorch's.

    It then runs without recording, and differentiating its result again raises a clear error
    instead of giving a silently wrong second derivative.
    """

    @functools.wraps(backward)
    def wrapper(ctx, *grad_outputs):
        recording = grad_mode._enabled
        with grad_mode.no_grad():
            results = backward(ctx, *grad_outputs)
        if not recording:
            return results
        # Link each result to what it depends on, through a node whose backward is an error.
        links = [t for t in (*grad_outputs, *ctx.inputs) if isinstance(t, Tensor) and t._requires_grad]
        several = isinstance(results, tuple)
        results = tuple(
            _DifferentiatedTwice.apply(result, *links) if isinstance(result, Tensor) and links else result
            for result in (results if several else (results,))
        )
        return results if several else results[0]

    return wrapper


class _DifferentiatedTwice(Function):
    """Stands for a gradient made by a once_differentiable backward; its own backward is an error."""

    @staticmethod
    def forward(ctx, gradient, *links):
        return gradient.clone()

    @staticmethod
    def backward(ctx, grad_output):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")
