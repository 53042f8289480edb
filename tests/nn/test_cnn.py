"""A whole CNN against PyTorch: with PyTorch's state_dict copied in by key, the loss and every
parameter's gradient agree, on every backend; and a state_dict round trip reproduces the loss."""

import numpy as np
import pytest
from nn_reference import host

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F


def cnn(m):
    return m.nn.Sequential(
        m.nn.Conv2d(1, 16, 3, padding=1),
        m.nn.ReLU(),
        m.nn.MaxPool2d(2),
        m.nn.Conv2d(16, 32, 3, padding=1),
        m.nn.ReLU(),
        m.nn.MaxPool2d(2),
        m.nn.Flatten(),
        m.nn.Linear(1568, 10),
    )


def batch(seed=0, size=8):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((size, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, size)


def test_cnn_loss_and_every_gradient_match_torch(torch, device):
    torch.manual_seed(0)
    theirs = cnn(torch)
    ours = cnn(tg)
    ours.load_state_dict(theirs.state_dict())  # torch tensors convert like numpy arrays
    ours.to(device)
    images, labels = batch()
    their_loss = torch.nn.functional.cross_entropy(theirs(torch.tensor(images)), torch.tensor(labels))
    our_loss = F.cross_entropy(ours(tg.tensor(images, device=device)), tg.tensor(labels, device=device))
    assert our_loss.item() == pytest.approx(their_loss.item(), rel=1e-5)
    their_loss.backward()
    our_loss.backward()
    our_parameters = dict(ours.named_parameters())
    assert list(our_parameters) == [name for name, _ in theirs.named_parameters()]
    for name, their_parameter in theirs.named_parameters():
        our_grad = our_parameters[name].grad
        assert our_grad.dtype == tg.float32
        np.testing.assert_allclose(host(our_grad), their_parameter.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)


def test_state_dict_round_trip_reproduces_the_loss():
    tg.manual_seed(1)
    first, second = cnn(tg), cnn(tg)
    images, labels = batch(1)
    x, y = tg.tensor(images), tg.tensor(labels)
    assert F.cross_entropy(first(x), y).item() != F.cross_entropy(second(x), y).item()
    second.load_state_dict(first.state_dict())
    assert F.cross_entropy(first(x), y).item() == F.cross_entropy(second(x), y).item()


def test_parameter_count_follows_the_formulas():
    model = cnn(tg)
    counts = [p.numel() for p in model.parameters()]
    assert counts == [16 * 1 * 9, 16, 32 * 16 * 9, 32, 10 * 1568, 10]
    assert sum(counts) == 16 * (1 * 9 + 1) + 32 * (16 * 9 + 1) + 10 * (1568 + 1)
