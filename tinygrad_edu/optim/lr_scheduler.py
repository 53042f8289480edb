"""Learning-rate schedules: change each parameter group's `lr` once per epoch, as torch.optim.lr_scheduler.

Call `scheduler.step()` after the epoch's `optimizer.step()` calls. Like PyTorch, each step updates
the current `lr` from the previous one (the "chainable" form), so a schedule also respects changes
made to `lr` by other code; the docstrings give the closed form this matches when nothing else does.
"""

import math

from .optimizer import Optimizer


class LRScheduler:
    """Base class: `__init__` records each group's `initial_lr` and sets epoch 0; subclasses implement `get_lr()`."""

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for number, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: param_groups[{number}] has no 'initial_lr', needed to resume at "
                        f"last_epoch={last_epoch}; load the optimizer's state_dict first, or start at last_epoch=-1"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self.step()

    def get_lr(self):
        """The learning rates for epoch `last_epoch`, computed from the current ones."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr")

    def step(self):
        """Advance one epoch and set every group's lr."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The learning rates the last `step()` set, one per parameter group."""
        return self._last_lr

    def state_dict(self):
        """Everything but the optimizer (save the optimizer's own state_dict next to it)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply lr by `gamma` every `step_size` epochs: `lr = base_lr * gamma ** (epoch // step_size)`."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return lrs
        return [lr * self.gamma for lr in lrs]


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from base_lr down to `eta_min` over `T_max` epochs (and back up after):

    `lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2`.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        if isinstance(T_max, bool) or not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive int, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        epoch, period, eta_min = self.last_epoch, self.T_max, self.eta_min
        groups = self.optimizer.param_groups
        if self._step_count == 1:  # the step __init__ makes starts from the current lr
            return [group["lr"] for group in groups]
        if (epoch - 1 - period) % (2 * period) == 0:  # leaving the bottom, where the ratio below would divide by 0
            return [
                group["lr"] + (base_lr - eta_min) * (1 - math.cos(math.pi / period)) / 2
                for base_lr, group in zip(self.base_lrs, groups)
            ]
        # The closed form's ratio between this epoch and the previous one, applied to the current lr.
        ratio = (1 + math.cos(math.pi * epoch / period)) / (1 + math.cos(math.pi * (epoch - 1) / period))
        return [ratio * (group["lr"] - eta_min) + eta_min for group in groups]
