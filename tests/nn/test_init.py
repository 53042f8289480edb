"""nn.init: gains and fans by PyTorch's formulas, the distributions' bounds and statistics, seeding,
and that initialisers work on parameters that require grad."""

import math

import numpy as np
import pytest
from nn_reference import host

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import init

SHAPES = [(30, 20), (16, 3, 5, 5), (8, 4, 3), (7, 1, 2, 3, 2)]


@pytest.mark.parametrize(
    "nonlinearity, param",
    [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
     ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None)],
)  # fmt: skip
def test_calculate_gain_matches_torch(torch, nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity, param))


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_match_torch(torch, shape):
    ours = init._calculate_fan_in_and_fan_out(tg.zeros(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))


def fans(shape):
    """(fan_in, fan_out) by PyTorch's formula: each kernel element counts once per input / output channel."""
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def sample(initialiser, shape, **kwargs):
    tensor = nn.Parameter(tg.zeros(*shape))  # requires grad: initialisers must work under no_grad themselves
    assert initialiser(tensor, **kwargs) is tensor
    return host(tensor).ravel()


@pytest.mark.parametrize("shape", [(200, 300), (64, 32, 3, 3)])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("a, nonlinearity", [(0, "relu"), (math.sqrt(5), "leaky_relu")])
def test_kaiming_distributions(shape, mode, a, nonlinearity):
    fan = fans(shape)[mode == "fan_out"]
    std = math.sqrt(2 / (1 + a**2)) / math.sqrt(fan)  # relu's gain is leaky_relu's with slope a = 0
    uniform = sample(init.kaiming_uniform_, shape, a=a, mode=mode, nonlinearity=nonlinearity)
    bound = math.sqrt(3) * std
    assert uniform.min() >= -bound and uniform.max() <= bound and uniform.max() > 0.99 * bound
    assert uniform.std() == pytest.approx(std, rel=0.03)
    normal = sample(init.kaiming_normal_, shape, a=a, mode=mode, nonlinearity=nonlinearity)
    assert normal.std() == pytest.approx(std, rel=0.03) and abs(normal.mean()) < 0.05 * std


@pytest.mark.parametrize("shape", [(200, 300), (64, 32, 3, 3)])
@pytest.mark.parametrize("gain", [1.0, 5 / 3])
def test_xavier_distributions(shape, gain):
    fan_in, fan_out = fans(shape)
    std = gain * math.sqrt(2 / (fan_in + fan_out))
    uniform = sample(init.xavier_uniform_, shape, gain=gain)
    assert np.abs(uniform).max() <= math.sqrt(3) * std and uniform.std() == pytest.approx(std, rel=0.03)
    assert sample(init.xavier_normal_, shape, gain=gain).std() == pytest.approx(std, rel=0.03)


def test_simple_initialisers():
    values = sample(init.uniform_, (100, 100), a=-2.0, b=3.0)
    assert values.min() >= -2 and values.max() <= 3 and values.mean() == pytest.approx(0.5, abs=0.05)
    values = sample(init.normal_, (100, 100), mean=1.0, std=0.5)
    assert values.mean() == pytest.approx(1.0, abs=0.02) and values.std() == pytest.approx(0.5, rel=0.03)
    assert (sample(init.constant_, (3,), val=2.5) == 2.5).all()
    assert (sample(init.ones_, (3,)) == 1).all() and (sample(init.zeros_, (3,)) == 0).all()
    assert sample(init.uniform_, (3,)).dtype == np.float32


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_follow_the_formula(shape):
    assert init._calculate_fan_in_and_fan_out(tg.zeros(*shape)) == fans(shape)


def test_gains_by_hand():
    assert init.calculate_gain("linear") == init.calculate_gain("conv2d") == init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))  # default slope 0.01
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == pytest.approx(3 / 4)


def test_default_layer_init_bounds_match_torch(torch):
    for ours, theirs in ((nn.Conv2d(6, 4, 5), torch.nn.Conv2d(6, 4, 5)), (nn.Linear(50, 7), torch.nn.Linear(50, 7))):
        for (name, our_parameter), their_parameter in zip(ours.named_parameters(), theirs.parameters()):
            bound = 1 / math.sqrt(torch.nn.init._calculate_fan_in_and_fan_out(theirs.weight)[0])
            assert np.abs(host(our_parameter)).max() <= bound, name
            assert their_parameter.abs().max().item() <= bound


def test_seeded_and_errors():
    tg.manual_seed(11)
    first = sample(init.kaiming_uniform_, (4, 4))
    tg.manual_seed(11)
    np.testing.assert_array_equal(first, sample(init.kaiming_uniform_, (4, 4)))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(tg.zeros(3))
    with pytest.raises(ValueError, match="mode 'fan_avg' not supported"):
        init.kaiming_normal_(tg.zeros(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_layer_default_fills_weight_and_bias_from_one_fan_in_bound():
    weight, bias = tg.empty(8, 3, 2, 2), tg.empty(8)
    assert init.layer_default_(weight, bias) is weight
    bound = 1 / math.sqrt(3 * 2 * 2)
    for values in (host(weight), host(bias)):
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.5 * bound
    assert init.layer_default_(tg.empty(4, 2)) is not None  # no bias: the weight alone
