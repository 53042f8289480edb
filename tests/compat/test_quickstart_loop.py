"""A quickstart-style Fashion-MNIST classifier, as a PyTorch user writes a first training loop.

The program is the usual one: pick the accelerator, wrap tensors in a Dataset and DataLoader, an
`nn.Module` with Flatten and a Linear/ReLU stack, CrossEntropyLoss and SGD, then a `train` and a `test`
function. It runs on a small slice of Debian's Fashion-MNIST so that the test takes about a second.
"""

import numpy as np
import pytest
from debian_data import DEBIAN_FASHION_MNIST, needs_debian_fashion_mnist

import tinygrad_edu
from tinygrad_edu import datasets

pytestmark = needs_debian_fashion_mnist


@pytest.fixture(scope="module")
def fashion_slices():
    """(images, labels) numpy arrays: 512 training and 256 test examples, pixels scaled to [0, 1]."""

    def first(train, count):
        dataset = datasets.FashionMNIST(DEBIAN_FASHION_MNIST, train=train)
        images = dataset.data.numpy()[:count].astype(np.float32) / 255
        return images, dataset.targets.numpy()[:count].astype(np.int64)

    return first(True, 512), first(False, 256)


def quickstart(lib, train_arrays, test_arrays, initial_state=None, epochs=2, lr=0.1):
    """Train and test the classifier; returns (initial weights, batch losses, test accuracy, test loss)."""
    device = lib.accelerator.current_accelerator().type if lib.accelerator.is_available() else "cpu"
    train_data = lib.utils.data.TensorDataset(*(lib.from_numpy(array) for array in train_arrays))
    test_data = lib.utils.data.TensorDataset(*(lib.from_numpy(array) for array in test_arrays))
    train_dataloader = lib.utils.data.DataLoader(train_data, batch_size=64)
    test_dataloader = lib.utils.data.DataLoader(test_data, batch_size=64)

    class NeuralNetwork(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = lib.nn.Flatten()
            self.linear_relu_stack = lib.nn.Sequential(
                lib.nn.Linear(28 * 28, 64), lib.nn.ReLU(), lib.nn.Linear(64, 64), lib.nn.ReLU(), lib.nn.Linear(64, 10)
            )

        def forward(self, x):
            return self.linear_relu_stack(self.flatten(x))

    model = NeuralNetwork().to(device)
    if initial_state is not None:
        model.load_state_dict({name: lib.tensor(array) for name, array in initial_state.items()})
    start = {name: value.detach().numpy().copy() for name, value in model.state_dict().items()}
    loss_fn = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=lr)
    losses = []

    def train(dataloader, model, loss_fn, optimizer):
        model.train()
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            loss = loss_fn(model(X), y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())

    def test(dataloader, model, loss_fn):
        model.eval()
        test_loss, correct = 0.0, 0
        with lib.no_grad():
            for X, y in dataloader:
                X, y = X.to(device), y.to(device)
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(lib.float).sum().item()
        return correct / len(dataloader.dataset), test_loss / len(dataloader)

    for _ in range(epochs):
        train(train_dataloader, model, loss_fn, optimizer)
    accuracy, test_loss = test(test_dataloader, model, loss_fn)
    return start, losses, accuracy, test_loss


def test_the_quickstart_loop_learns_on_tinygrad_edu(fashion_slices):
    tinygrad_edu.manual_seed(0)
    _, losses, accuracy, test_loss = quickstart(tinygrad_edu, *fashion_slices, epochs=4)
    assert len(losses) == 4 * 512 // 64
    assert losses[0] == pytest.approx(np.log(10), abs=0.1)  # a fresh 10-way classifier is near uniform
    assert np.mean(losses[-8:]) < np.mean(losses[:8]) - 0.2  # measured 2.29 -> 1.97
    assert test_loss < 2.0 and accuracy > 0.4  # chance: log(10) = 2.30 and 0.1; measured 1.83 and 0.57


def test_the_quickstart_loop_matches_pytorch(fashion_slices, torch):
    tinygrad_edu.manual_seed(0)
    start, losses, accuracy, test_loss = quickstart(tinygrad_edu, *fashion_slices)
    _, torch_losses, torch_accuracy, torch_test_loss = quickstart(torch, *fashion_slices, initial_state=start)
    np.testing.assert_allclose(losses, torch_losses, rtol=1e-4)
    assert test_loss == pytest.approx(torch_test_loss, rel=1e-4)
    assert accuracy == pytest.approx(torch_accuracy, abs=1 / 256)  # at most one near-tie may flip
