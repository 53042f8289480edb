"""examples/mnist.py: real training on a Fashion-MNIST subset, its flags, and its error paths."""

import os
import re
import socket
import time

import numpy as np
import pytest
from debian_data import DEBIAN_FASHION_MNIST, needs_debian_fashion_mnist

import tinygrad_edu as tg
from tinygrad_edu.datasets import MNIST, write_idx

LAST_LINE = re.compile(r"test accuracy: (\d+\.\d\d)%")


def write_tiny_mnist(directory, train_size=16, test_size=8):
    """Random images with labels 0..9 under MNIST's file names (gzipped, as published)."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for prefix, size in [("train", train_size), ("t10k", test_size)]:
        write_idx(directory / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (size, 28, 28), dtype=np.uint8))
        write_idx(directory / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, size, dtype=np.uint8))
    return directory


def last_accuracy(stdout):
    match = LAST_LINE.fullmatch(stdout.strip().splitlines()[-1])
    assert match, f"the last line is not 'test accuracy: NN.NN%': {stdout!r}"
    return float(match.group(1))


@pytest.mark.slow
@needs_debian_fashion_mnist
def test_short_cnn_training_on_real_fashion_mnist_learns(load_example, capsys, tmp_path):
    mnist = load_example("mnist")
    checkpoint, curves = tmp_path / "cnn.safetensors", tmp_path / "curves.png"
    arguments = ["--dataset", "fashion-mnist", "--data-dir", str(DEBIAN_FASHION_MNIST), "--limit", "2000"]
    arguments += ["--epochs", "1", "--batch-size", "32", "--save", str(checkpoint), "--plot", str(curves)]
    mnist.main(arguments)
    stdout = capsys.readouterr().out
    # Chance is 10%; a working CNN, loss and optimizer reach 75-76% on all 10,000 test images from 2,000 samples.
    assert last_accuracy(stdout) >= 70.0
    assert "2000 training and 10000 test images" in stdout
    model = mnist.make_model("cnn")
    model.load_state_dict(tg.load(checkpoint))
    assert curves.read_bytes()[:4] == b"\x89PNG"


def test_simpleconvnet_is_the_books_network_with_its_initial_weights(load_example):
    tg.manual_seed(0)
    model = load_example("mnist").make_model("simpleconvnet")
    shapes = [tuple(parameter.shape) for parameter in model.parameters()]
    assert shapes == [(30, 1, 5, 5), (30,), (100, 4320), (100,), (10, 100), (10,)]
    result = tg.summary(model, (100, 1, 28, 28))
    assert [row.output_shape for row in result.summary_list if row.num_params(recurse=False)] == [
        [100, 30, 24, 24], [100, 100], [100, 10]
    ]  # fmt: skip
    assert result.total_params == (30 * 25 + 30) + (4320 * 100 + 100) + (100 * 10 + 10) == 433_890
    weights = [parameter.detach().numpy() for parameter in model.parameters() if parameter.dim() > 1]
    # N(0, 0.01**2) as in the book. PyTorch's default, U(+-1/sqrt(fan_in)), has std 0.115, 0.0088 and 0.058
    # here and never passes 1/sqrt(4320) = 0.0152 in the big layer, where a normal puts 4.6% beyond 2 std.
    for weight, tolerance in zip(weights, [0.1, 0.01, 0.1]):
        assert abs(weight.std() - 0.01) < 0.01 * tolerance and abs(weight.mean()) < 0.002
    assert 0.04 < (abs(weights[1]) > 0.02).mean() < 0.05
    assert all(not parameter.detach().numpy().any() for parameter in model.parameters() if parameter.dim() == 1)


@pytest.mark.slow
@needs_debian_fashion_mnist
def test_short_simpleconvnet_training_on_real_fashion_mnist_learns(load_example, capsys, tmp_path):
    mnist = load_example("mnist")
    checkpoint = tmp_path / "simpleconvnet.safetensors"
    arguments = ["--model", "simpleconvnet", "--dataset", "fashion-mnist", "--data-dir", str(DEBIAN_FASHION_MNIST)]
    mnist.main(arguments + ["--limit", "2000", "--epochs", "1", "--save", str(checkpoint)])
    stdout = capsys.readouterr().out
    assert "simpleconvnet on fashion-mnist: 2000 training and 10000 test images, 433890 parameters" in stdout
    assert "adam lr 0.001" in stdout
    # Chance is 10%. From 0.01-std weights, 32 Adam steps reach 57% (seeds 0 and 1: 57.43%, 57.04%).
    assert last_accuracy(stdout) >= 50.0
    mnist.make_model("simpleconvnet").load_state_dict(tg.load(checkpoint))


@pytest.mark.parametrize("model", ["mlp", "cnn", "simpleconvnet"])
def test_each_model_trains_with_sgd_on_each_device(load_example, capsys, tmp_path, model, device):
    write_tiny_mnist(tmp_path)
    arguments = ["--model", model, "--optimizer", "sgd", "--epochs", "2", "--batch-size", "4", "--device", device]
    load_example("mnist").main(arguments + ["--data-dir", str(tmp_path)])
    stdout = capsys.readouterr().out
    assert f"{model} on mnist: 16 training and 8 test images" in stdout and "sgd lr 0.05" in stdout
    assert len(re.findall(r"^epoch \d/2: train loss \d+\.\d{4}, test accuracy", stdout, re.MULTILINE)) == 2
    assert 0 <= last_accuracy(stdout) <= 100


def test_profile_lists_where_the_training_time_went(load_example, capsys, tmp_path):
    write_tiny_mnist(tmp_path)
    arguments = ["--epochs", "1", "--batch-size", "8", "--data-dir", str(tmp_path), "--profile"]
    load_example("mnist").main(arguments)
    stdout = capsys.readouterr().out
    assert "most expensive functions by own time" in stdout
    profile = stdout.split("most expensive functions by own time")[1]
    assert "tottime" in profile and "conv.py" in profile  # the CNN's own ops are in the list
    assert last_accuracy(stdout) >= 0


def test_same_seed_same_result(load_example, capsys, tmp_path):
    write_tiny_mnist(tmp_path, train_size=40)
    arguments = ["--model", "mlp", "--epochs", "1", "--batch-size", "8", "--data-dir", str(tmp_path), "--seed", "5"]
    mnist = load_example("mnist")
    mnist.main(arguments)
    first = capsys.readouterr().out
    mnist.main(arguments)
    assert capsys.readouterr().out.split("(")[0] == first.split("(")[0]  # all but the timing


def test_offline_download_fails_fast_and_says_where_to_put_the_files(load_example, tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "cache"))
    with socket.socket() as probe:  # a free port: nothing listens there, so connecting fails at once
        probe.bind(("127.0.0.1", 0))
        monkeypatch.setattr(MNIST, "mirrors", [f"http://127.0.0.1:{probe.getsockname()[1]}/"])
    start = time.monotonic()
    with pytest.raises(SystemExit) as exit_info:
        load_example("mnist").main([])
    assert time.monotonic() - start < 10
    message = str(exit_info.value.code)
    assert message.startswith("error: MNIST: could not download train-images-idx3-ubyte.gz")
    assert str(tmp_path / "cache" / "MNIST" / "raw") in message and "--data-dir" in message


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--data-dir", "{tmp}/missing"], "is not a directory"),
        (["--data-dir", "{tmp}"], "train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] were not found"),
        (["--data-dir", "{tmp}/corrupt"], "truncated"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--epochs", "0"], "argument --epochs: must be positive, got 0"),
        (["--model", "resnet"], "invalid choice: 'resnet'"),
        (["--device", "tpu"], "--device tpu: unknown device type 'tpu'"),
        (["--save", "{tmp}/no/such/dir/model.safetensors"], "the directory {tmp}/no/such/dir does not exist"),
        (["--save", "{tmp}/corrupt"], "--save {tmp}/corrupt: is a directory; give a file name"),
        (["--plot", "{tmp}"], "--plot {tmp}: is a directory"),
        (["--plot", "{tmp}/curves.xyz"], "--plot {tmp}/curves.xyz: matplotlib can't write .xyz files; use one of"),
        (["--lr", "nan"], "argument --lr: must be a finite positive number, got nan"),
        (["--lr", "inf"], "argument --lr: must be a finite positive number, got inf"),
        (["--lr", "-0.1"], "argument --lr: must be positive, got -0.1"),
        (["--seed", "-1"], "argument --seed: must lie in 0 .. 2**63 - 1, got -1"),
        (["--dataset", "fashion-mnist", "--data-dir", "{tmp}"], "not found in {tmp}, {tmp}/FashionMNIST/raw."),
    ],
)
def test_bad_input_gives_a_short_error_and_no_traceback(run_example, tmp_path, arguments, expected):
    corrupt = write_tiny_mnist(tmp_path / "corrupt")
    images = corrupt / "train-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:-20])
    result = run_example("mnist", *[argument.format(tmp=tmp_path) for argument in arguments])
    assert result.returncode != 0
    assert expected.format(tmp=tmp_path) in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_saving_into_a_read_only_place_fails_before_training(load_example, tmp_path, monkeypatch, capsys):
    write_tiny_mnist(tmp_path)
    target = tmp_path / "model.safetensors"
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode: False if str(path) == str(tmp_path) else real_access(path, mode)
    )
    with pytest.raises(SystemExit):
        load_example("mnist").main(["--data-dir", str(tmp_path), "--epochs", "1", "--save", str(target)])
    captured = capsys.readouterr()
    assert f"--save {target}: its directory is not writable" in captured.err and "epoch" not in captured.out


def test_a_loss_that_becomes_nan_stops_training_with_advice(run_example, tmp_path):
    write_tiny_mnist(tmp_path)
    arguments = ["--model", "mlp", "--optimizer", "sgd", "--lr", "1e30", "--batch-size", "4", "--epochs", "2"]
    result = run_example("mnist", *arguments, "--data-dir", tmp_path, "--save", tmp_path / "model.safetensors")
    assert result.returncode != 0
    assert re.search(r"error: loss became (nan|inf) at epoch 1, step [2-4]: lower --lr", result.stderr), result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "model.safetensors").exists()
