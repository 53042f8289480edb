"""Time tinygrad_edu against hand-written numpy (benchmarks/numpy_reference.py) and against PyTorch in its own process.

    python benchmarks/bench_training.py                    # every case on the CPU
    python benchmarks/bench_training.py --only B,F --repeats 30 --json results.json
    python benchmarks/bench_training.py --device cuda --batch-size 256   # CuPy reference, torch CUDA if present
    python benchmarks/bench_training.py --only F --profile  # cProfile of tinygrad_edu's run of F

Cases: (A) a training step of an MLP 784-256-10, batch 128; (B) a training step of a small CNN,
batch 64 (--batch-size changes it); (C) conv2d forward + backward alone; (D) max_pool2d 2x2 forward
+ backward on (64, 32, 28, 28); (E) 1000 training steps of a 2-8-1 XOR MLP (per-op overhead);
(F) a training step of examples/mnist.py's CNN (Conv 32 - Conv 64, Adam, batch 64).
All float32, with the same initial weights and data everywhere: before timing, two runs of each
implementation must give the same results (losses or gradients), so they provably compute the same thing.

PyTorch runs in a process of its own (started with multiprocessing's "spawn"), never beside numpy:
two thread pools in one process fight over the cores and slow both. The implementations then take
turns, round after round (after warm-up rounds), each round a burst of calls of each (enough for
about 0.1 s) in a rotating order, with a pause whenever the turn passes to the other process (so
that the threads of the one that just ran have gone to sleep); the table shows the median time per
call of each. The peak memory a training step of B allocates (activations, columns, gradients,
temporaries) is measured with tracemalloc, which sees numpy's buffers, for tinygrad_edu and the
numpy reference.
"""

import argparse
import cProfile
import functools
import gc
import importlib.util
import json
import math
import os
import pickle
import platform
import pstats
import statistics
import subprocess
import sys
import time
import tracemalloc

import numpy as np

BENCHMARKS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCHMARKS)
import numpy_reference  # noqa: E402  (beside this script)
from models import cnn, mlp, mnist_cnn, training_step, xor_mlp  # noqa: E402, F401  (the tests use these names)

import tinygrad_edu as tg  # noqa: E402
import tinygrad_edu.nn.functional as F  # noqa: E402
from tinygrad_edu import nn, optim  # noqa: E402

LEARNING_RATE = 0.01
MNIST_CNN_LEARNING_RATE = 2e-3  # examples/mnist.py's Adam rate for its CNN
XOR_STEPS = 1000
BURST_SECONDS = 0.1  # each implementation's turn lasts about this long (at least MIN_CALLS calls)
MIN_CALLS = 3
PAUSE_SECONDS = 0.2  # before the other process's turn: OpenBLAS's idle threads spin for about 0.1 s
# Targets from the project's issue: (which implementation the ratio is against, the largest allowed ratio).
TARGETS = {"A": ("numpy", 1.3), "B": ("numpy", 1.3), "D": ("numpy", 1.5), "E": ("torch", 0.75), "F": ("torch", 1.25)}
MEMORY_TARGET = 1.5


# ----- the three implementations of each case ---------------------------------------------------------


class Frameworks:
    """What tinygrad_edu and the reference run on: tinygrad_edu's device and the reference's xp (numpy or CuPy)."""

    def __init__(self, device):
        self.device = device
        if device == "cuda":
            if not tg.cuda.is_available():
                raise SystemExit("--device cuda needs CuPy and an NVIDIA GPU (pip install cupy-cuda12x)")
            import cupy

            self.xp = cupy
        else:
            self.xp = np

    def ours(self, array):
        return tg.tensor(array, device=self.device)

    def reference(self, array):
        return self.xp.array(array)  # a copy: the reference updates its weights in place

    def synchronize(self):
        if self.device == "cuda":
            self.xp.cuda.runtime.deviceSynchronize()


