"""Shape mismatches raise ShapeError: a ValueError, and a RuntimeError as PyTorch raises for them."""

import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.errors import ShapeError

MISTAKES = {
    "matmul": lambda: tg.ones(3, 4) @ tg.ones(5, 2),
    "broadcast": lambda: tg.ones(3, 4) + tg.ones(5, 2),
    "reshape": lambda: tg.ones(2, 3).reshape(4, 2),
    "expand": lambda: tg.ones(2, 3).expand(2, 4),
    "cat": lambda: tg.cat([tg.ones(2, 3), tg.ones(2, 4)]),
    "conv2d channels": lambda: F.conv2d(tg.ones(1, 3, 8, 8), tg.ones(16, 1, 3, 3)),
    "linear": lambda: F.linear(tg.ones(2, 5), tg.ones(3, 4)),
}


@pytest.mark.parametrize("mistake", MISTAKES.values(), ids=MISTAKES.keys())
def test_shape_mistakes_are_value_errors_and_runtime_errors(mistake):
    with pytest.raises(ShapeError) as caught:
        mistake()
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, RuntimeError)
    assert "shape" in str(caught.value) or "channels" in str(caught.value)


# mistakes PyTorch reports as RuntimeError: ours are RuntimeErrors too (and keep their ValueError/TypeError side)
PYTORCH_RUNTIME_ERRORS = {
    "clamp without bounds": lambda m: m.ones(2).clamp(),
    "kernel larger than the padded input": lambda m: m.nn.functional.conv2d(m.ones(1, 1, 2, 2), m.ones(1, 1, 3, 3)),
    "pooling kernel larger than the input": lambda m: m.nn.functional.max_pool2d(m.ones(1, 1, 2, 2), 3),
    "3-tuple pooling padding": lambda m: m.nn.functional.max_pool2d(m.ones(1, 1, 4, 4), 2, padding=(1, 1, 1)),
    "3-tuple avg pooling padding": lambda m: m.nn.functional.avg_pool2d(m.ones(1, 1, 4, 4), 2, padding=(1, 1, 1)),
    "3-tuple conv stride": lambda m: m.nn.functional.conv2d(m.ones(1, 1, 4, 4), m.ones(1, 1, 2, 2), stride=(1, 1, 1)),
    "pooling padding over half the kernel": lambda m: m.nn.functional.max_pool2d(m.ones(1, 1, 4, 4), 2, padding=2),
    "negative conv padding": lambda m: m.nn.functional.conv2d(m.ones(1, 1, 4, 4), m.ones(1, 1, 2, 2), padding=-1),
    "zero stride": lambda m: m.nn.functional.max_pool2d(m.ones(1, 1, 4, 4), 2, stride=0),
    "mean of integers": lambda m: m.ones(2, dtype=m.int64).mean(),
    "var of integers": lambda m: m.ones(2, dtype=m.int64).var(),
    "flatten start after end": lambda m: m.ones(2, 3).flatten(1, 0),
    "split sizes that don't add up": lambda m: m.ones(4).split([1, 2]),
    "chunk into 0": lambda m: m.ones(4).chunk(0),
    "probabilities outside [0, 1]": lambda m: m.nn.functional.binary_cross_entropy(m.ones(2) * 2, m.ones(2)),
    "cross entropy with float indices": lambda m: m.nn.functional.cross_entropy(m.ones(2, 3), m.tensor([0.0, 1.0])),
    "mse_loss shapes that don't broadcast": lambda m: m.nn.functional.mse_loss(m.ones(2, 3), m.ones(4, 3)),
    "randn of integers": lambda m: m.randn(2, dtype=m.int64),
    "negative linspace steps": lambda m: m.linspace(0, 1, -1),
    "negative eye": lambda m: m.eye(-1),
    "negative size": lambda m: m.zeros(-1),
    "arange with step 0": lambda m: m.arange(0, 3, 0),
    "randint with low == high": lambda m: m.randint(3, 3, (2,)),
    "where with a float condition": lambda m: m.where(m.ones(2), m.ones(2), m.ones(2)),
}


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", PYTORCH_RUNTIME_ERRORS)
def test_runtime_errors_as_in_pytorch(torch, name):
    mistake = PYTORCH_RUNTIME_ERRORS[name]
    with pytest.raises(RuntimeError):
        mistake(torch)
    with pytest.raises(RuntimeError) as ours:
        mistake(tg)
    assert isinstance(ours.value, (ValueError, TypeError))  # code written for the old types still catches it
    assert ": " in str(ours.value)  # the teaching message, which starts with the op's name, is kept


def test_runtime_errors_without_torch_name_the_op():
    with pytest.raises(RuntimeError, match="clamp: at least one of min and max"):
        tg.ones(2).clamp()
    with pytest.raises(RuntimeError, match="padding must be an int or a pair of ints, got \\(1, 1, 1\\)"):
        tg.nn.functional.max_pool2d(tg.ones(1, 1, 4, 4), 2, padding=(1, 1, 1))
    with pytest.raises(RuntimeError, match="conv2d: kernel 3x3 .* more than the padded input"):
        tg.nn.functional.conv2d(tg.ones(1, 1, 2, 2), tg.ones(1, 1, 3, 3))
