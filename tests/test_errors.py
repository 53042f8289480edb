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
