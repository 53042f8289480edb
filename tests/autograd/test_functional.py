"""autograd.functional: vjp, jvp, jacobian, hessian, hvp and vhp, against hand-computed derivatives and
torch.autograd.functional (same signatures, same structure of the results)."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd import functional


def host(value):
    if isinstance(value, tuple):
        return tuple(host(v) for v in value)
    return value.detach().cpu().numpy()


def cubes(m, x):
    return (x**3).sum()


def pow_reducer(m, x):
    """PyTorch's docs' example for hessian: x.pow(3).sum()."""
    return x.pow(3).sum()


def two_inputs(m, x, y):
    return (x * y * y).sum() + (x.sin() * y).sum()


def vector_valued(m, x, y):
    return (x * y).exp(), x.tanh() + y


def test_hessian_by_hand():
    x = tg.tensor([1.0, 2.0])
    np.testing.assert_array_equal(host(functional.hessian(lambda x: cubes(tg, x), x)), [[6.0, 0.0], [0.0, 12.0]])


def test_jacobian_and_both_strategies_by_hand():
    x = tg.tensor([1.0, 2.0, 3.0])
    for strategy in ("reverse-mode", "forward-mode"):
        jacobian = functional.jacobian(lambda x: x**2, x, strategy=strategy)
        np.testing.assert_array_equal(host(jacobian), np.diag([2.0, 4.0, 6.0]))


def test_jvp_and_vjp_and_hvp_by_hand():
    x, v = tg.tensor([1.0, 2.0]), tg.tensor([1.0, -1.0])
    value, product = functional.jvp(lambda x: x**2, x, v)
    np.testing.assert_array_equal(host(value), [1.0, 4.0])
    np.testing.assert_array_equal(host(product), [2.0, -4.0])
    _, product = functional.vjp(lambda x: x**2, x, v)
    np.testing.assert_array_equal(host(product), [2.0, -4.0])
    value, product = functional.hvp(lambda x: cubes(tg, x), x, v)
    assert value.item() == 9.0
    np.testing.assert_array_equal(host(product), [6.0, -12.0])


def compare(name, fn, inputs, *vectors, **options):
    """Run functional.<name> of both libraries on the same arrays and compare the results' structure and values."""
    torch = pytest.importorskip("torch")
    ours = _run(tg, functional, name, fn, inputs, vectors, options)
    theirs = _run(torch, torch.autograd.functional, name, fn, inputs, vectors, options)
    _assert_same_structure(ours, theirs)


def _run(library, module, name, fn, inputs, vectors, options):
    def make(values):
        return tuple(library.tensor(a) for a in values) if isinstance(values, tuple) else library.tensor(values)

    args = [make(inputs)] + [make(v) for v in vectors]
    return getattr(module, name)(lambda *xs: fn(library, *xs), *args, **options)


def _assert_same_structure(ours, theirs):
    if isinstance(theirs, (tuple, list)):  # torch's forward-mode jacobian returns lists of lists
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for our, their in zip(ours, theirs):
            _assert_same_structure(our, their)
        return
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(host(ours), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


RNG = np.random.default_rng(0)
X, Y = RNG.standard_normal(3), RNG.standard_normal(3)
M = RNG.standard_normal((2, 2))


def test_pytorchs_hessian_example(torch):
    compare("hessian", pow_reducer, M)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch's vectorized forward mode uses torch.jit
@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_jacobian_of_several_inputs_and_outputs(torch, strategy):
    compare("jacobian", vector_valued, (X, Y), strategy=strategy, vectorize=strategy == "forward-mode")
    compare("jacobian", lambda m, x: x.softmax(0), X, strategy=strategy, vectorize=strategy == "forward-mode")


def test_hessian_of_several_inputs(torch):
    compare("hessian", two_inputs, (X, Y))


def test_vjp_jvp_hvp_vhp(torch):
    compare("vjp", vector_valued, (X, Y), (np.ones(3), np.arange(3.0)))
    compare("jvp", vector_valued, (X, Y), (np.ones(3), np.arange(3.0)))
    compare("hvp", two_inputs, (X, Y), (np.ones(3), np.arange(3.0)))
    compare("vhp", two_inputs, (X, Y), (np.ones(3), np.arange(3.0)))
    compare("vjp", lambda m, x: (x * x).sum(), X)  # v may be left out for a scalar output


def test_create_graph_keeps_results_differentiable():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    hessian = functional.hessian(lambda x: cubes(tg, x), x, create_graph=True)
    assert hessian.requires_grad
    hessian.sum().backward()  # d/dx of trace-free sum 6 x_i = 6
    np.testing.assert_array_equal(host(x.grad), [6.0, 6.0])
    assert not functional.hessian(lambda x: cubes(tg, x), x).requires_grad


def test_an_output_that_does_not_depend_on_an_input_gives_zeros_or_an_error_when_strict():
    x, y = tg.tensor([1.0, 2.0]), tg.tensor([3.0])
    jacobian = functional.jacobian(lambda x, y: x * 2, (x, y))
    np.testing.assert_array_equal(host(jacobian[1]), [[0.0], [0.0]])
    with pytest.raises(RuntimeError, match="strict=True"):
        functional.jacobian(lambda x, y: x * 2, (x, y), strict=True)


def test_bad_arguments_are_explained():
    with pytest.raises(RuntimeError, match="single element"):
        functional.hvp(lambda x: x * 2, tg.tensor([1.0, 2.0]), tg.tensor([1.0, 1.0]))
    with pytest.raises(RuntimeError, match="v can be left out only"):
        functional.vjp(lambda x: x * 2, tg.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="func must return a Tensor or a tuple of Tensors, got float"):
        functional.jacobian(lambda x: 3.0, tg.tensor([1.0]))
    with pytest.raises(ValueError, match="strategy must be"):
        functional.jacobian(lambda x: x, tg.tensor([1.0]), strategy="sideways")
