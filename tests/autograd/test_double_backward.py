"""Second derivatives of every op family that has a gradient: gradgradcheck (finite differences of the
recorded backward, with respect to the inputs and to the upstream gradient) on hypothesis-drawn inputs,
and the same values as PyTorch's double backward.

Each case is `fn(m, *tensors)`, written once for both libraries (`m` is tinygrad_edu or torch), and a
strategy for its input arrays (float64; integer arrays are indices and get no gradient).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_reference import assert_second_derivatives_match_torch, second_derivatives

import tinygrad_edu as tg
from tinygrad_edu.testing import gradgradcheck
from tinygrad_edu.testing import strategies as tgst

# A second-order check runs a recorded backward per element and direction: a few examples are enough.
FEWER_EXAMPLES = settings(max_examples=max(3, settings().max_examples // 5))


def arrays(*strategies):
    return st.tuples(*strategies)


def smooth(*shape):
    return tgst.smooth_arrays(shape)


def positive(*shape):
    return tgst.positive_arrays(shape, 0.3, 2.0)


def nonzero(*shape):
    return tgst.nonzero_arrays(shape, 0.3)


def separated(*shape):
    return tgst.separated_arrays(shape, gap=0.2)


def separated_pair(*shape):
    """Two arrays with no value in common (no ties between them either)."""
    return tgst.separated_arrays((2, *shape), gap=0.2).map(lambda both: (both[0], both[1]))


def indices(high, *shape):
    return st.just(np.random.default_rng(sum(shape) + high).integers(0, high, shape))


def F(m):
    return m.nn.functional


ELEMENTWISE = {
    "neg": (lambda m, x: -x, arrays(smooth(3, 2))),
    "abs": (lambda m, x: x.abs() * x, arrays(nonzero(4))),
    "exp": (lambda m, x: x.exp(), arrays(smooth(2, 3))),
    "log": (lambda m, x: x.log(), arrays(positive(5))),
    "log1p": (lambda m, x: x.log1p(), arrays(positive(5))),
    "sqrt": (lambda m, x: x.sqrt(), arrays(positive(2, 2))),
    "sin": (lambda m, x: x.sin(), arrays(smooth(4))),
    "cos": (lambda m, x: x.cos(), arrays(smooth(4))),
    "tanh": (lambda m, x: x.tanh(), arrays(smooth(3, 2))),
    "sigmoid": (lambda m, x: x.sigmoid(), arrays(smooth(3, 2))),
    "relu": (lambda m, x: x.relu() * x, arrays(nonzero(5))),
    "clamp": (lambda m, x: x.clamp(-0.5, 1.0) ** 2, arrays(tgst.arrays_away_from((5,), (-0.5, 1.0)))),
    "pow scalar": (lambda m, x: x**3, arrays(smooth(4))),
    "fractional pow": (lambda m, x: x**1.5, arrays(positive(4))),
    "scalar base": (lambda m, x: 2.0**x, arrays(smooth(4))),
    "pow of tensors": (lambda m, a, b: a**b, arrays(positive(3, 2), smooth(2))),
    "add broadcast": (lambda m, a, b: (a + b) * a, arrays(smooth(2, 3), smooth(3))),
    "sub broadcast": (lambda m, a, b: (a - b) * b, arrays(smooth(2, 3), smooth(2, 1))),
    "mul broadcast": (lambda m, a, b: a * b * a, arrays(smooth(2, 3), smooth(3))),
    "div broadcast": (lambda m, a, b: a / b, arrays(smooth(2, 3), nonzero(3))),
    "remainder": (lambda m, a: (a % 1.5) * a, arrays(tgst.smooth_arrays((4,), 0.1, 1.4))),
    "maximum": (lambda m, a, b: m.maximum(a, b) * a, separated_pair(2, 2)),
    "minimum": (lambda m, a, b: m.minimum(a, b) * b, separated_pair(3)),
    "where": (lambda m, a, b: m.where(a > 0, a * b, b * b), arrays(nonzero(2, 3), smooth(2, 3))),
}

REDUCTIONS = {
    "sum dim": (lambda m, x: x.sum(1) ** 2, arrays(smooth(2, 3))),
    "mean keepdim": (lambda m, x: x * x.mean(0, keepdim=True), arrays(smooth(3, 2))),
    "var": (lambda m, x: x.var(1), arrays(smooth(2, 4))),
    "std": (lambda m, x: x.std(), arrays(separated(5))),
    "amax": (lambda m, x: x.amax(1) * x.sum(1), arrays(separated(2, 3))),
    "max along dim": (lambda m, x: x.max(0)[0] ** 2, arrays(separated(3, 2))),
    "min along dim": (lambda m, x: x.min(1)[0] ** 2, arrays(separated(2, 3))),
    "prod": (lambda m, x: x.prod(1), arrays(nonzero(2, 3))),
    "prod of all": (lambda m, x: x.prod(), arrays(nonzero(4))),
    "logsumexp": (lambda m, x: x.logsumexp(1), arrays(smooth(2, 4))),
    "softmax": (lambda m, x: x.softmax(1), arrays(smooth(2, 4))),
    "log_softmax": (lambda m, x: x.log_softmax(0), arrays(smooth(3, 2))),
}

MATMUL = {
    "matrix @ matrix": (lambda m, a, b: (a @ b).tanh(), arrays(smooth(2, 3), smooth(3, 2))),
    "vector @ matrix": (lambda m, a, b: (a @ b) ** 2, arrays(smooth(3), smooth(3, 2))),
    "matrix @ vector": (lambda m, a, b: (a @ b) ** 2, arrays(smooth(2, 3), smooth(3))),
    "batched, broadcast": (lambda m, a, b: (a @ b) ** 2, arrays(smooth(2, 2, 3), smooth(3, 2))),
    "linear": (lambda m, x, w, b: F(m).linear(x, w, b).tanh(), arrays(smooth(2, 3), smooth(4, 3), smooth(4))),
}

MOVEMENT = {
    "reshape": (lambda m, x: x.reshape(3, 2) ** 2, arrays(smooth(2, 3))),
    "permute 3-D": (lambda m, x: x.permute(2, 0, 1) ** 2 * x.permute(2, 0, 1)[0], arrays(smooth(2, 3, 2))),
    "transpose": (lambda m, x, y: x.transpose(0, 1) @ y, arrays(smooth(2, 3), smooth(2, 2))),
    "expand": (lambda m, x: x.expand(3, 2) ** 3, arrays(smooth(1, 2))),
    "slice": (lambda m, x: x[1:, ::2] ** 2, arrays(smooth(3, 4))),
    "repeated index": (lambda m, x: x[m.tensor([0, 2, 0, 0])] ** 2, arrays(smooth(3, 2))),
    "cat": (lambda m, a, b: m.cat([a * a, b], 1) ** 2, arrays(smooth(2, 1), smooth(2, 2))),
    "stack": (lambda m, a, b: m.stack([a, b * a]) ** 2, arrays(smooth(3), smooth(3))),
    "pad": (lambda m, x: F(m).pad(x, (1, 2)) ** 2, arrays(smooth(2, 3))),
    "flip": (lambda m, x: x.flip(0) * x, arrays(smooth(3, 2))),
    "roll": (lambda m, x: x.roll(1, 1) * x, arrays(smooth(2, 3))),
    "repeat": (lambda m, x: x.repeat(2, 1) ** 2, arrays(smooth(2, 2))),
    "tril": (lambda m, x: x.tril() ** 2, arrays(smooth(3, 3))),
    "masked_fill": (lambda m, x: x.masked_fill(x > 0, 0.5) * x, arrays(nonzero(2, 3))),
}

LOSSES = {
    "cross_entropy": (lambda m, x, t: F(m).cross_entropy(x, t), arrays(smooth(4, 3), indices(3, 4))),
    "cross_entropy smoothed, weighted": (
        lambda m, x, t: F(m).cross_entropy(
            x, t, weight=m.tensor([0.5, 1.0, 2.0], dtype=m.float64), label_smoothing=0.2
        ),
        arrays(smooth(4, 3), indices(3, 4)),
    ),
    "cross_entropy ignore_index": (
        lambda m, x: F(m).cross_entropy(x, m.tensor([0, 2, -100, 1])),
        arrays(smooth(4, 3)),
    ),
    "cross_entropy probabilities": (
        lambda m, x, p: F(m).cross_entropy(x, p.softmax(1), reduction="sum"),
        arrays(smooth(3, 4), smooth(3, 4)),
    ),
    "nll_loss": (lambda m, x, t: F(m).nll_loss(x.log_softmax(1), t), arrays(smooth(4, 3), indices(3, 4))),
    "mse_loss": (lambda m, x, y: F(m).mse_loss(x, y), arrays(smooth(2, 3), smooth(2, 3))),
    "binary_cross_entropy": (
        lambda m, p, y: F(m).binary_cross_entropy(p, y),
        arrays(tgst.smooth_arrays((4,), 0.1, 0.9), tgst.smooth_arrays((4,), 0.1, 0.9)),
    ),
    "bce_with_logits": (
        lambda m, x, y: F(m).binary_cross_entropy_with_logits(
            x, y, pos_weight=m.tensor([0.5, 1.0, 3.0], dtype=m.float64)
        ),
        arrays(smooth(2, 3), tgst.smooth_arrays((2, 3), 0.0, 1.0)),
    ),
}

CNN = {
    "conv2d stride 2, padding 1": (
        lambda m, x, w, b: F(m).conv2d(x, w, b, stride=2, padding=1),
        arrays(smooth(1, 2, 5, 4), smooth(3, 2, 3, 3), smooth(3)),
    ),
    "conv2d dilation 2": (
        lambda m, x, w: F(m).conv2d(x, w, dilation=2),
        arrays(smooth(2, 1, 5, 5), smooth(2, 1, 2, 2)),
    ),
    "conv_transpose2d": (
        lambda m, x, w, b: F(m).conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        arrays(smooth(1, 2, 3, 3), smooth(2, 3, 3, 3), smooth(3)),
    ),
    "max_pool2d 2x2 tiles": (lambda m, x: F(m).max_pool2d(x, 2) ** 2, arrays(separated(1, 2, 4, 5))),
    "max_pool2d overlapping, padded": (
        lambda m, x: F(m).max_pool2d(x, 3, stride=2, padding=1) ** 2,
        arrays(separated(1, 2, 5, 5)),
    ),
    "avg_pool2d": (lambda m, x: F(m).avg_pool2d(x, 3, stride=2, padding=1) ** 2, arrays(smooth(1, 2, 5, 4))),
    "adaptive_avg_pool2d": (lambda m, x: F(m).adaptive_avg_pool2d(x, (2, 1)) ** 2, arrays(smooth(1, 2, 5, 3))),
    "batch_norm training": (
        lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, training=True),
        arrays(smooth(4, 2, 2), smooth(2), smooth(2)),
    ),
    "batch_norm eval": (
        lambda m, x, w: (
            F(m).batch_norm(x, m.zeros(3, dtype=m.float64), m.ones(3, dtype=m.float64), w, training=False) ** 2
        ),
        arrays(smooth(2, 3), smooth(3)),
    ),
    "layer_norm": (lambda m, x, w, b: F(m).layer_norm(x, (3,), w, b), arrays(smooth(2, 3), smooth(3), smooth(3))),
    "embedding": (lambda m, w, i: F(m).embedding(i, w) ** 2, arrays(smooth(4, 2), indices(4, 5))),
}

ACTIVATIONS = {
    "gelu": (lambda m, x: F(m).gelu(x), arrays(nonzero(5))),  # away from 0, where the erfc fit's two halves meet
    "gelu tanh": (lambda m, x: F(m).gelu(x, approximate="tanh"), arrays(smooth(5))),
    "silu": (lambda m, x: F(m).silu(x), arrays(smooth(5))),
    "softplus": (lambda m, x: F(m).softplus(x, beta=2.0, threshold=3.0), arrays(tgst.arrays_away_from((5,), (1.5,)))),
    "leaky_relu": (lambda m, x: F(m).leaky_relu(x, 0.1) * x, arrays(nonzero(5))),
    "elu-like where": (lambda m, x: m.where(x > 0, x, x.exp() - 1) ** 2, arrays(nonzero(5))),
}

FAMILIES = {**ELEMENTWISE, **REDUCTIONS, **MATMUL, **MOVEMENT, **LOSSES, **CNN, **ACTIVATIONS}


@pytest.mark.parametrize("name", FAMILIES)
@FEWER_EXAMPLES
@given(data=st.data())
def test_second_derivatives_by_finite_differences(name, data):
    fn, strategy = FAMILIES[name]
    values = data.draw(strategy)
    inputs = [tg.tensor(value, requires_grad=value.dtype.kind == "f") for value in values]
    assert gradgradcheck(lambda *xs: fn(tg, *xs), inputs, atol=1e-5, rtol=1e-3, max_elements=24, directions=4)


@pytest.mark.parametrize("name", FAMILIES)
@given(data=st.data())
@FEWER_EXAMPLES
def test_second_derivatives_match_torch(name, data):
    fn, strategy = FAMILIES[name]
    assert_second_derivatives_match_torch(fn, *data.draw(strategy))


@pytest.mark.parametrize("name", FAMILIES)
@given(data=st.data())
@settings(max_examples=1)
def test_recorded_backward_runs_on_every_backend(device, name, data):
    """The graph branches use the backend's arrays only: the fake GPU (strict, like CuPy) gives the CPU's numbers."""
    fn, strategy = FAMILIES[name]
    values = data.draw(strategy)

    def on(where):  # the default device too, for the tensors a case makes itself (weights, masks)
        tg.set_default_device(where)
        try:
            return second_derivatives(tg, lambda a, **options: tg.tensor(a, **options), fn, values, 0)
        finally:
            tg.set_default_device("cpu")

    expected, actual = on("cpu"), on(device)
    assert (expected is None) == (actual is None)
    for ours, reference in zip(actual or (), expected or ()):
        np.testing.assert_allclose(
            0.0 if ours is None else ours, 0.0 if reference is None else reference, rtol=1e-10, atol=1e-12
        )


def test_a_cast_to_float32_and_back_is_differentiated_twice(torch):
    """Through float32 finite differences mean little: compare with PyTorch's double backward instead."""
    values = np.linspace(-1.5, 1.5, 5)
    assert_second_derivatives_match_torch(
        lambda m, x: (x.float() * x.float()).double() * x, values, rtol=1e-5, atol=1e-6
    )


