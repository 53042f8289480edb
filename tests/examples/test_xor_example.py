"""examples/xor.py: the perceptron fails on XOR, the MLP learns it, and the script says so."""

import pytest


@pytest.mark.parametrize("seed", range(8))
def test_mlp_learns_xor_and_the_perceptron_cannot(load_example, capsys, seed):
    load_example("xor").main(["--seed", str(seed)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "accuracy: 100.00%"
    perceptron_line = next(line for line in lines if "accuracy" in line and "after" in line)
    perceptron_accuracy = float(perceptron_line.rsplit("accuracy ", 1)[1].rstrip("%"))
    assert perceptron_accuracy < 100
    table = [line.split() for line in lines if line.strip()[:1] in "01" and "|" in line]
    assert [(row[0], row[1], row[3], row[5]) for row in table] == [
        ("0", "0", "0", "0"),
        ("0", "1", "1", "1"),
        ("1", "0", "1", "1"),
        ("1", "1", "0", "0"),
    ]


def test_command_line_with_plot(run_example, tmp_path):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "xor.png"
    result = run_example("xor", "--plot", plot)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "accuracy: 100.00%"
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_flag_exits_without_traceback(run_example):
    result = run_example("xor", "--bogus")
    assert result.returncode == 2
    assert "unrecognized arguments: --bogus" in result.stderr and "Traceback" not in result.stderr
