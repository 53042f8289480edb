"""The benchmark's hand-written numpy reference computes what PyTorch computes (else its timings mean nothing)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reference = load("numpy_reference")
benchmark = load("bench_training")  # its model definitions: the tests check the very models it times


@pytest.mark.parametrize("padding", [0, 1, 2])
def test_conv2d_forward_and_every_gradient_match_torch(torch, padding):
    rng = np.random.default_rng(padding)
    x, weight, bias = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    out, columns = reference.conv2d_forward(x, weight, bias, padding, np)
    grad_out = rng.standard_normal(out.shape)
    grads = reference.conv2d_backward(grad_out, columns, weight, x.shape, padding, np)
    inputs = [torch.tensor(array, requires_grad=True) for array in (x, weight, bias)]
    expected = torch.nn.functional.conv2d(*inputs, padding=padding)
    expected.backward(torch.tensor(grad_out))
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    for grad, value in zip(grads, inputs):
        np.testing.assert_allclose(grad, value.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_max_pool_sends_each_windows_gradient_to_its_first_maximum_as_torch(torch):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, (2, 3, 6, 8)).astype(np.float64)  # few distinct values: many ties
    out = reference.max_pool2x2_forward(x, np)
    grad_out = rng.standard_normal(out.shape)
    grad = reference.max_pool2x2_backward(grad_out, x, out, np)
    input = torch.tensor(x, requires_grad=True)
    expected = torch.nn.functional.max_pool2d(input, 2)
    expected.backward(torch.tensor(grad_out))
    np.testing.assert_array_equal(out, expected.detach().numpy())
    np.testing.assert_allclose(grad, input.grad.numpy(), rtol=1e-12)


def run_torch_steps(torch, model, loss_function, x, target, lr, steps, optimizer="SGD"):
    optimizer = getattr(torch.optim, optimizer)(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_function(model(torch.tensor(x)), torch.tensor(target))
        loss.backward()
        optimizer.step()
    return loss.item(), [value.detach().numpy() for value in model.state_dict().values()]


def check_against_torch(torch, model, reference_run, loss_function, x, target, steps=2, lr=0.1, optimizer="SGD"):
    weights = [value.detach().numpy().copy() for value in model.state_dict().values()]
    reference_loss = reference_run(weights, x, target, lr)
    expected_loss, expected_weights = run_torch_steps(torch, model, loss_function, x, target, lr, steps, optimizer)
    assert float(reference_loss) == pytest.approx(expected_loss, rel=1e-10)
    for weight, expected in zip(weights, expected_weights):
        np.testing.assert_allclose(weight, expected, rtol=1e-9, atol=1e-12)


def test_mlp_steps_match_torch(torch):
    nn = torch.nn
    model = nn.Sequential(nn.Linear(12, 6), nn.ReLU(), nn.Linear(6, 4)).double()
    rng = np.random.default_rng(1)

    def run(weights, x, target, lr):
        step = reference.MLPStep(weights, x, target, lr, np)
        return [step.step() for _ in range(2)][-1]

    check_against_torch(torch, model, run, nn.CrossEntropyLoss(), rng.standard_normal((5, 12)), rng.integers(0, 4, 5))


def test_cnn_steps_match_torch(torch):
    nn = torch.nn
    model = benchmark.cnn(nn).double()
    rng = np.random.default_rng(2)

    def run(weights, x, target, lr):
        step = reference.CNNStep(weights, x, target, lr, np)
        return [step.step() for _ in range(2)][-1]

    check_against_torch(
        torch, model, run, nn.CrossEntropyLoss(), rng.standard_normal((3, 1, 28, 28)), rng.integers(0, 10, 3)
    )


def test_mnist_cnn_adam_steps_match_torch(torch):
    nn = torch.nn
    model = benchmark.mnist_cnn(nn).double()
    rng = np.random.default_rng(3)

    def run(weights, x, target, lr):
        step = reference.CNNStep(weights, x, target, lr, np, optimizer="adam")
        return [step.step() for _ in range(3)][-1]

    x, target = rng.standard_normal((3, 1, 28, 28)), rng.integers(0, 10, 3)
    check_against_torch(torch, model, run, nn.CrossEntropyLoss(), x, target, steps=3, lr=2e-3, optimizer="Adam")


def test_xor_training_matches_torch(torch):
    nn = torch.nn
    model = benchmark.xor_mlp(nn).double()
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    target = np.array([[0], [1], [1], [0]], dtype=np.float64)

    def run(weights, x, target, lr):
        return reference.xor_training(weights, x, target, lr, 20, np)

    check_against_torch(torch, model, run, nn.MSELoss(), x, target, steps=20, lr=0.5)
