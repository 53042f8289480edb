"""The recorded graph: one node per op call, with edges to the nodes that made its inputs.

Every recorded call is a `Context` node, the `grad_fn` of its output. Its `next_functions` are the
edges backward follows, one per tensor input, as in PyTorch: `(node, output_nr)` names the node
that made the input (and which of its outputs it was), `AccumulateGrad` stands for a leaf that
requires grad (running it adds the gradient into the leaf's `.grad`), and `(None, 0)` for an input
that needs no gradient. Edges point at nodes, not tensors, so changing a tensor in place later
(which gives it a new `grad_fn`) leaves the history recorded before untouched.

A node also keeps what `forward` saved for `backward`, with the version of each saved tensor: an
in-place change after saving makes `saved_tensors` raise instead of giving a wrong gradient.
"""

import weakref

from .errors import SECOND_BACKWARD

NO_EDGE = (None, 0)  # the edge of a tensor input that needs no gradient
OUTPUT = -1  # "this saved array is the op's output", in place of an input's index


class VersionCounter:
    """How many times a tensor's memory was changed in place; views of one array share one counter."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


class RemovableHandle:
    """What `register_hook` returns: `handle.remove()` takes the hook off again."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class Context:
    """One recorded op call: the `ctx` its forward and backward share, and a node of the graph.

    `_edges` has one entry per forward argument (None for non-tensors), so backward's gradients line
    up with them; `next_functions` shows the tensor inputs' edges only, as PyTorch's does.
    `create_graph` is True while backward runs with Tensors, recording the gradient's own graph.
    """

    create_graph = False
    num_outputs = 1
    # Defaults as class attributes: a node is made for every op call, so its __init__ stays short.
    inputs = needs_input_grad = _edges = _saved = ()
    _saved_sources = _saved_versions = None
    _released = False
    _retained_outputs = None  # {output_nr: weakref to a tensor that called retain_grad()}
    _hooks = None  # {output_nr: [hooks registered on that output tensor]}

    def __init__(self, function):
        self.function = function

    @property
    def next_functions(self):
        return tuple(edge for edge in self._edges if edge is not None)

    def name(self):
        return f"{self.function.__name__}Backward"

    def __repr__(self):
        return f"<{self.name()}>"

    # ----- what forward saved -----------------------------------------------------------------

    def save_for_backward(self, *values):
        """Keep arrays (inputs, the output or intermediates) that `backward` needs, until backward frees them."""
        self._saved = values

    @property
    def saved_tensors(self):
        """What forward saved: arrays, or Tensors while backward records a graph (create_graph=True)."""
        if self._released:
            raise RuntimeError(SECOND_BACKWARD)
        if self._saved_versions is not None:
            check_versions(self)
        if self.create_graph:
            return self.function.saved_for_graph(self)
        return self._saved

    @property
    def saved_arrays(self):
        """What forward saved, as arrays even while backward records (for masks and indices in a graph branch)."""
        if self._released:
            raise RuntimeError(SECOND_BACKWARD)
        return self._saved

    def input_in_graph(self, index):
        """Forward's input `index` as a Tensor with its history, for a backward that records."""
        from .array_function import tensor_of_edge

        return tensor_of_edge(self.inputs[index]._data, self._edges[index])

    def release(self):
        """Free what forward saved, as PyTorch does after a backward pass (the edges stay, for inspection)."""
        self._saved = self._saved_versions = None
        self.inputs = None
        self._released = True

    # ----- hooks and retained gradients on this node's outputs --------------------------------

    def add_hook(self, output_nr, hook):
        if self._hooks is None:
            self._hooks = {}
        hooks = self._hooks.setdefault(output_nr, [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def retain_output(self, output_nr, tensor):
        if self._retained_outputs is None:
            self._retained_outputs = {}
        self._retained_outputs[output_nr] = weakref.ref(tensor)


class AccumulateGrad:
    """The node of a leaf that requires grad: running it adds the incoming gradient to `variable.grad`."""

    next_functions = _edges = ()
    num_outputs = 1
    _released = False
    _hooks = _retained_outputs = None

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"


def edge_of(tensor):
    """The edge to the node that gives `tensor` its gradient: its grad_fn, or its leaf's AccumulateGrad."""
    if tensor.grad_fn is not None:
        return (tensor.grad_fn, tensor._output_nr)
    accumulator = tensor._accumulator_ref() if tensor._accumulator_ref is not None else None
    if accumulator is None:  # one per leaf, kept alive by the graphs that use it (a weak link back, as PyTorch)
        accumulator = AccumulateGrad(tensor)
        tensor._accumulator_ref = weakref.ref(accumulator)
    return (accumulator, 0)


def record_saved_versions(ctx, args, output):
    """Note which tensor each saved array belongs to (an input's index, OUTPUT or None) and its version now.

    An input is noted as the Tensor itself (its version is read again at backward time); the output
    by its counter, since keeping the output Tensor in its own grad_fn would make a reference cycle.
    """
    output_array = output._data
    sources = []
    versions = []
    for value in ctx._saved:
        if value is None:
            sources.append(None)
        elif value is output_array:
            sources.append(OUTPUT)
            versions.append((output._counter(), 0, OUTPUT))
        else:
            source = None
            for index, arg in enumerate(args):
                if type(arg) is type(output) and arg._data is value:
                    source = index
                    counter = arg._version_counter
                    versions.append((arg, 0 if counter is None else counter.value, index))
                    break
            sources.append(source)
    ctx._saved_sources = sources
    ctx._saved_versions = versions or None


def check_versions(ctx):
    """PyTorch's error when a tensor that backward needs was changed in place after forward saved it."""
    for holder, version, source in ctx._saved_versions:
        counter = holder if type(holder) is VersionCounter else holder._version_counter
        current = 0 if counter is None else counter.value
        if current != version:
            array = ctx._saved[ctx._saved_sources.index(source)]
            if source == OUTPUT:
                made_by = f"output 0 of {ctx.name()}"
            else:
                node = ctx._edges[source][0]
                made_by = "a leaf" if node is None or isinstance(node, AccumulateGrad) else f"output of {node.name()}"
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: [{_describe(array)}], which is {made_by}, is at version {current}; expected "
                f"version {version} instead. Hint: the tensor was changed in place after {ctx.name()} saved it; "
                "change a .clone() of it instead, or do the in-place change before it is used"
            )


def _describe(array):
    from .tensor import Tensor
    from .tensor_types import type_name

    return f"{type_name(Tensor._make(array))} {list(array.shape)}"
