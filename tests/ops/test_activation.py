"""LeakyReLU, GELU, SiLU and Softplus, the ops: gradcheck on random inputs, erf against math.erf, and
values and gradients against PyTorch (both GELU forms, Softplus past its threshold)."""

import math

import numpy as np
import pytest
from hypothesis import given
from nn_reference import assert_matches_torch

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.ops.activation import erfc
from tinygrad_edu.testing import gradcheck
from tinygrad_edu.testing import strategies as tgst

CASES = {
    "leaky_relu": lambda m, t: m.nn.functional.leaky_relu(t, 0.2),
    "gelu": lambda m, t: m.nn.functional.gelu(t),
    "gelu_tanh": lambda m, t: m.nn.functional.gelu(t, approximate="tanh"),
    "silu": lambda m, t: m.nn.functional.silu(t),
    "softplus": lambda m, t: m.nn.functional.softplus(t),
    "softplus_beta": lambda m, t: m.nn.functional.softplus(t, beta=2.0, threshold=3.0),
}


@pytest.mark.parametrize("name", CASES)
@given(x=tgst.arrays_away_from((3, 4), points=(0.0, 1.5), low=-4.0, high=4.0))
def test_gradcheck(device, name, x):
    assert gradcheck(lambda t: CASES[name](tg, t), tg.tensor(x, device=device, requires_grad=True))


@pytest.mark.parametrize("name", CASES)
def test_matches_torch(torch, device, name):
    x = (np.random.default_rng(2).standard_normal((4, 5)) * 4).astype(np.float32)
    assert_matches_torch(CASES[name], x, device=device, atol=1e-6)


def test_erfc_matches_math_erfc_to_float32_precision_in_both_tails():
    points = np.linspace(-9, 9, 1801)
    expected = np.array([math.erfc(p) for p in points])
    assert (np.abs(erfc(points) - expected) / expected).max() < 1.3e-7
    assert erfc(np.array([0.5], dtype=np.float32)).dtype == np.float32


def test_values_without_torch():
    x = tg.tensor([-2.0, 0.0, 3.0])
    assert F.leaky_relu(x, 0.1).tolist() == pytest.approx([-0.2, 0.0, 3.0])
    assert F.silu(x).tolist() == pytest.approx([-2 / (1 + math.e**2), 0.0, 3 / (1 + math.e**-3)])
    assert F.softplus(x).tolist() == pytest.approx([math.log1p(math.e**-2), math.log(2), math.log1p(math.e**3)])
    assert F.gelu(x).tolist() == pytest.approx(
        [-2 * (1 + math.erf(-2 / math.sqrt(2))) / 2, 0.0, 3 * (1 + math.erf(3 / math.sqrt(2))) / 2]
    )
    assert F.softplus(tg.tensor([30.0])).tolist() == [30.0]  # past the threshold: x itself, no overflow
    assert F.softplus(tg.tensor([-200.0])).tolist() == [0.0]


def test_bad_arguments_name_the_op():
    with pytest.raises(RuntimeError, match="approximate"):
        F.gelu(tg.ones(2), approximate="fast")
    with pytest.raises(TypeError, match="silu.*floating point"):
        F.silu(tg.tensor([1, 2]))
