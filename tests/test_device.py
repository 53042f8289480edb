"""Devices as in PyTorch: `device=` on factories, `.to()`, `.cpu()`, `.cuda()`, mixed-device errors.

Everything runs on the strict "fakegpu" double (tests/fakegpu.py), so CI without a GPU checks
the same paths a CUDA tensor takes. tests/test_cuda.py repeats the essentials on a real GPU.
"""

import importlib.util
import sys
from pathlib import Path

import fakegpu  # noqa: F401  (registers the "fakegpu" device)
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.datasets import write_idx

HAS_CUDA = tg.cuda.is_available()


def host(tensor):
    return tensor.detach().cpu().numpy()


# ----- where tensors are made -----------------------------------------------------------------

FACTORIES = {
    "tensor": lambda device: tg.tensor([[1.0, 2.0]], device=device),
    "zeros": lambda device: tg.zeros(2, 3, device=device),
    "ones": lambda device: tg.ones(2, device=device),
    "full": lambda device: tg.full((2,), 7.0, device=device),
    "arange": lambda device: tg.arange(5, device=device),
    "linspace": lambda device: tg.linspace(0, 1, 5, device=device),
    "eye": lambda device: tg.eye(3, device=device),
    "rand": lambda device: tg.rand(3, device=device),
    "randn": lambda device: tg.randn(3, device=device),
    "randint": lambda device: tg.randint(0, 5, (3,), device=device),
    "randperm": lambda device: tg.randperm(4, device=device),
    "zeros_like": lambda device: tg.zeros_like(tg.ones(2, device=device)),
    "randn_like": lambda device: tg.randn_like(tg.ones(2, device=device)),
}


@pytest.mark.parametrize("name", FACTORIES)
@pytest.mark.parametrize("device", ["cpu", "fakegpu", "fakegpu:1"])
def test_factories_make_tensors_on_the_requested_device(name, device):
    made = FACTORIES[name](device)
    assert made.device == device
    assert str(made.device) == ("fakegpu:0" if device == "fakegpu" else device)


def test_random_factories_draw_from_the_device_generator():
    tg.manual_seed(0)
    first = host(tg.rand(5, device="fakegpu"))
    tg.manual_seed(0)
    assert np.array_equal(first, host(tg.rand(5, device="fakegpu")))
    assert first.dtype == np.float32 and ((0 <= first) & (first < 1)).all()


@pytest.mark.parametrize("fill", ["uniform_", "normal_"])
def test_inplace_random_fills_stay_on_the_device(fill):
    weight = tg.zeros(100, device="fakegpu")
    getattr(weight, fill)()
    assert weight.device == "fakegpu:0" and host(weight).std() > 0.1


# ----- moving tensors -------------------------------------------------------------------------


def test_to_cpu_and_back_keeps_values_and_dtype():
    x = tg.tensor([[1.5, -2.0]], dtype=tg.float64)
    on_device = x.to("fakegpu")
    assert on_device.device == "fakegpu:0" and on_device.dtype == tg.float64
    back = on_device.cpu()
    assert back.device == "cpu"
    np.testing.assert_array_equal(back.numpy(), x.numpy())


def test_to_accepts_a_device_object_a_tensor_and_device_with_dtype():
    x = tg.tensor([1.0, 2.0])
    assert x.to(tg.device("fakegpu")).device == "fakegpu:0"
    assert x.to(tg.zeros(1, dtype=tg.float64, device="fakegpu")).dtype == tg.float64
    moved = x.to("fakegpu", tg.float64)
    assert (moved.device, moved.dtype) == (tg.device("fakegpu"), tg.float64)
    assert x.to("cpu") is x  # nothing to do: the same tensor, as in PyTorch
    assert x.to(device="fakegpu", non_blocking=True).device == "fakegpu:0"


def test_moving_a_tensor_copies_it():
    x = tg.tensor([1.0, 2.0])
    moved = x.to("fakegpu")
    x.zero_()
    np.testing.assert_array_equal(host(moved), [1.0, 2.0])