def model_case(frameworks, build, x, target, loss_name, reference_class, optimizer="SGD", lr=LEARNING_RATE, steps=1):
    """`steps` training steps of `build(nn)` per call: our runs, and the spec of PyTorch's (see torch_side.py).

    Everyone starts from tinygrad_edu's initial weights. `optimizer` names the class in
    tinygrad_edu.optim and torch.optim (default options, learning rate `lr`); the numpy reference
    is `reference_class(weights, x, target, lr, xp)`, whose `step()` does all `steps`.
    """
    ours = build(nn).to(frameworks.device)
    initial = {name: value.detach().cpu().numpy().copy() for name, value in ours.state_dict().items()}
    our_optimizer = getattr(optim, optimizer)(ours.parameters(), lr=lr)
    our_loss = getattr(nn, loss_name)()
    our_x, our_target = frameworks.ours(x), frameworks.ours(target)

    def run_ours():
        for _ in range(steps):
            loss = training_step(ours, our_optimizer, our_loss, our_x, our_target)
        return loss

    reference_weights = [frameworks.reference(array) for array in initial.values()]
    reference = reference_class(
        reference_weights, frameworks.reference(x), frameworks.reference(target), lr, frameworks.xp
    )
    torch_spec = {
        "kind": "training",
        "model": build.__name__,
        "state": initial,
        "x": x,
        "target": target,
        "loss": loss_name,
        "optimizer": optimizer,
        "lr": lr,
        "steps": steps,
    }
    return {"ours": run_ours, "numpy": reference.step}, torch_spec


def case_a(frameworks, rng, batch_size):
    x = rng.standard_normal((128, 784), dtype=np.float32)
    target = rng.integers(0, 10, 128)
    return model_case(frameworks, mlp, x, target, "CrossEntropyLoss", numpy_reference.MLPStep)


def case_b(frameworks, rng, batch_size):
    x = rng.standard_normal((batch_size, 1, 28, 28), dtype=np.float32)
    target = rng.integers(0, 10, batch_size)
    return model_case(frameworks, cnn, x, target, "CrossEntropyLoss", numpy_reference.CNNStep)


def case_c(frameworks, rng, batch_size):
    """conv2d (64, 16, 14, 14) * (32, 16, 3, 3), padding 1: the CNN's second layer, every gradient."""
    x = rng.standard_normal((64, 16, 14, 14), dtype=np.float32)
    weight = rng.standard_normal((32, 16, 3, 3), dtype=np.float32) * 0.1
    bias = rng.standard_normal(32, dtype=np.float32)
    grad_out = rng.standard_normal((64, 32, 14, 14), dtype=np.float32)
    runs = {}

    inputs = [frameworks.ours(array).requires_grad_() for array in (x, weight, bias)]
    upstream = frameworks.ours(grad_out)

    def run_ours():
        for value in inputs:
            value.grad = None
        F.conv2d(*inputs, padding=1).backward(upstream)
        return inputs[0].grad

    runs["ours"] = run_ours
    xp = frameworks.xp
    reference_inputs = [frameworks.reference(array) for array in (x, weight, bias)]
    reference_grad = frameworks.reference(grad_out)

    def reference():
        out, columns = numpy_reference.conv2d_forward(*reference_inputs, 1, xp)
        return numpy_reference.conv2d_backward(reference_grad, columns, reference_inputs[1], x.shape, 1, xp)[0]

    runs["numpy"] = reference
    return runs, {"kind": "conv2d", "inputs": (x, weight, bias), "grad_output": grad_out, "padding": 1}


def case_d(frameworks, rng, batch_size):
    """max_pool2d(kernel 2) on (64, 32, 28, 28), forward and backward."""
    x = rng.standard_normal((64, 32, 28, 28), dtype=np.float32)
    grad_out = rng.standard_normal((64, 32, 14, 14), dtype=np.float32)
    runs = {}

    input, upstream = frameworks.ours(x).requires_grad_(), frameworks.ours(grad_out)

    def run_ours():
        input.grad = None
        F.max_pool2d(input, 2).backward(upstream)
        return input.grad

    runs["ours"] = run_ours
    xp = frameworks.xp
    reference_x, reference_grad = frameworks.reference(x), frameworks.reference(grad_out)

    def reference():
        out = numpy_reference.max_pool2x2_forward(reference_x, xp)
        return numpy_reference.max_pool2x2_backward(reference_grad, reference_x, out, xp)

    runs["numpy"] = reference
    return runs, {"kind": "max_pool2d", "input": x, "grad_output": grad_out, "kernel": 2}


