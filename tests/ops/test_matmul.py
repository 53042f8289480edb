"""matmul: numpy.matmul's rules (1-D, 2-D, batched with broadcast batch dims), gradients by gradcheck
and against PyTorch, and an error that names both shapes."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from torch_reference import assert_matches_torch

import tinygrad_edu as tg
from tinygrad_edu.testing import gradcheck
from tinygrad_edu.testing import strategies as tgst


@st.composite
def matmul_shapes(draw):
    """Shapes (a, b) that numpy.matmul accepts: each 1-D or a matrix with broadcastable batch dims."""
    rows, inner, columns = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    a_batch, b_batch = draw(tgst.broadcastable_shapes(2, max_dims=2))
    a_shape = (inner,) if draw(st.booleans()) else a_batch + (rows, inner)
    b_shape = (inner,) if draw(st.booleans()) else b_batch + (inner, columns)
    return a_shape, b_shape


@given(data=st.data())
def test_matmul_forward_and_gradient(device, data):
    a_shape, b_shape = data.draw(matmul_shapes())
    a, b = data.draw(tgst.smooth_arrays(a_shape)), data.draw(tgst.smooth_arrays(b_shape))
    result = tg.tensor(a, device=device) @ tg.tensor(b, device=device)
    np.testing.assert_allclose(result.detach().cpu().numpy(), a @ b, rtol=1e-12, atol=1e-12)
    inputs = [tg.tensor(a, device=device, requires_grad=True), tg.tensor(b, device=device, requires_grad=True)]
    assert gradcheck(lambda a, b: a @ b, inputs)


RNG = np.random.default_rng(11)


def normal(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


TORCH_CASES = {
    "2-D": (normal(3, 4), normal(4, 2)),
    "1-D @ 2-D": (normal(4), normal(4, 2)),
    "2-D @ 1-D": (normal(3, 4), normal(4)),
    "1-D @ 1-D": (normal(4), normal(4)),
    "batched with broadcast batch dims": (normal(2, 1, 3, 4), normal(5, 4, 2)),
    "1-D @ batched": (normal(4), normal(5, 4, 2)),
    "batched @ 1-D": (normal(2, 5, 3, 4), normal(4)),
}


@pytest.mark.parametrize("name", TORCH_CASES)
def test_matches_torch(device, name):
    assert_matches_torch(lambda m, a, b: m.matmul(a, b), *TORCH_CASES[name], device=device)


def test_reflected_matmul_with_a_numpy_array():
    weights = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal((np.eye(2, dtype=np.float32) @ weights).numpy(), weights.numpy())


def test_matmul_keeps_float32_and_promotes_mixed_dtypes(device):
    a = tg.ones(2, 3, device=device, requires_grad=True)
    out = a @ tg.ones(3, 2, device=device)
    out.sum().backward()
    assert out.dtype == tg.float32 and a.grad.dtype == tg.float32
    assert (a @ tg.ones(3, 2, dtype=tg.float64, device=device)).dtype == tg.float64
    assert (tg.ones(2, 3, dtype=tg.int64) @ tg.ones(3, dtype=tg.int64)).dtype == tg.int64


def test_matmul_errors_name_both_shapes():
    with pytest.raises(
        ValueError, match=r"^matmul: shapes \(3, 4\) and \(5, 2\) are not aligned: 4 \(dim 1\) != 5 \(dim 0\)$"
    ):
        tg.ones(3, 4) @ tg.ones(5, 2)
    with pytest.raises(ValueError, match=r"matmul: shapes \(3,\) and \(4,\) are not aligned"):
        tg.ones(3) @ tg.ones(4)
    with pytest.raises(ValueError, match=r"matmul: batch dims of shapes \(2, 3, 4\) and \(5, 4, 2\)"):
        tg.ones(2, 3, 4) @ tg.ones(5, 4, 2)
    with pytest.raises(ValueError, match="matmul: both arguments need at least 1 dimension"):
        tg.tensor(2.0) @ tg.ones(2)
