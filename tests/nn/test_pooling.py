"""MaxPool2d and AvgPool2d, the layers: shapes, default stride and repr (the ops themselves:
tests/ops/test_pooling.py); AdaptiveAvgPool2d against PyTorch and by hand."""

import numpy as np
import pytest
from nn_reference import assert_matches_torch

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn


def test_pool_layers_default_stride_to_kernel_size():
    x = tg.randn(2, 3, 28, 28)
    assert nn.MaxPool2d(2)(x).shape == (2, 3, 14, 14)
    assert nn.AvgPool2d(3)(x).shape == (2, 3, 9, 9)
    assert nn.MaxPool2d(3, ceil_mode=True)(x).shape == (2, 3, 10, 10)
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"


@pytest.mark.parametrize("output_size", [1, (3, 2), (None, 4), (5, 7)])
def test_adaptive_avg_pool2d_matches_torch(torch, device, output_size):
    x = np.random.default_rng(6).standard_normal((2, 3, 7, 5)).astype(np.float32)
    layer = lambda m: m.nn.AdaptiveAvgPool2d(output_size)  # noqa: E731
    assert_matches_torch(lambda m, t: layer(m)(t), x, device=device, atol=1e-6)
    assert repr(layer(tg)) == repr(layer(torch))


def test_adaptive_avg_pool2d_by_hand_and_unbatched():
    x = tg.arange(10.0).reshape(1, 1, 2, 5)
    # Width 5 into 2 windows: cells 0..2 and 2..4 (they share cell 2); height 2 into 1: both rows.
    assert F.adaptive_avg_pool2d(x, (1, 2)).tolist() == [[[[(0 + 1 + 2 + 5 + 6 + 7) / 6, (2 + 3 + 4 + 7 + 8 + 9) / 6]]]]
    assert nn.AdaptiveAvgPool2d(1)(tg.ones(3, 4, 4)).shape == (3, 1, 1)
    assert F.adaptive_avg_pool2d(x, 0).shape == (1, 1, 0, 0)  # empty, as PyTorch
    with pytest.raises(ValueError, match="output_size"):
        F.adaptive_avg_pool2d(x, -1)


def test_maxpool_return_indices_feeds_maxunpool(torch):
    assert repr(nn.MaxUnpool2d(2, stride=1)) == repr(torch.nn.MaxUnpool2d(2, stride=1))
    x = tg.randn(1, 2, 4, 6)
    pooled, indices = nn.MaxPool2d(2, return_indices=True)(x)
    restored = nn.MaxUnpool2d(2)(pooled, indices)
    assert restored.shape == x.shape
    assert (restored.detach() == tg.where(restored.detach() != 0, x, tg.zeros_like(x))).all()
    assert nn.MaxUnpool2d(2)(pooled, indices, output_size=(1, 2, 5, 7)).shape == (1, 2, 5, 7)
