"""The backend registry (backend.py) and the strict fakegpu double (tests/fakegpu.py).

The fakegpu tests prove the double catches the bugs it exists for: an op that calls numpy on device
data, or that mixes a numpy array into device data, fails on fakegpu while it passes on the CPU.
"""

import subprocess
import sys

import fakegpu
import numpy as np
import pytest
from fakegpu import FakeArray, xp

import tinygrad_edu as tg
from tinygrad_edu import backend
from tinygrad_edu.arguments import Device


def fake(values, dtype=np.float32, device_index=0):
    return FakeArray(np.asarray(values, dtype=dtype), device_index)


# ----- Device ---------------------------------------------------------------------------------


def test_device_parses_type_and_index_like_torch_device():
    assert (Device("cuda:1").type, Device("cuda:1").index) == ("cuda", 1)
    assert (Device("cpu").type, Device("cpu").index) == ("cpu", None)
    assert str(Device("cuda", 0)) == "cuda:0" and str(Device("cpu")) == "cpu"
    assert repr(Device("cuda:2")) == "device(type='cuda', index=2)"


def test_device_without_index_equals_index_zero():
    assert Device("cuda") == Device("cuda:0") == "cuda:0"
    assert hash(Device("cuda")) == hash(Device("cuda:0"))
    assert Device("cuda:0") != Device("cuda:1")
    assert Device("cpu") != Device("cuda")


def test_device_rejects_a_bad_index():
    with pytest.raises(ValueError, match="cuda:N"):
        Device("cuda:x")


def test_device_from_an_int_is_that_gpu_and_other_types_are_refused():
    assert Device(1) == "cuda:1"
    for bad in (None, 1.5, True, -1):
        with pytest.raises(TypeError, match="expected a device"):
            Device(bad)
    with pytest.raises(TypeError, match="expected a device"):
        tg.zeros(2, device=2.0)


# ----- the registry ---------------------------------------------------------------------------


def test_backend_of_and_get_array_module_dispatch_on_the_array_type():
    assert backend.backend_of(np.zeros(2)) is backend.NUMPY
    assert backend.backend_of(np.float32(1.0)) is backend.NUMPY  # numpy scalars count as numpy arrays
    assert backend.get_array_module(np.zeros(2)) is np
    assert backend.backend_of(fake([1.0])) is fakegpu.BACKEND
    assert backend.get_array_module(fake([1.0])) is xp


def test_backend_of_names_the_type_it_does_not_know():
    with pytest.raises(TypeError, match="list"):
        backend.backend_of([1.0, 2.0])


def test_backend_for_unknown_device_type_lists_the_known_ones():
    with pytest.raises(RuntimeError, match="unknown device type 'tpu'.*cpu.*cuda"):
        backend.backend_for("tpu")


def test_to_device_round_trip_copies_and_keeps_values_and_dtype():
    host = np.arange(6, dtype=np.float32).reshape(2, 3)
    on_device = backend.to_device(host, "fakegpu")
    assert isinstance(on_device, FakeArray) and on_device.device_index == 0
    host[0, 0] = 100.0  # the device copy does not share memory with the host array
    back = backend.to_device(on_device, "cpu")
    assert isinstance(back, np.ndarray) and back.dtype == np.float32
    np.testing.assert_array_equal(back, [[0, 1, 2], [3, 4, 5]])


def test_to_device_across_fake_gpus_copies_to_the_other_index():
    array = fake([1.0, 2.0], device_index=0)
    moved = backend.to_device(array, "fakegpu:1")
    assert moved.device_index == 1 and moved._array is not array._array
    assert backend.to_device(array, "fakegpu:0") is array  # already there: no copy


@pytest.mark.parametrize("device", ["cpu", "fakegpu"])
def test_scatter_add_adds_repeated_indices(device):
    chosen = backend.backend_for(device)
    target = backend.to_device(np.zeros(4, dtype=np.float32), device)
    index = backend.to_device(np.array([1, 1, 3]), device)
    values = backend.to_device(np.array([1.0, 2.0, 5.0], dtype=np.float32), device)
    chosen.scatter_add(target, index, values)
    np.testing.assert_array_equal(chosen.to_numpy(target), [0.0, 3.0, 0.0, 5.0])


@pytest.mark.parametrize("device", ["cpu", "fakegpu"])
def test_as_strided_gives_overlapping_windows(device):
    chosen = backend.backend_for(device)
    array = backend.to_device(np.arange(5, dtype=np.float64), device)
    itemsize = array.itemsize
    windows = chosen.as_strided(array, (3, 3), (itemsize, itemsize))
    np.testing.assert_array_equal(chosen.to_numpy(windows), [[0, 1, 2], [1, 2, 3], [2, 3, 4]])


def test_import_never_imports_cupy():
    code = "import sys, tinygrad_edu; tinygrad_edu.tensor([1.0]) * 2; assert 'cupy' not in sys.modules, 'cupy imported'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# ----- the fake GPU is strict where CuPy is -----------------------------------------------------


def test_fake_refuses_implicit_conversion_to_numpy():
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(fake([1.0, 2.0]))
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.array(fake([1.0, 2.0]))


@pytest.mark.parametrize(
    "numpy_call",
    [
        lambda a: np.exp(a),
        lambda a: np.add(a, a),
        lambda a: np.sum(a),
        lambda a: np.concatenate([a, a]),
        lambda a: np.where(a > 0, a, 0),
        lambda a: np.broadcast_to(a, (2, 3)),
    ],
    ids=["exp", "add", "sum", "concatenate", "where", "broadcast_to"],
)
def test_fake_refuses_numpy_functions_called_on_it(numpy_call):
    with pytest.raises(TypeError):
        numpy_call(fake([1.0, 2.0, 3.0]))


