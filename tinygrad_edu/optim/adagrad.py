"""Adagrad: each parameter's step shrinks with the sum of its squared gradients, as torch.optim.Adagrad."""

from .. import creation
from ..grad_mode import no_grad
from .optimizer import Optimizer, check_hyperparameter


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): `s += g**2`,  `p -= lr_t * g / (sqrt(s) + eps)`.

    lr_t = lr / (1 + (t - 1) * lr_decay) at step t; g is the gradient (plus `weight_decay * p`;
    negated with `maximize=True`).
    Often-updated parameters slow down, rarely-updated ones keep large steps. The sums start at
    `initial_accumulator_value`; as in PyTorch, every parameter's state exists from the start.

    >>> import tinygrad_edu as tg
    >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
    >>> optimizer = Adagrad([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> optimizer.step()  # s = g**2, so the first step is lr * sign(g)
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0,
        weight_decay=0,
        initial_accumulator_value=0,
        eps=1e-10,
        *,
        maximize=False,
    ):
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def add_param_group(self, param_group):
        """As Optimizer's, and each new parameter gets its step count and sum of squares at once."""
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for param in group["params"]:
            self.state[param] = {
                "step": 0,
                "sum": creation.full_like(param, group["initial_accumulator_value"]),
            }

    def _check_group(self, group):
        for option in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check_hyperparameter("Adagrad", option, group[option])

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a `.grad` (others are skipped). Returns closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                state["step"] += 1
                grad = -param.grad if maximize else param.grad
                if weight_decay != 0:
                    grad = grad + weight_decay * param
                step_size = lr / (1 + (state["step"] - 1) * lr_decay)
                squares = state["sum"].addcmul_(grad, grad, value=1)
                param.addcdiv_(grad, squares.sqrt().add_(eps), value=-step_size)
        return loss
