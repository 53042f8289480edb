"""bench_training.py: case F is examples/mnist.py's training step, and PyTorch runs in a process of its own."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg

ROOT = Path(__file__).resolve().parents[2]


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


benchmark = load("benchmarks/bench_training.py", "bench_training")
mnist = load("examples/mnist.py", "examples_mnist")


def test_case_f_is_the_examples_cnn_optimizer_learning_rate_and_batch():
    assert repr(benchmark.mnist_cnn(tg.nn)) == repr(mnist.make_model("cnn"))
    defaults = mnist.parse_args([])
    assert (defaults.model, defaults.optimizer, defaults.batch_size) == ("cnn", "adam", 64)
    runs, spec = benchmark.make_case("F", benchmark.Frameworks("cpu"), batch_size=64)
    assert spec["optimizer"] == "Adam" and spec["model"] == "mnist_cnn"
    assert spec["lr"] == mnist.DEFAULT_LR["cnn", "adam"]
    assert spec["x"].shape == (64, 1, 28, 28) and spec["x"].dtype == np.float32
    assert set(runs) == {"ours", "numpy"}


def test_the_pytorch_process_runs_a_case_as_ours_and_times_it(torch):
    frameworks = benchmark.Frameworks("cpu")
    runs, spec = benchmark.make_case("F", frameworks, batch_size=64)
    ours = benchmark.first_results(runs, frameworks)["ours"]
    process = benchmark.TorchProcess("cpu", threads=1)
    try:
        assert process.description.startswith(torch.__version__) and "own process" in process.description
        theirs = process.prepare(spec)
        for our_loss, their_loss in zip(ours, theirs):  # the second loss is after one Adam step
            np.testing.assert_allclose(their_loss, our_loss, rtol=1e-4)
        seconds = process.burst(2)
        assert len(seconds) == 2 and all(0 < value < 10 for value in seconds)
        with pytest.raises(SystemExit, match="_no_such_kind"):
            process.prepare({"kind": "no_such_kind"})
        assert process.burst(1)[0] > 0  # an error leaves the process answering
    finally:
        process.close()
    assert process.process.returncode == 0


def test_the_timing_process_never_imports_torch(torch):
    program = (
        "import sys; sys.path.insert(0, 'benchmarks'); import bench_training; "
        "bench_training.main(['--only', 'D', '--repeats', '1', '--warmup', '0']); "
        "print('torch imported:', 'torch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "torch imported: False"
    row = next(line for line in lines if line.startswith("D "))
    assert len(row.split()) >= 11  # ours, numpy and torch columns, then both ratios
    assert "in its own process" in result.stdout
