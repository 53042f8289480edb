"""The optimizer tests' shared checks: run our optimizer and another implementation (PyTorch's, or the
numpy one in optim_reference.py) on the same parameters and gradients, and compare after every step."""

import numpy as np
import optim_reference
import pytest

import tinygrad_edu as tg

SHAPES = [(3, 4), (4,), ()]  # a weight, a bias and a scalar: the update must not depend on the shape


def run_side_by_side(device, make_ours, make_theirs, to_theirs, to_numpy, steps, shapes, seed):
    """Step both optimizers on the same random gradients; after each step the parameters must agree
    (float64, rtol 1e-6). Returns our optimizer."""
    rng = np.random.default_rng(seed)
    initial = [rng.standard_normal(shape) for shape in shapes]
    ours = [tg.tensor(array, requires_grad=True, device=device) for array in initial]
    theirs = [to_theirs(array) for array in initial]
    our_optimizer, step_theirs = make_ours(ours), make_theirs(theirs)
    for step in range(steps):
        grads = [rng.standard_normal(shape) for shape in shapes]
        for our_param, grad in zip(ours, grads):
            our_param.grad = tg.tensor(grad, device=device)
        our_optimizer.step()
        step_theirs(grads)
        for number, (our_param, their_param) in enumerate(zip(ours, theirs)):
            np.testing.assert_allclose(
                our_param.detach().cpu().numpy(),
                to_numpy(their_param),
                rtol=1e-6,
                atol=1e-12,
                err_msg=f"parameter {number} after step {step + 1}",
            )
    return our_optimizer


@pytest.fixture
def compare_with_torch(torch, device):
    """`compare(build, steps=5)`: build(optim_module, params) makes an optimizer in both frameworks
    (skipped without PyTorch). Returns our optimizer."""

    def compare(build, steps=5, shapes=SHAPES, seed=0):
        def make_theirs(params):
            optimizer = build(torch.optim, params)

            def step(grads):
                for param, grad in zip(params, grads):
                    param.grad = torch.tensor(grad)
                optimizer.step()

            return step

        return run_side_by_side(
            device,
            lambda params: build(tg.optim, params),
            make_theirs,
            lambda array: torch.tensor(array, requires_grad=True),
            lambda param: param.detach().numpy(),
            steps,
            shapes,
            seed,
        )

    return compare


@pytest.fixture
def compare_with_reference(device):
    """`compare(name, options, steps=5)`: tinygrad_edu.optim.<name>(params, **options) against
    optim_reference.<name>(**options), the update rule written in numpy (needs no PyTorch)."""

    def compare(name, options, steps=5, shapes=SHAPES, seed=0):
        def make_theirs(params):
            reference = getattr(optim_reference, name)(**options)
            return lambda grads: reference.step(params, grads)

        return run_side_by_side(
            device,
            lambda params: getattr(tg.optim, name)(params, **options),
            make_theirs,
            np.copy,
            lambda array: array,
            steps,
            shapes,
            seed,
        )

    return compare
