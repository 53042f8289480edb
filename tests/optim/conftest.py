"""The optimizer tests' shared check: run our optimizer and PyTorch's on the same parameters and gradients."""

import numpy as np
import pytest

import tinygrad_edu as tg

SHAPES = [(3, 4), (4,), ()]  # a weight, a bias and a scalar: the update must not depend on the shape


@pytest.fixture
def compare_with_torch(device):
    """`compare(build, steps=5)`: build(optim_module, params) makes an optimizer in both frameworks;
    after each step every parameter must equal PyTorch's (float64, rtol 1e-6). Returns our optimizer."""
    torch = pytest.importorskip("torch")

    def compare(build, steps=5, shapes=SHAPES, seed=0):
        rng = np.random.default_rng(seed)
        initial = [rng.standard_normal(shape) for shape in shapes]
        ours = [tg.tensor(array, requires_grad=True, device=device) for array in initial]
        theirs = [torch.tensor(array, requires_grad=True) for array in initial]
        our_optimizer, their_optimizer = build(tg.optim, ours), build(torch.optim, theirs)
        for step in range(steps):
            for our_param, their_param in zip(ours, theirs):
                grad = rng.standard_normal(our_param.shape)
                our_param.grad = tg.tensor(grad, device=device)
                their_param.grad = torch.tensor(grad)
            our_optimizer.step()
            their_optimizer.step()
            for number, (our_param, their_param) in enumerate(zip(ours, theirs)):
                np.testing.assert_allclose(
                    our_param.detach().cpu().numpy(),
                    their_param.detach().numpy(),
                    rtol=1e-6,
                    atol=1e-12,
                    err_msg=f"parameter {number} after step {step + 1}",
                )
        return our_optimizer

    return compare
