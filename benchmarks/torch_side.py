"""PyTorch's side of bench_training.py: a process of its own that imports torch and never tinygrad_edu.

    python benchmarks/torch_side.py DEVICE THREADS     # started by bench_training.py, not by hand

Two thread pools in one process (numpy's OpenBLAS and PyTorch's OpenMP) fight over the cores and
slow both, and tinygrad_edu's import changes how this process's malloc keeps freed memory
(tinygrad_edu/host_memory.py), so PyTorch runs here, as it would in a PyTorch program. It reads
pickled requests on stdin and answers each with one pickle on stdout:

- ("describe", None): PyTorch's version, device and threads, as text;
- ("prepare", spec): build the run that `spec` describes (bench_training.py's torch_spec of a case)
  and return its first two results as float64 numpy arrays;
- ("burst", calls): call that run `calls` times and return the seconds of each call;
- ("stop", None): exit.

A request that fails is answered with {"error": traceback}.
"""

import os
import pickle
import sys
import time
import traceback

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import MODELS, training_step  # noqa: E402  (beside this script)


class TorchRuns:
    """Turns a case's spec into a function that runs it once on PyTorch and returns its result."""

    def __init__(self, torch, device):
        self.torch, self.device = torch, device

    def tensor(self, array):
        return self.torch.tensor(array, device=self.device)

    def synchronize(self):
        if self.device == "cuda":
            self.torch.cuda.synchronize()

    def build(self, spec):
        return getattr(self, f"_{spec['kind']}")(spec)

    def _training(self, spec):
        torch = self.torch
        model = MODELS[spec["model"]](torch.nn).to(self.device)
        model.load_state_dict({name: self.tensor(array) for name, array in spec["state"].items()})
        optimizer = getattr(torch.optim, spec["optimizer"])(model.parameters(), lr=spec["lr"])
        loss_function = getattr(torch.nn, spec["loss"])()
        x, target = self.tensor(spec["x"]), self.tensor(spec["target"])

        def run():
            for _ in range(spec["steps"]):
                loss = training_step(model, optimizer, loss_function, x, target)
            return loss

        return run

    def _conv2d(self, spec):
        inputs = [self.tensor(array).requires_grad_() for array in spec["inputs"]]
        upstream = self.tensor(spec["grad_output"])

        def run():
            for value in inputs:
                value.grad = None
            self.torch.nn.functional.conv2d(*inputs, padding=spec["padding"]).backward(upstream)
            return inputs[0].grad

        return run

    def _max_pool2d(self, spec):
        input, upstream = self.tensor(spec["input"]).requires_grad_(), self.tensor(spec["grad_output"])

        def run():
            input.grad = None
            self.torch.nn.functional.max_pool2d(input, spec["kernel"]).backward(upstream)
            return input.grad

        return run

    def time_call(self, run):
        self.synchronize()
        start = time.perf_counter()
        run()
        self.synchronize()
        return time.perf_counter() - start


def main(device, threads):
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # stdout carries the replies only
    import torch

    torch.set_num_threads(threads)
    torch_device = "cpu" if device == "cpu" else "cuda" if torch.cuda.is_available() else None
    runs = TorchRuns(torch, torch_device)
    run = None
    while True:
        command, argument = pickle.load(requests)
        if command == "stop":
            return
        try:
            if command == "describe":
                reply = f"{torch.__version__} on {torch_device or 'nothing (no CUDA)'}, "
                reply += f"{torch.get_num_threads()} threads, in its own process"
            elif command == "prepare":
                run = None if torch_device is None else runs.build(argument)
                reply = None if run is None else [_to_host(run()) for _ in range(2)]
            else:  # "burst"
                reply = [runs.time_call(run) for _ in range(argument)]
        except Exception:  # sent back, so that bench_training.py can say what went wrong
            reply = {"error": traceback.format_exc()}
        pickle.dump(reply, replies)
        replies.flush()


def _to_host(value):
    return value.detach().cpu().double().numpy().astype(np.float64)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
