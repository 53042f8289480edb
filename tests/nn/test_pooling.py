"""MaxPool2d and AvgPool2d, the layers: shapes, default stride and repr (the ops themselves:
tests/ops/test_pooling.py)."""

import tinygrad_edu as tg
from tinygrad_edu import nn


def test_pool_layers_default_stride_to_kernel_size():
    x = tg.randn(2, 3, 28, 28)
    assert nn.MaxPool2d(2)(x).shape == (2, 3, 14, 14)
    assert nn.AvgPool2d(3)(x).shape == (2, 3, 9, 9)
    assert nn.MaxPool2d(3, ceil_mode=True)(x).shape == (2, 3, 10, 10)
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
