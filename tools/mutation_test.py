"""Mutation testing by hand: plant one realistic bug at a time and check that the tests catch it.

Each mutant replaces one exact piece of source text in `tinygrad_edu/` (a sign flipped in a backward,
col2im assigning instead of adding, Adam's bias correction one step off, ...). The repository's
package, tests and pytest settings are copied once into a scratch directory; each mutant is applied
there alone, the tests of its area run (`-x`, ci hypothesis profile), and the original is put back.
A mutant is killed when those tests fail, survived when they pass. Run it before a release:

    python tools/mutation_test.py                # every mutant, with the interpreter that runs it
    python tools/mutation_test.py --list         # the mutants' names
    python tools/mutation_test.py sgd-order adam-bias-correction   # only these
    /path/to/venv-without-torch/bin/python tools/mutation_test.py   # what the tests catch without PyTorch

It takes a few minutes (too slow for CI). A mutant whose source text is no longer found is reported
as stale and left out of the score: update its text after a refactor.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
COPIED = ["tinygrad_edu", "tests", "pytest.ini"]

AUTOGRAD = ["tests/autograd", "tests/test_graph.py"]
SECOND_ORDER = ["tests/autograd/test_double_backward.py", "tests/autograd/test_inplace.py"]
ELEMENTWISE = ["tests/ops/test_elementwise.py"]
REDUCE = ["tests/ops/test_reduce.py"]
MOVEMENT = ["tests/ops/test_movement.py"]
CONV = ["tests/ops/test_conv.py", "tests/ops/test_conv_transpose.py", "tests/nn/test_conv.py"]
POOLING = ["tests/ops/test_pooling.py", "tests/nn/test_pooling.py"]
NORMALIZATION = ["tests/ops/test_normalization.py", "tests/nn/test_normalization.py"]
LOSS = ["tests/ops/test_loss.py", "tests/nn/test_loss.py"]
OPTIM = ["tests/optim"]

# (name, file, source text, its mutation, tests that should catch it)
MUTANTS = [
    # --- the engine
    ("grad-shares-memory", "autograd/engine.py", "Tensor._make(input_grad.copy())", "Tensor._make(input_grad)",
     AUTOGRAD),
    ("grad-shares-memory-with-hooks", "autograd/engine.py", "Tensor._make(gradient.copy())", "Tensor._make(gradient)",
     AUTOGRAD),
    ("no-fan-in-sum", "autograd/engine.py", "gradient if previous is None else _sum(previous, gradient)", "gradient",
     AUTOGRAD),
    ("no-accumulation", "autograd/engine.py", "_sum(leaf.grad._data, input_grad)", "input_grad", AUTOGRAD),
    ("no-accumulation-with-hooks", "autograd/engine.py", "_sum(tensor.grad._data, gradient)", "gradient", AUTOGRAD),
    ("saved-inputs-as-constants", "array_function.py", "values.append(tensor_of_edge(value, ctx._edges[source]))",
     "values.append(Tensor._make(value))", SECOND_ORDER),
    ("versions-unchecked", "graph.py", "        if counter.value != expected:", "        if False:", AUTOGRAD),
    ("conv-weight-gradient-recorded-swapped", "ops/conv.py",
     "Conv2d.apply(images, filters, None, dilation, ((0, 0), (0, 0)), stride)",
     "Conv2d.apply(images, filters, None, stride, ((0, 0), (0, 0)), dilation)", SECOND_ORDER),
    # --- elementwise ops
    ("sub-sign", "ops/elementwise.py", "unbroadcast(-grad_output, b_shape)", "unbroadcast(grad_output, b_shape)",
     ELEMENTWISE),
    ("div-sign", "ops/elementwise.py", "unbroadcast(-grad_output * a / (b * b)",
     "unbroadcast(grad_output * a / (b * b)", ELEMENTWISE),
    ("cos-sign", "ops/elementwise.py", "return -grad_output * get_array_module(x).sin(x)",
     "return grad_output * get_array_module(x).sin(x)", ELEMENTWISE),
    ("tanh-derivative", "ops/elementwise.py", "grad_output * (1 - out * out)", "grad_output * (1 - out)", ELEMENTWISE),
    ("sigmoid-derivative", "ops/elementwise.py", "grad_output * out * (1 - out)", "grad_output * out", ELEMENTWISE),
    ("relu-at-zero", "ops/elementwise.py", "grad_output * (out > 0)", "grad_output * (out >= 0)", ELEMENTWISE),
    ("maximum-tie", "ops/elementwise.py", "xp.where(a == b, grad_output / 2, xp.where(a_wins, grad_output, 0))",
     "xp.where(a_wins, grad_output, 0)", ELEMENTWISE),
    # --- reductions
    ("amax-ties-not-shared", "ops/reduce.py", "return grad * is_extreme / ties", "return grad * is_extreme", REDUCE),
    ("mean-undivided", "ops/reduce.py", "expand_reduced(grad_output / count,", "expand_reduced(grad_output,", REDUCE),
    ("var-scale", "ops/reduce.py", "scale = 2 / divisor if", "scale = 1 / divisor if", REDUCE),
    ("max-dim-last-index", "ops/reduce.py", "_pick_along(ctx, x, x.argmax(axis=axis), axis, keepdim)",
     "_pick_along(ctx, x, x.shape[axis] - 1 - get_array_module(x).flip(x, axis).argmax(axis=axis), axis, keepdim)",
     REDUCE),
    # --- movement
    ("permute-inverse", "ops/movement.py", "inverse[axis] = position", "inverse[position] = axis", MOVEMENT),
    ("getitem-assign", "ops/movement.py", "if _may_repeat(index):", "if False:", MOVEMENT),
    ("pad-asymmetric", "ops/movement.py", "slice(before, size - after)", "slice(after, size - before)", MOVEMENT),
    # --- convolution and pooling
    ("col2im-assign", "ops/conv.py", "image[:, :, rows, columns] += taps[:, i, j]",
     "image[:, :, rows, columns] = taps[:, i, j]", CONV),
    ("row2im-assign", "ops/conv.py", "image[:, image_rows, image_columns] += taps[:, :, :, i, j]",
     "image[:, image_rows, image_columns] = taps[:, :, :, i, j]", CONV),
    ("conv-bias-mean", "ops/conv.py", "grad_bias = xp.ones(grad_rows.shape[0], dtype=grad_rows.dtype) @ grad_rows",
     "grad_bias = grad_rows.mean(axis=0)", CONV),
    ("conv-last-block-dropped", "ops/conv.py", "for block in range(count + 1)]", "for block in range(count)] + [0]",
     CONV),
    ("im2row-tap-order", "ops/conv.py", "windows.transpose(0, 2, 3, 4, 5, 1).reshape(window_count, taps)",
     "windows.transpose(0, 2, 3, 1, 4, 5).reshape(window_count, taps)", CONV),
    ("maxpool-assign", "ops/pooling.py", "grad_padded[:, :, rows, columns] += grad_output * (winners",
     "grad_padded[:, :, rows, columns] = grad_output * (winners", POOLING),
    ("maxpool-last-tie", "ops/pooling.py", "winners = windows.argmax(axis=-1)[..., None]",
     "winners = (windows.shape[-1] - 1 - windows[..., ::-1].argmax(axis=-1))[..., None]", POOLING),
    ("maxpool-tiles-every-tie", "ops/pooling.py", "xp.greater(wins, claimed, out=wins)",
     "xp.logical_and(wins, True, out=wins)", POOLING),
    ("avgpool-undivided", "ops/pooling.py", "share = grad_output / ctx.divisor", "share = grad_output", POOLING),
    # --- batch normalisation
    ("running-var-biased", "ops/normalization.py", "momentum * count / (count - 1) * var", "momentum * var",
     NORMALIZATION),
    ("running-mean-momentum", "ops/normalization.py", "running_mean *= 1 - momentum", "running_mean *= momentum",
     NORMALIZATION),
    ("cumulative-average", "nn/normalization.py", "momentum = 1.0 / self.num_batches_tracked.item()",
     "momentum = 1.0 / (self.num_batches_tracked.item() + 1)", NORMALIZATION),
    ("eval-without-running-stats", "nn/normalization.py", "self.training or self.running_mean is None",
     "self.training", NORMALIZATION),
    ("batchnorm-backward-sign", "ops/normalization.py", "- x_hat * xp.mean(grad_x_hat * x_hat",
     "+ x_hat * xp.mean(grad_x_hat * x_hat", NORMALIZATION),
    # --- losses
    ("label-smoothing", "ops/loss.py", "label_smoothing / classes", "label_smoothing / (classes - 1)", LOSS),
    ("ignored-rows-counted", "ops/loss.py", "row_weight = counted.astype(logits.dtype)",
     "row_weight = xp.ones(rows, dtype=logits.dtype)", LOSS),
    ("class-weight-divisor", "ops/loss.py", "row_weight *= class_weight[safe_target]\n", "pass\n", LOSS),
    ("bce-no-clamp", "ops/loss.py", "xp.maximum(log_p, -100)", "log_p", LOSS),
    ("nll-sign", "ops/loss.py", "_reduce_rows(-picked * row_weight", "_reduce_rows(picked * row_weight", LOSS),
    # --- optimizers and schedules
    ("sgd-order", "optim/sgd.py",
     "grad = -param.grad if maximize else param.grad\n                if weight_decay != 0:\n"
     "                    grad = grad + weight_decay * param\n",
     "grad = param.grad\n                if weight_decay != 0:\n"
     "                    grad = grad + weight_decay * param\n"
     "                if maximize:\n                    grad = -grad\n", OPTIM),
    ("sgd-nesterov", "optim/sgd.py", "grad + momentum * buffer if nesterov else", "buffer if nesterov else", OPTIM),
    ("sgd-dampening", "optim/sgd.py", "add_(grad, alpha=1 - dampening)", "add_(grad)", OPTIM),
    ("adam-bias-correction", "optim/adam.py", "lr / (1 - beta1**step)", "lr / (1 - beta1 ** (step + 1))", OPTIM),
    ("adam-second-moment-sqrt", "optim/adam.py", "math.sqrt(1 - beta2**step)", "(1 - beta2**step)", OPTIM),
    ("amsgrad-ignored", "optim/adam.py", 'exp_avg_sq = state["max_exp_avg_sq"].copy_(',
     'state["max_exp_avg_sq"].copy_(', OPTIM),
    ("adamw-decay-without-lr", "optim/adam.py", "param.mul_(1 - lr * weight_decay)", "param.mul_(1 - weight_decay)",
     OPTIM),
    ("steplr-one-early", "optim/lr_scheduler.py", "self.last_epoch % self.step_size != 0",
     "(self.last_epoch + 1) % self.step_size != 0", OPTIM),
]  # fmt: skip


def tests_fail(scratch, tests):
    """Whether some test fails (or errors) in the scratch copy, whose package shadows any installed one.

    pytest's exit status 1 means failures, 2 errors such as a module that no longer imports; 0 (all
    passed or skipped) and 5 (no test ran, e.g. all skipped at import) mean nothing caught the bug.
    """
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--hypothesis-profile=ci"]
    result = subprocess.run(command + tests, cwd=scratch, capture_output=True, text=True)
    if result.returncode not in (0, 1, 2, 5):
        raise RuntimeError(f"pytest exited with status {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.returncode in (1, 2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="run only these mutants (default: all)")
    parser.add_argument("--list", action="store_true", help="print the mutants' names and exit")
    arguments = parser.parse_args()
    if arguments.list:
        for name, path, *_ in MUTANTS:
            print(f"{name:28} tinygrad_edu/{path}")
        return 0
    chosen = [mutant for mutant in MUTANTS if not arguments.names or mutant[0] in arguments.names]
    unknown = set(arguments.names) - {mutant[0] for mutant in MUTANTS}
    if unknown:
        parser.error(f"unknown mutants {sorted(unknown)}; see --list")
    has_torch = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode == 0
    print(f"{len(chosen)} mutants, {sys.executable}, PyTorch {'installed' if has_torch else 'NOT installed'}")
    with tempfile.TemporaryDirectory(prefix="tinygrad_edu-mutants-") as scratch:
        for name in COPIED:
            source = REPOSITORY / name
            if source.is_dir():
                shutil.copytree(source, Path(scratch) / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(source, scratch)
        imported = subprocess.run(
            [sys.executable, "-c", "import tinygrad_edu; print(tinygrad_edu.__file__)"],
            cwd=scratch,
            capture_output=True,
            text=True,
        ).stdout
        if not imported.startswith(str(Path(scratch).resolve())) and not imported.startswith(scratch):
            print(f"the tests would import {imported.strip()}, not the scratch copy: uninstall that one first")
            return 2
        baseline = sorted({test for *_, tests in chosen for test in tests})
        if tests_fail(scratch, baseline):
            print(f"the unmutated tests fail ({' '.join(baseline)}): fix them first")
            return 2
        killed, survived, stale = [], [], []
        for name, path, original, mutation, tests in chosen:
            source_file = Path(scratch) / "tinygrad_edu" / path
            source = source_file.read_text()
            if source.count(original) != 1:
                stale.append(name)
                print(f"  stale     {name}: its text is not found exactly once in tinygrad_edu/{path}")
                continue
            source_file.write_text(source.replace(original, mutation))
            started = time.perf_counter()
            try:
                caught = tests_fail(scratch, tests)
            finally:
                source_file.write_text(source)
            (killed if caught else survived).append(name)
            verdict = "killed" if caught else "SURVIVED"
            print(f"  {verdict:9} {name} ({time.perf_counter() - started:.0f} s)", flush=True)
    scored = len(killed) + len(survived)
    print(f"mutation score: {len(killed)}/{scored} killed ({100 * len(killed) / max(scored, 1):.0f}%)", end="")
    print(f", PyTorch {'installed' if has_torch else 'not installed'}", end="")
    print(f"; survived: {', '.join(survived) or 'none'}" + (f"; stale: {', '.join(stale)}" if stale else ""))
    return 1 if survived or stale else 0


if __name__ == "__main__":
    sys.exit(main())
