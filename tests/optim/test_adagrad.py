"""Adagrad against PyTorch and the numpy reference (every option), its state from the start, and its checks."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim

OPTIONS = [
    dict(),
    dict(lr=0.1, lr_decay=0.5),
    dict(lr=0.1, initial_accumulator_value=0.3, eps=1e-3),
    dict(lr=0.1, weight_decay=0.2, maximize=True),
]


def ids(options):
    return ",".join(options) or "defaults"


@pytest.mark.parametrize("options", OPTIONS, ids=ids)
def test_matches_torch(compare_with_torch, options):
    compare_with_torch(lambda optim_module, params: optim_module.Adagrad(params, **options), steps=6)


@pytest.mark.parametrize("options", OPTIONS, ids=ids)
def test_matches_the_numpy_reference(compare_with_reference, options):
    compare_with_reference("Adagrad", options, steps=6)


def test_state_exists_before_the_first_step_as_in_torch(torch):
    ours = optim.Adagrad([tg.ones(2, requires_grad=True)], initial_accumulator_value=0.5).state_dict()
    theirs = torch.optim.Adagrad([torch.ones(2, requires_grad=True)], initial_accumulator_value=0.5).state_dict()
    assert list(ours["state"][0]) == list(theirs["state"][0]) == ["step", "sum"]
    assert ours["state"][0]["step"] == theirs["state"][0]["step"].item() == 0
    np.testing.assert_array_equal(ours["state"][0]["sum"].numpy(), theirs["state"][0]["sum"].numpy())


def test_state_dict_round_trip_continues_identically():
    params = [tg.tensor([1.0, 2.0], requires_grad=True), tg.tensor([1.0, 2.0], requires_grad=True)]
    first, second = optim.Adagrad(params[:1], lr=0.1), optim.Adagrad(params[1:], lr=0.1)
    params[0].grad = tg.tensor([0.5, -1.0])
    first.step()
    second.load_state_dict(first.state_dict())
    with tg.no_grad():
        params[1].copy_(params[0])
    for param, optimizer in zip(params, (first, second)):
        param.grad = tg.tensor([1.0, 1.0])
        optimizer.step()
    assert params[0].tolist() == params[1].tolist()


def test_rejects_negative_options():
    with pytest.raises(ValueError, match="Adagrad: invalid lr_decay"):
        optim.Adagrad([tg.zeros(1, requires_grad=True)], lr_decay=-1)
