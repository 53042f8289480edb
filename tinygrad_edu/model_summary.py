"""`summary(model, input_size)`: every layer's output shape and parameter count, as Keras'
`model.summary()` and torchinfo's `summary` print them.

One forward pass on a batch of ones runs under `no_grad` with a forward hook on every module: the
pre-hook opens a row when a module starts (so a parent's row comes before its children's), the
forward hook fills in the output shape when it returns.

>>> import tinygrad_edu as tg
>>> model = tg.nn.Sequential(tg.nn.Linear(2, 3), tg.nn.ReLU(), tg.nn.Linear(3, 1))
>>> result = tg.summary(model, (64, 2))
>>> result.total_params, result.trainable_params
(13, 13)
>>> [row.output_shape for row in result.summary_list]
[[64, 1], [64, 3], [64, 3], [64, 1]]
"""

import dataclasses

from . import dtypes as dtypes_module
from .arguments import CPU, as_device
from .creation import ones, zeros
from .grad_mode import no_grad
from .nn.module import Module
from .tensor import Tensor


@dataclasses.dataclass
class LayerRow:
    """One call of one module: `name` is its path in the model ("features.0"; "" for the model itself),
    `depth` how deep it is nested (the model is 0) and `depth_index` its number among the rows at that depth."""

    name: str
    module: Module
    depth: int
    depth_index: int
    input_shape: list
    output_shape: list = None
    output_bytes: int = 0
    is_recursive: bool = False  # the module already ran earlier in this pass: its parameters are counted once

    @property
    def class_name(self):
        return type(self.module).__name__

    @property
    def is_leaf(self):
        return not any(True for _ in self.module.children())

    def num_params(self, recurse):
        """Parameters of this module, with those of its children when `recurse` (each shared one once)."""
        return sum(parameter.numel() for parameter in self.module.parameters(recurse=recurse))

    def trainable_params(self, recurse):
        return sum(
            parameter.numel() for parameter in self.module.parameters(recurse=recurse) if parameter.requires_grad
        )


class ModelSummary:
    """What `summary` returns: prints as a table; the numbers are attributes.

    `total_params`, `trainable_params`, `non_trainable_params`: the model's parameters (each shared one once).
    `total_input`, `total_param_bytes`: bytes of the inputs and of the parameters.
    `forward_pass_bytes`: bytes of the outputs of every call of a leaf module (one without children), i.e. the
    activations one forward pass produces. torchinfo's "Forward/backward pass size" is another estimate: it
    counts only leaf modules that hold parameters, twice (output and its gradient).
    `summary_list`: one `LayerRow` per module call, in the order the modules ran.
    """

    def __init__(self, summary_list, inputs, model, depth):
        self.summary_list = summary_list
        self.depth = depth
        self.input_size = [list(tensor.shape) for tensor in inputs]
        parameters = list(model.parameters())
        self.total_params = sum(parameter.numel() for parameter in parameters)
        self.trainable_params = sum(parameter.numel() for parameter in parameters if parameter.requires_grad)
        self.non_trainable_params = self.total_params - self.trainable_params
        self.total_param_bytes = sum(parameter.numel() * parameter.element_size() for parameter in parameters)
        self.total_input = sum(tensor.numel() * tensor.element_size() for tensor in inputs)
        self.forward_pass_bytes = sum(row.output_bytes for row in summary_list if row.is_leaf)

    def _params_text(self, row):
        """A leaf (or a row at the deepest level shown) counts everything below it; a container only its own
        parameters, since its children have rows. Frozen parameters are in parentheses, as in torchinfo."""
        if row.is_recursive:
            return "(recursive)" if row.num_params(recurse=True) else "--"
        recurse = row.is_leaf or row.depth == self.depth
        count = row.num_params(recurse)
        if count == 0:
            return "--"
        return f"{count:,}" if row.trainable_params(recurse) else f"({count:,})"

    def __repr__(self):
        rows = [row for row in self.summary_list if row.depth <= self.depth]
        names = [_tree_prefix(row.depth) + _layer_title(row) for row in rows]
        name_width = max([40] + [len(name) + 2 for name in names])
        shape_width = max([26] + [len(str(row.output_shape)) + 2 for row in rows])
        divider = "=" * (name_width + shape_width + 15)
        header = f"{'Layer (type (name):depth-idx)':<{name_width}}{'Output Shape':<{shape_width}}Param #"
        lines = [divider, header, divider]
        for row, name in zip(rows, names):
            lines.append(f"{name:<{name_width}}{str(row.output_shape):<{shape_width}}{self._params_text(row)}")
        megabytes = [self.total_input / 1e6, self.forward_pass_bytes / 1e6, self.total_param_bytes / 1e6]
        lines += [
            divider,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            divider,
            f"Input size (MB): {megabytes[0]:.2f}",
            f"Forward pass size (MB): {megabytes[1]:.2f}",
            f"Params size (MB): {megabytes[2]:.2f}",
            f"Estimated Total Size (MB): {sum(megabytes):.2f}",
            divider,
        ]
        return "\n".join(lines)

    __str__ = __repr__


