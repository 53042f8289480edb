"""`tinygrad_edu.accelerator`: is there a device faster than the CPU, as `torch.accelerator`.

PyTorch's current examples start with

    device = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else "cpu"

Here the only accelerator is an NVIDIA GPU through CuPy (see cuda.py); nothing is imported until asked.
"""

from . import cuda
from .arguments import Device


def is_available():
    """True when a GPU can be used (CuPy installed and at least one GPU seen)."""
    return cuda.is_available()


def current_accelerator(check_available=False):
    """device("cuda") when a GPU is there, else None (as PyTorch on a machine without one).

    `check_available` is accepted for PyTorch's signature; the answer is None either way when there is no GPU."""
    return Device("cuda") if cuda.is_available() else None


def device_count():
    """How many GPUs there are (0 without CuPy or a GPU)."""
    return cuda.device_count()
