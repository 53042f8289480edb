"""RMSprop: divide each step by a running root mean square of the gradient, as torch.optim.RMSprop."""

from .. import creation
from ..grad_mode import no_grad
from .optimizer import Optimizer, check_hyperparameter


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012): `v = alpha * v + (1 - alpha) * g**2`,  `p -= lr * g / (sqrt(v) + eps)`.

    g is the gradient (plus `weight_decay * p`; negated with `maximize=True`). `centered=True` also
    tracks the mean gradient `m` and divides by `sqrt(v - m**2) + eps`, an estimate of the gradient's
    standard deviation. With `momentum > 0` a buffer `b = momentum * b + g / (sqrt(v) + eps)` is
    stepped instead: `p -= lr * b`.

    >>> import tinygrad_edu as tg
    >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
    >>> optimizer = RMSprop([w], lr=0.01, alpha=0.75)
    >>> (w * w).sum().backward()
    >>> optimizer.step()  # v = g**2 / 4, so every weight moves by lr / sqrt(1/4) = 0.02
    >>> w
    tensor([ 0.9800, -1.9800], requires_grad=True)
    """

    def __init__(
        self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *, maximize=False
    ):
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        for option in ("lr", "alpha", "eps", "weight_decay", "momentum"):
            check_hyperparameter("RMSprop", option, group[option])

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a `.grad` (others are skipped). Returns closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, alpha, eps, weight_decay = group["lr"], group["alpha"], group["eps"], group["weight_decay"]
            momentum, centered, maximize = group["momentum"], group["centered"], group["maximize"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state.get(param)
                if state is None:
                    state = self.state[param] = {"step": 0, "square_avg": creation.zeros_like(param)}
                    if momentum > 0:
                        state["momentum_buffer"] = creation.zeros_like(param)
                    if centered:
                        state["grad_avg"] = creation.zeros_like(param)
                state["step"] += 1
                grad = -param.grad if maximize else param.grad
                if weight_decay != 0:
                    grad = grad + weight_decay * param
                square_avg = state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
                if centered:
                    grad_avg = state["grad_avg"].mul_(alpha).add_(grad, alpha=1 - alpha)
                    denominator = (square_avg - grad_avg * grad_avg).sqrt().add_(eps)
                else:
                    denominator = square_avg.sqrt().add_(eps)
                if momentum > 0:
                    buffer = state["momentum_buffer"].mul_(momentum).addcdiv_(grad, denominator)
                    param.add_(buffer, alpha=-lr)
                else:
                    param.addcdiv_(grad, denominator, value=-lr)
        return loss
