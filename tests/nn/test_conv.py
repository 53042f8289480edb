"""Conv2d and ConvTranspose2d, the layers: shapes, parameters, repr, dtype, the errors users hit through
them, and the checks they make as they are built (the ops: tests/ops/test_conv.py, test_conv_transpose.py)."""

import numpy as np
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


TRANSPOSED = {
    "plain": lambda m: m.nn.ConvTranspose2d(4, 6, 3),
    "upsample": lambda m: m.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1),
    "groups": lambda m: m.nn.ConvTranspose2d(4, 6, (2, 3), stride=(2, 1), groups=2, bias=False, dilation=(1, 2)),
}


@pytest.mark.parametrize("name", TRANSPOSED)
def test_conv_transpose2d_layer_matches_torch(torch, name):
    ours, theirs = TRANSPOSED[name](tg), TRANSPOSED[name](torch)
    assert repr(ours) == repr(theirs)
    assert {key: tuple(value.shape) for key, value in ours.state_dict().items()} == {
        key: tuple(value.shape) for key, value in theirs.state_dict().items()
    }
    ours.load_state_dict({key: value.detach().numpy() for key, value in theirs.state_dict().items()})
    x = torch.randn(2, 4, 5, 6)
    np.testing.assert_allclose(ours(tg.tensor(x.numpy())).detach().numpy(), theirs(x).detach().numpy(), atol=1e-5)


def test_conv_transpose2d_layer_layout_init_and_output_size():
    tg.manual_seed(0)
    layer = nn.ConvTranspose2d(8, 6, 3, stride=2, groups=2)
    assert layer.weight.shape == (8, 3, 3, 3) and layer.bias.shape == (6,)
    bound = 1 / (3 * 3 * 3) ** 0.5  # fan_in = out_channels/groups * kh * kw, as PyTorch computes it
    largest = np.abs(layer.weight.detach().numpy()).max()
    assert 0.8 * bound < largest <= bound
    x = tg.zeros(1, 8, 4, 4)
    assert layer(x).shape == (1, 6, 9, 9)
    assert layer(x, output_size=[10, 10]).shape == (1, 6, 10, 10)  # output_padding 1 chosen for it
    with pytest.raises(ValueError, match="valid sizes"):
        layer(x, output_size=(11, 11))
