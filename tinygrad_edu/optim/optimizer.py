"""Optimizer: the parameter groups and per-parameter state that every optimizer shares.

An optimizer holds `param_groups`, a list of dicts, each with its `params` and its own options
(`lr`, `momentum`, ...), so one model can train parts at different rates. `step()` updates every
parameter that has a `.grad` in place, working on the raw arrays (numpy or CuPy), so no graph is
recorded; `zero_grad()` clears the gradients for the next batch. `state[param]` holds what an
optimizer remembers between steps (momentum buffers, running averages) on the parameter's device.
"""

import copy
import numbers

from ..grad_mode import enable_grad
from ..tensor import Tensor


class Optimizer:
    """Base class: `Optimizer(params, defaults)`; subclasses implement `step()` (and may override `_check_group`).

    `params` is an iterable of Tensors, or of dicts `{"params": [...], "lr": ...}` (parameter groups);
    options a group leaves out come from `defaults`.
    """

    def __init__(self, params, defaults):
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or of dicts, got a single Tensor; "
                "pass a list, e.g. [weight] or model.parameters()"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: parameters must be in an ordered collection (a list), not a set")
        self.defaults = defaults
        self.state = {}
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{name}: got an empty parameter list; pass the tensors to optimize")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a dict `{"params": tensors, **options}`; missing options take the optimizer's defaults."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' key, got {type(param_group)}")
        if "params" not in param_group:
            raise ValueError(f"{name}: a parameter group needs a 'params' entry, got keys {sorted(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: parameters must be in an ordered collection (a list), not a set")
        params = list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, but one of the params is {type(param).__name__}")
            if not param.is_leaf:
                raise ValueError(
                    f"{name}: can't optimize a non-leaf Tensor (one computed by an op, shape {tuple(param.shape)}); "
                    "optimize the leaf tensors it was computed from, or use .detach().requires_grad_()"
                )
        if len({id(param) for param in params}) != len(params):
            raise ValueError(f"{name}: a parameter group lists the same parameter twice")
        already_optimized = {id(param) for group in self.param_groups for param in group["params"]}
        if any(id(param) in already_optimized for param in params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        group = {**self.defaults, **param_group, "params": params}
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group):
        """Reject invalid options (a negative lr, ...) with an error naming the optimizer; subclasses override."""

    def step(self, closure=None):
        """Update every parameter that has a gradient; `closure` re-evaluates and returns the loss."""
        raise NotImplementedError(f"{type(self).__name__} must implement step")

    def _evaluate(self, closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's gradient: drop it (`None`, the default) or fill it with zeros."""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                else:
                    param.grad.zero_()

    def state_dict(self):
        """`{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}`, PyTorch's layout.

        Parameters are numbered in the order of the groups, so the dict can be loaded into a new
        optimizer over the same model. The state's tensors are shared, not copied (save it to keep it).
        """
        index_of = {}
        param_groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [index_of.setdefault(id(param), len(index_of)) for param in group["params"]]
            param_groups.append(packed)
        state = {index_of[id(param)]: param_state for param, param_state in self.state.items()}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict):
        """Restore options and state from `state_dict()`; tensors are copied to each parameter's dtype and device."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            keys = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups', got {keys}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state dict has {len(saved_groups)} parameter groups, "
                f"the optimizer has {len(self.param_groups)}"
            )
        param_by_index = {}
        for number, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {number} has {len(saved['params'])} parameters "
                    f"in the state dict but {len(group['params'])} in the optimizer"
                )
            param_by_index.update(zip(saved["params"], group["params"]))
        state = {}
        for index, param_state in state_dict["state"].items():
            if index not in param_by_index:
                raise ValueError(
                    f"{name}.load_state_dict: the state dict has state for parameter {index!r}, but its "
                    f"parameter groups only list {sorted(param_by_index)}"
                )
            param = param_by_index[index]
            state[param] = {key: _copy_like(value, param) for key, value in param_state.items()}
        self.param_groups = [
            {
                **copy.deepcopy({key: value for key, value in saved.items() if key != "params"}),
                "params": group["params"],
            }
            for saved, group in zip(saved_groups, self.param_groups)
        ]
        self.state = state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for number, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {number}")
            lines.extend(f"    {key}: {value}" for key, value in sorted(group.items()) if key != "params")
        return "\n".join(lines + [")"])


def check_hyperparameter(optimizer_name, option, value, below=None):
    """Raise unless `value` is a real number >= 0 (and < `below` when given), naming the optimizer and option."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{optimizer_name}: {option} must be a number, got {type(value).__name__} {value!r}")
    if not value >= 0 or (below is not None and not value < below):
        allowed = ">= 0" if below is None else f"in [0, {below})"
        raise ValueError(f"{optimizer_name}: invalid {option} {value!r}: it must be {allowed}")


def _copy_like(value, param):
    """A state value for `param`: tensors copied onto its device (floats cast to its dtype), others as they are."""
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    dtype = param.dtype if value.is_floating_point() and param.is_floating_point() else value.dtype
    return Tensor(value.detach(), dtype=dtype, device=param.device)
