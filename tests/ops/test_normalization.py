"""batch_norm, the op: gradcheck in training and eval mode, and the running statistics it updates."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nn_reference import host

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.testing import gradcheck


@given(seed=st.integers(0, 2**32 - 1), training=st.booleans(), shape=st.sampled_from([(4, 2), (3, 2, 2, 3)]))
def test_batch_norm_gradcheck(device, seed, training, shape):
    rng = np.random.default_rng(seed)
    x = tg.tensor(rng.standard_normal(shape), device=device, requires_grad=True)
    weight = tg.tensor(rng.uniform(0.5, 2, 2), device=device, requires_grad=True)
    bias = tg.tensor(rng.standard_normal(2), device=device, requires_grad=True)
    running_mean = tg.tensor(rng.standard_normal(2), device=device)
    running_var = tg.tensor(rng.uniform(0.5, 2, 2), device=device)
    assert gradcheck(
        lambda x, w, b: F.batch_norm(x, running_mean.clone(), running_var.clone(), w, b, training=training),
        [x, weight, bias],
    )


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2, 2)])
def test_training_moves_the_running_statistics_towards_the_batch_in_place(device, shape):
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    running_mean, running_var = tg.zeros(3, device=device), tg.ones(3, device=device)
    F.batch_norm(tg.tensor(x, device=device), running_mean, running_var, training=True, momentum=0.25)
    axes = (0,) + tuple(range(2, x.ndim))
    np.testing.assert_allclose(host(running_mean), 0.25 * x.mean(axis=axes), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(host(running_var), 0.75 + 0.25 * x.var(axis=axes, ddof=1), rtol=1e-5, atol=1e-6)
    before = host(running_mean).copy()
    F.batch_norm(tg.tensor(x, device=device), running_mean, running_var, training=False)
    np.testing.assert_array_equal(host(running_mean), before)  # eval mode reads them only
