"""`Module` and `Parameter`: how layers and models hold their weights, as torch.nn.Module.

Assigning a `Parameter`, a `Module` or (after `register_buffer`) a buffer to an attribute records
it, in order, in `_parameters`, `_modules` or `_buffers`; everything else (`parameters()`,
`state_dict()`, `to()`, `train()`, the printed tree) walks these three dicts.

>>> from tinygrad_edu import nn
>>> class TwoLayers(nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.hidden = nn.Linear(2, 8)
...         self.out = nn.Linear(8, 1)
...     def forward(self, x):
...         return self.out(self.hidden(x).relu())
>>> [name for name, _ in TwoLayers().named_parameters()]
['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
"""

import collections
import collections.abc
import itertools

import numpy as np

from .. import dtypes
from ..arguments import CPU, cuda_device, to_arguments
from ..backend import to_device as move_array
from ..grad_mode import no_grad
from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that a Module registers as learnable when assigned to one of its attributes.

    It requires grad (unless requires_grad=False) and shares memory with the Tensor it is made from.
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.empty(0, dtype=dtypes.get_default_dtype().numpy)
        self._data = data._data if isinstance(data, Tensor) else Tensor(data)._data
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class RemovableHandle:
    """Returned by `register_forward_hook`: `remove()` unregisters the hook; also a context manager
    (`with module.register_forward_hook(hook): ...` removes it on leaving), as torch.utils.hooks.RemovableHandle."""

    _ids = itertools.count()

    def __init__(self, hooks, hook):
        self._hooks = hooks
        self.id = next(RemovableHandle._ids)
        hooks[self.id] = hook

    def remove(self):
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()


IncompatibleKeys = collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
IncompatibleKeys.__doc__ = "What `load_state_dict` found missing and unexpected (as torch's _IncompatibleKeys)."


