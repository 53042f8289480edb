"""Shared test setup: hypothesis profiles (registered here only) and the `device` fixture.

Choose a profile with `pytest --hypothesis-profile=NAME` (ci, dev, thorough). Tests that take the
`device` fixture run once per array backend: "cpu" (numpy), "fakegpu" (a strict CuPy stand-in that
refuses to mix with numpy, see tests/fakegpu.py) and "cuda" (CuPy; marked `gpu`, skipped without one).
Tests that take the `torch` fixture compare with PyTorch and are skipped without it.
"""

import importlib.util

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    database=None,
    max_examples=25,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "dev", deadline=None, max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile(
    "thorough", deadline=None, max_examples=1000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile("dev")


def _cuda_available():
    if importlib.util.find_spec("cupy") is None:
        return False
    from tinygrad_edu import cuda

    return cuda.is_available()


def _fakegpu_available():
    try:
        import fakegpu  # noqa: F401  (tests/fakegpu.py registers the "fakegpu" device)
    except ImportError:
        return False
    return True


DEVICES = [
    "cpu",
    pytest.param("fakegpu", marks=pytest.mark.skipif(not _fakegpu_available(), reason="tests/fakegpu.py not present")),
    pytest.param(
        "cuda",
        marks=[pytest.mark.gpu, pytest.mark.skipif(not _cuda_available(), reason="needs CuPy and an NVIDIA GPU")],
    ),
]


@pytest.fixture(scope="session")
def torch():
    """PyTorch, the reference many tests compare against: only the tests that take this fixture are
    skipped where it is not installed (CI installs it; the other tests check behaviour without it)."""
    return pytest.importorskip("torch")


@pytest.fixture(params=DEVICES)
def device(request):
    """Each array backend in turn: run the test's ops with `device=device`."""
    return request.param


def pytest_configure(config):
    config.addinivalue_line("markers", "gpu: needs an NVIDIA GPU with CuPy (skipped when there is none)")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
