"""Device parity: every op gives the same values and gradients on a GPU as on the CPU.

Each test runs on "cuda" (marked `gpu`, skipped without CuPy and a GPU) and on the strict "fakegpu"
double, so CI without a GPU runs the same code: on fakegpu the numbers must match exactly, on a real
GPU within float64 rtol 1e-10 / float32 rtol 1e-5 (different summation orders in cuBLAS and reductions).
"""

import zlib

import fakegpu  # noqa: F401  (registers the "fakegpu" device)
import numpy as np
import pytest

import tinygrad_edu as tg

PARITY_DEVICES = [
    "fakegpu",
    pytest.param(
        "cuda",
        marks=[pytest.mark.gpu, pytest.mark.skipif(not tg.cuda.is_available(), reason="needs CuPy and an NVIDIA GPU")],
    ),
]
TOLERANCES = [(np.float64, 1e-10), (np.float32, 1e-5)]


@pytest.fixture(params=PARITY_DEVICES)
def gpu(request):
    return request.param


def host(tensor):
    return tensor.detach().cpu().numpy()


ANY, POSITIVE = (-2.0, 2.0), (0.5, 2.0)

# name: (function of the input tensors, [(shape, value range) per input])
CASES = {
    "add": (lambda a, b: a + b, [((3, 4), ANY), ((4,), ANY)]),
    "sub": (lambda a, b: a - b, [((3, 1), ANY), ((3, 4), ANY)]),
    "mul": (lambda a, b: a * b, [((2, 3, 4), ANY), ((3, 1), ANY)]),
    "div": (lambda a, b: a / b, [((3, 4), ANY), ((4,), POSITIVE)]),
    "pow": (lambda a, b: a**b, [((3, 4), POSITIVE), ((3, 4), ANY)]),
    "pow_scalar": (lambda a: a**3, [((5,), ANY)]),
    "scalar_ops": (lambda a: (2.0 - a) * 3 / 4 + 1, [((5,), ANY)]),
    "neg": (lambda a: -a, [((5,), ANY)]),
    "abs": (lambda a: a.abs(), [((5,), ANY)]),
    "exp": (lambda a: a.exp(), [((5,), ANY)]),
    "log": (lambda a: a.log(), [((5,), POSITIVE)]),
    "sqrt": (lambda a: a.sqrt(), [((5,), POSITIVE)]),
    "sin": (lambda a: a.sin(), [((5,), ANY)]),
    "cos": (lambda a: a.cos(), [((5,), ANY)]),
    "tanh": (lambda a: a.tanh(), [((5,), ANY)]),
    "sigmoid": (lambda a: a.sigmoid(), [((5,), ANY)]),
    "relu": (lambda a: a.relu(), [((5,), ANY)]),
    "clamp": (lambda a: a.clamp(-0.5, 0.5), [((6,), ANY)]),
    "maximum": (lambda a, b: a.maximum(b), [((3, 4), ANY), ((4,), ANY)]),
    "minimum": (lambda a, b: a.minimum(b), [((3, 4), ANY), ((3, 4), ANY)]),
    "where": (lambda a, b: tg.where(a > 0, a, b), [((3, 4), ANY), ((4,), ANY)]),
    "matmul": (lambda a, b: a @ b, [((3, 4), ANY), ((4, 5), ANY)]),
    "matmul_batched": (lambda a, b: a @ b, [((2, 3, 4), ANY), ((4, 5), ANY)]),
    "matmul_vector": (lambda a, b: a @ b, [((4,), ANY), ((2, 4, 3), ANY)]),
    "sum": (lambda a: a.sum(), [((3, 4), ANY)]),
    "sum_dim": (lambda a: a.sum(dim=1, keepdim=True), [((3, 4), ANY)]),
    "mean": (lambda a: a.mean(dim=(0, 2)), [((2, 3, 4), ANY)]),
    "var": (lambda a: a.var(dim=1), [((3, 4), ANY)]),
    "std": (lambda a: a.std(), [((3, 4), ANY)]),
    "max": (lambda a: a.max(), [((3, 4), ANY)]),
    "max_dim": (lambda a: a.max(dim=1).values, [((3, 4), ANY)]),
    "min_dim": (lambda a: a.min(dim=0, keepdim=True).values, [((3, 4), ANY)]),
    "amax": (lambda a: a.amax(dim=0), [((3, 4), ANY)]),
    "argmax": (lambda a: a * a.argmax(dim=1, keepdim=True), [((3, 4), ANY)]),
    "logsumexp": (lambda a: a.logsumexp(dim=1), [((3, 4), ANY)]),
    "softmax": (lambda a: a.softmax(dim=-1), [((3, 4), ANY)]),
    "log_softmax": (lambda a: a.log_softmax(dim=0), [((3, 4), ANY)]),
    "reshape": (lambda a: a.reshape(4, 3), [((3, 4), ANY)]),
    "permute": (lambda a: a.permute(2, 0, 1), [((2, 3, 4), ANY)]),
    "transpose": (lambda a: a.transpose(0, 1) * 2, [((3, 4), ANY)]),
    "expand": (lambda a: a.expand(2, 3, 4), [((3, 1), ANY)]),
    "flatten": (lambda a: a.flatten(1), [((2, 3, 4), ANY)]),
    "unsqueeze_squeeze": (lambda a: a.unsqueeze(0).squeeze(), [((3, 1), ANY)]),
    "getitem_slice": (lambda a: a[1:, ::2], [((3, 4), ANY)]),
    "getitem_repeated": (lambda a: a[[0, 2, 0]], [((3, 4), ANY)]),
    "getitem_tensor_index": (lambda a: a[:, tg.tensor([3, 3, 1], device=a.device)], [((3, 4), ANY)]),
    "getitem_mask": (lambda a: a[a > 0], [((3, 4), ANY)]),
    "cat": (lambda a, b: tg.cat([a, b], dim=1), [((3, 2), ANY), ((3, 4), ANY)]),
    "stack": (lambda a, b: tg.stack([a, b], dim=-1), [((3, 4), ANY), ((3, 4), ANY)]),
    "pad": (lambda a: tg.pad(a, (1, 2, 0, 1), value=0.5), [((2, 3), ANY)]),
    "split": (lambda a: a.split([1, 3], dim=1)[1] * 2, [((3, 4), ANY)]),
    "clone": (lambda a: a.clone(), [((3,), ANY)]),
    "cast": (lambda a: a.half().float() if a.dtype == tg.float32 else a.float().double(), [((4,), ANY)]),
    "through_cpu": (lambda a: (a.cpu() * 2).to(a.device), [((4,), ANY)]),
}


