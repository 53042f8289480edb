"""The losses, as ops: values and gradients against PyTorch for every option, gradcheck, stability
on extreme logits, and the errors for bad targets."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nn_reference import assert_matches_torch, host

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.testing import gradcheck

REDUCTIONS = ["mean", "sum", "none"]


def classification_case(seed, rows=6, classes=4, spatial=()):
    rng = np.random.default_rng(seed)
    logits = (rng.standard_normal((rows, classes, *spatial)) * 3).astype(np.float32)
    target = rng.integers(0, classes, size=(rows, *spatial))
    return logits, target


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
def test_cross_entropy_matches_torch(device, reduction, label_smoothing, weighted, ignore):
    logits, target = classification_case(0)
    if ignore:
        target[[1, 4]] = -1
    weight = np.array([0.5, 2.0, 1.0, 3.0], dtype=np.float32)

    def loss(m, x, y, *w):
        return m.nn.functional.cross_entropy(
            x,
            y,
            weight=w[0] if w else None,
            ignore_index=-1 if ignore else -100,
            reduction=reduction,
            label_smoothing=label_smoothing,
        )

    arrays = (logits, target) + ((weight,) if weighted else ())
    assert_matches_torch(loss, *arrays, device=device, grad=[True, False, False], atol=1e-5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_spatial_dims_and_unbatched_input_matches_torch(device, reduction):
    logits, target = classification_case(1, rows=2, classes=3, spatial=(4, 5))
    assert_matches_torch(
        lambda m, x, y: m.nn.functional.cross_entropy(x, y, reduction=reduction), logits, target, device=device
    )
    assert_matches_torch(
        lambda m, x, y: m.nn.functional.cross_entropy(x, y, reduction=reduction),
        logits[0, :, 0, 0],
        target[0, 0, 0],
        device=device,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_class_probabilities_matches_torch(device, reduction):
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((5, 4)).astype(np.float32)
    probabilities = rng.dirichlet(np.ones(4), size=5).astype(np.float32)
    assert_matches_torch(
        lambda m, x, p: m.nn.functional.cross_entropy(x, p, reduction=reduction, label_smoothing=0.1),
        logits,
        probabilities,
        device=device,
        grad=[True, False],
    )


def test_cross_entropy_is_stable_for_huge_logits(device):
    logits = tg.tensor([[1000.0, -1000.0, 0.0], [-5e4, 5e4, 0.0]], device=device, requires_grad=True)
    loss = F.cross_entropy(logits, tg.tensor([1, 1], device=device))
    loss.backward()
    assert np.isclose(loss.item(), 1000.0)
    np.testing.assert_allclose(host(logits.grad), [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-6)


@given(seed=st.integers(0, 2**32 - 1), reduction=st.sampled_from(REDUCTIONS), smoothing=st.sampled_from([0.0, 0.3]))
def test_cross_entropy_and_nll_gradcheck(device, seed, reduction, smoothing):
    logits, target = classification_case(seed, rows=3, classes=4)
    x = tg.tensor(logits.astype(np.float64), device=device, requires_grad=True)
    y = tg.tensor(target, device=device)
    weight = tg.tensor([1.0, 2.0, 0.5, 1.5], dtype=tg.float64, device=device)
    assert gradcheck(lambda t: F.cross_entropy(t, y, weight, reduction=reduction, label_smoothing=smoothing), x)
    assert gradcheck(lambda t: F.nll_loss(t, y, weight, reduction=reduction), x)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_matches_torch(device, reduction, weighted):
    logits, target = classification_case(3, spatial=(2,))
    target[0, 1] = -100
    weight = np.array([0.5, 2.0, 1.0, 3.0], dtype=np.float32)
    assert_matches_torch(
        lambda m, x, y, *w: m.nn.functional.nll_loss(
            m.log_softmax(x, 1), y, weight=w[0] if w else None, reduction=reduction
        ),
        *((logits, target) + ((weight,) if weighted else ())),
        device=device,
        grad=[True, False, False],
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_matches_torch(device, reduction):
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((2, 3, 4)).astype(np.float32), rng.standard_normal((2, 3, 4)).astype(np.float32)
    assert_matches_torch(lambda m, x, y: m.nn.functional.mse_loss(x, y, reduction=reduction), a, b, device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_matches_torch(device, reduction, weighted):
    rng = np.random.default_rng(5)
    probabilities = rng.uniform(0.05, 0.95, size=(4, 3)).astype(np.float32)
    probabilities[0, 0], probabilities[0, 1] = 0.0, 1.0  # the clamp of log at -100
    target = rng.uniform(0, 1, size=(4, 3)).astype(np.float32)
    weight = rng.uniform(0.5, 2, size=(3,)).astype(np.float32)
    assert_matches_torch(
        lambda m, p, y, *w: m.nn.functional.binary_cross_entropy(p, y, w[0] if w else None, reduction=reduction),
        *((probabilities, target) + ((weight,) if weighted else ())),
        device=device,
        grad=[True, True, False],
        rtol=1e-4,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_binary_cross_entropy_with_logits_matches_torch(device, reduction, pos_weighted):
    rng = np.random.default_rng(6)
    logits = (rng.standard_normal((4, 3)) * 5).astype(np.float32)
    logits[0] = [200.0, -200.0, 0.0]  # stable where sigmoid saturates
    target = rng.uniform(0, 1, size=(4, 3)).astype(np.float32)
    weight = rng.uniform(0.5, 2, size=(4, 1)).astype(np.float32)
    pos_weight = rng.uniform(0.5, 3, size=(3,)).astype(np.float32)
    assert_matches_torch(
        lambda m, x, y, w, *pw: m.nn.functional.binary_cross_entropy_with_logits(
            x, y, w, reduction=reduction, pos_weight=pw[0] if pw else None
        ),
        *((logits, target, weight) + ((pos_weight,) if pos_weighted else ())),
        device=device,
        grad=[True, True, False, False],
        rtol=1e-4,
        atol=1e-5,
    )


@given(seed=st.integers(0, 2**32 - 1), reduction=st.sampled_from(REDUCTIONS))
def test_elementwise_losses_gradcheck(device, seed, reduction):
    rng = np.random.default_rng(seed)
    probabilities = tg.tensor(rng.uniform(0.1, 0.9, size=(3, 2)), device=device, requires_grad=True)
    logits = tg.tensor(rng.standard_normal((3, 2)) * 3, device=device, requires_grad=True)
    target = tg.tensor(rng.uniform(0, 1, size=(3, 2)), device=device, requires_grad=True)
    pos_weight = tg.tensor(rng.uniform(0.5, 2, size=(2,)), device=device, requires_grad=True)
    assert gradcheck(lambda p, y: F.binary_cross_entropy(p, y, reduction=reduction), [probabilities, target])
    assert gradcheck(
        lambda x, y, pw: F.binary_cross_entropy_with_logits(x, y, reduction=reduction, pos_weight=pw),
        [logits, target, pos_weight],
    )
    assert gradcheck(lambda x, y: F.mse_loss(x, y, reduction=reduction), [logits, target])


def test_losses_keep_float32(device):
    logits = tg.randn(4, 3, device=device, requires_grad=True)
    loss = F.cross_entropy(logits, tg.tensor([0, 1, 2, 0], device=device), label_smoothing=0.1)
    loss.backward()
    assert loss.dtype == tg.float32 and logits.grad.dtype == tg.float32


def test_class_target_out_of_range_names_the_value_and_the_class_count():
    logits = tg.randn(3, 10)
    with pytest.raises(IndexError, match=r"cross_entropy: target value 12 is out of range for 10 classes"):
        F.cross_entropy(logits, tg.tensor([1, 12, 3]))
    with pytest.raises(IndexError, match=r"nll_loss: target value -3 is out of range for 10 classes"):
        F.nll_loss(logits, tg.tensor([1, -3, 3]))


def test_wrong_target_dtype_or_shape_is_explained():
    logits = tg.randn(3, 10)
    with pytest.raises(TypeError, match=r"cross_entropy: target must hold class indices .*target.long\(\)"):
        F.cross_entropy(logits, tg.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r"cross_entropy: target shape \(3, 1\) doesn't match input shape \(3, 10\)"):
        F.cross_entropy(logits, tg.tensor([[1], [2], [3]]))
    with pytest.raises(TypeError, match="nll_loss: target must hold class indices"):
        F.nll_loss(logits, tg.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(
        ValueError, match=r"binary_cross_entropy: target shape \(3,\) differs from input shape \(3, 1\)"
    ):
        F.binary_cross_entropy(tg.rand(3, 1), tg.rand(3))
    with pytest.raises(TypeError, match=r"binary_cross_entropy_with_logits: target must be a floating point"):
        F.binary_cross_entropy_with_logits(tg.randn(3), tg.tensor([0, 1, 1]))
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(tg.tensor([0.5, 1.5]), tg.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none'"):
        F.mse_loss(tg.zeros(2), tg.zeros(2), reduction="average")
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(tg.zeros(3, 1), tg.zeros(3))


@pytest.mark.filterwarnings("ignore:mse_loss")
def test_mse_loss_broadcasts_as_torch_with_gradients_summed_back(device):
    rng = np.random.default_rng(8)
    prediction, target = rng.standard_normal((3, 1)).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    with pytest.warns(UserWarning):
        assert_matches_torch(lambda m, x, y: m.nn.functional.mse_loss(x, y), prediction, target, device=device)
    assert gradcheck(
        lambda x, y: F.mse_loss(x, y, reduction="sum"),
        [
            tg.tensor(prediction, device=device, requires_grad=True),
            tg.tensor(target, device=device, requires_grad=True),
        ],
    )
