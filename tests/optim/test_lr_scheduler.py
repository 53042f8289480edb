import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim
from tinygrad_edu.optim import lr_scheduler

SCHEDULES = [
    ("StepLR", dict(step_size=3)),
    ("StepLR", dict(step_size=2, gamma=0.5)),
    ("CosineAnnealingLR", dict(T_max=5)),
    ("CosineAnnealingLR", dict(T_max=4, eta_min=0.01)),
]


def two_group_optimizer(optim_module, make_param):
    groups = [{"params": [make_param()], "lr": 0.1}, {"params": [make_param()], "lr": 0.5}]
    return optim_module.SGD(groups, momentum=0.9)


@pytest.mark.parametrize("name, options", SCHEDULES, ids=lambda value: str(value))
def test_schedule_matches_torch_for_many_epochs(name, options):
    torch = pytest.importorskip("torch")
    ours = two_group_optimizer(optim, lambda: tg.zeros(2, requires_grad=True))
    theirs = two_group_optimizer(torch.optim, lambda: torch.zeros(2, requires_grad=True))
    our_scheduler = getattr(lr_scheduler, name)(ours, **options)
    their_scheduler = getattr(torch.optim.lr_scheduler, name)(theirs, **options)
    for epoch in range(25):  # past T_max: the cosine goes back up, as PyTorch's does
        np.testing.assert_allclose(
            our_scheduler.get_last_lr(), their_scheduler.get_last_lr(), rtol=1e-12, err_msg=f"epoch {epoch}"
        )
        assert [group["lr"] for group in ours.param_groups] == our_scheduler.get_last_lr()
        theirs.step()
        our_scheduler.step()
        their_scheduler.step()


CLOSED_FORMS = {
    "StepLR": lambda base_lr, epoch, step_size, gamma=0.1: base_lr * gamma ** (epoch // step_size),
    "CosineAnnealingLR": lambda base_lr, epoch, T_max, eta_min=0.0: (
        eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * epoch / T_max)) / 2
    ),
}


@pytest.mark.parametrize("name, options", SCHEDULES, ids=lambda value: str(value))
def test_schedule_follows_its_closed_form_for_many_epochs(name, options):
    optimizer = two_group_optimizer(optim, lambda: tg.zeros(2, requires_grad=True))
    scheduler = getattr(lr_scheduler, name)(optimizer, **options)
    for epoch in range(25):  # past T_max: the cosine goes back up
        expected = [CLOSED_FORMS[name](base_lr, epoch, **options) for base_lr in (0.1, 0.5)]
        np.testing.assert_allclose(scheduler.get_last_lr(), expected, rtol=1e-9, atol=1e-12, err_msg=f"epoch {epoch}")
        assert [group["lr"] for group in optimizer.param_groups] == scheduler.get_last_lr()
        optimizer.step()
        scheduler.step()


def test_step_lr_closed_form():
    optimizer = optim.SGD([tg.zeros(1, requires_grad=True)], lr=1.0)
    scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
    lrs = []
    for _ in range(6):
        lrs.append(scheduler.get_last_lr()[0])
        scheduler.step()
    np.testing.assert_allclose(lrs, [1, 1, 0.1, 0.1, 0.01, 0.01])


def test_cosine_closed_form():
    optimizer = optim.SGD([tg.zeros(1, requires_grad=True)], lr=1.0)
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=8, eta_min=0.2)
    for epoch in range(9):
        expected = 0.2 + 0.8 * (1 + math.cos(math.pi * epoch / 8)) / 2
        assert scheduler.get_last_lr()[0] == pytest.approx(expected, rel=1e-12)
        scheduler.step()


@pytest.mark.parametrize("name, options", SCHEDULES, ids=lambda value: str(value))
def test_resuming_from_state_dicts_continues_the_schedule(name, options):
    def fresh():
        optimizer = two_group_optimizer(optim, lambda: tg.zeros(2, requires_grad=True))
        return optimizer, getattr(lr_scheduler, name)(optimizer, **options)

    optimizer, scheduler = fresh()
    for _ in range(4):
        scheduler.step()
    resumed_optimizer, resumed_scheduler = fresh()
    resumed_optimizer.load_state_dict(optimizer.state_dict())
    resumed_scheduler.load_state_dict(scheduler.state_dict())
    assert "optimizer" not in scheduler.state_dict()
    for _ in range(6):
        scheduler.step()
        resumed_scheduler.step()
        assert resumed_scheduler.get_last_lr() == scheduler.get_last_lr()
        assert [group["lr"] for group in resumed_optimizer.param_groups] == scheduler.get_last_lr()


def test_scheduler_records_initial_lr_in_each_group():
    optimizer = two_group_optimizer(optim, lambda: tg.zeros(2, requires_grad=True))
    scheduler = lr_scheduler.StepLR(optimizer, step_size=1)
    scheduler.step()
    assert [group["initial_lr"] for group in optimizer.param_groups] == [0.1, 0.5]
    assert scheduler.base_lrs == [0.1, 0.5]


def test_scheduler_errors():
    optimizer = optim.SGD([tg.zeros(1, requires_grad=True)], lr=1.0)
    with pytest.raises(TypeError, match="StepLR: expected an Optimizer, got list"):
        lr_scheduler.StepLR([], step_size=1)
    with pytest.raises(ValueError, match="step_size must be a positive int, got 0"):
        lr_scheduler.StepLR(optimizer, step_size=0)
    with pytest.raises(ValueError, match="T_max must be a positive int, got 2.5"):
        lr_scheduler.CosineAnnealingLR(optimizer, T_max=2.5)
    with pytest.raises(KeyError, match="has no 'initial_lr'"):
        lr_scheduler.CosineAnnealingLR(optimizer, T_max=3, last_epoch=4)