def _run(case, arrays, upstream, device):
    function, _ = CASES[case]
    inputs = [tg.tensor(array, device=device, requires_grad=True) for array in arrays]
    out = function(*inputs)
    out.backward(tg.tensor(upstream, device=device))
    assert out.device == inputs[0].device
    assert all(x.grad.device == out.device for x in inputs)
    return host(out), [host(x.grad) for x in inputs]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype, rtol", TOLERANCES, ids=["float64", "float32"])
def test_op_values_and_gradients_match_the_cpu(case, dtype, rtol, gpu):
    rng = np.random.default_rng(zlib.crc32(case.encode()))
    arrays = [rng.uniform(low, high, shape).astype(dtype) for shape, (low, high) in CASES[case][1]]
    out_shape = CASES[case][0](*[tg.tensor(array) for array in arrays]).shape
    upstream = rng.standard_normal(out_shape).astype(dtype)
    expected, expected_grads = _run(case, arrays, upstream, "cpu")
    actual, actual_grads = _run(case, arrays, upstream, gpu)
    assert actual.dtype == expected.dtype
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol)
    for actual_grad, expected_grad in zip(actual_grads, expected_grads):
        np.testing.assert_allclose(actual_grad, expected_grad, rtol=rtol, atol=rtol)


# ----- devices ----------------------------------------------------------------------------------


def test_tensors_move_to_the_gpu_and_back(gpu):
    x = tg.tensor([[1.0, 2.0]], dtype=tg.float64)
    on_gpu = x.to(gpu)
    assert on_gpu.device.type == tg.device(gpu).type and on_gpu.device.index == 0
    assert on_gpu.dtype == tg.float64
    np.testing.assert_array_equal(on_gpu.cpu().numpy(), x.numpy())
    with pytest.raises(TypeError, match="cpu"):
        on_gpu.numpy()
    assert on_gpu.tolist() == [[1.0, 2.0]] and on_gpu.sum().item() == 3.0


def test_mixing_cpu_and_gpu_tensors_raises_naming_both(gpu):
    with pytest.raises(RuntimeError, match=rf"cpu and {tg.device(gpu).type}:0|{tg.device(gpu).type}:0 and cpu"):
        tg.ones(2) + tg.ones(2, device=gpu)


def test_random_factories_on_the_gpu_are_seeded(gpu):
    tg.manual_seed(1)
    first = [host(tg.rand(3, device=gpu)), host(tg.randn(3, device=gpu)), host(tg.randint(0, 9, (3,), device=gpu))]
    tg.manual_seed(1)
    second = [host(tg.rand(3, device=gpu)), host(tg.randn(3, device=gpu)), host(tg.randint(0, 9, (3,), device=gpu))]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert first[0].dtype == np.float32 and first[2].dtype == np.int64
    assert sorted(host(tg.randperm(5, device=gpu)).tolist()) == [0, 1, 2, 3, 4]
