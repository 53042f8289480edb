"""Adam and AdamW: steps scaled by running averages of the gradient and its square, as torch.optim.Adam/AdamW."""

import math

from ..backend import get_array_module
from ..tensor import Tensor
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
    tensor([0.9000, -1.9000], requires_grad=True)
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
                weights, grad = param._data, param.grad._data
                xp = get_array_module(weights)
                state = self.state.get(param)
                if state is None:
                    state = self.state[param] = _initial_state(weights, amsgrad)
                state["step"] += 1
                step = state["step"]
                if maximize:
                    grad = -grad
                if weight_decay != 0:
                    if decoupled_weight_decay:
                        weights *= 1 - lr * weight_decay
                    else:
                        grad = grad + weight_decay * weights
                exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
                exp_avg *= beta1
                exp_avg += (1 - beta1) * grad
                exp_avg_sq *= beta2
                exp_avg_sq += (1 - beta2) * grad * grad
                if amsgrad:
                    max_exp_avg_sq = state["max_exp_avg_sq"]._data
                    xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
                    exp_avg_sq = max_exp_avg_sq
                step_size = lr / (1 - beta1**step)
                denominator = xp.sqrt(exp_avg_sq) / math.sqrt(1 - beta2**step) + eps
                weights -= step_size * (exp_avg / denominator)
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


def _initial_state(weights, amsgrad):
    """Step 0 and zero running averages, on the parameter's device and in its dtype."""
    xp = get_array_module(weights)
    state = {
        "step": 0,
        "exp_avg": Tensor._make(xp.zeros_like(weights)),
        "exp_avg_sq": Tensor._make(xp.zeros_like(weights)),
    }
    if amsgrad:
        state["max_exp_avg_sq"] = Tensor._make(xp.zeros_like(weights))
    return state
