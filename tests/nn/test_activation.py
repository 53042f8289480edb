"""Activation, Flatten and Identity layers and their functional forms against PyTorch."""

import numpy as np
import pytest
from nn_reference import assert_matches_torch

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn

LAYERS = {
    "ReLU": lambda m: m.nn.ReLU(),
    "Sigmoid": lambda m: m.nn.Sigmoid(),
    "Tanh": lambda m: m.nn.Tanh(),
    "Softmax": lambda m: m.nn.Softmax(dim=1),
    "LogSoftmax": lambda m: m.nn.LogSoftmax(dim=-1),
    "Flatten": lambda m: m.nn.Flatten(),
    "Identity": lambda m: m.nn.Identity(),
}


@pytest.mark.parametrize("name", LAYERS)
def test_layers_match_torch(torch, device, name):
    x = np.random.default_rng(0).standard_normal((3, 4, 2)).astype(np.float32)
    x[np.abs(x) < 0.05] = 0.5  # away from relu's kink
    assert_matches_torch(lambda m, t: LAYERS[name](m)(t), x, device=device)
    assert repr(LAYERS[name](tg)) == repr(LAYERS[name](torch))


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "softmax", "log_softmax"])
def test_functional_forms_match_torch(device, name):
    x = (np.random.default_rng(1).standard_normal((2, 5)) * 10).astype(np.float32)
    arguments = {"dim": 1} if "softmax" in name else {}
    assert_matches_torch(lambda m, t: getattr(m.nn.functional, name)(t, **arguments), x, device=device, atol=1e-5)


def test_flatten_dims_and_implicit_softmax_dim():
    x = tg.zeros(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Softmax()(tg.zeros(2, 3)).sum(1).tolist() == [1.0, 1.0]  # PyTorch's legacy choice: dim 1 for 2-D


def test_functional_pad_is_the_package_pad():
    assert F.pad is tg.pad
    assert F.pad(tg.ones(1, 1, 2, 2), (1, 1, 0, 2)).shape == (1, 1, 4, 4)


NEW_LAYERS = {
    "LeakyReLU": lambda m: m.nn.LeakyReLU(0.3),
    "GELU": lambda m: m.nn.GELU(),
    "GELU_tanh": lambda m: m.nn.GELU(approximate="tanh"),
    "SiLU": lambda m: m.nn.SiLU(),
    "Softplus": lambda m: m.nn.Softplus(beta=0.5, threshold=4.0),
    "Unflatten": lambda m: m.nn.Unflatten(1, (2, 2)),
}


@pytest.mark.parametrize("name", NEW_LAYERS)
def test_new_layers_match_torch(torch, device, name):
    x = (np.random.default_rng(3).standard_normal((3, 4, 2)) * 3).astype(np.float32)
    assert_matches_torch(lambda m, t: NEW_LAYERS[name](m)(t), x, device=device)
    assert repr(NEW_LAYERS[name](tg)) == repr(NEW_LAYERS[name](torch))


def test_unflatten_is_flattens_inverse():
    x = tg.arange(24.0).reshape(2, 12)
    restored = nn.Unflatten(1, (3, 4))(x)
    assert restored.shape == (2, 3, 4)
    assert nn.Flatten()(restored).tolist() == x.tolist()
