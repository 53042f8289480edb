"""Adadelta: step sizes from the history of past steps, with no base rate to tune, as torch.optim.Adadelta."""

from .. import creation
from ..grad_mode import no_grad
from .optimizer import Optimizer, check_hyperparameter


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): running averages v of g**2 and u of the steps' squares set the step size.

    `v = rho * v + (1 - rho) * g**2`,  `delta = sqrt(u + eps) / sqrt(v + eps) * g`,
    `u = rho * u + (1 - rho) * delta**2`,  `p -= lr * delta`  (g: the gradient plus
    `weight_decay * p`, negated with `maximize=True`). The ratio has the parameter's units, so lr
    is a plain multiplier, 1.0 by default.

    >>> import tinygrad_edu as tg
    >>> w = tg.tensor([3.0], requires_grad=True)
    >>> optimizer = Adadelta([w], rho=0.0, eps=1.0)
    >>> (w * w).sum().backward()
    >>> optimizer.step()  # g = 6: v = 36, delta = sqrt(1) / sqrt(37) * 6
    >>> w
    tensor([2.0136], requires_grad=True)
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group):
        for option in ("lr", "eps", "weight_decay"):
            check_hyperparameter("Adadelta", option, group[option])
        check_hyperparameter("Adadelta", "rho", group["rho"])
        if group["rho"] > 1:
            raise ValueError(f"Adadelta: invalid rho {group['rho']!r}: it must be in [0, 1]")

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a `.grad` (others are skipped). Returns closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state.get(param)
                if state is None:
                    state = self.state[param] = {
                        "step": 0,
                        "square_avg": creation.zeros_like(param),
                        "acc_delta": creation.zeros_like(param),
                    }
                state["step"] += 1
                grad = -param.grad if maximize else param.grad
                if weight_decay != 0:
                    grad = grad + weight_decay * param
                square_avg = state["square_avg"].mul_(rho).addcmul_(grad, grad, value=1 - rho)
                delta = (state["acc_delta"] + eps).sqrt().div_((square_avg + eps).sqrt()).mul_(grad)
                state["acc_delta"].mul_(rho).addcmul_(delta, delta, value=1 - rho)
                param.add_(delta, alpha=-lr)
        return loss
