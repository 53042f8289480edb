"""BatchNorm1d and BatchNorm2d: values, gradients and running statistics against PyTorch in training
and eval mode, buffers, and errors (the op's gradcheck: tests/ops/test_normalization.py)."""

import numpy as np
import pytest
from nn_reference import host

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn

torch = pytest.importorskip("torch")


def copy_into(ours, theirs):
    ours.load_state_dict({key: value.detach().numpy() for key, value in theirs.state_dict().items()})


@pytest.mark.parametrize(
    "layer_name, shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (4, 3, 5, 2))]
)
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("affine, bias", [(True, True), (True, False), (False, False)])
def test_batch_norm_layers_match_torch_in_train_and_eval(device, layer_name, shape, momentum, affine, bias):
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


def test_batch_norm_buffers_state_dict_and_repr():
    layer = nn.BatchNorm2d(4)
    assert list(layer.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert layer.num_batches_tracked.dtype == tg.int64
    assert repr(layer) == repr(torch.nn.BatchNorm2d(4))
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