@pytest.mark.parametrize(
    "mixing",
    [
        lambda a, host: a + host,
        lambda a, host: host + a,
        lambda a, host: a * host,
        lambda a, host: host < a,
        lambda a, host: a[host.astype(np.int64)],
        lambda a, host: a.__setitem__(slice(None), host),
        lambda a, host: xp.concatenate([a, host]),
        lambda a, host: xp.where(host > 0, a, a),
        lambda a, host: xp.maximum(a, host),
    ],
    ids=["add", "radd", "mul", "compare", "index", "setitem", "concatenate", "where", "maximum"],
)
def test_fake_refuses_to_mix_with_numpy_arrays(mixing):
    with pytest.raises(TypeError, match="incompatible array types are mixed"):
        mixing(fake([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 2.0]))


def test_fake_mixes_with_python_and_numpy_scalars_keeping_its_dtype():
    a = fake([1.0, 2.0])
    for result in (a * 2.0, 2.0 * a, a + np.float32(1), np.float32(3) * a, a**2, 1 - a):
        assert isinstance(result, FakeArray) and result.dtype == np.float32


def test_fake_reductions_return_0d_device_arrays_like_cupy():
    total = fake([1.0, 2.0]).sum()
    assert isinstance(total, FakeArray) and total.shape == ()
    assert total.item() == 3.0 and float(total) == 3.0


def test_fake_arrays_on_different_devices_refuse_to_meet():
    with pytest.raises(ValueError, match="devices"):
        fake([1.0], device_index=0) + fake([1.0], device_index=1)


def test_fake_inplace_operators_update_the_same_memory():
    a = fake([1.0, 2.0])
    view = a[:1]
    view += 10.0
    np.testing.assert_array_equal(a.get(), [11.0, 2.0])


# ----- the proof: the class of bug the double exists to catch ---------------------------------


class ExpWrittenWithNumpy(tg.ArrayFunction):
    """A buggy op: numpy called directly on tensor data (works on the CPU, breaks on a GPU)."""

    @staticmethod
    def forward(ctx, x):
        return np.exp(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class AddHostConstant(tg.ArrayFunction):
    """A buggy op: a numpy array mixed into device data (works on the CPU, breaks on a GPU)."""

    @staticmethod
    def forward(ctx, x):
        return x + np.ones(x.shape, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class BackwardWithHostMask(tg.ArrayFunction):
    """A buggy op whose forward is fine but whose backward builds its mask with numpy."""

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return x * 2

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * np.ones(ctx.shape, dtype=grad_output.dtype)


class ScatterIntoHostZeros(tg.ArrayFunction):
    """A buggy op: backward builds its gradient in np.zeros and writes device data into it."""

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return x[:1]

    @staticmethod
    def backward(ctx, grad_output):
        grad = np.zeros(ctx.shape, dtype=grad_output.dtype)
        grad[:1] = grad_output
        return grad


class ForwardReturnsHostArray(tg.ArrayFunction):
    """A buggy op: forward hands back a numpy array made from the input's shape."""

    @staticmethod
    def forward(ctx, x):
        return np.ones(x.shape, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * 0


@pytest.mark.parametrize("buggy_op", [ExpWrittenWithNumpy, AddHostConstant, ForwardReturnsHostArray])
def test_ops_that_use_numpy_on_device_data_pass_on_cpu_and_fail_on_fakegpu(buggy_op):
    buggy_op.apply(tg.tensor([1.0, 2.0]))  # numpy data: no complaint
    with pytest.raises(TypeError):
        buggy_op.apply(tg.tensor([1.0, 2.0], device="fakegpu"))


def test_a_backward_that_uses_numpy_fails_on_fakegpu():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    BackwardWithHostMask.apply(x).sum().backward()
    on_device = tg.tensor([1.0, 2.0], device="fakegpu", requires_grad=True)
    with pytest.raises(TypeError, match="incompatible array types are mixed"):
        BackwardWithHostMask.apply(on_device).sum().backward()


def test_a_backward_that_writes_into_host_zeros_fails_on_fakegpu():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    ScatterIntoHostZeros.apply(x).sum().backward()
    on_device = tg.tensor([1.0, 2.0], device="fakegpu", requires_grad=True)
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        ScatterIntoHostZeros.apply(on_device).sum().backward()


def test_a_correct_op_written_with_get_array_module_runs_on_fakegpu():
    class Exp(tg.ArrayFunction):
        @staticmethod
        def forward(ctx, x):
            out = backend.get_array_module(x).exp(x)
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, grad_output):
            (out,) = ctx.saved_tensors
            return grad_output * out

    x = tg.tensor([0.0, 1.0], device="fakegpu", requires_grad=True)
    Exp.apply(x).sum().backward()
    assert x.grad.device == "fakegpu:0"
    np.testing.assert_allclose(x.grad.cpu().numpy(), np.exp([0.0, 1.0]), rtol=1e-6)


# ----- random generators per device -----------------------------------------------------------


def test_device_generators_are_reset_by_manual_seed():
    tg.manual_seed(3)
    first = tg.randn(4, device="fakegpu").cpu().numpy()
    tg.manual_seed(3)
    second = tg.randn(4, device="fakegpu").cpu().numpy()
    np.testing.assert_array_equal(first, second)
    assert tg.random.generator("fakegpu") is not tg.random.generator("fakegpu:1")
