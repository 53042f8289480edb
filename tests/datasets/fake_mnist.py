"""Tiny generated MNIST-style IDX files for the dataset tests."""

import hashlib

import numpy as np

from tinygrad_edu.datasets import write_idx

SPLIT_SIZES = {"train": 12, "t10k": 5}


def make_arrays():
    """The base file name -> array of a tiny MNIST: 12 training and 5 test images with labels 0..9."""
    arrays = {}
    for seed, (prefix, size) in enumerate(SPLIT_SIZES.items()):
        rng = np.random.default_rng(seed)
        arrays[f"{prefix}-images-idx3-ubyte"] = rng.integers(0, 256, size=(size, 28, 28), dtype=np.uint8)
        arrays[f"{prefix}-labels-idx1-ubyte"] = rng.integers(0, 10, size=size, dtype=np.uint8)
    return arrays


def write_files(directory, arrays, gzipped=True):
    directory.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        write_idx(directory / (name + (".gz" if gzipped else "")), array)
    return directory


def md5s_of(directory):
    return {path.name: hashlib.md5(path.read_bytes()).hexdigest() for path in directory.glob("*.gz")}