def test_moving_is_differentiable_and_the_gradient_comes_back_to_the_source_device():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.to("fakegpu") * tg.tensor([2.0, 3.0, 4.0], device="fakegpu")
    y.sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 3.0, 4.0])

    leaf = tg.tensor([1.0, 2.0], device="fakegpu", requires_grad=True)
    (leaf.cpu() ** 2).sum().backward()
    assert leaf.grad.device == "fakegpu:0"
    np.testing.assert_array_equal(host(leaf.grad), [2.0, 4.0])


def test_moving_between_fake_gpus():
    x = tg.tensor([1.0, 2.0], device="fakegpu:0")
    moved = x.to("fakegpu:1")
    assert moved.device == "fakegpu:1"
    np.testing.assert_array_equal(host(moved), [1.0, 2.0])


# ----- leaving the device ---------------------------------------------------------------------


def test_numpy_on_a_device_tensor_raises_and_says_to_use_cpu():
    with pytest.raises(TypeError, match=r"fakegpu:0.*tensor\.cpu\(\)"):
        tg.tensor([1.0], device="fakegpu").numpy()
    with pytest.raises(TypeError):
        np.asarray(tg.tensor([1.0], device="fakegpu"))


def test_item_tolist_float_and_bool_work_on_a_device_tensor():
    x = tg.tensor([[1.5, 2.5]], device="fakegpu")
    assert x.tolist() == [[1.5, 2.5]]
    assert x.sum().item() == 4.0 and float(x[0, 0]) == 1.5 and bool(x[0, 1] > 2)
    assert isinstance(x.sum().item(), float)


def test_repr_names_the_device():
    assert "device='fakegpu:0'" in repr(tg.tensor([1.0], device="fakegpu"))
    assert "device" not in repr(tg.tensor([1.0]))


# ----- tensors on different devices don't meet ------------------------------------------------


@pytest.mark.parametrize(
    "combine",
    [
        lambda a, b: a + b,
        lambda a, b: a * b,
        lambda a, b: a @ b,
        lambda a, b: tg.cat([a, b]),
        lambda a, b: tg.where(a > 0, a, b),
    ],
    ids=["add", "mul", "matmul", "cat", "where"],
)
@pytest.mark.parametrize(
    "devices", [("cpu", "fakegpu"), ("fakegpu", "cpu"), ("fakegpu:0", "fakegpu:1")], ids=lambda pair: "-".join(pair)
)
def test_an_op_on_two_devices_raises_naming_both(combine, devices):
    first, second = devices
    a = tg.tensor([1.0, 2.0], device=first)
    b = tg.tensor([3.0, 4.0], device=second)
    names = [str(tg.device(name if ":" in name or name == "cpu" else name + ":0")) for name in devices]
    with pytest.raises(RuntimeError, match="same device") as error:
        combine(a, b)
    assert names[0] in str(error.value) and names[1] in str(error.value)


@pytest.mark.parametrize(
    "combine",
    [
        lambda a, b: a.add_(b),
        lambda a, b: a.mul_(b),
        lambda a, b: a == b,
        lambda a, b: a < b,
        lambda a, b: (a > 0) & (b > 0),
    ],
    ids=["add_", "mul_", "eq", "lt", "and"],
)
def test_inplace_comparison_and_logical_ops_on_two_devices_raise_naming_both(combine):
    with pytest.raises(RuntimeError, match="same device.*fakegpu:0 and cpu"):
        combine(tg.ones(2, device="fakegpu"), tg.ones(2))


# ----- where Tensors meet Python lists and numpy arrays ----------------------------------------


def test_python_lists_and_numpy_arrays_as_operands_join_the_tensors_device():
    x = tg.tensor([1.0, 2.0], device="fakegpu")
    assert (x + [1.0, 1.0]).device == "fakegpu:0"
    assert (x * np.array([2.0, 2.0], dtype=np.float32)).device == "fakegpu:0"
    np.testing.assert_array_equal(host(x - np.float32(1)), [0.0, 1.0])


