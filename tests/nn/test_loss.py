"""The loss modules: each gives its function's value, keeps its options, and checks them as it is
made (the ops themselves: tests/ops/test_loss.py)."""

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn


def test_loss_modules_match_their_functions():
    rng = np.random.default_rng(7)
    x, y = tg.tensor(rng.standard_normal((6, 4)).astype(np.float32) * 3), tg.tensor(rng.integers(0, 4, size=6))
    weight = tg.tensor([1.0, 2.0, 3.0, 4.0])
    assert nn.CrossEntropyLoss(weight, label_smoothing=0.1)(x, y).item() == pytest.approx(
        F.cross_entropy(x, y, weight, label_smoothing=0.1).item()
    )
    assert nn.NLLLoss(reduction="sum")(x.log_softmax(1), y).item() == pytest.approx(
        F.nll_loss(x.log_softmax(1), y, reduction="sum").item()
    )
    probabilities, soft_target = x.sigmoid(), tg.rand(6, 4)
    assert nn.BCELoss()(probabilities, soft_target).item() == pytest.approx(
        F.binary_cross_entropy(probabilities, soft_target).item()
    )
    assert nn.BCEWithLogitsLoss(pos_weight=weight)(x, soft_target).item() == pytest.approx(
        F.binary_cross_entropy_with_logits(x, soft_target, pos_weight=weight).item()
    )
    assert nn.MSELoss(reduction="none")(x, soft_target).shape == (6, 4)
    assert "weight" in nn.CrossEntropyLoss(weight).state_dict()


@pytest.mark.parametrize("make", [nn.MSELoss, nn.CrossEntropyLoss, nn.BCEWithLogitsLoss])
def test_loss_modules_check_their_options_as_their_functions_do(make):
    name = make.__name__
    with pytest.raises(ValueError, match=f"{name}: reduction must be 'mean', 'sum' or 'none', got 'average'"):
        make(reduction="average")
    with pytest.raises(TypeError, match=f"{name}: size_average and reduce are deprecated in PyTorch"):
        make(size_average=True)


@pytest.mark.parametrize(
    ("target", "target_dtype"),
    [([0, 1], "int64"), ([0, 1], "int32"), ([False, True], "bool"), ([0.0, 1.0], "float32"), ([0.0, 1.0], "float64")],
)
def test_mse_loss_promotes_the_target_as_torch(torch, target, target_dtype):
    values = np.array([0.2, 0.7], dtype=np.float32)
    ours = F.mse_loss(tg.tensor(values, requires_grad=True), tg.tensor(target, dtype=getattr(tg, target_dtype)))
    theirs = torch.nn.functional.mse_loss(
        torch.tensor(values, requires_grad=True), torch.tensor(target, dtype=getattr(torch, target_dtype))
    )
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-6)


def test_binary_cross_entropy_refuses_integer_targets_with_torchs_error_type():
    with pytest.raises(RuntimeError, match="target must be a floating point tensor"):
        F.binary_cross_entropy(tg.tensor([0.5]), tg.tensor([1]))
    with pytest.raises(TypeError):  # also a TypeError, as before
        F.binary_cross_entropy_with_logits(tg.tensor([0.5]), tg.tensor([1]))


@pytest.mark.parametrize("num_classes", [-1, 5])
def test_one_hot_matches_torch(torch, num_classes):
    labels = np.array([[0, 3], [1, 1]])
    ours = F.one_hot(tg.tensor(labels), num_classes)
    theirs = torch.nn.functional.one_hot(torch.tensor(labels), num_classes)
    assert ours.dtype == tg.int64 and ours.tolist() == theirs.tolist()


def test_one_hot_without_torch():
    assert F.one_hot(tg.tensor([2, 0]), 3).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert F.one_hot(tg.tensor([], dtype=tg.int64), 2).shape == (0, 2)
    for bad, message in [
        (tg.tensor([1.0]), "only applicable to index tensors of type int64"),
        (tg.tensor([-1]), "must be non-negative"),
        (tg.tensor([3]), "must be smaller than num_classes=2"),
    ]:
        with pytest.raises(RuntimeError, match=message):
            F.one_hot(bad, 2)
