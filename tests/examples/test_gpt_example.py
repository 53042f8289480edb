"""examples/gpt.py: the transformer block against PyTorch's, short training runs, its flags and error paths."""

import math
import re
import sys

import numpy as np
import pytest

import tinygrad_edu as tg

SORT_LINE = re.compile(r"held-out exact match: (\d+\.\d\d)%")
NAMES_LINE = re.compile(r"held-out loss: (\d+\.\d{4}) \(bigram baseline (\d+\.\d{4})\)")
TINY = ["--layers", "1", "--heads", "2", "--width", "16", "--samples", "3"]


def last_line(stdout, pattern):
    match = pattern.fullmatch(stdout.strip().splitlines()[-1])
    assert match, f"the last line is not {pattern.pattern!r}: {stdout!r}"
    return [float(group) for group in match.groups()]


def test_block_matches_pytorchs_pre_norm_encoder_layer_with_a_causal_mask(load_example):
    torch = pytest.importorskip("torch")
    gpt = load_example("gpt")
    width, heads, length = 12, 3, 5
    block = gpt.Block(width, heads, dropout=0.0).double()
    reference = torch.nn.TransformerEncoderLayer(
        width, heads, dim_feedforward=4 * width, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
    ).double()
    # Our parameter -> PyTorch's: one packed (3 * width, width) projection for q, k, v in that order, as ours.
    names = {
        "ln1.weight": "norm1.weight", "ln1.bias": "norm1.bias",
        "attention.qkv.weight": "self_attn.in_proj_weight", "attention.qkv.bias": "self_attn.in_proj_bias",
        "attention.proj.weight": "self_attn.out_proj.weight", "attention.proj.bias": "self_attn.out_proj.bias",
        "ln2.weight": "norm2.weight", "ln2.bias": "norm2.bias",
        "mlp.0.weight": "linear1.weight", "mlp.0.bias": "linear1.bias",
        "mlp.2.weight": "linear2.weight", "mlp.2.bias": "linear2.bias",
    }  # fmt: skip
    ours = dict(block.named_parameters())
    theirs = dict(reference.named_parameters())
    assert sorted(ours) == sorted(names) and sorted(theirs) == sorted(names.values())
    rng = np.random.default_rng(0)
    with torch.no_grad(), tg.no_grad():
        for name, parameter in ours.items():
            values = rng.normal(0.0, 0.5, tuple(parameter.shape))  # LayerNorm gains and biases too, not 1 and 0
            parameter.copy_(tg.tensor(values, dtype=tg.float64))
            theirs[names[name]].copy_(torch.tensor(values))
    inputs, upstream = rng.normal(size=(2, length, width)), rng.normal(size=(2, length, width))
    x = tg.tensor(inputs, requires_grad=True)
    x_reference = torch.tensor(inputs, requires_grad=True)
    out = block(x)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(length, dtype=torch.float64)
    out_reference = reference(x_reference, src_mask=mask, is_causal=True)
    # GELU's erfc is a fit good to 1.2e-7 (ops/activation.py), PyTorch's exact: that, not float64, sets the tolerance.
    tolerance = dict(rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(out.detach().numpy(), out_reference.detach().numpy(), **tolerance)
    out.backward(tg.tensor(upstream))
    out_reference.backward(torch.tensor(upstream))
    np.testing.assert_allclose(x.grad.numpy(), x_reference.grad.numpy(), **tolerance)
    for name, parameter in ours.items():
        expected = theirs[names[name]].grad.numpy()
        np.testing.assert_allclose(parameter.grad.numpy(), expected, **tolerance, err_msg=name)


def test_a_position_never_sees_the_positions_after_it(load_example):
    tg.manual_seed(0)
    model = load_example("gpt").GPT(vocabulary_size=7, block_size=6, layers=2, heads=2, width=8).eval()
    tokens = tg.tensor([[1, 2, 3, 4, 5, 6]])
    changed = tg.tensor([[1, 2, 3, 0, 0, 0]])
    with tg.no_grad():
        logits, logits_changed = model(tokens).numpy(), model(changed).numpy()
    np.testing.assert_allclose(logits[:, :3], logits_changed[:, :3], rtol=1e-6)
    assert not np.allclose(logits[:, 3:], logits_changed[:, 3:])
    with pytest.raises(ValueError, match="got 7 tokens, but the model was built for at most 6"):
        model(tg.tensor([[1] * 7]))


def test_the_learning_rate_warms_up_linearly_then_follows_half_a_cosine(load_example):
    learning_rate = load_example("gpt").learning_rate
    rates = [learning_rate(step, peak=1.0, warmup=10, total=110) for step in range(110)]
    np.testing.assert_allclose(rates[:10], np.arange(1, 11) / 10)
    np.testing.assert_allclose(rates[10:], (1 + np.cos(np.pi * np.arange(100) / 100)) / 2)
    assert rates[60] == pytest.approx(0.5) and 0 < rates[-1] < 1e-3


def test_the_names_are_the_packages_lists_split_every_tenth(load_example):
    gpt = load_example("gpt")
    names = gpt.read_first_names()
    assert len(names) == 5163 and names == sorted(set(names))  # 5,494 lines, 331 names on both lists
    assert {"james", "mary", "emma"} <= set(names) and all(re.fullmatch("[a-z]+", name) for name in names)
    task = gpt.NamesTask(names)
    assert (len(task.train_rows), len(task.held_out_rows)) == (4647, 516)
    assert task.vocabulary_size == 27 and task.block_size == 12  # "." and a-z; the longest name has 11 letters
    decoded = {"".join(task.characters[i] for i in row if i != gpt.IGNORE).strip(".") for row in task.held_out_rows}
    assert decoded == set(names[9::10])
    inputs, targets = task.split(task.encode(["ann"]))
    assert inputs.tolist() == [[0, 1, 14, 14, 0] + [0] * 7]  # ".ann." then padding the scores never see
    assert targets.tolist() == [[1, 14, 14, 0] + [gpt.IGNORE] * 8]
    assert 2.0 < task.bigram_loss() < math.log(27)  # better than uniform guessing, worse than a real model


def test_bigram_baseline_is_the_smoothed_counts_cross_entropy(load_example):
    task = load_example("gpt").NamesTask(["ab", "ba", "aa", "bb", "abab", "b", "a", "ab", "ba", "zz"])
    # held out: "zz" (the tenth). Training bigrams counted from ".ab.", ".ba.", ... with one added to each.
    counts = np.ones((4, 4))
    for name in ["ab", "ba", "aa", "bb", "abab", "b", "a", "ab", "ba"]:
        ids = [0] + [" abz".index(character) for character in name] + [0]
        for first, second in zip(ids, ids[1:]):
            counts[first, second] += 1
    probabilities = counts / counts.sum(axis=1, keepdims=True)
    expected = -np.mean(np.log([probabilities[0, 3], probabilities[3, 3], probabilities[3, 0]]))
    assert task.bigram_loss() == pytest.approx(expected)


def test_a_short_names_run_beats_the_bigram_baseline(run_example):
    # One block of width 32, 200 steps: about 2 s of CPU, held-out loss 2.22 against the bigram model's 2.34.
    arguments = ["--task", "names", "--layers", "1", "--heads", "2", "--width", "32", "--steps", "200"]
    result = run_example("gpt", *arguments, "--batch-size", "32", "--dropout", "0", "--samples", "4")
    assert result.returncode == 0, result.stderr
    loss, baseline = last_line(result.stdout, NAMES_LINE)
    assert loss < baseline - 0.05, result.stdout
    samples = result.stdout.strip().splitlines()[-2]
    assert samples.startswith("sampled names: ") and len(samples.split(", ")) == 4
    assert "names: 4647 training and 516 held-out first names" in result.stdout


def test_sort_batches_never_hold_a_held_out_sequence(load_example):
    gpt = load_example("gpt")
    task = gpt.SortTask(length=3, digits=2, held_out_size=4)  # 8 sequences in all: held-out ones come up often
    inputs, targets = task.batch(np.random.default_rng(0), 200)
    assert not np.isin(task.encode(inputs[:, :3]), task.held_out_codes).any()
    np.testing.assert_array_equal(targets[:, 2:], np.sort(inputs[:, :3], axis=1))
    assert (targets[:, :2] == gpt.IGNORE).all()
    np.testing.assert_array_equal(inputs[:, 3:], targets[:, 2:-1])  # the model reads what it wrote so far


def test_sort_scores_the_generated_half_on_each_device(load_example, device):
    gpt = load_example("gpt")
    task = gpt.SortTask(length=3, digits=3, held_out_size=50)
    tg.manual_seed(0)
    model = gpt.GPT(task.vocabulary_size, task.block_size, layers=1, heads=2, width=8).to(device).eval()
    written = gpt.generate(model, tg.tensor(task.held_out, device=device), task.length).cpu().numpy()
    expected = (written[:, 3:] == np.sort(task.held_out, axis=1)).all(axis=1).mean()
    (line,) = task.report(model, device, None)
    assert last_line(line, SORT_LINE) == [round(100 * expected, 2)]
    np.testing.assert_array_equal(written[:, :3], task.held_out)


def test_names_training_and_sampling_on_each_device(load_example, capsys, device):
    load_example("gpt").main(["--task", "names", "--steps", "2", *TINY, "--device", device])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2].startswith("sampled names: ") and len(lines[-2].split(", ")) == 3
    assert NAMES_LINE.fullmatch(lines[-1])


