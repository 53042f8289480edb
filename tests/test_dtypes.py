"""dtypes: PyTorch's inference and promotion rules, scalars that never change a tensor's dtype (under
NumPy 2 too), float32 kept through every op and its gradient, and only floats requiring grad."""

import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.testing import strategies as tgst


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (1.5, tg.float32),
        ([1.0, 2.0], tg.float32),
        ([1, 2.5], tg.float32),
        (3, tg.int64),
        ([[1, 2]], tg.int64),
        ([True, False], tg.bool),
        (np.array([1.0, 2.0]), tg.float64),
        (np.array([1.0], dtype=np.float32), tg.float32),
        (np.array([1, 2], dtype=np.int32), tg.int32),
        (np.float64(1.5), tg.float64),
    ],
)
def test_inference_rules(data, expected):
    assert tg.tensor(data).dtype == expected


def test_dtype_names_and_aliases():
    assert tg.float is tg.float32 and tg.double is tg.float64 and tg.long is tg.int64 and tg.half is tg.float16
    assert tg.float32 == np.float32 and tg.float32 != tg.float64
    assert tg.float64.is_floating_point and not tg.int64.is_floating_point and tg.float64.itemsize == 8
    assert repr(tg.float32) == "tinygrad_edu.float32"
    assert tg.zeros(1, dtype=float).dtype == tg.float64  # Python's float is a double, as in PyTorch
    assert tg.zeros(1, dtype="int32").dtype == tg.int32
    with pytest.raises(TypeError, match="unsupported dtype"):
        tg.zeros(1, dtype="complex64")


def test_set_default_dtype():
    try:
        tg.set_default_dtype(tg.float64)
        assert tg.get_default_dtype() == tg.float64
        assert tg.tensor([1.5]).dtype == tg.float64 and tg.zeros(1).dtype == tg.float64
        assert tg.arange(1.0).dtype == tg.float64
        assert (tg.ones(1, dtype=tg.float32) * 2.5).dtype == tg.float32
    finally:
        tg.set_default_dtype(tg.float32)
    assert tg.tensor([1.5]).dtype == tg.float32
    with pytest.raises(TypeError, match="only floating dtypes can be the default"):
        tg.set_default_dtype(tg.int64)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: tg.ones(2) * np.float64(2.0), tg.float32),
        (lambda: tg.ones(2) + 1.5, tg.float32),
        (lambda: 2.0 ** tg.ones(2), tg.float32),
        (lambda: tg.ones(2) * 10**6, tg.float32),
        (lambda: tg.ones(2, dtype=tg.float16) + 1e-3, tg.float16),
        (lambda: tg.ones(2, dtype=tg.float64) * np.float32(2.0), tg.float64),
        (lambda: tg.tensor([1, 2]) + 1, tg.int64),
        (lambda: tg.tensor([1, 2], dtype=tg.int32) + 1, tg.int32),
        (lambda: tg.tensor([1, 2], dtype=tg.int32) * 1.5, tg.float32),
        (lambda: tg.tensor([1, 2]) / 2, tg.float32),
        (lambda: tg.tensor([True]) + 1, tg.int64),
        (lambda: tg.tensor([True]) * 1.5, tg.float32),
        (lambda: tg.tensor([1, 2]) + tg.ones(2), tg.float32),
        (lambda: tg.tensor([1, 2], dtype=tg.int32) + tg.tensor([1, 2]), tg.int64),
        (lambda: tg.tensor([1], dtype=tg.uint8) + tg.tensor([1], dtype=tg.int8), tg.int16),
        (lambda: tg.ones(2) + tg.ones(2, dtype=tg.float64), tg.float64),
        (lambda: tg.ones(2) * tg.tensor(1.5, dtype=tg.float64), tg.float32),  # a 0-d tensor acts like a scalar
        (lambda: tg.tensor([1, 2]) + tg.tensor(1.5, dtype=tg.float64), tg.float64),  # unless of a higher kind
        (lambda: tg.tensor([1, 2], dtype=tg.int32) + tg.tensor(1), tg.int32),
        (lambda: tg.cat([tg.tensor([1, 2]), tg.ones(1)]), tg.float32),
        (lambda: tg.where(tg.tensor([True]), tg.tensor([1]), 0.5), tg.float32),
        (lambda: tg.tensor([0, 1]).exp(), tg.float32),
        (lambda: tg.tensor([1, 2]).clamp(0.5), tg.float32),
    ],
)
def test_result_dtypes_follow_pytorch(make, expected):
    assert make().dtype == expected


