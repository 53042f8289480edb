"""windows.py's padding helpers: pad_spatial in both memory layouts, and to_channels_last."""

import numpy as np
import pytest

from tinygrad_edu.backend import backend_of, to_device
from tinygrad_edu.ops.windows import pad_spatial, to_channels_last


def on_host(array):
    return backend_of(array).to_numpy(array)


def is_channels_last(array):
    """Laid out (N, H, W, C) in memory: the strides of a C-contiguous array of that shape, transposed."""
    batch, channels, height, width = array.shape
    item = array.itemsize
    expected = (height * width * channels * item, item, width * channels * item, channels * item)
    return all(step == want for step, want, size in zip(array.strides, expected, array.shape) if size > 1)


@pytest.mark.parametrize("padding", [((0, 0), (0, 0)), ((1, 1), (1, 1)), ((2, 0), (1, 3))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_channels_last_padding_holds_the_same_values_in_the_other_layout(device, padding, dtype):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(dtype)
    value = -np.inf if padding[0][0] else 0
    plain = pad_spatial(to_device(x, device), padding, value)
    channels_last = pad_spatial(to_device(x, device), padding, value, channels_last=True)
    np.testing.assert_array_equal(on_host(channels_last), on_host(plain))
    assert channels_last.dtype == dtype
    assert is_channels_last(channels_last)
    assert (not any(sum(padding, ()))) or not is_channels_last(plain)


def test_channels_last_input_without_padding_is_not_copied():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 4, 5, 3).transpose(0, 3, 1, 2)
    assert is_channels_last(x)
    assert np.shares_memory(to_channels_last(x), x)
    assert np.shares_memory(pad_spatial(x, ((0, 0), (0, 0)), channels_last=True), x)
    assert not np.shares_memory(to_channels_last(np.ascontiguousarray(x)), x)


def test_to_channels_last_copies_other_layouts_into_that_one(device):
    base = np.random.default_rng(1).standard_normal((3, 2, 6, 4)).astype(np.float32)
    for x in (base, base[:, :, ::2, 1:], base.transpose(0, 1, 3, 2)):
        result = to_channels_last(to_device(x, device))
        assert is_channels_last(result)
        np.testing.assert_array_equal(on_host(result), x)
