"""linear and Linear: one fused op, values and gradients against PyTorch, gradcheck, init, errors."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nn_reference import assert_matches_torch, host

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.testing import gradcheck


@given(
    batch_shape=st.sampled_from([(), (1,), (5,), (2, 3)]),
    in_features=st.integers(1, 5),
    out_features=st.integers(1, 4),
    bias=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_linear_matches_torch_and_gradcheck(device, batch_shape, in_features, out_features, bias, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((*batch_shape, in_features)), rng.standard_normal((out_features, in_features))]
    if bias:
        arrays.append(rng.standard_normal(out_features))
    assert_matches_torch(lambda m, *args: m.nn.functional.linear(*args), *[a.astype(np.float32) for a in arrays],
                         device=device, atol=1e-5)  # fmt: skip
    assert gradcheck(F.linear, [tg.tensor(a, device=device, requires_grad=True) for a in arrays])


def test_linear_is_one_graph_node():
    out = F.linear(tg.randn(2, 3), tg.randn(4, 3, requires_grad=True), tg.randn(4, requires_grad=True))
    assert out.grad_fn.name() == "LinearBackward"
    assert out.grad_fn.inputs[0] is None  # the input needs no gradient: no edge is kept for it


def test_linear_layer_init_follows_pytorch():
    tg.manual_seed(0)
    layer = nn.Linear(400, 300)
    assert layer.weight.shape == (300, 400) and layer.bias.shape == (300,)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=sqrt(5)) and the bias rule give the same bound
    for parameter in (layer.weight, layer.bias):
        values = host(parameter)
        assert values.dtype == np.float32
        assert -bound <= values.min() and values.max() <= bound
        assert values.min() < -0.9 * bound and values.max() > 0.9 * bound
    assert np.std(host(layer.weight)) == pytest.approx(bound / math.sqrt(3), rel=0.02)


def test_linear_layer_is_reproducible_with_manual_seed():
    tg.manual_seed(3)
    first = host(nn.Linear(5, 4).weight)
    tg.manual_seed(3)
    np.testing.assert_array_equal(first, host(nn.Linear(5, 4).weight))


def test_linear_layer_forward_repr_and_no_bias(device):
    layer = nn.Linear(3, 2, bias=False).to(device)
    assert layer.bias is None and [name for name, _ in layer.named_parameters()] == ["weight"]
    assert layer(tg.ones(4, 3, device=device)).shape == (4, 2)
    assert repr(layer) == "Linear(in_features=3, out_features=2, bias=False)"


def test_in_features_mismatch_names_both_shapes():
    with pytest.raises(
        ShapeError, match=r"linear: input of shape \(64, 784\) doesn't fit weight of shape \(10, 20\).*\(784 != 20\)"
    ):
        nn.Linear(20, 10)(tg.zeros(64, 784))
    with pytest.raises(
        ValueError, match=r"linear: input of shape \(2, 3\) doesn't fit weight of shape \(4, 5\).*\(3 != 5\)"
    ):
        F.linear(tg.zeros(2, 3), tg.zeros(4, 5))
    with pytest.raises(TypeError, match="linear: input is float64 but weight is float32"):
        nn.Linear(3, 2)(tg.zeros(1, 3, dtype=tg.float64))
    with pytest.raises(
        TypeError, match=r"linear: input must be a floating point tensor, got int64; convert it with \.float\(\)"
    ):
        nn.Linear(3, 2)(tg.tensor([[1, 2, 3]]))


def test_identity_returns_its_input():
    x = tg.randn(2, 3)
    assert nn.Identity(54, unused="argument")(x) is x


@pytest.mark.parametrize(("in_features", "out_features"), [(0, 2), (2, 0), (0, 0)])
def test_a_linear_layer_with_no_inputs_or_no_outputs_works_as_in_pytorch(in_features, out_features):
    layer = nn.Linear(in_features, out_features)
    input = tg.zeros(3, in_features, requires_grad=True)
    output = layer(input)
    assert output.shape == (3, out_features)
    np.testing.assert_array_equal(
        output.detach().numpy(), np.broadcast_to(layer.bias.detach().numpy(), (3, out_features))
    )
    output.sum().backward()
    assert input.grad.shape == (3, in_features) and layer.weight.grad.shape == (out_features, in_features)
    np.testing.assert_array_equal(layer.bias.grad.numpy(), np.full(out_features, 3.0))


def test_zero_sized_linear_layers_match_torch(torch):
    for in_features, out_features in [(0, 2), (2, 0)]:
        ours, theirs = nn.Linear(in_features, out_features), torch.nn.Linear(in_features, out_features)
        theirs.load_state_dict(
            {name: torch.from_numpy(value.numpy().copy()) for name, value in ours.state_dict().items()}
        )
        inputs = np.ones((4, in_features), dtype=np.float32)
        with tg.no_grad(), torch.no_grad():
            np.testing.assert_array_equal(ours(tg.tensor(inputs)).numpy(), theirs(torch.from_numpy(inputs)).numpy())
