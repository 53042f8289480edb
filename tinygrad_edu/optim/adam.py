"""Adam and AdamW: steps scaled by running averages of the gradient and its square, as torch.optim.Adam/AdamW."""

import math

from .. import creation
from ..grad_mode import no_grad
from .optimizer import Optimizer, check_hyperparameter


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): each parameter gets its own step size from its gradient's history.

    With g the gradient (plus `weight_decay * p`) and t the step number:
    `m = b1 * m + (1 - b1) * g`,  `v = b2 * v + (1 - b2) * g**2`,
    `p -= lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)`  (the bias corrections undo m
    and v starting at 0). `amsgrad=True` uses the largest v seen so far; `decoupled_weight_decay=True`
    shrinks the weights directly (`p *= 1 - lr * weight_decay`) instead, which is AdamW.

    >>> import tinygrad_edu as tg
    >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
    >>> optimizer = Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> optimizer.step()  # the first step moves every weight by about lr, whatever its gradient's size
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        *,
        maximize=False,
        decoupled_weight_decay=False,
    ):
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        name = type(self).__name__
        for option in ("lr", "eps", "weight_decay"):
            check_hyperparameter(name, option, group[option])
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        check_hyperparameter(name, "beta1 (betas[0])", betas[0], below=1)
        check_hyperparameter(name, "beta2 (betas[1])", betas[1], below=1)

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a `.grad` (others are skipped). Returns closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            weight_decay, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
            decoupled_weight_decay = group["decoupled_weight_decay"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state.get(param)
                if state is None:
                    state = self.state[param] = _initial_state(param, amsgrad)
                state["step"] += 1
                step = state["step"]
                grad = -param.grad if maximize else param.grad
                if weight_decay != 0:
                    if decoupled_weight_decay:
                        param.mul_(1 - lr * weight_decay)
                    else:
                        grad = grad + weight_decay * param
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                if amsgrad:
                    exp_avg_sq = state["max_exp_avg_sq"].copy_(state["max_exp_avg_sq"].maximum(exp_avg_sq))
                step_size = lr / (1 - beta1**step)
                denominator = exp_avg_sq.sqrt().div_(math.sqrt(1 - beta2**step)).add_(eps)
                param.addcdiv_(exp_avg, denominator, value=-step_size)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): `p *= 1 - lr * weight_decay` each step.

    The weights shrink directly instead of through the gradient, so the decay is not rescaled by
    Adam's per-parameter step sizes. Same options as Adam; weight_decay defaults to 1e-2.
    """

    def __init__(
        self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *, maximize=False
    ):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True)


def _initial_state(param, amsgrad):
    """Step 0 and zero running averages, on the parameter's device and in its dtype."""
    state = {"step": 0, "exp_avg": creation.zeros_like(param), "exp_avg_sq": creation.zeros_like(param)}
    if amsgrad:
        state["max_exp_avg_sq"] = creation.zeros_like(param)
    return state
