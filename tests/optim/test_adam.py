import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim

ADAM_OPTIONS = [
    dict(),
    dict(lr=0.01, betas=(0.8, 0.99)),
    dict(lr=0.01, eps=1e-3),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, amsgrad=True),
    dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True),
    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
]
ADAMW_OPTIONS = [dict(), dict(lr=0.01, weight_decay=0.3), dict(lr=0.01, amsgrad=True, betas=(0.5, 0.9))]


def ids(options):
    return ",".join(options) or "defaults"


@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=ids)
def test_adam_matches_torch(compare_with_torch, options):
    compare_with_torch(lambda optim_module, params: optim_module.Adam(params, **options), steps=6)


@pytest.mark.parametrize("options", ADAMW_OPTIONS, ids=ids)
def test_adamw_matches_torch(compare_with_torch, options):
    compare_with_torch(lambda optim_module, params: optim_module.AdamW(params, **options), steps=6)


def test_adam_parameter_groups_match_torch(compare_with_torch):
    def build(optim_module, params):
        groups = [{"params": params[:2], "betas": (0.5, 0.6), "amsgrad": True}, {"params": params[2:], "lr": 0.2}]
        return optim_module.Adam(groups, lr=0.01, weight_decay=0.05)

    compare_with_torch(build)


def test_adamw_defaults_are_pytorchs():
    optimizer = optim.AdamW([tg.zeros(2, requires_grad=True)])
    group = optimizer.param_groups[0]
    assert (group["lr"], group["betas"], group["eps"], group["weight_decay"]) == (1e-3, (0.9, 0.999), 1e-8, 1e-2)
    assert group["decoupled_weight_decay"] is True


def test_adam_first_step_moves_each_weight_by_lr():
    weights = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    weights.grad = tg.tensor([1e-3, -5.0, 1e3])
    optim.Adam([weights], lr=0.1).step()
    np.testing.assert_allclose(weights.detach().numpy(), [0.9, -1.9, 2.9], rtol=1e-5)


def test_adam_state_lives_on_the_parameters_device_in_its_dtype(device):
    weight = tg.randn(2, 3, requires_grad=True, device=device)
    optimizer = optim.Adam([weight], lr=0.01, amsgrad=True)
    for _ in range(3):
        weight.grad = tg.randn(2, 3, device=device)
        optimizer.step()
    state = optimizer.state[weight]
    assert state["step"] == 3
    for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
        assert state[key].dtype == tg.float32 and state[key].device == weight.device, key
    assert weight.dtype == tg.float32


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(lr=-1e-3), "Adam: invalid lr"),
        (dict(eps=-1.0), "Adam: invalid eps"),
        (dict(weight_decay=-0.1), "Adam: invalid weight_decay"),
        (dict(betas=(1.0, 0.999)), r"invalid beta1 \(betas\[0\]\) 1.0: it must be in \[0, 1\)"),
        (dict(betas=(0.9, -0.1)), r"invalid beta2"),
        (dict(betas=0.9), "betas must be a pair"),
    ],
)
def test_adam_rejects_bad_options(options, message):
    with pytest.raises(ValueError, match=message):
        optim.Adam([tg.zeros(2, requires_grad=True)], **options)


def test_adamw_names_itself_in_errors():
    with pytest.raises(ValueError, match="AdamW: invalid lr"):
        optim.AdamW([tg.zeros(2, requires_grad=True)], lr=-1.0)
