import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim

SGD_OPTIONS = [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3),
    dict(lr=0.05, momentum=0.8, nesterov=True),
    dict(lr=0.1, weight_decay=0.01),
    dict(lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True),
    dict(lr=0.1, momentum=0.5, maximize=True),
    dict(lr=0.1, weight_decay=0.5, maximize=True),  # the order of the two matters
    dict(lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.1, maximize=True),
    dict(),  # lr defaults to 1e-3, as in PyTorch 2
]


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=lambda options: ",".join(options) or "defaults")
def test_sgd_matches_torch(compare_with_torch, options):
    compare_with_torch(lambda optim_module, params: optim_module.SGD(params, **options))


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=lambda options: ",".join(options) or "defaults")
def test_sgd_matches_the_numpy_reference(compare_with_reference, options):
    compare_with_reference("SGD", options)


def sgd_steps(grads, weight=1.0, **options):
    """The weight after one SGD step per gradient, from weight (a one-element parameter)."""
    param = tg.tensor([weight], requires_grad=True)
    optimizer = optim.SGD([param], **options)
    for grad in grads:
        param.grad = tg.tensor([grad])
        optimizer.step()
    return param.item()


def test_sgd_momentum_by_hand():
    # buffers: 1, then 0.5 * 1 + 2 = 2.5; steps of lr * buffer: 1 - 0.1 - 0.25
    assert sgd_steps([1.0, 2.0], lr=0.1, momentum=0.5) == pytest.approx(0.65)
    # dampening scales only the new gradient after the first step: buffer 0.5 * 1 + 0.25 * 2 = 1
    assert sgd_steps([1.0, 2.0], lr=0.1, momentum=0.5, dampening=0.75) == pytest.approx(0.8)
    # nesterov steps along g + momentum * buffer: 1 + 0.5 * 1, then 2 + 0.5 * 2.5
    assert sgd_steps([1.0, 2.0], lr=0.1, momentum=0.5, nesterov=True) == pytest.approx(1 - 0.15 - 0.325)


def test_sgd_weight_decay_and_maximize_by_hand():
    # weight decay adds 0.5 * w to the gradient: 1 - 0.1 * (2 + 0.5)
    assert sgd_steps([2.0], lr=0.1, weight_decay=0.5) == pytest.approx(0.75)
    # maximize ascends the gradient: 1 + 0.1 * 2
    assert sgd_steps([2.0], lr=0.1, maximize=True) == pytest.approx(1.2)
    # both: PyTorch negates the gradient first, then adds the decay (which still pulls w to 0):
    # g = -2 + 0.5 * 1 = -1.5, so w = 1 + 0.15; negating (g + decay) instead would give 1.25
    assert sgd_steps([2.0], lr=0.1, weight_decay=0.5, maximize=True) == pytest.approx(1.15)


def test_sgd_parameter_groups_match_torch(compare_with_torch):
    def build(optim_module, params):
        groups = [{"params": params[:1], "lr": 0.3, "nesterov": True}, {"params": params[1:], "momentum": 0.5}]
        return optim_module.SGD(groups, lr=0.1, momentum=0.9)

    optimizer = compare_with_torch(build)
    assert [group["lr"] for group in optimizer.param_groups] == [0.3, 0.1]
    assert [group["momentum"] for group in optimizer.param_groups] == [0.9, 0.5]


def test_plain_sgd_step_is_lr_times_grad(device):
    weight = tg.tensor([1.0, 2.0], requires_grad=True, device=device)
    weight.grad = tg.tensor([10.0, -20.0], device=device)
    optim.SGD([weight], lr=0.1).step()
    np.testing.assert_allclose(weight.detach().cpu().numpy(), [0.0, 4.0], atol=1e-6)


def test_float32_parameters_and_momentum_stay_float32(device):
    weight = tg.randn(3, 2, requires_grad=True, device=device)
    optimizer = optim.SGD([weight], lr=np.float64(0.1), momentum=0.9)
    for _ in range(2):
        weight.grad = tg.ones(3, 2, device=device)
        optimizer.step()
    assert weight.dtype == tg.float32
    assert optimizer.state[weight]["momentum_buffer"].dtype == tg.float32
    assert optimizer.state[weight]["momentum_buffer"].device == weight.device


def test_sgd_updates_in_place():
    weight = tg.tensor([1.0, 2.0], requires_grad=True)
    alias = weight.data
    weight.grad = tg.tensor([1.0, 1.0])
    optim.SGD([weight], lr=1.0).step()
    np.testing.assert_array_equal(alias.numpy(), [0.0, 1.0])


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(lr=-0.1), "invalid lr -0.1"),
        (dict(lr=0.1, momentum=-0.5), "invalid momentum"),
        (dict(lr=0.1, weight_decay=-1), "invalid weight_decay"),
        (dict(lr=0.1, nesterov=True), "Nesterov momentum needs momentum > 0"),
        (dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "dampening = 0"),
    ],
)
def test_sgd_rejects_bad_options(options, message):
    with pytest.raises(ValueError, match=message):
        optim.SGD([tg.zeros(2, requires_grad=True)], **options)


def test_sgd_rejects_a_bad_option_in_a_parameter_group():
    with pytest.raises(ValueError, match="SGD: invalid lr -1"):
        optim.SGD([{"params": [tg.zeros(2, requires_grad=True)], "lr": -1}], lr=0.1)


def test_sgd_rejects_a_non_number_lr():
    with pytest.raises(TypeError, match="SGD: lr must be a number, got str"):
        optim.SGD([tg.zeros(2, requires_grad=True)], lr="0.1")
