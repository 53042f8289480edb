"""Conv2d, the layer: shapes, parameters, repr, dtype, the errors users hit through it, and the checks
it makes as it is built (the op itself: tests/ops/test_conv.py)."""

import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn


def test_conv2d_layer_shapes_parameters_and_repr():
    layer = nn.Conv2d(3, 16, 5, stride=2, padding=2)
    assert layer.weight.shape == (16, 3, 5, 5) and layer.bias.shape == (16,)
    assert sum(p.numel() for p in layer.parameters()) == 16 * (3 * 5 * 5 + 1)
    assert layer(tg.zeros(2, 3, 32, 32)).shape == (2, 16, 16, 16)
    assert repr(layer) == "Conv2d(3, 16, kernel_size=(5, 5), stride=(2, 2), padding=(2, 2))"
    assert repr(nn.Conv2d(1, 2, (1, 3), padding="same", bias=False)) == (
        "Conv2d(1, 2, kernel_size=(1, 3), stride=(1, 1), padding=same, bias=False)"
    )


def test_conv2d_stays_float32(device):
    layer = nn.Conv2d(2, 3, 3).to(device)
    x = tg.randn(2, 2, 5, 5, device=device, requires_grad=True)
    out = layer(x)
    out.sum().backward()
    assert out.dtype == tg.float32 and x.grad.dtype == tg.float32 and layer.weight.grad.dtype == tg.float32


def test_wrong_channel_count_names_both_counts_and_the_weight_shape():
    layer = nn.Conv2d(1, 16, 3)
    with pytest.raises(ValueError) as error:
        layer(tg.zeros(2, 3, 28, 28))
    assert str(error.value) == "conv2d: input has 3 channels but weight expects 1 (weight shape (16, 1, 3, 3))"


@pytest.mark.parametrize("shape", [(3, 28, 28), (28, 28), (1, 1, 1, 28, 28)])
def test_non_4d_input_names_the_expected_layout(shape):
    with pytest.raises(ValueError, match=r"conv2d: expected a 4-D input \(N, C, H, W\), got shape"):
        nn.Conv2d(3, 4, 3)(tg.zeros(*shape))


def test_the_layer_checks_groups_and_padding_when_it_is_made_as_conv2d_does():
    with pytest.raises(ValueError, match="Conv2d: groups=2 must be a positive int dividing both in_channels=3"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="Conv2d: padding='same' is not supported for strided convolutions"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Conv2d: padding must be an int, a pair, 'same' or 'valid', got 'full'"):
        nn.Conv2d(1, 1, 3, padding="full")
    with pytest.raises(ValueError, match="Conv2d: kernel_size must be at least 1, got 0"):
        nn.Conv2d(1, 1, 0)
    with pytest.raises(ValueError, match="conv2d: groups=2 must be a positive int dividing both in_channels=3"):
        F.conv2d(tg.zeros(1, 3, 4, 4), tg.zeros(4, 1, 3, 3), groups=2)
