"""The CuPy backend: tensors on NVIDIA GPUs ("cuda", "cuda:N").

Imported by `backend.backend_for("cuda")` the first time a CUDA device is asked for, never by
`import tinygrad_edu`. CuPy mirrors numpy's API, so ops run unchanged with `xp = cupy`; this module
supplies the few things that differ: moving arrays between host and GPUs, scatter-add, strided views
and the random generator. Install with `pip install "tinygrad_edu[cuda]"` (CuPy for CUDA 12).
"""

import numpy as np

from .arguments import Device
from .backend import backend_of, register_backend

_INSTALL_HINT = (
    'install CuPy with `pip install "tinygrad_edu[cuda]"` (or `pip install cupy-cuda12x`; '
    "cupy-cuda11x / cupy-cuda13x for other CUDA versions)"
)

try:
    import cupy
    import cupyx
except ImportError as error:
    raise RuntimeError(f"device 'cuda' needs CuPy, which is not installed ({error}); {_INSTALL_HINT}") from None


def _check_gpu_present():
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except cupy.cuda.runtime.CUDARuntimeError as error:
        count, reason = 0, str(error)
    else:
        reason = "no GPU was found"
    if count == 0:
        raise RuntimeError(
            f"device 'cuda' needs an NVIDIA GPU with a working driver, but CuPy reports: {reason}. "
            "Check `nvidia-smi`, or use device='cpu'"
        )


_check_gpu_present()


def _existing_index(device):
    """The GPU index of `device`, or a RuntimeError when this machine has no such GPU."""
    index, count = device.index or 0, cupy.cuda.runtime.getDeviceCount()
    if index >= count:
        raise RuntimeError(f"device {device} does not exist: CuPy sees {count} GPU(s), cuda:0 to cuda:{count - 1}")
    return index


class CupyGenerator:
    """A seeded CuPy random generator on one GPU, with the numpy-Generator methods the library uses."""

    def __init__(self, seed, device_index):
        self._device_index = device_index
        with cupy.cuda.Device(device_index):
            self._state = cupy.random.RandomState(seed)

    def random(self, size, dtype=np.float64):
        with cupy.cuda.Device(self._device_index):
            return self._state.random_sample(size, dtype=dtype)

    def standard_normal(self, size, dtype=np.float64):
        with cupy.cuda.Device(self._device_index):
            return self._state.standard_normal(size, dtype=dtype)

    def integers(self, low, high=None, size=None):
        with cupy.cuda.Device(self._device_index):
            return self._state.randint(low, high, size=size, dtype=np.int64)

    def permutation(self, n):
        with cupy.cuda.Device(self._device_index):
            return self._state.permutation(n)


class CupyBackend:
    """CuPy on NVIDIA GPUs: the same methods as NumpyBackend."""

    device_type = "cuda"
    xp = cupy
    array_types = (cupy.ndarray,)

    def device_of(self, array):
        return Device("cuda", array.device.id)

    def to_device(self, array, device):
        """A copy on GPU `device` (host arrays are uploaded; arrays on another GPU are copied across)."""
        if isinstance(array, cupy.ndarray) and array.device.id == (device.index or 0):
            return array
        index = _existing_index(device)
        if isinstance(array, cupy.ndarray):
            with cupy.cuda.Device(index):
                return array.copy()
        host = backend_of(array).to_numpy(array)
        with cupy.cuda.Device(index):
            return cupy.asarray(host)

    def to_numpy(self, array):
        return array.get()

    def scatter_add(self, target, index, values):
        """target[index] += values with repeated indices adding up (numpy's np.add.at)."""
        if hasattr(cupy.add, "at"):  # CuPy >= 13; older versions only have cupyx.scatter_add
            cupy.add.at(target, index, values)
        else:
            cupyx.scatter_add(target, index, values)

    def as_strided(self, array, shape, strides):
        """A view of `array` with the given shape and byte strides (treat it as read-only)."""
        return cupy.lib.stride_tricks.as_strided(array, shape, strides)

    def new_generator(self, seed, device):
        if seed is not None:  # random.py passes [seed, device index]: fold it into one int, as numpy would
            seed = int(np.random.SeedSequence(seed).generate_state(1, np.uint32)[0])
        return CupyGenerator(seed, _existing_index(device))

    def synchronize(self, device):
        """Wait until every kernel queued on the GPU has finished (for timing)."""
        with cupy.cuda.Device(device.index or 0):
            cupy.cuda.Device().synchronize()


register_backend(CupyBackend())
