"""Fit y = sin(x) with a cubic, the way PyTorch users first meet the library: three times, each time
with a bit more of it (raw tensors with hand-written gradients, autograd, then `nn` and `optim`).

Each program takes the library module (`torch` or `tinygrad_edu`) and runs unchanged on both; the
tests run it on tinygrad_edu alone and, where PyTorch is installed, compare the two runs number by number.
"""

import math

import numpy as np
import pytest

import tinygrad_edu

START = (0.3, -0.2, 0.1, 0.05)  # a, b, c, d of a + b x + c x^2 + d x^3: the same start for both libraries


def fit_with_manual_gradients(lib, steps=300, lr=1e-5):
    x = lib.linspace(-math.pi, math.pi, 200, dtype=lib.float64)
    y = lib.sin(x)
    a, b, c, d = (lib.tensor(value, dtype=lib.float64) for value in START)
    for _ in range(steps):
        prediction = a + b * x + c * x**2 + d * x**3
        loss = (prediction - y).pow(2).sum()
        grad_prediction = 2.0 * (prediction - y)
        a -= lr * grad_prediction.sum()
        b -= lr * (grad_prediction * x).sum()
        c -= lr * (grad_prediction * x**2).sum()
        d -= lr * (grad_prediction * x**3).sum()
    return loss.item(), [a.item(), b.item(), c.item(), d.item()]


def fit_with_autograd(lib, steps=300, lr=1e-5):
    x = lib.linspace(-math.pi, math.pi, 200, dtype=lib.float64)
    y = lib.sin(x)
    a, b, c, d = (lib.tensor(value, dtype=lib.float64, requires_grad=True) for value in START)
    for _ in range(steps):
        loss = (a + b * x + c * x**2 + d * x**3 - y).pow(2).sum()
        loss.backward()
        with lib.no_grad():
            for coefficient in (a, b, c, d):
                coefficient -= lr * coefficient.grad
                coefficient.grad = None
    return loss.item(), [a.item(), b.item(), c.item(), d.item()]


def fit_with_nn_and_optim(lib, optimizer_name="SGD", steps=200, **optimizer_arguments):
    x = lib.linspace(-math.pi, math.pi, 200)
    y = lib.sin(x)
    features = x.unsqueeze(-1).pow(lib.tensor([1, 2, 3]))  # columns x, x^2, x^3
    model = lib.nn.Sequential(lib.nn.Linear(3, 1), lib.nn.Flatten(0, 1))
    model.load_state_dict({"0.weight": lib.tensor([list(START[1:])]), "0.bias": lib.tensor([START[0]])})
    loss_fn = lib.nn.MSELoss(reduction="sum")
    optimizer = getattr(lib.optim, optimizer_name)(model.parameters(), **optimizer_arguments)
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(features), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    weight, bias = model[0].weight, model[0].bias
    return losses, [bias.item(), *weight[0].tolist()]


OPTIMIZERS = [
    ("SGD", {"lr": 1e-5}),
    ("SGD", {"lr": 1e-5, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"lr": 1e-2}),
    ("RMSprop", {"lr": 1e-3, "momentum": 0.5}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 1e-3}),
    # Adadelta divides by sqrt(v + eps), and v gets tiny when a coordinate's gradient crosses zero: from
    # step ~40 on, a rounding difference grows ~1000-fold every 10 steps (measured in float64 too), so
    # two correct implementations drift apart. Compare the 30 steps before that.
    ("Adadelta", {"lr": 1.0, "weight_decay": 1e-3, "steps": 30}),
]


@pytest.mark.parametrize("fit", [fit_with_manual_gradients, fit_with_autograd])
def test_the_cubic_fit_approaches_sin(fit):
    x = np.linspace(-np.pi, np.pi, 200)
    start_loss = float(((np.polyval(START[::-1], x) - np.sin(x)) ** 2).sum())
    loss, (a, b, c, d) = fit(tinygrad_edu)
    assert loss < start_loss / 5
    assert b > 0 and d < 0  # sin x ~ x - x^3/6 near 0


def test_manual_gradients_and_autograd_take_the_same_steps():
    loss, coefficients = fit_with_autograd(tinygrad_edu)
    manual_loss, manual_coefficients = fit_with_manual_gradients(tinygrad_edu)
    assert loss == pytest.approx(manual_loss, rel=1e-12)
    np.testing.assert_allclose(coefficients, manual_coefficients, rtol=1e-12)


@pytest.mark.parametrize("fit", [fit_with_manual_gradients, fit_with_autograd])
def test_the_raw_tensor_fits_match_pytorch(fit, torch):
    loss, coefficients = fit(tinygrad_edu)
    torch_loss, torch_coefficients = fit(torch)
    assert loss == pytest.approx(torch_loss, rel=1e-10)
    np.testing.assert_allclose(coefficients, torch_coefficients, rtol=1e-10)


@pytest.mark.parametrize(("name", "arguments"), OPTIMIZERS, ids=[f"{name}-{len(a)}" for name, a in OPTIMIZERS])
def test_the_nn_fit_decreases_its_loss(name, arguments):
    losses, _ = fit_with_nn_and_optim(tinygrad_edu, name, **arguments)
    assert losses[-1] < losses[0] / 1.5


@pytest.mark.parametrize(("name", "arguments"), OPTIMIZERS, ids=[f"{name}-{len(a)}" for name, a in OPTIMIZERS])
def test_the_nn_fit_matches_pytorch(name, arguments, torch):
    losses, coefficients = fit_with_nn_and_optim(tinygrad_edu, name, **arguments)
    torch_losses, torch_coefficients = fit_with_nn_and_optim(torch, name, **arguments)
    np.testing.assert_allclose(losses, torch_losses, rtol=2e-4)
    np.testing.assert_allclose(coefficients, torch_coefficients, rtol=2e-4, atol=1e-5)
