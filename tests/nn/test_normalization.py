"""LayerNorm against PyTorch and by gradcheck; BatchNorm1d and BatchNorm2d: values, gradients and running
statistics against PyTorch and against a numpy reference in training and eval mode, by hand, buffers, and
errors (the op's gradcheck: tests/ops/test_normalization.py)."""

import numpy as np
import pytest
from hypothesis import given
from nn_reference import assert_matches_torch, host

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn
from tinygrad_edu.testing import gradcheck
from tinygrad_edu.testing import strategies as tgst


def copy_into(ours, theirs):
    ours.load_state_dict({key: value.detach().numpy() for key, value in theirs.state_dict().items()})


@pytest.mark.parametrize(
    "layer_name, shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (4, 3, 5, 2))]
)
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("affine, bias", [(True, True), (True, False), (False, False)])
def test_batch_norm_layers_match_torch_in_train_and_eval(torch, device, layer_name, shape, momentum, affine, bias):
    rng = np.random.default_rng(0)
    try:
        theirs = getattr(torch.nn, layer_name)(3, momentum=momentum, affine=affine, **({} if bias else {"bias": False}))
    except TypeError:
        pytest.skip("BatchNorm's bias flag is new in PyTorch 2.13")
    ours = getattr(nn, layer_name)(3, momentum=momentum, affine=affine, bias=bias)
    assert repr(ours) == repr(theirs)
    if affine:
        with torch.no_grad():
            theirs.weight.uniform_(0.5, 2)
            if bias:
                theirs.bias.uniform_(-1, 1)
    copy_into(ours, theirs)
    ours.to(device)
    for step in range(3):
        if step == 2:
            theirs.eval()
            ours.eval()
        x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
        upstream = rng.standard_normal(shape).astype(np.float32)
        their_x, our_x = torch.tensor(x, requires_grad=True), tg.tensor(x, device=device, requires_grad=True)
        theirs.zero_grad()
        ours.zero_grad()
        their_out, our_out = theirs(their_x), ours(our_x)
        np.testing.assert_allclose(host(our_out), their_out.detach().numpy(), atol=1e-5, rtol=1e-5)
        their_out.backward(torch.tensor(upstream))
        our_out.backward(tg.tensor(upstream, device=device))
        np.testing.assert_allclose(host(our_x.grad), their_x.grad.numpy(), atol=1e-5, rtol=1e-4)
        for name, parameter in theirs.named_parameters():
            our_grad = host(getattr(ours, name).grad)
            np.testing.assert_allclose(our_grad, parameter.grad.numpy(), atol=1e-5, rtol=1e-4, err_msg=name)
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(host(ours.state_dict()[key]), value.numpy(), atol=1e-6, rtol=1e-5, err_msg=key)


class ReferenceBatchNorm:
    """Batch normalisation in numpy from its formulas (Ioffe & Szegedy, 2015) and PyTorch's running
    averages: new = (1 - momentum) * old + momentum * batch, with the unbiased batch variance, or the
    plain average of all batches so far when momentum is None."""

    def __init__(self, channels, momentum, eps=1e-5):
        self.running_mean, self.running_var = np.zeros(channels), np.ones(channels)
        self.momentum, self.eps, self.batches = momentum, eps, 0

    def __call__(self, x, weight, bias, training):
        axes = (0,) + tuple(range(2, x.ndim))
        if training:
            mean, var = x.mean(axis=axes), x.var(axis=axes)  # the biased variance normalises the batch
            count = x.size // x.shape[1]
            self.batches += 1
            momentum = 1 / self.batches if self.momentum is None else self.momentum
            self.running_mean = (1 - momentum) * self.running_mean + momentum * mean
            self.running_var = (1 - momentum) * self.running_var + momentum * var * count / (count - 1)
        else:
            mean, var = self.running_mean, self.running_var
        channel = (1, -1) + (1,) * (x.ndim - 2)
        normalised = (x - mean.reshape(channel)) / np.sqrt(var.reshape(channel) + self.eps)
        return normalised * weight.reshape(channel) + bias.reshape(channel)


@pytest.mark.parametrize(
    "layer_name, shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (4, 3, 5, 2))]
)
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batch_norm_layers_match_the_numpy_reference(device, layer_name, shape, momentum):
    rng = np.random.default_rng(1)
    layer = getattr(nn, layer_name)(3, momentum=momentum, device=device, dtype=tg.float64)
    weight, bias = rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    layer.load_state_dict({"weight": weight, "bias": bias}, strict=False)
    reference = ReferenceBatchNorm(3, momentum)
    for step in range(5):
        training = step < 3
        layer.train(training)
        x = rng.standard_normal(shape) * 2 + 1
        out = layer(tg.tensor(x, device=device))
        np.testing.assert_allclose(host(out), reference(x, weight, bias, training), rtol=1e-10, err_msg=f"step {step}")
        np.testing.assert_allclose(host(layer.running_mean), reference.running_mean, rtol=1e-12, err_msg=f"step {step}")
        np.testing.assert_allclose(host(layer.running_var), reference.running_var, rtol=1e-12, err_msg=f"step {step}")
    assert layer.num_batches_tracked.item() == 3


