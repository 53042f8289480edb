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

NO_EDGE = (None, 0)  # next_functions' entry for a tensor input that needs no gradient (None in _edges)
NOT_A_TENSOR = ()  # _edges' entry for an argument that is not a tensor (a dim, a shape): both are falsy
OUTPUT = -1  # "this saved array is the op's output", in place of an input's index


class VersionCounter:
    """How many times a tensor's memory was changed in place; views of one array share one counter.

    `ALL_CHANGES` (one more counter) counts the in-place changes of all tensors. A node notes it when its
    forward saves: if it is the same at backward time, nothing saved can have changed (the common
    case: optimizer step, forward, backward) and nothing needs checking. Otherwise the counter's
    last change tells whether it came after the save, and so the version the tensor had then
    (exactly, for one change since: the usual mistake; past that, the version before the last one).
    """

    value = 0  # class-level defaults: a new counter costs no __init__
    changed_at = -1  # ALL_CHANGES.value just before this counter's last change

    def bump(self):
        self.changed_at = ALL_CHANGES.value
        self.value += 1
        ALL_CHANGES.value += 1

    def value_at(self, changes):
        """The version when `changes` in-place changes had happened in all."""
        return self.value - 1 if self.changed_at >= changes else self.value


# An instance, not a class attribute: changing a class attribute would slow every lookup on the class.
ALL_CHANGES = VersionCounter()


class RemovableHandle:
    """What `register_hook` returns: `handle.remove()` takes the hook off again."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class Context:
    """One recorded op call: the `ctx` its forward and backward share, and a node of the graph.

    `_edges` has one entry per forward argument, so backward's gradients line up with them: the
    edge, or None for a tensor that needs no gradient, or NOT_A_TENSOR; `next_functions` shows the
    tensor inputs' edges only, as PyTorch's does.
    `create_graph` is True while backward runs with Tensors, recording the gradient's own graph.
    """

    create_graph = False
    num_outputs = 1
    # Defaults as class attributes: a node is made for every op call, so its __init__ stays short.
    needs_input_grad = _edges = _saved = ()
    _saved_sources = _output_array = _output_counter = None  # for saved_sources and check_versions
    _changes_at_save = 0
    _released = False
    _retained_outputs = None  # {output_nr: weakref to a tensor that called retain_grad()}
    _hooks = None  # {output_nr: [hooks registered on that output tensor]}
    _watched = False  # True once either of the two above is set: the engine's one check

    def __init__(self, function):
        self.function = function
        self._args = None  # forward's arguments, set when the call is recorded

    @property
    def inputs(self):
        """Forward's tensor arguments that need a gradient (None elsewhere); None once backward freed the node."""
        if self._args is None:
            return None
        return tuple(arg if needed else None for arg, needed in zip(self._args, self.needs_input_grad))

    @property
    def next_functions(self):
        return tuple(NO_EDGE if edge is None else edge for edge in self._edges if edge is not NOT_A_TENSOR)

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
        saved = self._saved
        if saved is None:
            raise RuntimeError(SECOND_BACKWARD)
        if self._changes_at_save != ALL_CHANGES.value:
            check_versions(self)
        return self.function.saved_for_graph(self) if self.create_graph else saved

    @property
    def saved_arrays(self):
        """What forward saved, as arrays even while backward records (for masks and indices in a graph branch)."""
        if self._released:
            raise RuntimeError(SECOND_BACKWARD)
        return self._saved

    def input_in_graph(self, index):
        """Forward's input `index` as a Tensor with its history, for a backward that records."""
        from .array_function import tensor_of_edge

        return tensor_of_edge(self._args[index]._data, self._edges[index])

    def release(self):
        """Free what forward saved, as PyTorch does after a backward pass (the edges stay, for inspection)."""
        self._saved = self._args = self._output_array = None
        self._released = True

    # ----- hooks and retained gradients on this node's outputs --------------------------------

    def add_hook(self, output_nr, hook):
        if self._hooks is None:
            self._hooks = {}
        self._watched = True
        hooks = self._hooks.setdefault(output_nr, [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def retain_output(self, output_nr, tensor):
        if self._retained_outputs is None:
            self._retained_outputs = {}
        self._watched = True
        self._retained_outputs[output_nr] = weakref.ref(tensor)


class AccumulateGrad:
    """The node of a leaf that requires grad: running it adds the incoming gradient to `variable.grad`.

    The leaf keeps its edge to this node (`tensor._leaf_edge`, made once); the node links back weakly,
    so neither keeps the other in a reference cycle. A leaf nobody holds any more gets no gradient.
    """

    next_functions = _edges = ()
    num_outputs = 1
    _released = False
    _hooks = _retained_outputs = None
    _watched = False  # True once the leaf has a hook: the engine then runs this node, not filling .grad itself

    def __init__(self, variable):
        self._variable = weakref.ref(variable)

    @property
    def variable(self):
        return self._variable()

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"


def edge_of(tensor):
    """The edge to the node that gives `tensor` its gradient: its grad_fn, or its leaf's AccumulateGrad."""
    if tensor.grad_fn is not None:
        return (tensor.grad_fn, tensor._output_nr)
    if tensor._leaf_edge is None:
        tensor._leaf_edge = (AccumulateGrad(tensor), 0)
    return tensor._leaf_edge


def saved_sources(ctx):
    """For each saved array: the index of the input it is, OUTPUT, or None (an intermediate)."""
    if ctx._saved_sources is None:
        sources = []
        for value in ctx._saved:
            source = None
            if value is ctx._output_array and value is not None:
                source = OUTPUT
            elif value is not None:
                source = next((i for i, arg in enumerate(ctx._args) if getattr(arg, "_data", None) is value), None)
            sources.append(source)
        ctx._saved_sources = sources
    return ctx._saved_sources


def check_versions(ctx):
    """PyTorch's error when a tensor that backward needs was changed in place after forward saved it."""
    for value, source in zip(ctx._saved, saved_sources(ctx)):
        if source is None:
            continue
        counter = ctx._output_counter if source == OUTPUT else ctx._args[source]._version_counter
        if counter is None:
            continue
        expected = counter.value_at(ctx._changes_at_save)
        if counter.value != expected:
            if source == OUTPUT:
                made_by = f"output 0 of {ctx.name()}"
            else:
                node = ctx._edges[source][0] if ctx._edges and ctx._edges[source] else None
                made_by = "a leaf" if node is None or isinstance(node, AccumulateGrad) else f"output of {node.name()}"
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: [{_describe(value)}], which is {made_by}, is at version {counter.value}; expected "
                f"version {expected} instead. Hint: the tensor was changed in place after {ctx.name()} saved it; "
                "change a .clone() of it instead, or do the in-place change before it is used"
            )


def _describe(array):
    from .tensor import Tensor
    from .tensor_types import type_name

    return f"{type_name(Tensor._make(array))} {list(array.shape)}"
