"""Device parity: every op and layer gives the same values and gradients on a GPU as on the CPU,
and a model trains, steps its optimizer, saves and loads on the GPU.

Each test runs on "cuda" (marked `gpu`, skipped without CuPy and a GPU) and on the strict "fakegpu"
double, so CI without a GPU runs the same code: on fakegpu the numbers must match exactly, on a real
GPU within float64 rtol 1e-10 / float32 rtol 1e-5 (different summation orders in cuBLAS and reductions).
"""

import zlib

import fakegpu  # registers the "fakegpu" device
import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

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
    # layers and losses (nn.functional)
    "linear": (F.linear, [((4, 5), ANY), ((3, 5), ANY), ((3,), ANY)]),
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, padding=1), [((2, 3, 6, 6), ANY), ((4, 3, 3, 3), ANY), ((4,), ANY)]),
    "conv2d_strided_grouped_dilated": (
        lambda x, w: F.conv2d(x, w, stride=2, padding=2, dilation=2, groups=2),
        [((2, 4, 7, 7), ANY), ((6, 2, 3, 3), ANY)],
    ),
    "max_pool2d": (lambda x: F.max_pool2d(x, 3, stride=2, padding=1), [((2, 3, 7, 7), ANY)]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), [((2, 3, 7, 7), ANY)]),
    "batch_norm_train": (
        lambda x, weight, bias: F.batch_norm(
            x,
            tg.zeros(3, dtype=x.dtype, device=x.device),
            tg.ones(3, dtype=x.dtype, device=x.device),
            weight,
            bias,
            training=True,
        ),
        [((4, 3, 2, 2), ANY), ((3,), POSITIVE), ((3,), ANY)],
    ),
    "cross_entropy": (
        lambda logits: F.cross_entropy(logits, tg.tensor([0, 3, 1, 1, 2], device=logits.device)),
        [((5, 4), ANY)],
    ),
    "cross_entropy_smoothed_sum": (
        lambda logits: F.cross_entropy(
            logits, tg.tensor([2, 0, 1], device=logits.device), label_smoothing=0.1, reduction="sum"
        ),
        [((3, 4), ANY)],
    ),
    "nll_loss": (lambda x: F.nll_loss(x.log_softmax(1), tg.tensor([1, 0, 2], device=x.device)), [((3, 4), ANY)]),
    "mse_loss": (F.mse_loss, [((3, 4), ANY), ((3, 4), ANY)]),
    "bce_with_logits": (
        lambda x, t: F.binary_cross_entropy_with_logits(x, t.sigmoid()),
        [((3, 4), ANY), ((3, 4), ANY)],
    ),
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
    if gpu == "fakegpu":  # the same numpy code underneath: bit for bit
        rtol = 0
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


def test_a_gpu_that_does_not_exist_is_refused(gpu):
    count = fakegpu.DEVICE_COUNT if gpu == "fakegpu" else tg.cuda.device_count()
    missing = f"{gpu}:{count}"
    for request in (
        lambda: tg.zeros(2, device=missing),
        lambda: tg.ones(2).to(missing),
        lambda: tg.rand(2, device=missing),
    ):
        with pytest.raises(RuntimeError, match=f"{missing} does not exist"):
            request()


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


# ----- training on the GPU: Module.to, optimizers, DataLoader, save and load ---------------------


def small_cnn():
    return tg.nn.Sequential(
        tg.nn.Conv2d(1, 4, 3, padding=1),
        tg.nn.BatchNorm2d(4),
        tg.nn.ReLU(),
        tg.nn.MaxPool2d(2),
        tg.nn.Flatten(),
        tg.nn.Linear(4 * 3 * 3, 3),
    )


def test_module_to_moves_parameters_and_buffers_in_place(gpu):
    model = small_cnn()
    parameters = list(model.parameters())
    assert model.to(gpu) is model
    assert [id(p) for p in model.parameters()] == [id(p) for p in parameters]  # same objects, moved
    for name, tensor in model.state_dict().items():
        assert tensor.device == tg.device(gpu), name
    assert model[1].running_mean.device == tg.device(gpu)
    model.cpu()
    assert all(tensor.device == "cpu" for tensor in model.state_dict().values())


