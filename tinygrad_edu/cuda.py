"""`tinygrad_edu.cuda`: is a GPU there, and how many, as `torch.cuda`.

    device = "cuda" if tinygrad_edu.cuda.is_available() else "cpu"

Importing this module does not import CuPy; `is_available()` and `device_count()` only look, and never
raise. Tensors on "cuda:N" keep their data on GPU N; ops on them run on CuPy's current device
(GPU 0 unless you select another with `cupy.cuda.Device(N).use()`).
"""

from .arguments import Device, as_device
from .backend import backend_for


def is_available():
    """True when CuPy is installed and sees at least one NVIDIA GPU."""
    return device_count() > 0


def device_count():
    """How many GPUs CuPy sees (0 without CuPy, a driver or a GPU)."""
    try:
        import cupy
    except ImportError:
        return 0
    try:
        return cupy.cuda.runtime.getDeviceCount()
    except RuntimeError:  # CUDARuntimeError: no driver, or no device
        return 0


def current_device():
    """The index of CuPy's current GPU (raises a RuntimeError saying what is missing when there is none)."""
    backend_for("cuda")
    import cupy

    return cupy.cuda.runtime.getDevice()


def synchronize(device=None):
    """Wait for every kernel queued on `device` (default: the current GPU) to finish, e.g. before timing."""
    device = Device("cuda", current_device()) if device is None else as_device(device)
    backend_for(device).synchronize(device)
