"""Debian's Fashion-MNIST (`apt-get install dataset-fashion-mnist`), which some tests train on.

`needs_debian_fashion_mnist` skips a test, with the reason, unless all four IDX files are there: an
empty or half-removed directory is "not installed" too, so those tests skip instead of failing.
"""

from pathlib import Path

import pytest

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
IDX_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def missing_files(directory=DEBIAN_FASHION_MNIST):
    """The IDX files (gzipped or not) that `directory` lacks."""
    return [name for name in IDX_FILES if not any((directory / f"{name}{ending}").is_file() for ending in ("", ".gz"))]


needs_debian_fashion_mnist = pytest.mark.skipif(
    bool(missing_files()),
    reason=f"Debian's dataset-fashion-mnist is not installed ({DEBIAN_FASHION_MNIST} lacks "
    f"{', '.join(missing_files()) or 'nothing'}): apt-get install dataset-fashion-mnist",
)