def case_e(frameworks, rng, batch_size):
    """1000 full training steps (zero_grad, forward, MSE loss, backward, SGD step) on the four XOR points."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    target = np.array([[0], [1], [1], [0]], dtype=np.float32)
    return model_case(frameworks, xor_mlp, x, target, "MSELoss", _XORReference, steps=XOR_STEPS)


def case_f(frameworks, rng, batch_size):
    """examples/mnist.py's training step: its CNN, Adam at its learning rate, batch 64 of 1x28x28 images."""
    x = rng.standard_normal((64, 1, 28, 28), dtype=np.float32)  # standardised images, as the example feeds them
    target = rng.integers(0, 10, 64)
    reference = functools.partial(numpy_reference.CNNStep, optimizer="adam")
    return model_case(frameworks, mnist_cnn, x, target, "CrossEntropyLoss", reference, "Adam", MNIST_CNN_LEARNING_RATE)


class _XORReference:
    """numpy_reference.xor_training behind the same interface as MLPStep (its step is all 1000 steps)."""

    def __init__(self, weights, x, target, lr, xp):
        self.weights, self.x, self.target, self.lr, self.xp = weights, x, target, lr, xp

    def step(self):
        return numpy_reference.xor_training(self.weights, self.x, self.target, self.lr, XOR_STEPS, self.xp)


CASES = {
    "A": ("MLP 784-256-10 training step, batch 128", case_a),
    "B": ("CNN training step, batch {batch_size}", case_b),
    "C": ("conv2d 16->32 3x3 on 64x16x14x14, fwd+bwd", case_c),
    "D": ("max_pool2d 2x2 on 64x32x28x28, fwd+bwd", case_d),
    "E": (f"XOR 2-8-1 MLP, {XOR_STEPS} training steps", case_e),
    "F": ("examples/mnist.py CNN step, Adam, batch 64", case_f),
}


def make_case(key, frameworks, batch_size):
    """Case `key`'s runs (ours, numpy) and the spec of PyTorch's, from fixed seeds (weights and data)."""
    tg.manual_seed(0)
    return CASES[key][1](frameworks, np.random.default_rng(0), batch_size)


# ----- measuring ------------------------------------------------------------------------------------


def to_host(value):
    if hasattr(value, "detach"):
        value = value.detach().cpu()
    if hasattr(value, "get"):  # a CuPy array
        value = value.get()
    return np.asarray(value, dtype=np.float64)


def first_results(runs, frameworks):
    """Two calls of each run from the same start, on the host: the second sees the first's update."""
    results = {name: [to_host(run()) for _ in range(2)] for name, run in runs.items()}
    frameworks.synchronize()
    return results


def check_agreement(key, results):
    """Each implementation's first two results must match the reference's (else the timing compares apples to pears)."""
    expected = results["numpy"]
    for name, values in results.items():
        for call, (result, reference) in enumerate(zip(values, expected), start=1):
            if not np.allclose(result, reference, rtol=2e-3, atol=1e-5):
                difference = np.max(np.abs(result - reference))
                raise SystemExit(
                    f"case {key}: {name} disagrees with the numpy reference in call {call} "
                    f"(max difference {difference})"
                )


def local_burst(run, frameworks):
    """A function that calls `run` a given number of times and returns the seconds of each call."""
    return lambda calls: [_time_call(run, frameworks) for _ in range(calls)]