def test_result_dtypes_agree_with_torch():
    torch = pytest.importorskip("torch")
    operands = [
        (np.array([1.0, 2.0], np.float32), 2.5),
        (np.array([1.0, 2.0], np.float32), np.float64(2.5)),
        (np.array([1, 2]), 2.5),
        (np.array([1, 2], np.int32), 3),
        (np.array([True, False]), 2),
        (np.array([1.0, 2.0], np.float32), np.array(2.0)),
        (np.array([1, 2], np.int32), np.array([1.0, 2.0], np.float64)),
        (np.array([1, 2], np.uint8), np.array([1, 2], np.int8)),
    ]
    for left, right in operands:
        for op in (operator.add, operator.mul):
            ours = op(tg.tensor(left), tg.tensor(right) if isinstance(right, np.ndarray) else right)
            theirs = op(torch.tensor(left), torch.tensor(right) if isinstance(right, np.ndarray) else right)
            assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], (left.dtype, right)


def _float32_ops():
    """Every differentiable op, applied with Python and numpy scalars mixed in."""
    return {
        "arithmetic": lambda x: ((x + 1) * 2.5 - np.float64(0.5)) / 3 + x**2 + 2**x + 1 / (x + 4) - (3 - x),
        "unary": lambda x: x.exp() + x.log() + x.sqrt() + x.sin() + x.cos() + x.tanh() + x.sigmoid() + x.abs(),
        "kinks": lambda x: x.relu() + x.clamp(0.2, 0.8) + tg.maximum(x, 0.5) + tg.minimum(x, np.float64(0.5)),
        "reductions": lambda x: x.sum(0) + x.mean(0) + x.var(0) + x.std(0) + x.amax(0) + x.max(0)[0] + x.min(0)[0],
        "softmax family": lambda x: x.softmax(1) + x.log_softmax(1) + x.logsumexp(1, keepdim=True),
        "movement": lambda x: x.T.reshape(-1)[[0, 1, 1]].sum() + x[None].expand(2, -1, -1).permute(1, 2, 0).sum(),
        "joining": lambda x: tg.cat([x, x * 2]).sum(0) + tg.stack([x, x]).mean(0).sum(0) + tg.pad(x, (1, 1)).sum(),
        "matmul": lambda x: x @ x.T + x[0] @ x[1],
        "where": lambda x: tg.where(x > 0.5, x, 0.0) + tg.where(x > 0.5, 1.0, x),
    }


@pytest.mark.parametrize("name", _float32_ops())
@given(data=st.data())
def test_float32_in_float32_out_and_float32_gradients(device, name, data):
    op = _float32_ops()[name]
    values = data.draw(tgst.separated_arrays((3, 3), gap=0.05, low=0.1, dtype=np.float32))  # no ties, no zero variance
    x = tg.tensor(values, device=device, requires_grad=True)
    result = op(x)
    assert result.dtype == tg.float32
    result.sum().backward()
    assert x.grad.dtype == tg.float32


def test_only_floating_tensors_can_require_grad():
    for make in (lambda: tg.tensor([1, 2], requires_grad=True), lambda: tg.zeros(2, dtype=tg.bool).requires_grad_()):
        with pytest.raises(RuntimeError, match="only tensors of floating point dtype can require gradients"):
            make()
    integers = tg.tensor([1, 2])
    with pytest.raises(RuntimeError, match=r"convert with .float\(\) first"):
        integers.requires_grad = True
    assert tg.tensor([1, 2]).float().requires_grad_().requires_grad


def test_integer_results_of_float_inputs_are_outside_the_graph():
    x = tg.tensor([1.0, 3.0, 2.0], requires_grad=True)
    for result in (x.argmax(), x.max(0).indices, x.long(), x > 1):
        assert not result.requires_grad and result.grad_fn is None
