"""A LeNet-style network written as PyTorch users write one: layers made in `__init__`, a `forward`
that calls F.relu and F.max_pool2d and flattens with `view`, then a few SGD steps with momentum.

Both libraries start from the same weights (tinygrad_edu's random init copied into PyTorch through
state_dict) and see the same images, so outputs, loss, every gradient and the trained weights must agree.
"""

import numpy as np
import pytest

import tinygrad_edu


def make_lenet(lib):
    F = lib.nn.functional

    class LeNet(lib.nn.Module):
        def __init__(self, num_classes=10):
            super().__init__()
            self.conv1 = lib.nn.Conv2d(1, 6, 5, padding=2)  # 28x28 -> 28x28
            self.conv2 = lib.nn.Conv2d(6, 16, kernel_size=(5, 5))  # 14x14 -> 10x10
            self.fc1 = lib.nn.Linear(16 * 5 * 5, 120)
            self.fc2 = lib.nn.Linear(120, 84)
            self.fc3 = lib.nn.Linear(84, num_classes)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(-1, self.num_flat_features(x))
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

        def num_flat_features(self, x):
            count = 1
            for size in x.size()[1:]:
                count *= size
            return count

    return LeNet()


def train_lenet(lib, images, labels, initial_state=None, steps=3):
    """(start weights, first logits, losses, gradients after the first step, final weights) as numpy."""
    model = make_lenet(lib)
    if initial_state is not None:
        model.load_state_dict({name: lib.tensor(array) for name, array in initial_state.items()})
    start = {name: value.detach().numpy().copy() for name, value in model.state_dict().items()}
    optimizer = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    x, y = lib.tensor(images), lib.tensor(labels)
    losses, logits, gradients = [], None, None
    for _ in range(steps):
        optimizer.zero_grad()
        output = model(x)
        loss = lib.nn.functional.cross_entropy(output, y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if logits is None:
            logits = output.detach().numpy().copy()
            gradients = {name: param.grad.numpy().copy() for name, param in model.named_parameters()}
    final = {name: value.detach().numpy().copy() for name, value in model.state_dict().items()}
    return start, logits, losses, gradients, final


@pytest.fixture
def batch():
    rng = np.random.default_rng(5)
    return rng.random((8, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 8)


def test_lenet_has_pytorchs_parameter_names_and_shapes():
    shapes = {name: tuple(value.shape) for name, value in make_lenet(tinygrad_edu).state_dict().items()}
    assert shapes == {
        "conv1.weight": (6, 1, 5, 5),
        "conv1.bias": (6,),
        "conv2.weight": (16, 6, 5, 5),
        "conv2.bias": (16,),
        "fc1.weight": (120, 400),
        "fc1.bias": (120,),
        "fc2.weight": (84, 120),
        "fc2.bias": (84,),
        "fc3.weight": (10, 84),
        "fc3.bias": (10,),
    }


def test_lenet_fits_a_batch_on_tinygrad_edu(batch):
    tinygrad_edu.manual_seed(0)
    _, logits, losses, _, _ = train_lenet(tinygrad_edu, *batch, steps=12)
    assert logits.shape == (8, 10)
    assert losses[-1] < losses[0] - 0.25  # measured 2.30 -> 1.91 on random images and labels


def test_lenet_matches_pytorch(batch, torch):
    tinygrad_edu.manual_seed(0)
    start, logits, losses, gradients, final = train_lenet(tinygrad_edu, *batch)
    _, torch_logits, torch_losses, torch_gradients, torch_final = train_lenet(torch, *batch, initial_state=start)
    np.testing.assert_allclose(logits, torch_logits, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(losses, torch_losses, rtol=1e-5)
    assert gradients.keys() == torch_gradients.keys()
    for name, gradient in gradients.items():
        np.testing.assert_allclose(gradient, torch_gradients[name], rtol=1e-3, atol=1e-6, err_msg=name)
    for name, weight in final.items():
        np.testing.assert_allclose(weight, torch_final[name], rtol=1e-4, atol=1e-6, err_msg=name)
