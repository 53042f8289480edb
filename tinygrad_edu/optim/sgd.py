"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay, as torch.optim.SGD."""

from ..grad_mode import no_grad
from .optimizer import Optimizer, check_hyperparameter


class SGD(Optimizer):
    """`p -= lr * g`, where g is the gradient (plus `weight_decay * p`), optionally smoothed by momentum.

    With momentum, a buffer remembers past steps: `b = momentum * b + (1 - dampening) * g` (the
    first step sets `b = g`), and the step uses `b`, or `g + momentum * b` with `nesterov=True`.

    >>> import tinygrad_edu as tg
    >>> w = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> optimizer = SGD([w], lr=0.1, momentum=0.9)
    >>> (w * w).sum().backward()
    >>> optimizer.step()
    >>> w
    tensor([0.8000, 1.6000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False):
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        for option in ("lr", "momentum", "dampening", "weight_decay"):
            check_hyperparameter("SGD", option, group[option])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: Nesterov momentum needs momentum > 0 and dampening = 0, "
                f"got momentum={group['momentum']}, dampening={group['dampening']}"
            )

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a `.grad` (others are skipped). Returns closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                grad = -param.grad if maximize else param.grad
                if weight_decay != 0:
                    grad = grad + weight_decay * param
                if momentum != 0:
                    state = self.state.setdefault(param, {})
                    buffer = state.get("momentum_buffer")
                    if buffer is None:
                        buffer = state["momentum_buffer"] = grad.clone()
                    else:
                        buffer.mul_(momentum).add_(grad, alpha=1 - dampening)
                    grad = grad + momentum * buffer if nesterov else buffer
                param.add_(grad, alpha=-lr)
        return loss
