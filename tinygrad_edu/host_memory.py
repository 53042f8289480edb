"""Keep the memory one training step frees for the next step, instead of handing it back to the OS.

Every step allocates and frees the same tens of megabytes (activations, im2col rows, gradients).
glibc's malloc gives large freed blocks back to the operating system at once (it unmaps them, or
trims the top of its heap), so the next step asks for them again and the kernel faults every page
back in, zero-filled: measured on examples/mnist.py's CNN, about a third of a CPU training step.
`mallopt` raises the two thresholds behind that, so freed blocks stay in the heap for reuse and the
process keeps its peak size between steps. (PyTorch's CPU tuning guides get the same effect by
preloading jemalloc or tcmalloc.) Other C libraries (macOS, Windows, musl) are left as they are.
"""

import ctypes
import platform

# mallopt's parameter numbers, from glibc's <malloc.h>.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Blocks up to this size come from the heap, not from a mapping of their own (glibc's upper limit).
MMAP_THRESHOLD_BYTES = 32 << 20
# The heap shrinks only when more than this much at its top is free.
TRIM_THRESHOLD_BYTES = 1 << 30


def keep_freed_memory():
    """Tell glibc's malloc to keep freed memory for reuse; True if it did, False on other C libraries."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
