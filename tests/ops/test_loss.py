"""The losses, as ops: values and gradients against PyTorch for every option, values against numpy
references written from the formulas and by hand, gradcheck, stability on extreme logits, and the
errors for bad targets."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nn_reference import assert_matches_torch, host

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.testing import gradcheck
from tinygrad_edu.testing import strategies as tgst

REDUCTIONS = ["mean", "sum", "none"]


def classification_case(seed, rows=6, classes=4, spatial=()):
    rng = np.random.default_rng(seed)
    logits = (rng.standard_normal((rows, classes, *spatial)) * 3).astype(np.float32)
    target = rng.integers(0, classes, size=(rows, *spatial))
    return logits, target


def reduced(loss_rows, reduction, divisor):
    """The losses as `reduction` asks: as they are, summed, or summed and divided by `divisor`."""
    return {"none": loss_rows, "sum": loss_rows.sum(), "mean": loss_rows.sum() / divisor}[reduction]


def reference_cross_entropy(logits, target, weight, ignore_index, reduction, label_smoothing):
    """Cross entropy in numpy from its formula, as PyTorch documents it: with q the target (one-hot
    of the class, or given probabilities) and eps = label_smoothing over C classes, each row's loss is
    -sum_c w_c * ((1 - eps) q_c + eps / C) * log_softmax(x)_c. Ignored rows count 0; "mean" divides by
    the summed weight w[y] of the counted rows (by the row count for probability targets)."""
    rows, classes = logits.shape
    weight = np.ones(classes) if weight is None else weight
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    if target.ndim == 2:
        smoothed = (1 - label_smoothing) * target + label_smoothing / classes
        return reduced(-(weight * smoothed * log_probs).sum(axis=1), reduction, rows)
    counted = target != ignore_index
    safe_target = np.where(counted, target, 0)
    one_hot = np.eye(classes)[safe_target]
    smoothed = (1 - label_smoothing) * one_hot + label_smoothing / classes
    loss_rows = -(weight * smoothed * log_probs).sum(axis=1) * counted
    return reduced(loss_rows, reduction, (weight[safe_target] * counted).sum())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
def test_cross_entropy_matches_the_numpy_reference(device, reduction, label_smoothing, weighted, ignore):
    logits, target = classification_case(0)
    logits = logits.astype(np.float64)
    if ignore:
        target[[1, 4]] = -1
    weight = np.array([0.5, 2.0, 1.0, 3.0]) if weighted else None
    options = dict(ignore_index=-1 if ignore else -100, reduction=reduction, label_smoothing=label_smoothing)
    expected = reference_cross_entropy(logits, target, weight, **options)
    x, y = tg.tensor(logits, device=device, requires_grad=True), tg.tensor(target, device=device)
    w = None if weight is None else tg.tensor(weight, device=device)
    np.testing.assert_allclose(host(F.cross_entropy(x, y, w, **options)), expected, rtol=1e-12)
    assert gradcheck(lambda t: F.cross_entropy(t, y, w, **options), x)  # the gradient of that very value
    probabilities = np.random.default_rng(1).dirichlet(np.ones(4), size=6)
    expected = reference_cross_entropy(logits, probabilities, weight, -100, reduction, label_smoothing)
    soft_target = tg.tensor(probabilities, device=device)
    actual = F.cross_entropy(x, soft_target, w, reduction=reduction, label_smoothing=label_smoothing)
    np.testing.assert_allclose(host(actual), expected, rtol=1e-12)


def test_cross_entropy_by_hand():
    logits = tg.tensor([[math.log(3.0), 0.0]])  # probabilities 0.75 and 0.25
    target = tg.tensor([0])
    assert F.cross_entropy(logits, target).item() == pytest.approx(-math.log(0.75))
    # label smoothing 0.2 over 2 classes aims at (0.8 + 0.1, 0.1) instead of (1, 0)
    expected = -(0.9 * math.log(0.75) + 0.1 * math.log(0.25))
    assert F.cross_entropy(logits, target, label_smoothing=0.2).item() == pytest.approx(expected)
    three_rows = tg.tensor([[math.log(3.0), 0.0]] * 3)
    # an ignored row neither adds to the mean nor counts in its divisor: 2 rows of -log(0.75), / 2
    ignoring = F.cross_entropy(three_rows, tg.tensor([0, -100, 0]))
    assert ignoring.item() == pytest.approx(-math.log(0.75))
    # class weights weigh each row by its class's weight, and "mean" divides by the summed weights
    weighted = F.cross_entropy(three_rows, tg.tensor([0, 1, 1]), weight=tg.tensor([1.0, 3.0]))
    assert weighted.item() == pytest.approx((-math.log(0.75) - 6 * math.log(0.25)) / 7)


def test_binary_cross_entropy_clamps_each_log_at_minus_100():
    probabilities = tg.tensor([0.0, 1.0, 0.0, 0.5])
    target = tg.tensor([1.0, 0.0, 0.5, 1.0])
    expected = [100.0, 100.0, 0.5 * 100 + 0.5 * 0, -math.log(0.5)]
    loss = F.binary_cross_entropy(probabilities, target, reduction="none")
    np.testing.assert_allclose(host(loss), expected, rtol=1e-6)
    weighted = F.binary_cross_entropy(probabilities, target, weight=tg.tensor([1.0, 0.0, 2.0, 1.0]))
    assert weighted.item() == pytest.approx((100 + 0 + 100 - math.log(0.5)) / 4)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_other_losses_match_their_formulas(device, reduction):
    rng = np.random.default_rng(9)
    logits, target = rng.standard_normal((4, 3)) * 3, rng.uniform(0, 1, (4, 3))
    weight, pos_weight = rng.uniform(0.5, 2, (4, 1)), rng.uniform(0.5, 3, 3)
    x, y = tg.tensor(logits, device=device), tg.tensor(target, device=device)
    log_sigmoid, log_not_sigmoid = -np.logaddexp(0, -logits), -np.logaddexp(0, logits)
    expected = -weight * (pos_weight * target * log_sigmoid + (1 - target) * log_not_sigmoid)
    actual = F.binary_cross_entropy_with_logits(
        x, y, tg.tensor(weight, device=device), reduction=reduction, pos_weight=tg.tensor(pos_weight, device=device)
    )
    np.testing.assert_allclose(host(actual), reduced(expected, reduction, expected.size), rtol=1e-12)
    probabilities = 1 / (1 + np.exp(-logits))
    expected = -(target * np.log(probabilities) + (1 - target) * np.log(1 - probabilities))
    actual = F.binary_cross_entropy(tg.tensor(probabilities, device=device), y, reduction=reduction)
    np.testing.assert_allclose(host(actual), reduced(expected, reduction, expected.size), rtol=1e-10)
    expected = (logits - target) ** 2
    np.testing.assert_allclose(host(F.mse_loss(x, y, reduction=reduction)), reduced(expected, reduction, 12))
    class_weight = np.array([0.5, 2.0, 1.0])
    labels = np.array([0, 2, -100, 1])
    counted, safe_labels = labels != -100, np.maximum(labels, 0)
    picked = np.where(counted, -class_weight[safe_labels] * logits[np.arange(4), safe_labels], 0.0)
    actual = F.nll_loss(
        x, tg.tensor(labels, device=device), tg.tensor(class_weight, device=device), reduction=reduction
    )
    np.testing.assert_allclose(host(actual), reduced(picked, reduction, 0.5 + 1.0 + 2.0), rtol=1e-12)


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


@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.2}, {"weight": [1.0, 2.0, 0.5]}, {"reduction": "sum"}])
def test_cross_entropy_gives_probability_targets_their_gradient(torch, device, options):
    logits = np.random.default_rng(10).standard_normal((4, 3, 2)).astype(np.float32)
    target = np.random.default_rng(11).dirichlet(np.ones(3), size=(4, 2)).transpose(0, 2, 1).astype(np.float32)

    def loss(m, x, q):
        weight = options.get("weight")
        weight = None if weight is None else m.tensor(weight, device=x.device)
        others = {key: value for key, value in options.items() if key != "weight"}
        return m.nn.functional.cross_entropy(x, q, weight=weight, **others)

    assert_matches_torch(loss, logits, target, device=device, atol=1e-6)


@given(x=tgst.smooth_arrays((3, 4)), q=tgst.positive_arrays((3, 4)))
def test_cross_entropy_probability_target_gradcheck(x, q):
    q = q / q.sum(axis=1, keepdims=True)
    inputs = [tg.tensor(x, requires_grad=True), tg.tensor(q, requires_grad=True)]
    assert gradcheck(lambda logits, target: F.cross_entropy(logits, target, label_smoothing=0.1), inputs)
