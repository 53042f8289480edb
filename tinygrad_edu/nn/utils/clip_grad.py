"""Gradient clipping, as torch.nn.utils: call it between `loss.backward()` and `optimizer.step()`.

loss.backward()
clip_grad_norm_(model.parameters(), max_norm=1.0)
optimizer.step()
"""

import math

from ... import grad_mode
from ...errors import ArgumentError
from ...joining import stack
from ...tensor import Tensor


def _with_grads(parameters):
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [parameter for parameter in parameters if parameter.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their joint norm is at most max_norm; returns that norm (before).

    total = norm of the norms of every .grad;  each grad *= min(1, max_norm / (total + 1e-6)).
    """
    parameters = _with_grads(parameters)
    if not parameters:
        return Tensor(0.0)
    norm_type = float(norm_type)
    with grad_mode.no_grad():
        grads = [parameter.grad.detach() for parameter in parameters]
        if math.isinf(norm_type):
            total = stack([grad.abs().amax() for grad in grads]).amax()
        else:
            norms = [(grad.abs() ** norm_type).sum() ** (1.0 / norm_type) for grad in grads]
            total = (stack(norms) ** norm_type).sum() ** (1.0 / norm_type)
        if error_if_nonfinite and not total.isfinite().item():
            raise ArgumentError(
                f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is non-finite "
                f"({total.item()}), so it cannot be clipped; set error_if_nonfinite=False to clip anyway"
            )
        scale = (max_norm / (total + 1e-6)).clamp(max=1.0)
        for grad in grads:
            grad.mul_(scale)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for parameter in _with_grads(parameters):
        parameter.grad.clamp_(-clip_value, clip_value)
