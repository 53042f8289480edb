"""host_memory.py: on glibc, memory a step frees is reused by the next one instead of being faulted in again."""

import platform
import resource

import numpy as np
import pytest

import tinygrad_edu  # noqa: F401  (importing it applies keep_freed_memory)
from tinygrad_edu import host_memory

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def page_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


@pytest.mark.skipif(not GLIBC, reason="mallopt's thresholds are glibc's")
def test_keep_freed_memory_sets_glibcs_thresholds():
    assert host_memory.keep_freed_memory() is True


@pytest.mark.skipif(not GLIBC, reason="mallopt's thresholds are glibc's")
def test_a_steps_buffers_come_back_without_page_faults():
    # Two 20 MB buffers alive at once, then freed, as activations are in one training step: glibc's
    # defaults give them back to the OS, and the next step faults in about 10,000 pages again.
    size = 20 << 20
    for _ in range(2):
        first, second = np.ones(size, np.uint8), np.ones(size, np.uint8)
        del first, second
    before = page_faults()
    first, second = np.ones(size, np.uint8), np.ones(size, np.uint8)
    del first, second
    assert page_faults() - before < 100


def test_other_c_libraries_are_left_alone(monkeypatch):
    monkeypatch.setattr(platform, "libc_ver", lambda: ("", ""))
    assert host_memory.keep_freed_memory() is False