@pytest.mark.parametrize(
    "index",
    [
        [2, 0, 2],
        np.array([2, 0, 2]),
        tg.tensor([2, 0, 2]),
        tg.tensor([2, 0, 2], device="fakegpu"),
        tg.tensor([True, False, True]),
        (slice(None), None),
    ],
    ids=["list", "numpy", "cpu-tensor", "device-tensor", "cpu-mask", "slice"],
)
def test_indexing_a_device_tensor_with_host_or_device_indices(index):
    values = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    x = tg.tensor(values, device="fakegpu", requires_grad=True)
    picked = x[index]
    numpy_index = index.cpu().numpy() if isinstance(index, tg.Tensor) else index
    np.testing.assert_array_equal(host(picked), values[numpy_index])
    picked.sum().backward()
    expected = np.zeros(3, dtype=np.float32)
    np.add.at(expected, numpy_index, 1.0)
    np.testing.assert_array_equal(host(x.grad), expected)


def test_setitem_on_a_device_tensor_accepts_lists_numpy_and_cpu_tensors():
    x = tg.zeros(2, 3, device="fakegpu")
    x[0] = [1.0, 2.0, 3.0]
    x[1, :2] = np.array([4.0, 5.0])
    x[1, 2] = tg.tensor(6.0)
    x[tg.tensor([0]), 0] = 9.0
    np.testing.assert_array_equal(host(x), [[9.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def test_copy_from_another_device():
    target = tg.zeros(3, device="fakegpu")
    target.copy_(tg.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(host(target), [1.0, 2.0, 3.0])
    back = tg.zeros(3)
    back.copy_(target)
    np.testing.assert_array_equal(back.numpy(), [1.0, 2.0, 3.0])


def test_backward_with_an_explicit_gradient_on_a_device_tensor():
    x = tg.tensor([1.0, 2.0], device="fakegpu", requires_grad=True)
    (x * 3).backward(tg.tensor([1.0, 0.5], device="fakegpu"))
    np.testing.assert_array_equal(host(x.grad), [3.0, 1.5])


# ----- asking for CUDA without CuPy or a GPU --------------------------------------------------


@pytest.mark.skipif(HAS_CUDA, reason="CuPy and a GPU are present: the error paths can't be reached")
def test_asking_for_cuda_without_cupy_or_gpu_says_what_is_missing_and_how_to_install():
    missing = "needs CuPy" if importlib.util.find_spec("cupy") is None else "needs an NVIDIA GPU"
    for request in (
        lambda: tg.zeros(2, device="cuda"),
        lambda: tg.tensor([1.0]).cuda(),
        lambda: tg.tensor([1.0]).to("cuda:0"),
        tg.cuda.current_device,
        tg.cuda.synchronize,
    ):
        with pytest.raises(RuntimeError, match=missing) as error:
            request()
        if missing == "needs CuPy":
            assert 'pip install "tinygrad_edu[cuda]"' in str(error.value)


def test_cuda_queries_never_raise_without_cupy(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # makes `import cupy` fail
    assert tg.cuda.is_available() is False
    assert tg.cuda.device_count() == 0


# ----- the MNIST example on a device ---------------------------------------------------------------


def test_mnist_example_trains_on_a_device(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for prefix, size in (("train", 96), ("t10k", 32)):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (size, 28, 28), dtype=np.uint8))
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte", rng.integers(0, 10, size, dtype=np.uint8))
    path = Path(__file__).resolve().parents[1] / "examples" / "mnist.py"
    spec = importlib.util.spec_from_file_location("examples_mnist_on_device", path)
    mnist = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mnist)
    mnist.main(["--device", "fakegpu", "--data-dir", str(tmp_path), "--epochs", "1", "--batch-size", "32"])
    output = capsys.readouterr().out
    assert "device fakegpu" in output and output.strip().splitlines()[-1].startswith("test accuracy:")