def test_dropout_is_differentiated_twice_with_its_mask():
    def dropped(x):
        tg.manual_seed(3)
        return tg.nn.functional.dropout(x, 0.4) * x

    assert gradgradcheck(dropped, tg.tensor(np.linspace(-1, 1, 6), requires_grad=True))


def test_third_and_fourth_derivatives_of_tanh():
    """tanh' = 1 - t^2, tanh'' = -2 t (1 - t^2), tanh''' = (6 t^2 - 2)(1 - t^2), tanh'''' = 8 t (2 - 3 t^2)(1 - t^2)."""
    x = tg.tensor([-1.3, 0.0, 0.4, 2.0], dtype=tg.float64, requires_grad=True)
    derivatives = []
    current = x.tanh()
    for _ in range(4):
        (current,) = tg.autograd.grad(current.sum(), x, create_graph=True)
        derivatives.append(current.detach().numpy())
    t = np.tanh(x.detach().numpy())
    expected = [1 - t**2, -2 * t * (1 - t**2), (6 * t**2 - 2) * (1 - t**2), 8 * t * (2 - 3 * t**2) * (1 - t**2)]
    for order, (ours, theirs) in enumerate(zip(derivatives, expected), start=1):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, err_msg=f"derivative {order}")


def test_a_cnn_loss_gives_torchs_hessian_vector_product(torch):
    """A small network end to end: conv - relu - pool - linear - cross-entropy, H v against torch."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 1, 6, 6))
    weights = [rng.standard_normal((2, 1, 3, 3)), rng.standard_normal((3, 8)), rng.standard_normal(3)]
    direction = [rng.standard_normal(w.shape) for w in weights]
    target = np.array([1, 2])

    def hvp(m, make):
        params = [make(w, requires_grad=True) for w in weights]
        hidden = F(m).max_pool2d(F(m).conv2d(make(x), params[0]).relu(), 2).reshape(2, -1)
        loss = F(m).cross_entropy(F(m).linear(hidden, params[1], params[2]), make(target))
        grads = m.autograd.grad(loss, params, create_graph=True)
        dot = sum((g * make(d)).sum() for g, d in zip(grads, direction))
        return [g.detach().numpy() for g in m.autograd.grad(dot, params)]

    ours = hvp(tg, tg.tensor)
    theirs = hvp(torch, torch.tensor)
    for our, their in zip(ours, theirs):
        np.testing.assert_allclose(our, their, rtol=1e-7, atol=1e-9)


def test_second_derivatives_through_a_layers_parameters_match_torch(torch):
    """A Parameter saved by an op comes back with its history (not as a constant) in a recorded backward."""
    rng = np.random.default_rng(4)
    weight, bias, inputs = rng.standard_normal((3, 2)), rng.standard_normal(3), rng.standard_normal((4, 2))
    results = []
    for library in (tg, torch):
        layer = library.nn.Linear(2, 3).double()
        with library.no_grad():
            layer.weight.copy_(library.tensor(weight))
            layer.bias.copy_(library.tensor(bias))
        x = library.tensor(inputs, requires_grad=True)
        (input_grad,) = library.autograd.grad(layer(x).tanh().sum(), x, create_graph=True)
        (input_grad**2).sum().backward()
        results.append((layer.weight.grad.detach().numpy(), layer.bias.grad.detach().numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