def time_interleaved(bursts, process_of, repeats, warmup):
    """Median seconds per call of each implementation, running them alternately round after round.

    `bursts[name](calls)` runs `calls` calls and returns each one's seconds. In each round every
    implementation runs one burst (about BURST_SECONDS), in an order that rotates from round to
    round, so machine noise hits all of them alike. When the turn passes to another process
    (`process_of[name]`), the script first pauses, so that the threads of the process that just ran
    have stopped spinning; the median ignores the first call of a burst, which can pay for waking
    up its own threads.
    """
    names = list(bursts)
    fastest = min(min(bursts[name](2)) for name in names)
    calls = min(50, max(MIN_CALLS, math.ceil(BURST_SECONDS / fastest)))
    times = {name: [] for name in names}
    previous_process = None
    for round_number in range(warmup + repeats):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            if process_of[name] != previous_process:
                time.sleep(PAUSE_SECONDS)
                previous_process = process_of[name]
            seconds = bursts[name](calls)
            if round_number >= warmup:
                times[name].extend(seconds)
    return {name: statistics.median(values) for name, values in times.items()}


def _time_call(run, frameworks):
    frameworks.synchronize()
    start = time.perf_counter()
    run()
    frameworks.synchronize()
    return time.perf_counter() - start


class TorchProcess:
    """PyTorch's side of every case, in a process of its own (torch_side.py); this one never imports torch.

    `prepare(spec)` builds a case's run there and returns its first two results; `burst(calls)`
    times that many calls of it there.
    """

    def __init__(self, device, threads):
        script = os.path.join(BENCHMARKS, "torch_side.py")
        self.process = subprocess.Popen(
            [sys.executable, script, device, str(threads)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self.description = self._ask("describe")

    def _ask(self, command, argument=None):
        pickle.dump((command, argument), self.process.stdin)
        self.process.stdin.flush()
        try:
            reply = pickle.load(self.process.stdout)
        except EOFError:
            raise SystemExit(f"the PyTorch process (torch_side.py) exited with status {self.process.wait()}") from None
        if isinstance(reply, dict) and "error" in reply:
            raise SystemExit(f"the PyTorch process failed:\n{reply['error']}")
        return reply

    def prepare(self, spec):
        return self._ask("prepare", spec)

    def burst(self, calls):
        return self._ask("burst", calls)

    def close(self):
        pickle.dump(("stop", None), self.process.stdin)
        self.process.stdin.close()
        self.process.wait(timeout=30)


def peak_memory_of_b(frameworks, batch_size):
    """Peak bytes allocated during one training step of B (after a warm-up step), per implementation.

    tracemalloc sees numpy's buffers; it starts after the warm-up step, so it counts what a step
    allocates (activations, im2col columns, gradients, temporaries), not the weights it keeps.
    """
    runs, _ = make_case("B", frameworks, batch_size)
    peaks = {}
    for name in ("ours", "numpy"):
        runs[name]()
        gc.collect()
        tracemalloc.start()
        runs[name]()
        peaks[name] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peaks


def profile_ours(key, runs, rounds=5):
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        runs["ours"]()
    profiler.disable()
    print(f"\ncProfile of tinygrad_edu on case {key} ({rounds} runs), by own time:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def machine_description():
    """The CPU's model name and core count, and the load averages (1, 5, 15 min) right now."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as file:
            model = next(line.split(":", 1)[1].strip() for line in file if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} cores"


def load_average():
    try:
        return "load average " + ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except (AttributeError, OSError):
        return "load average unknown"


def blas_threads():
    """How many threads numpy's BLAS uses, and how we know."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            if os.environ.get(variable, "").isdigit():
                return int(os.environ[variable]), variable
        return os.cpu_count(), "assumed: OpenBLAS's default, one per CPU"
    for pool in threadpool_info():
        if pool["user_api"] == "blas":
            return pool["num_threads"], f"threadpoolctl: {pool['internal_api']} {pool.get('architecture', '')}"
    return os.cpu_count(), "assumed"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--batch-size", type=int, default=64, help="batch size of case B (default 64)")
    parser.add_argument("--repeats", type=int, default=20, help="timed rounds; the median is reported")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first")
    parser.add_argument("--only", default=",".join(CASES), help="comma-separated cases, e.g. A,B")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even when it is installed")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of tinygrad_edu on each case")
    args = parser.parse_args(argv)
    keys = [key.strip().upper() for key in args.only.split(",") if key.strip()]
    unknown = [key for key in keys if key not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {unknown}; choose from {','.join(CASES)}")

    frameworks = Frameworks(args.device)
    threads, how = blas_threads()
    torch_process = None
    torch_note = "left out (--no-torch)" if args.no_torch else "not installed"
    if not args.no_torch and importlib.util.find_spec("torch") is not None:
        torch_process = TorchProcess(args.device, threads)
        torch_note = torch_process.description
    print(f"{machine_description()}; {load_average()}")
    print(f"device {args.device}; numpy {np.__version__}, BLAS threads {threads} ({how}); torch {torch_note}")
    if args.device == "cuda":
        print(f"the numpy column is the same reference run on CuPy {frameworks.xp.__version__}")
    print(f"median of {args.repeats} interleaved rounds after {args.warmup} warm-up rounds\n")

    results = {}
    header = f"{'case':<5}{'what':<44}{'ours ms':>10}{'numpy ms':>10}{'torch ms':>10}{'/numpy':>8}{'/torch':>8}  target"
    print(header)
    print("-" * len(header))
    try:
        for key in keys:
            title, _ = CASES[key]
            runs, torch_spec = make_case(key, frameworks, args.batch_size)
            agreement = first_results(runs, frameworks)
            bursts = {name: local_burst(run, frameworks) for name, run in runs.items()}
            process_of = dict.fromkeys(runs, "this")
            torch_results = torch_process.prepare(torch_spec) if torch_process is not None else None
            if torch_results is not None:
                agreement["torch"] = torch_results
                bursts["torch"], process_of["torch"] = torch_process.burst, "torch"
            check_agreement(key, agreement)
            medians = time_interleaved(bursts, process_of, args.repeats, args.warmup)
            result = {"what": title.format(batch_size=args.batch_size)}
            result.update({f"{name}_ms": seconds * 1e3 for name, seconds in medians.items()})
            for name in ("numpy", "torch"):
                if name in medians:
                    result[f"ours_per_{name}"] = medians["ours"] / medians[name]
            target_text = ""
            if key in TARGETS:
                against, limit = TARGETS[key]
                ratio = result.get(f"ours_per_{against}")
                met = ratio is not None and ratio <= limit
                result["target"] = {"against": against, "max_ratio": limit, "met": met}
                target_text = f"<= {limit}x {against}: " + ("met" if met else "NOT met" if ratio else "n/a")
            results[key] = result
            cells = [
                f"{result[f'{name}_ms']:10.2f}" if f"{name}_ms" in result else f"{'-':>10}"
                for name in ("ours", "numpy", "torch")
            ]
            ratios = [
                f"{result[f'ours_per_{name}']:8.2f}" if f"ours_per_{name}" in result else f"{'-':>8}"
                for name in ("numpy", "torch")
            ]
            print(f"{key:<5}{result['what']:<44}{''.join(cells)}{''.join(ratios)}  {target_text}", flush=True)
            if args.profile:
                profile_ours(key, runs)
    finally:
        if torch_process is not None:
            torch_process.close()

    summary = {
        "device": args.device,
        "machine": machine_description(),
        "blas_threads": threads,
        "torch": torch_note,
        "repeats": args.repeats,
        "cases": results,
    }
    print(f"\n{load_average()}")
    if "B" in keys and args.device == "cpu":
        peaks = peak_memory_of_b(frameworks, args.batch_size)
        ratio = peaks["ours"] / peaks["numpy"]
        summary["memory_B"] = {**{f"{name}_peak_bytes": peak for name, peak in peaks.items()}, "ours_per_numpy": ratio}
        print(
            f"peak memory allocated during one step of B (tracemalloc): ours {peaks['ours'] / 2**20:.1f} MiB, "
            f"numpy {peaks['numpy'] / 2**20:.1f} MiB, ratio {ratio:.2f} (target <= {MEMORY_TARGET}: "
            f"{'met' if ratio <= MEMORY_TARGET else 'NOT met'})"
        )
    if args.json:
        with open(args.json, "w") as file:
            json.dump(summary, file, indent=2)
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
