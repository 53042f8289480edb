"""Regenerate the pictures in docs/images/ from the code that the docs show.

    python docs/make_images.py                  # all of them
    python docs/make_images.py --only graphs,xor

graphs: the computation graphs of tutorials 1 and 2, drawn by the tutorials' own code blocks
        (tinygrad_edu.viz.draw; needs Graphviz's `dot`).
xor:    the decision boundary of `examples/xor.py --plot` (needs matplotlib).
mnist:  the training curves of `examples/mnist.py --plot`, the CNN on Fashion-MNIST for two
        epochs (needs matplotlib and the data: Debian's dataset-fashion-mnist, or a download);
        several minutes on a laptop CPU.
"""

import argparse
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
TUTORIALS = ROOT / "docs" / "tutorials"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)

# tutorial page -> the picture files its code writes
GRAPHS = {
    "01-tensors-and-autograd.md": ["autograd-graph.svg"],
    "02-perceptron-to-mlp.md": ["mlp-graph.svg"],
}


def make_graphs():
    """Run each page's ```python blocks in a scratch directory and keep the pictures they draw."""
    if shutil.which("dot") is None:
        sys.exit("graphs: the Graphviz `dot` program is needed (apt-get install graphviz)")
    sys.path.insert(0, str(ROOT))
    for page, pictures in GRAPHS.items():
        namespace = {"__name__": "__docs__"}
        with tempfile.TemporaryDirectory() as scratch:
            previous = os.getcwd()
            os.chdir(scratch)
            try:
                for code in PYTHON_BLOCK.findall((TUTORIALS / page).read_text(encoding="utf-8")):
                    with contextlib.redirect_stdout(io.StringIO()):
                        exec(code, namespace)
                for picture in pictures:
                    shutil.copyfile(picture, IMAGES / picture)
            finally:
                os.chdir(previous)


def make_xor():
    run_example("xor.py", "--plot", IMAGES / "xor-decision-boundary.png")


def make_mnist():
    run_example(
        "mnist.py",
        *("--model", "cnn", "--dataset", "fashion-mnist", "--epochs", "2"),
        *("--plot", IMAGES / "mnist-training-curves.png"),
    )


def run_example(script, *arguments):
    command = [sys.executable, str(ROOT / "examples" / script), *map(str, arguments)]
    print("$", " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=ROOT)


PICTURES = {"graphs": make_graphs, "xor": make_xor, "mnist": make_mnist}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(PICTURES), help="comma-separated: " + ", ".join(PICTURES))
    names = parser.parse_args().only.split(",")
    unknown = sorted(set(names) - set(PICTURES))
    if unknown:
        parser.error(f"unknown picture(s) {', '.join(unknown)}; choose from {', '.join(PICTURES)}")
    IMAGES.mkdir(parents=True, exist_ok=True)
    for name in names:
        PICTURES[name]()
        print(f"made {name}")


if __name__ == "__main__":
    main()
