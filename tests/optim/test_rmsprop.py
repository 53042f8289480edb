"""RMSprop against PyTorch and the numpy reference (every option), its state_dict layout, and its checks."""

import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim

OPTIONS = [
    dict(),
    dict(lr=0.05, alpha=0.9),
    dict(lr=0.01, eps=1e-3, weight_decay=0.1),
    dict(lr=0.01, momentum=0.9),
    dict(lr=0.01, centered=True),
    dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1, maximize=True),
]


def ids(options):
    return ",".join(options) or "defaults"


@pytest.mark.parametrize("options", OPTIONS, ids=ids)
def test_matches_torch(compare_with_torch, options):
    compare_with_torch(lambda optim_module, params: optim_module.RMSprop(params, **options), steps=6)


@pytest.mark.parametrize("options", OPTIONS, ids=ids)
def test_matches_the_numpy_reference(compare_with_reference, options):
    compare_with_reference("RMSprop", options, steps=6)


def test_state_dict_layout_matches_torch(torch):
    dicts = []
    for module, tensor in ((optim, tg.ones), (torch.optim, torch.ones)):
        param = tensor(3, requires_grad=True)
        optimizer = module.RMSprop([param], momentum=0.9, centered=True)
        param.grad = tensor(3)
        optimizer.step()
        dicts.append(optimizer.state_dict())
    ours, theirs = dicts
    assert list(ours["state"][0]) == list(theirs["state"][0]) == ["step", "square_avg", "momentum_buffer", "grad_avg"]
    shared = ours["param_groups"][0].keys() & theirs["param_groups"][0].keys()
    assert {"lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize", "params"} <= shared
    assert {key: ours["param_groups"][0][key] for key in shared} == {
        key: theirs["param_groups"][0][key] for key in shared
    }


def test_rejects_negative_options():
    with pytest.raises(ValueError, match="RMSprop: invalid alpha"):
        optim.RMSprop([tg.zeros(1, requires_grad=True)], alpha=-0.1)