def test_same_seed_same_result(load_example, capsys):
    gpt = load_example("gpt")
    arguments = ["--task", "names", "--steps", "5", *TINY, "--seed", "3"]
    gpt.main(arguments)
    first = capsys.readouterr().out
    gpt.main(arguments)
    second = capsys.readouterr().out
    assert re.sub(r"trained in .* s", "", first) == re.sub(r"trained in .* s", "", second)


def test_command_line_saves_the_model_and_the_curve(run_example, load_example, tmp_path):
    pytest.importorskip("matplotlib")
    checkpoint, curve = tmp_path / "gpt.safetensors", tmp_path / "loss.png"
    result = run_example("gpt", "--task", "sort", "--steps", "20", *TINY, "--save", checkpoint, "--plot", curve)
    assert result.returncode == 0, result.stderr
    last_line(result.stdout, SORT_LINE)
    assert curve.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model = load_example("gpt").GPT(10, 15, layers=1, heads=2, width=16)
    model.load_state_dict(tg.load(checkpoint))


def test_a_missing_names_package_is_explained(load_example, monkeypatch):
    monkeypatch.setitem(sys.modules, "names", None)  # `import names` now fails, as where it is not installed
    with pytest.raises(SystemExit) as exit_info:
        load_example("gpt").main(["--task", "names", "--steps", "1"])
    assert "`pip install names`" in str(exit_info.value.code)


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--task", "add"], "invalid choice: 'add'"),
        (["--steps", "0"], "argument --steps: must be positive, got 0"),
        (["--lr", "nan"], "argument --lr: must be positive, got nan"),
        (["--dropout", "1"], "argument --dropout: must lie in [0, 1), got 1"),
        (["--weight-decay", "nan"], "argument --weight-decay: must be 0 or more, got nan"),
        (["--samples", "-1"], "argument --samples: must be 0 or more, got -1"),
        (["--width", "30", "--heads", "4"], "--width 30 must be a multiple of --heads 4"),
        (["--seed", "-1"], "argument --seed: must lie in 0 .. 2**63 - 1, got -1"),
        (["--save", "{tmp}/no/such/dir/gpt.safetensors"], "the directory {tmp}/no/such/dir does not exist"),
        (["--save", "{tmp}"], "--save {tmp}: is a directory; give a file name"),
        (["--plot", "{tmp}/loss.xyz"], "--plot {tmp}/loss.xyz: matplotlib can't write .xyz files; use one of"),
    ],
)
def test_bad_flags_are_refused_before_anything_runs(load_example, capsys, tmp_path, arguments, expected):
    with pytest.raises(SystemExit) as exit_info:
        load_example("gpt").main([argument.format(tmp=tmp_path) for argument in arguments])
    captured = capsys.readouterr()
    assert exit_info.value.code == 2  # argparse's exit status for a bad command line
    assert expected.format(tmp=tmp_path) in captured.err, captured.err
    assert captured.out == ""


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--device", "tpu"], "error: --device tpu: unknown device type 'tpu'"),
    ],
)
def test_bad_input_gives_a_short_error_and_no_traceback(run_example, arguments, expected):
    result = run_example("gpt", *arguments)
    assert result.returncode != 0
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_loss_that_becomes_nan_stops_training_with_advice(run_example, tmp_path):
    checkpoint = tmp_path / "gpt.safetensors"
    result = run_example("gpt", "--steps", "20", *TINY, "--lr", "1e30", "--save", checkpoint)
    assert result.returncode != 0
    assert re.search(r"error: loss became (nan|inf) at step \d+: lower --lr", result.stderr), result.stderr
    assert "Traceback" not in result.stderr and not checkpoint.exists()
