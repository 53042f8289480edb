"""What every optimizer shares: parameter groups, skipping gradless parameters, zero_grad, state_dict."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim

OPTIMIZERS = [
    lambda params: optim.SGD(params, lr=0.1, momentum=0.9),
    lambda params: optim.Adam(params, lr=0.01, amsgrad=True),
    lambda params: optim.AdamW(params, lr=0.01),
    lambda params: optim.RMSprop(params, lr=0.01, momentum=0.5, centered=True),
    lambda params: optim.Adagrad(params, lr=0.1, lr_decay=0.01),
    lambda params: optim.Adadelta(params, lr=0.5),
]
OPTIMIZER_IDS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"]


def make_params(device, seed=0):
    rng = np.random.default_rng(seed)
    return [tg.tensor(rng.standard_normal(shape), requires_grad=True, device=device) for shape in [(3, 2), (2,)]]


def set_grads(params, rng):
    for param in params:
        param.grad = tg.tensor(rng.standard_normal(param.shape), device=param.device)


def values(params):
    return [param.detach().cpu().numpy().copy() for param in params]


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS, ids=OPTIMIZER_IDS)
def test_parameters_without_grad_are_skipped(device, make_optimizer):
    used, unused = make_params(device)
    before = unused.detach().cpu().numpy().copy()
    optimizer = make_optimizer([used, unused])
    used.grad = tg.ones(*used.shape, dtype=tg.float64, device=device)
    optimizer.step()
    np.testing.assert_array_equal(unused.detach().cpu().numpy(), before)
    # Adagrad, as PyTorch's, makes every parameter's state at the start: it must stay at step 0
    assert unused not in optimizer.state or optimizer.state[unused]["step"] == 0
    assert not np.array_equal(used.detach().cpu().numpy(), np.zeros(used.shape))


def test_frozen_parameters_are_accepted_and_left_alone():
    frozen = tg.ones(2)  # requires_grad=False, as PyTorch allows (e.g. a frozen pretrained layer)
    trained = tg.ones(2, requires_grad=True)
    optimizer = optim.SGD([frozen, trained], lr=0.5)
    trained.grad = tg.ones(2)
    optimizer.step()
    np.testing.assert_array_equal(frozen.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(trained.detach().numpy(), [0.5, 0.5])


def test_zero_grad_sets_gradients_to_none_by_default(device):
    params = make_params(device)
    set_grads(params, np.random.default_rng(1))
    optim.SGD(params, lr=0.1).zero_grad()
    assert all(param.grad is None for param in params)


def test_zero_grad_without_set_to_none_fills_zeros_in_place(device):
    params = make_params(device)
    set_grads(params, np.random.default_rng(1))
    grads = [param.grad for param in params]
    optim.SGD(params, lr=0.1).zero_grad(set_to_none=False)
    for param, grad in zip(params, grads):
        assert param.grad is grad
        np.testing.assert_array_equal(param.grad.cpu().numpy(), np.zeros(param.shape))


def test_step_after_backward_trains_a_parameter(device):
    weight = tg.tensor([3.0, -4.0], requires_grad=True, device=device)
    optimizer = optim.SGD([weight], lr=0.1)
    for _ in range(50):
        optimizer.zero_grad()
        (weight * weight).sum().backward()
        optimizer.step()
    np.testing.assert_allclose(weight.detach().cpu().numpy(), [0.0, 0.0], atol=1e-4)


def test_closure_is_evaluated_with_grad_and_its_loss_returned():
    weight = tg.tensor([2.0], requires_grad=True)
    optimizer = optim.SGD([weight], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (weight * weight).sum()
        loss.backward()
        return loss

    with tg.no_grad():
        loss = optimizer.step(closure)
    assert loss.item() == 4.0
    np.testing.assert_allclose(weight.detach().numpy(), [1.0])


def test_add_param_group_fills_in_defaults():
    first, second = tg.zeros(2, requires_grad=True), tg.zeros(3, requires_grad=True)
    optimizer = optim.SGD([first], lr=0.1, momentum=0.9)
    optimizer.add_param_group({"params": second, "lr": 0.01})
    assert len(optimizer.param_groups) == 2
    assert optimizer.param_groups[1]["params"] == [second]
    assert (optimizer.param_groups[1]["lr"], optimizer.param_groups[1]["momentum"]) == (0.01, 0.9)


@pytest.mark.parametrize(
    "params, error, message",
    [
        ([], ValueError, "SGD: got an empty parameter list"),
        (iter([]), ValueError, "empty parameter list"),
        (tg.zeros(2, requires_grad=True), TypeError, "got a single Tensor; pass a list"),
        ([np.zeros(2)], TypeError, "can only optimize Tensors, but one of the params is ndarray"),
        ({tg.zeros(2, requires_grad=True)}, TypeError, "ordered collection"),
        ([{"lr": 0.1}], ValueError, "needs a 'params' entry"),
    ],
    ids=["empty", "empty-iterator", "single-tensor", "numpy-array", "set", "group-without-params"],
)
def test_bad_parameter_lists_are_rejected(params, error, message):
    with pytest.raises(error, match=message):
        optim.SGD(params, lr=0.1)


def test_a_set_of_parameters_is_rejected_for_its_order():
    with pytest.raises(TypeError, match="ordered collection"):
        optim.SGD([{"params": {tg.zeros(2, requires_grad=True)}}], lr=0.1)


def test_a_non_leaf_tensor_is_rejected():
    weight = tg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"Adam: can't optimize a non-leaf Tensor .*shape \(2,\)"):
        optim.Adam([weight * 2])


def test_a_parameter_listed_twice_is_rejected():
    weight = tg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="same parameter twice"):
        optim.SGD([weight, weight], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [weight]}, {"params": [weight]}], lr=0.1)


def test_state_dict_has_pytorchs_layout():
    torch = pytest.importorskip("torch")
    ours = [tg.zeros(3, requires_grad=True), tg.zeros(2, requires_grad=True), tg.zeros(1, requires_grad=True)]
    theirs = [
        torch.zeros(3, requires_grad=True),
        torch.zeros(2, requires_grad=True),
        torch.zeros(1, requires_grad=True),
    ]
    for optim_module, params in ((optim, ours), (torch.optim, theirs)):
        optimizer = optim_module.Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.1}], amsgrad=True)
        for param in params[:2]:  # the third parameter gets no gradient, so no state
            param.grad = param.detach() + 1
        optimizer.step()
        if optim_module is optim:
            our_dict = optimizer.state_dict()
        else:
            their_dict = optimizer.state_dict()
    assert our_dict.keys() == their_dict.keys()
    assert our_dict["state"].keys() == their_dict["state"].keys() == {0, 1}
    assert our_dict["state"][0].keys() == their_dict["state"][0].keys()
    assert our_dict["state"][0]["step"] == their_dict["state"][0]["step"].item() == 1
    np.testing.assert_allclose(our_dict["state"][1]["exp_avg"].numpy(), their_dict["state"][1]["exp_avg"].numpy())
    assert [group["params"] for group in our_dict["param_groups"]] == [[0, 1], [2]]
    assert [group["params"] for group in their_dict["param_groups"]] == [[0, 1], [2]]
    for our_group, their_group in zip(our_dict["param_groups"], their_dict["param_groups"]):
        shared = our_group.keys() & their_group.keys()
        assert {"lr", "betas", "eps", "weight_decay", "amsgrad", "params"} <= shared
        assert {key: our_group[key] for key in shared} == {key: their_group[key] for key in shared}


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS, ids=OPTIMIZER_IDS)
def test_saved_and_reloaded_state_continues_training_identically(device, make_optimizer, tmp_path):
    rng = np.random.default_rng(2)
    params = make_params(device)
    optimizer = make_optimizer(params)
    for _ in range(3):
        set_grads(params, rng)
        optimizer.step()
    tg.save({"params": params, "optimizer": optimizer.state_dict()}, tmp_path / "checkpoint.safetensors")
    checkpoint = tg.load(tmp_path / "checkpoint.safetensors")
    resumed_params = [tg.tensor(param.detach(), requires_grad=True) for param in checkpoint["params"]]
    resumed = make_optimizer(resumed_params)
    resumed.load_state_dict(checkpoint["optimizer"])
    grad_rng = np.random.default_rng(3)
    grads = [[grad_rng.standard_normal(param.shape) for param in params] for _ in range(3)]
    for step_grads in grads:
        for run_params, run_optimizer in ((params, optimizer), (resumed_params, resumed)):
            for param, grad in zip(run_params, step_grads):
                param.grad = tg.tensor(grad, device=param.device)
            run_optimizer.step()
    for original, continued in zip(values(params), values(resumed_params)):
        np.testing.assert_array_equal(original, continued)


def test_load_state_dict_copies_the_state_and_casts_it_to_the_parameters_dtype():
    source_weight = tg.zeros(2, requires_grad=True, dtype=tg.float64)
    source = optim.SGD([source_weight], lr=0.1, momentum=0.9)
    source_weight.grad = tg.ones(2, dtype=tg.float64)
    source.step()
    target_weight = tg.zeros(2, requires_grad=True)
    target = optim.SGD([target_weight], lr=0.5)
    state_dict = source.state_dict()
    target.load_state_dict(state_dict)
    buffer = target.state[target_weight]["momentum_buffer"]
    assert buffer.dtype == tg.float32
    assert buffer is not state_dict["state"][0]["momentum_buffer"]
    assert (target.param_groups[0]["lr"], target.param_groups[0]["momentum"]) == (0.1, 0.9)
    assert target.param_groups[0]["params"][0] is target_weight
    state_dict["param_groups"][0]["lr"] = 7.0
    assert target.param_groups[0]["lr"] == 0.1


def test_load_state_dict_rejects_a_different_set_of_parameters():
    optimizer = optim.SGD([tg.zeros(2, requires_grad=True), tg.zeros(3, requires_grad=True)], lr=0.1)
    state_dict = optimizer.state_dict()
    with pytest.raises(ValueError, match="parameter group 0 has 2 parameters in the state dict but 1"):
        optim.SGD([tg.zeros(2, requires_grad=True)], lr=0.1).load_state_dict(state_dict)
    with pytest.raises(ValueError, match="has 1 parameter groups, the optimizer has 2"):
        two_groups = [{"params": [tg.zeros(1, requires_grad=True)]}, {"params": [tg.zeros(1, requires_grad=True)]}]
        optim.SGD(two_groups, lr=0.1).load_state_dict(state_dict)
    with pytest.raises(ValueError, match="expected a dict with 'state' and 'param_groups'"):
        optimizer.load_state_dict({"state": {}})


def test_repr_lists_each_groups_options():
    text = repr(optim.SGD([tg.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (\nParameter Group 0\n")
    assert "    lr: 0.1\n" in text and "    momentum: 0.9\n" in text


@pytest.mark.parametrize("name, options", [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)), ("Adam", dict(lr=0.05))])
def test_training_a_model_matches_torch(name, options):
    torch = pytest.importorskip("torch")

    def build(nn):
        return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))

    ours = build(tg.nn).double()
    theirs = build(torch.nn).double()
    theirs.load_state_dict({key: torch.tensor(value.numpy()) for key, value in ours.state_dict().items()})
    our_optimizer = getattr(optim, name)(ours.parameters(), **options)
    their_optimizer = getattr(torch.optim, name)(theirs.parameters(), **options)
    rng = np.random.default_rng(4)
    for _ in range(5):
        x, target = rng.standard_normal((8, 3)), rng.integers(0, 2, 8)
        for model, optimizer, module, nn in (
            (ours, our_optimizer, tg, tg.nn),
            (theirs, their_optimizer, torch, torch.nn),
        ):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(module.tensor(x)), module.tensor(target)).backward()
            optimizer.step()
    for (key, ours_value), their_value in zip(ours.state_dict().items(), theirs.state_dict().values()):
        np.testing.assert_allclose(ours_value.numpy(), their_value.numpy(), rtol=1e-6, atol=1e-12, err_msg=key)


def test_a_custom_optimizer_needs_only_step():
    class SignSGD(optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        def step(self, closure=None):
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is not None:
                        param._data -= group["lr"] * (param.grad._data > 0) - group["lr"] * (param.grad._data < 0)

    weight = tg.tensor([1.0, 1.0, 1.0], requires_grad=True)
    optimizer = SignSGD([weight], lr=0.5)
    weight.grad = tg.tensor([3.0, -0.1, 0.0])
    optimizer.step()
    np.testing.assert_array_equal(weight.detach().numpy(), [0.5, 1.5, 1.0])
    assert optimizer.state_dict()["param_groups"] == [{"lr": 0.5, "params": [0]}]