# The conv bias just before BatchNorm has a true gradient of 0, so its computed gradient is rounding
# noise (~1e-17) that differs between devices; Adam divides it by sqrt(v) + eps (1e-8), which lifts
# the noise to ~1e-9 in the weights. Hence the looser absolute tolerance for the Adam family.
@pytest.mark.parametrize(
    "make_optimizer, atol",
    [
        (lambda params: tg.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-3), 1e-12),
        (lambda params: tg.optim.Adam(params, lr=0.01, amsgrad=True), 1e-8),
        (lambda params: tg.optim.AdamW(params, lr=0.01), 1e-8),
    ],
    ids=["sgd-momentum", "adam-amsgrad", "adamw"],
)
def test_training_steps_on_the_gpu_match_the_cpu(gpu, make_optimizer, atol):
    tg.manual_seed(0)
    cpu_model = small_cnn().double()
    gpu_model = small_cnn().double()
    gpu_model.load_state_dict(cpu_model.state_dict())
    gpu_model.to(gpu)
    rng = np.random.default_rng(0)
    images, labels = rng.standard_normal((8, 1, 6, 6)), rng.integers(0, 3, 8)
    for model, device in ((cpu_model, "cpu"), (gpu_model, gpu)):
        optimizer = make_optimizer(model.parameters())
        x, y = tg.tensor(images, device=device), tg.tensor(labels, device=device)
        for _ in range(3):
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
        for state in optimizer.state.values():  # optimizer state lives with its parameter
            assert all(value.device == tg.device(device) for value in state.values() if isinstance(value, tg.Tensor))
    for name, expected in cpu_model.state_dict().items():
        actual = gpu_model.state_dict()[name]
        assert actual.device == tg.device(gpu)
        np.testing.assert_allclose(host(actual), host(expected), rtol=1e-10, atol=atol, err_msg=name)


def test_dataloader_moves_batches_to_the_gpu(gpu):
    dataset = tg.data.TensorDataset(tg.randn(10, 3), tg.arange(10))
    batches = list(tg.data.DataLoader(dataset, batch_size=4, shuffle=True, device=gpu))
    assert len(batches) == 3
    for features, targets in batches:
        assert features.device == tg.device(gpu) and targets.device == tg.device(gpu)


def test_save_from_the_gpu_writes_host_arrays_and_load_maps_devices(gpu, tmp_path):
    pytest.importorskip("safetensors")
    model = small_cnn().to(gpu)
    path = str(tmp_path / "model.safetensors")
    tg.save(model.state_dict(), path)
    assert all(tensor.device == tg.device(gpu) for tensor in model.state_dict().values())  # save moved nothing
    on_cpu = tg.load(path, map_location="cpu")
    back_on_gpu = tg.load(path)
    for name, tensor in model.state_dict().items():
        assert on_cpu[name].device == "cpu" and back_on_gpu[name].device == tg.device(gpu)
        np.testing.assert_array_equal(on_cpu[name].numpy(), host(tensor))
    fresh = small_cnn()
    fresh.load_state_dict(back_on_gpu)  # a CPU model takes a GPU checkpoint: values copied to its device
    assert all(tensor.device == "cpu" for tensor in fresh.state_dict().values())


def test_dropout_on_the_gpu_zeroes_about_p_and_rescales_the_rest(gpu):
    tg.manual_seed(0)
    x = tg.ones(10000, device=gpu, requires_grad=True)
    out = F.dropout(x, p=0.25, training=True)
    values = host(out)
    assert out.device == tg.device(gpu)
    assert set(np.unique(values).tolist()) == {0.0, np.float32(1 / 0.75)}
    assert abs((values == 0).mean() - 0.25) < 0.02
    out.sum().backward()
    np.testing.assert_array_equal(host(x.grad), values)
