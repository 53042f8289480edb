import math

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


@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=ids)
def test_adam_matches_the_numpy_reference(compare_with_reference, options):
    compare_with_reference("Adam", options, steps=6)


@pytest.mark.parametrize("options", ADAMW_OPTIONS, ids=ids)
def test_adamw_matches_the_numpy_reference(compare_with_reference, options):
    compare_with_reference("AdamW", options, steps=6)


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


def adam_steps(grads, weight=0.0, optimizer=optim.Adam, **options):
    """The weight after one step per gradient, from weight (a one-element parameter)."""
    param = tg.tensor([weight], dtype=tg.float64, requires_grad=True)
    adam = optimizer([param], **options)
    for grad in grads:
        param.grad = tg.tensor([grad], dtype=tg.float64)
        adam.step()
    return param.item()


def test_adam_bias_correction_by_hand():
    # betas 0.5: m = 0.5, v = 0.5 after step 1 (corrected: 1 and 1, a step of lr);
    # m = 0.25 + 1.5 = 1.75, v = 0.25 + 4.5 = 4.75 after step 2, both corrected by 1 - 0.5**2 = 0.75
    expected = -0.1 - 0.1 * (1.75 / 0.75) / math.sqrt(4.75 / 0.75)
    assert adam_steps([1.0, 3.0], lr=0.1, betas=(0.5, 0.5), eps=0.0) == pytest.approx(expected, rel=1e-12)


def test_amsgrad_keeps_the_largest_second_moment_by_hand():
    # gradients 4 then 0, betas 0.5: m = 2, v = 8 after step 1 (a step of lr); m = 1, v = 4 after step 2.
    # Adam divides by the corrected v, 4 / 0.75; AMSGrad by the corrected largest v, 8 / 0.75.
    options = dict(lr=0.1, betas=(0.5, 0.5), eps=0.0)
    m_hat = 1 / 0.75
    expected_adam = -0.1 - 0.1 * m_hat / math.sqrt(4 / 0.75)
    expected_amsgrad = -0.1 - 0.1 * m_hat / math.sqrt(8 / 0.75)
    assert adam_steps([4.0, 0.0], **options) == pytest.approx(expected_adam, rel=1e-12)
    assert adam_steps([4.0, 0.0], amsgrad=True, **options) == pytest.approx(expected_amsgrad, rel=1e-12)


def test_adam_weight_decay_coupled_or_decoupled_by_hand():
    # Adam adds 0.5 * w to the gradient, and its first step moves by lr whatever the gradient: 2 - 0.1
    assert adam_steps([1.0], weight=2.0, lr=0.1, weight_decay=0.5) == pytest.approx(1.9)
    # ... so with a gradient of -1 the decay (+1) cancels it: m = 0, no step at all
    assert adam_steps([-1.0], weight=2.0, lr=0.1, weight_decay=0.5, eps=1e-8) == pytest.approx(2.0)
    # AdamW shrinks w first, w * (1 - lr * 0.5) = 1.9, then takes Adam's step of lr: 1.8
    assert adam_steps([1.0], weight=2.0, optimizer=optim.AdamW, lr=0.1, weight_decay=0.5) == pytest.approx(1.8)
    # maximize ascends: the first step is +lr
    assert adam_steps([1.0], lr=0.1, maximize=True) == pytest.approx(0.1)


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