class Module:
    """Base class of layers and models: define `__init__` (call super().__init__() first) and `forward`."""

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_forward_pre_hooks", {})
        object.__setattr__(self, "_forward_hooks", {})

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        """forward(), with the hooks around it: each pre-hook may replace the positional inputs, each
        forward hook the output (a hook that returns None changes nothing)."""
        for hook in list(self._forward_pre_hooks.values()):
            new_args = hook(self, args)
            if new_args is not None:
                args = new_args if isinstance(new_args, tuple) else (new_args,)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            new_output = hook(self, args, output)
            if new_output is not None:
                output = new_output
        return output

    # ----- hooks ----------------------------------------------------------------------------

    def register_forward_pre_hook(self, hook):
        """Call `hook(module, args)` before every forward; `args` is the tuple of positional inputs.

        Returns a handle: `handle.remove()` takes the hook off again (as in PyTorch).
        """
        return RemovableHandle(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook):
        """Call `hook(module, args, output)` after every forward, e.g. to record output shapes
        (`tinygrad_edu.summary` does). Returns a handle: `handle.remove()` takes the hook off again.
        """
        return RemovableHandle(self._forward_hooks, hook)

    # ----- registration ---------------------------------------------------------------------

    def _registry(self, name):
        registry = self.__dict__.get(name)
        if registry is None:
            raise AttributeError(
                f"cannot assign to {type(self).__name__} before Module.__init__() call: "
                "call super().__init__() first in your __init__"
            )
        return registry

    def _forget(self, name, keep=None):
        """Remove `name` from wherever it is recorded but `keep` (where it is about to be replaced in place)."""
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                self.__dict__.get(registry, {}).pop(name, None)
        self.__dict__.pop(name, None)
        self.__dict__.get("_non_persistent_buffers", set()).discard(name)

    def __setattr__(self, name, value):
        parameters = self.__dict__.get("_parameters")
        modules = self.__dict__.get("_modules")
        buffers = self.__dict__.get("_buffers")
        if isinstance(value, Parameter):
            self._registry("_parameters")
            self._forget(name, keep="_parameters")
            parameters[name] = value
        elif isinstance(value, Module):
            self._registry("_modules")
            self._forget(name, keep="_modules")
            modules[name] = value
        elif parameters is not None and name in parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} (a Parameter or None expected); "
                    f"wrap it: self.{name} = nn.Parameter(value)"
                )
            parameters[name] = None
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as child module {name!r} (Module or None expected)"
                )
            modules[name] = None
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer {name!r} (Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Only called when normal lookup fails, i.e. for registered parameters, buffers and modules.
        for registry in ("_parameters", "_buffers", "_modules"):
            found = self.__dict__.get(registry)
            if found is not None and name in found:
                return found[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(registry, {}):
                del self.__dict__[registry][name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def _check_name(self, name, kind):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f'{kind} name can\'t be empty or contain ".", got {name!r}')
        if (
            hasattr(self, name)
            and name not in self._parameters
            and name not in self._buffers
            and (name not in self._modules)
        ):
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")

    def register_parameter(self, name, param):
        """Add a Parameter (or None) under `name`, as assigning `self.name = param` does."""
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign {type(param).__name__} as parameter {name!r} (Parameter or None expected)")
        self._forget(name)
        self._registry("_parameters")[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add state that is not learned (e.g. BatchNorm's running mean): it moves with `to()` and,
        if persistent, is saved in `state_dict()`."""
        self._check_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign {type(tensor).__name__} as buffer {name!r} (Tensor or None expected)")
        self._forget(name)
        self._registry("_buffers")[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Add a child module (or None) under `name`, as assigning `self.name = module` does."""
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._forget(name)
        self._registry("_modules")[name] = module

    register_module = add_module

    # ----- walking the tree -----------------------------------------------------------------

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(name, module) for this module and every module below it, depth first, each once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, member in getattr(module, registry).items():
                if member is None or member in seen:
                    continue
                seen.add(member)
                yield (f"{module_prefix}.{name}" if module_prefix else name), member

    def named_parameters(self, prefix="", recurse=True):
        """(name, Parameter) pairs in registration order, e.g. ("0.weight", ...); shared ones once."""
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse=True):
        for _, parameter in self.named_parameters(recurse=recurse):
            yield parameter

    def named_buffers(self, prefix="", recurse=True):
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn):
        """Call fn(module) on every child (recursively), then on self, e.g. for custom init. Returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ----- modes and gradients --------------------------------------------------------------

    def train(self, mode=True):
        """Set training mode (Dropout drops, BatchNorm uses batch statistics) here and below. Returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode is expected to be a bool, got {type(mode).__name__}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        """train(False): evaluation mode. Returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for parameter in self.parameters():
            parameter.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's .grad (set it to None, or fill it with zeros)."""
        for parameter in self.parameters():
            if parameter.grad is not None:
                if set_to_none:
                    parameter.grad = None
                else:
                    parameter.grad.zero_()

    # ----- saving and loading ---------------------------------------------------------------

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An ordered dict from names ("features.0.weight") to parameters and persistent buffers.

        The values are detached tensors sharing memory with the module (unless keep_vars=True).
        """
        if destination is None:
            destination = collections.OrderedDict()
        for module_prefix, module in self.named_modules(prefix=prefix, remove_duplicate=False):
            dot = "." if module_prefix else ""
            for name, parameter in module._parameters.items():
                if parameter is not None:
                    destination[module_prefix + dot + name] = parameter if keep_vars else parameter.detach()
            for name, buffer in module._buffers.items():
                if buffer is not None and name not in module._non_persistent_buffers:
                    destination[module_prefix + dot + name] = buffer if keep_vars else buffer.detach()
        return destination

    def load_state_dict(self, state_dict, strict=True):
        """Copy values (Tensors, numpy arrays, ...) into the existing parameters and buffers by name.

        Each keeps its dtype and device. A shape mismatch is always an error; with strict=True so are
        missing and unexpected keys. Nothing is copied unless everything fits. Returns
        (missing_keys, unexpected_keys).
        """
        if not isinstance(state_dict, collections.abc.Mapping):
            raise TypeError(f"load_state_dict: expected a dict of tensors, got {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        errors, copies = [], []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = value._data if isinstance(value, Tensor) else np.asarray(value)
            if tuple(array.shape) != tuple(target.shape):
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {tuple(array.shape)} from checkpoint, "
                    f"the shape in current model is {tuple(target.shape)}."
                )
            else:
                copies.append((target, array))
        if strict:
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{key}"' for key in missing) + ".")
            if unexpected:
                errors.insert(
                    int(bool(missing)),
                    "Unexpected key(s) in state_dict: " + ", ".join(f'"{key}"' for key in unexpected) + ".",
                )
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        with no_grad():
            for target, array in copies:
                target.copy_(array)
        return IncompatibleKeys(missing, unexpected)

    # ----- dtype and device -----------------------------------------------------------------

    def _convert(self, device=None, dtype=None):
        """Move or cast every parameter, gradient and buffer in place (the Parameter objects stay the same,
        so an optimizer made earlier still holds them). Only floating point tensors change dtype."""

        def convert(tensor):
            array = tensor._data
            if device is not None:
                array = move_array(array, device)
            if dtype is not None and array.dtype.kind == "f":
                array = array.astype(dtype.numpy)
            tensor._data = array

        for module in self.modules():
            for parameter in module._parameters.values():
                if parameter is not None:
                    convert(parameter)
                    if parameter.grad is not None:
                        convert(parameter.grad)
            for buffer in module._buffers.values():
                if buffer is not None:
                    convert(buffer)
        return self

    def to(self, *args, **kwargs):
        """`to(device)`, `to(dtype)`, `to(device, dtype)` or `to(tensor)`: in place, returns self."""
        device, dtype = to_arguments("to", args, kwargs)
        if dtype is not None and not dtype.is_floating_point:
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
        return self._convert(device, dtype)

    def cpu(self):
        return self._convert(device=CPU)

    def cuda(self, device=None):
        return self._convert(device=cuda_device(device))

    def float(self):
        return self._convert(dtype=dtypes.float32)

    def double(self):
        return self._convert(dtype=dtypes.float64)

    def half(self):
        return self._convert(dtype=dtypes.float16)

    # ----- printing -------------------------------------------------------------------------

    def extra_repr(self):
        """The text inside the parentheses of this module's line, e.g. "in_features=2, out_features=3"."""
        return ""

    def __repr__(self):
        """A tree like PyTorch's: `Sequential(\\n  (0): Linear(in_features=2, out_features=3, bias=True)\\n)`."""
        extra_lines = self.extra_repr().split("\n") if self.extra_repr() else []
        child_lines = [f"({name}): {_indent(repr(module), 2)}" for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{type(self).__name__}({body})"


def _indent(text, spaces):
    """Indent every line but the first (the child's name is in front of it)."""
    return text.replace("\n", "\n" + " " * spaces)
