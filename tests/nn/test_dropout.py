"""dropout and Dropout: the train/eval switch, the scaling, the mask in the gradient, and seeding."""

import numpy as np
import pytest
from nn_reference import host

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn


def test_training_zeroes_about_p_and_scales_the_rest(device):
    tg.manual_seed(0)
    x = tg.ones(200, 100, device=device, requires_grad=True)
    out = F.dropout(x, p=0.3)
    values = host(out)
    assert set(np.unique(values)) <= {0.0, np.float32(1 / 0.7)}
    assert (values == 0).mean() == pytest.approx(0.3, abs=0.02)
    assert out.dtype == tg.float32
    upstream = np.random.default_rng(0).standard_normal((200, 100)).astype(np.float32)
    out.backward(tg.tensor(upstream, device=device))
    np.testing.assert_allclose(host(x.grad), upstream * values, rtol=1e-6)  # same mask, same scale


def test_eval_mode_and_p_zero_are_the_identity(device):
    x = tg.randn(4, 5, device=device)
    layer = nn.Dropout(0.5)
    layer.eval()
    assert layer(x) is x
    assert F.dropout(x, 0.0) is x
    assert F.dropout(x, 0.5, training=False) is x


def test_p_one_drops_everything(device):
    x = tg.randn(3, 4, device=device, requires_grad=True)
    out = F.dropout(x, 1.0)
    out.sum().backward()
    assert not host(out).any() and not host(x.grad).any()


def test_the_mask_is_repeatable_with_manual_seed():
    layer = nn.Dropout(0.5)
    tg.manual_seed(7)
    first = host(layer(tg.ones(50)))
    tg.manual_seed(7)
    np.testing.assert_array_equal(first, host(layer(tg.ones(50))))
    assert not np.array_equal(first, host(layer(tg.ones(50))))


def test_bad_probability_is_an_error():
    with pytest.raises(ValueError, match="probability p has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="dropout: probability p has to be between 0 and 1, but got -0.1"):
        F.dropout(tg.zeros(2), -0.1)
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2, inplace=False)"
