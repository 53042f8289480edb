"""Embedding: lookups and row gradients against PyTorch, padding_idx, N(0, 1) init, from_pretrained."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nn_reference import host

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn
from tinygrad_edu.testing import gradcheck


@given(indices=st.lists(st.integers(0, 4), min_size=1, max_size=6))
def test_gradcheck_with_repeated_indices(device, indices):
    weight = tg.tensor(np.random.default_rng(0).standard_normal((5, 3)), device=device, requires_grad=True)
    assert gradcheck(lambda w: F.embedding(tg.tensor(indices, device=device), w), weight)


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_matches_torch(torch, device, padding_idx):
    table = np.random.default_rng(1).standard_normal((6, 4)).astype(np.float32)
    indices = np.array([[0, 2, 2], [5, 1, 2]])
    upstream = np.random.default_rng(2).standard_normal((2, 3, 4)).astype(np.float32)
    ours = tg.tensor(table, device=device, requires_grad=True)
    theirs = torch.tensor(table, requires_grad=True)
    out = F.embedding(tg.tensor(indices, device=device), ours, padding_idx)
    expected = torch.nn.functional.embedding(torch.tensor(indices), theirs, padding_idx)
    np.testing.assert_array_equal(host(out), expected.detach().numpy())
    out.backward(tg.tensor(upstream, device=device))
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(host(ours.grad), theirs.grad.numpy(), rtol=1e-6)
    assert repr(nn.Embedding(6, 4, padding_idx)) == repr(torch.nn.Embedding(6, 4, padding_idx))


def test_layer_init_padding_row_and_state_dict():
    tg.manual_seed(0)
    layer = nn.Embedding(1000, 50, padding_idx=3)
    weights = layer.weight.detach().numpy()
    assert weights.shape == (1000, 50) and weights.dtype == np.float32
    assert abs(weights.mean()) < 0.02 and abs(weights.std() - 1) < 0.02  # N(0, 1)
    assert not weights[3].any()
    assert list(layer.state_dict()) == ["weight"]
    layer(tg.tensor([3, 4, 3])).sum().backward()
    assert not layer.weight.grad.numpy()[3].any() and layer.weight.grad.numpy()[4].tolist() == [1.0] * 50


def test_from_pretrained_freezes_by_default():
    table = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    layer = nn.Embedding.from_pretrained(table)
    assert not layer.weight.requires_grad
    assert layer(tg.tensor([1, 0])).tolist() == [[3.0, 4.0], [1.0, 2.0]]
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_errors():
    weight = tg.ones(3, 2)
    with pytest.raises(IndexError, match="embedding: index out of range"):
        F.embedding(tg.tensor([3]), weight)
    with pytest.raises(RuntimeError, match="integer tensor"):
        F.embedding(tg.tensor([1.0]), weight)
    with pytest.raises(NotImplementedError, match="max_norm"):
        nn.Embedding(3, 2, max_norm=1.0)
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(3, 2, padding_idx=3)