def test_running_statistics_by_hand():
    layer = nn.BatchNorm1d(1, momentum=0.1)
    layer(tg.tensor([[1.0], [3.0]]))
    # batch mean 2, unbiased variance ((1 - 2)**2 + (3 - 2)**2) / (2 - 1) = 2 (the biased one is 1)
    assert layer.running_mean.item() == pytest.approx(0.9 * 0 + 0.1 * 2)
    assert layer.running_var.item() == pytest.approx(0.9 * 1 + 0.1 * 2)
    cumulative = nn.BatchNorm1d(1, momentum=None)  # the plain average of every batch so far
    cumulative(tg.tensor([[1.0], [3.0]]))
    cumulative(tg.tensor([[0.0], [4.0], [8.0]]))  # mean 4, unbiased variance (16 + 0 + 16) / 2 = 16
    assert cumulative.running_mean.item() == pytest.approx((2 + 4) / 2)
    assert cumulative.running_var.item() == pytest.approx((2 + 16) / 2)


def test_eval_uses_running_statistics_and_training_the_batchs_biased_ones():
    layer = nn.BatchNorm1d(1, eps=0.0)
    x = tg.tensor([[1.0], [3.0]])
    np.testing.assert_allclose(host(layer(x)), [[-1.0], [1.0]], rtol=1e-6)  # (x - 2) / sqrt(1)
    layer.eval()  # running mean 0.2, running variance 1.1
    np.testing.assert_allclose(host(layer(x)), (np.array([[1.0], [3.0]]) - 0.2) / np.sqrt(1.1), rtol=1e-6)


@pytest.mark.parametrize("layer_name, shape", [("BatchNorm1d", (4, 2)), ("BatchNorm2d", (3, 2, 2, 2))])
def test_without_running_statistics_eval_normalises_with_the_batchs_statistics(device, layer_name, shape):
    layer = getattr(nn, layer_name)(2, track_running_stats=False, device=device).eval()
    assert layer.running_mean is None and list(layer.state_dict()) == ["weight", "bias"]
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32) * 3 + 5
    expected = ReferenceBatchNorm(2, 0.1)(x, np.ones(2), np.zeros(2), training=True)
    np.testing.assert_allclose(host(layer(tg.tensor(x, device=device))), expected, rtol=1e-4, atol=1e-5)


def test_batch_norm_buffers_state_dict_and_repr():
    layer = nn.BatchNorm2d(4)
    assert list(layer.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert layer.num_batches_tracked.dtype == tg.int64
    assert repr(layer) == "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    layer(tg.randn(2, 4, 3, 3))
    layer(tg.randn(2, 4, 3, 3))
    assert layer.num_batches_tracked.item() == 2
    layer.eval()
    layer(tg.randn(2, 4, 3, 3))
    assert layer.num_batches_tracked.item() == 2


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D input, got 2D input of shape \(3, 4\)"):
        nn.BatchNorm2d(4)(tg.zeros(3, 4))
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 2D or 3D input, got 4D"):
        nn.BatchNorm1d(4)(tg.zeros(3, 4, 2, 2))
    with pytest.raises(ValueError, match="expected more than 1 value per channel when training"):
        nn.BatchNorm1d(4)(tg.zeros(1, 4))
    with pytest.raises(ValueError, match=r"running_mean must have shape \(4,\) for an input with 4 channels"):
        F.batch_norm(tg.zeros(2, 4), tg.zeros(3), tg.ones(4))
    nn.BatchNorm1d(4).eval()(tg.zeros(1, 4))  # eval needs no batch statistics


LAYER_NORMS = {
    "last_dim": lambda m: m.nn.LayerNorm(4),
    "last_two_dims": lambda m: m.nn.LayerNorm([3, 4], eps=1e-3),
    "no_bias": lambda m: m.nn.LayerNorm(4, bias=False),
    "no_affine": lambda m: m.nn.LayerNorm(4, elementwise_affine=False),
}


@pytest.mark.parametrize("name", LAYER_NORMS)
def test_layer_norm_matches_torch(torch, device, name):
    x = (np.random.default_rng(4).standard_normal((2, 3, 4)) * 3 + 1).astype(np.float32)
    assert repr(LAYER_NORMS[name](tg)) == repr(LAYER_NORMS[name](torch))
    tg_layer, torch_layer = LAYER_NORMS[name](tg), LAYER_NORMS[name](torch)
    with torch.no_grad():  # a weight and bias other than 1 and 0
        for parameter in torch_layer.parameters():
            parameter.normal_()
    copy_into(tg_layer, torch_layer)
    tg_layer.to(device)
    assert_matches_torch(lambda m, t: (tg_layer if m is tg else torch_layer)(t), x, device=device, atol=1e-5)
    assert list(tg_layer.state_dict()) == list(torch_layer.state_dict())


@given(x=tgst.smooth_arrays((2, 5)))
def test_layer_norm_gradcheck_with_affine(x):
    weight = tg.tensor(np.linspace(0.5, 1.5, 5), requires_grad=True)
    bias = tg.tensor(np.linspace(-1, 1, 5), requires_grad=True)
    assert gradcheck(lambda t, w, b: F.layer_norm(t, (5,), w, b), [tg.tensor(x, requires_grad=True), weight, bias])


def test_layer_norm_gives_zero_mean_unit_variance_rows():
    out = nn.LayerNorm(6, elementwise_affine=False)(tg.tensor([[1.0, 2.0, 3.0, 4.0, 5.0, 9.0]]))
    assert abs(out.mean().item()) < 1e-6
    assert out.var(correction=0).item() == pytest.approx(1.0, abs=1e-4)


def test_layer_norm_shape_error_names_the_shapes():
    with pytest.raises(RuntimeError, match=r"normalized_shape \[5\].*\(2, 4\)"):
        nn.LayerNorm(5)(tg.ones(2, 4))