def _tree_prefix(depth):
    """torchinfo's tree: "├─" at depth 1, "│    " per level above that and "└─" deeper down."""
    if depth == 0:
        return ""
    return "├─" if depth == 1 else "│    " * (depth - 1) + "└─"


def _layer_title(row):
    title = row.class_name
    if row.name:
        title += f" ({row.name.rsplit('.', 1)[-1]})"
    return title if row.depth == 0 else f"{title}: {row.depth}-{row.depth_index}"


def _shapes(value):
    """The shape of a Tensor as a list, or the list of the shapes of the Tensors in a tuple, list or dict."""
    if isinstance(value, Tensor):
        return list(value.shape)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return [_shapes(item) for item in value if isinstance(item, (Tensor, tuple, list, dict))]
    return []


def _bytes(value):
    if isinstance(value, Tensor):
        return value.numel() * value.element_size()
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return sum(_bytes(item) for item in value)
    return 0


def _make_inputs(input_size, input_data, dtypes, device):
    """The tensors to call the model with: input_data moved to `device`, or ones (zeros for integer dtypes,
    valid indices) of each size in input_size. No random numbers, so the seeded generator is left alone."""
    if (input_size is None) == (input_data is None):
        raise TypeError(
            "summary: give input_size, the shape of one batch including the batch dimension, e.g. "
            "summary(model, (100, 1, 28, 28)), or input_data, the tensor(s) to call the model with (not both)"
        )
    if input_data is not None:
        inputs = [input_data] if isinstance(input_data, Tensor) else list(input_data)
        if not all(isinstance(tensor, Tensor) for tensor in inputs):
            raise TypeError(f"summary: input_data must be a Tensor or a list of Tensors, got {input_data!r}")
        return [tensor.to(device) for tensor in inputs]
    if not isinstance(input_size, (tuple, list)):
        input_size = (input_size,)
    several = len(input_size) > 0 and all(isinstance(size, (tuple, list)) for size in input_size)
    sizes = [tuple(size) for size in input_size] if several else [tuple(input_size)]
    for size in sizes:
        if not all(isinstance(length, int) and length > 0 for length in size):
            raise ValueError(
                f"summary: input_size {input_size!r} is not a shape (positive ints, batch dimension first, "
                "e.g. (100, 1, 28, 28)) nor a list of shapes, one per input"
            )
    dtypes = [None] * len(sizes) if dtypes is None else list(dtypes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"summary: {len(dtypes)} dtypes for {len(sizes)} input sizes: give one dtype per input")
    inputs = []
    for size, dtype in zip(sizes, dtypes):
        dtype = dtypes_module.as_dtype(dtype) or dtypes_module.get_default_dtype()
        factory = ones if dtype.is_floating_point else zeros
        inputs.append(factory(*size, dtype=dtype, device=device))
    return inputs


def summary(model, input_size=None, *, input_data=None, dtypes=None, device=None, depth=3):
    """Run `model` once on a batch of shape `input_size` and return a `ModelSummary` that prints a table of
    every module call (type, name, output shape, parameter count) with the totals, as torchinfo.summary.

    input_size includes the batch dimension, (100, 1, 28, 28), or is a list of sizes for several inputs;
    dtypes gives one dtype per input (default float32). Or pass input_data, the tensor(s) themselves.
    device (default: where the model's parameters are) is where the model is moved (in place, as torchinfo
    does) and the inputs are made. depth: how many levels of nested modules the table shows.
    The pass runs in eval mode under no_grad; each module's train/eval mode is restored afterwards.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: model must be a tinygrad_edu.nn.Module, got {type(model).__name__}")
    device = as_device(device, default=next((parameter.device for parameter in model.parameters()), CPU))
    model.to(device)
    inputs = _make_inputs(input_size, input_data, dtypes, device)

    summary_list, running, seen, depth_counts = [], [], set(), {}

    def open_row(module, args, name):
        depth_counts[len(running)] = depth_counts.get(len(running), 0) + 1
        input_shape = _shapes(args[0] if len(args) == 1 else args)
        row = LayerRow(name, module, len(running), depth_counts[len(running)], input_shape, is_recursive=module in seen)
        seen.add(module)
        summary_list.append(row)
        running.append(row)

    def close_row(module, args, output):
        row = running.pop()
        row.output_shape, row.output_bytes = _shapes(output), _bytes(output)

    modes = {module: module.training for module in model.modules()}
    handles = []
    try:
        for name, module in model.named_modules():
            handles.append(
                module.register_forward_pre_hook(lambda module, args, name=name: open_row(module, args, name))
            )
            handles.append(module.register_forward_hook(close_row))
        model.eval()
        with no_grad():
            model(*inputs)
    except Exception as error:
        if not running:
            raise
        failed = running[-1]
        where = f"layer {failed.name!r} ({failed.class_name})" if failed.name else f"{failed.class_name}.forward"
        raise RuntimeError(
            f"summary: the forward pass failed in {where} called with input shape {failed.input_shape}: {error}"
        ) from error
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes.items():
            module.training = training
    return ModelSummary(summary_list, inputs, model, depth)
