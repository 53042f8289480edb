"""Helpers for running the scripts in examples/ in-process (fast) or as a user would (a subprocess)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def load_example():
    """`load_example("xor")` imports examples/xor.py as a module (its main() not run)."""

    def load(name):
        spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture
def run_example():
    """`run_example("xor", "--plot", path)` runs the script in a fresh Python; returns the CompletedProcess."""

    def run(name, *args, env=None, timeout=120):
        return subprocess.run(
            [sys.executable, str(EXAMPLES / f"{name}.py"), *map(str, args)],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )

    return run
