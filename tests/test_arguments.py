"""The spellings users write, read in one place: devices, `.cuda(index)`, `.to(...)`, sizes and pairs."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import arguments
from tinygrad_edu.arguments import CPU, Device


@pytest.mark.parametrize("spelling", ["cuda:1", 1, Device("cuda", 1), Device("cuda:1")])
def test_every_spelling_of_a_device_gives_the_same_device(spelling):
    device = arguments.as_device(spelling)
    assert isinstance(device, Device) and (device.type, device.index) == ("cuda", 1)


def test_as_device_keeps_a_device_and_gives_the_default_for_none():
    assert arguments.as_device(CPU) is CPU
    assert arguments.as_device(None) is None
    assert arguments.as_device(None, CPU) is CPU
    with pytest.raises(TypeError, match="expected a device such as 'cpu'"):
        arguments.as_device(2.5)


def test_cuda_device_reads_an_index_an_int_or_a_device():
    assert str(arguments.cuda_device()) == "cuda"
    assert arguments.cuda_device(2) == "cuda:2"
    assert arguments.cuda_device("cuda:3") == "cuda:3"


def test_to_arguments_reads_every_spelling_of_to():
    x = tg.zeros(2, dtype=tg.float64)
    assert arguments.to_arguments("to", (tg.float16,), {}) == (None, tg.float16)
    assert arguments.to_arguments("to", ("cpu",), {}) == (CPU, None)
    assert arguments.to_arguments("to", (Device("cpu"), np.float32), {}) == (CPU, tg.float32)
    assert arguments.to_arguments("to", (x,), {}) == (CPU, tg.float64)
    assert arguments.to_arguments("to", (), {"device": "cpu", "dtype": "float32", "non_blocking": True}) == (
        CPU,
        tg.float32,
    )
    with pytest.raises(TypeError, match=r"to: unexpected arguments \['copy'\]"):
        arguments.to_arguments("to", (), {"copy": True})


def test_tensor_to_and_module_to_read_the_same_arguments():
    x = tg.zeros(2).to("cpu", tg.float64)
    layer = tg.nn.Linear(2, 2).to(x)
    assert x.dtype == layer.weight.dtype == tg.float64
    assert layer.to(device=Device("cpu"), dtype=tg.float32).weight.dtype == tg.float32


@pytest.mark.parametrize("spelling", [(2, 3), ((2, 3),), ([2, 3],), (np.int64(2), 3)])
def test_sizes_accept_ints_a_tuple_or_a_list(spelling):
    assert arguments.sizes(spelling, "zeros") == (2, 3)
    assert arguments.shape(spelling, "zeros") == (2, 3)


def test_sizes_allow_minus_one_but_a_new_shape_does_not():
    assert arguments.sizes((-1, 4), "reshape", "shape") == (-1, 4)
    with pytest.raises(ValueError, match=r"zeros: size must be non-negative, got \(-1, 4\)"):
        arguments.shape((-1, 4), "zeros")
    with pytest.raises(TypeError, match="permute: dims must be ints"):
        arguments.sizes((0, 1.5), "permute", "dims")


def test_pair_reads_an_int_or_a_pair_and_checks_the_minimum():
    assert arguments.pair(3, "conv2d", "stride", 1) == (3, 3)
    assert arguments.pair((2, np.int64(5)), "conv2d", "stride", 1) == (2, 5)
    with pytest.raises(ValueError, match=r"conv2d: stride must be at least 1, got \(1, 0\)"):
        arguments.pair((1, 0), "conv2d", "stride", 1)
    for wrong in (True, (1, 2, 3), 1.5, "2"):
        with pytest.raises(TypeError, match="kernel_size must be an int or a pair of ints"):
            arguments.pair(wrong, "max_pool2d", "kernel_size", 1)
