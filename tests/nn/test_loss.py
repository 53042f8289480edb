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
