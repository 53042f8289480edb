"""Adadelta against PyTorch and the numpy reference (every option), its state_dict layout, and its checks."""

import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim

OPTIONS = [dict(), dict(lr=0.5, rho=0.5), dict(eps=1e-2, weight_decay=0.1), dict(lr=2.0, maximize=True)]


def ids(options):
    return ",".join(options) or "defaults"


@pytest.mark.parametrize("options", OPTIONS, ids=ids)
def test_matches_torch(compare_with_torch, options):
    compare_with_torch(lambda optim_module, params: optim_module.Adadelta(params, **options), steps=6)


@pytest.mark.parametrize("options", OPTIONS, ids=ids)
def test_matches_the_numpy_reference(compare_with_reference, options):
    compare_with_reference("Adadelta", options, steps=6)


def test_state_dict_layout_matches_torch(torch):
    dicts = []
    for module, tensor in ((optim, tg.ones), (torch.optim, torch.ones)):
        param = tensor(3, requires_grad=True)
        optimizer = module.Adadelta([param])
        param.grad = tensor(3)
        optimizer.step()
        dicts.append(optimizer.state_dict())
    ours, theirs = dicts
    assert list(ours["state"][0]) == list(theirs["state"][0]) == ["step", "square_avg", "acc_delta"]
    assert {"lr", "rho", "eps", "weight_decay", "maximize"} <= ours["param_groups"][0].keys()
    for key in ("lr", "rho", "eps", "weight_decay", "maximize"):
        assert ours["param_groups"][0][key] == theirs["param_groups"][0][key]


def test_rejects_rho_above_one():
    with pytest.raises(ValueError, match="Adadelta: invalid rho"):
        optim.Adadelta([tg.zeros(1, requires_grad=True)], rho=1.5)
