"""Regenerate the pictures in docs/images/ from the code that the tutorials describe.

    python docs/make_images.py                  # all of them
    python docs/make_images.py --only graph,xor # some of them

graph: tutorial 1's computation graph, by tinygrad_edu.viz.draw (needs Graphviz's `dot`).
xor:   the decision boundary of examples/xor.py --plot (needs matplotlib).
mnist: the training curves of examples/mnist.py --plot, the CNN on Fashion-MNIST (needs
       matplotlib and the data: Debian's dataset-fashion-mnist package, or a download).
"""

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"


def make_graph():
    """The graph of loss = (w * x + b) ** 2 after backward, as drawn in tutorial 1."""
    sys.path.insert(0, str(ROOT))
    import tinygrad_edu as tg
    from tinygrad_edu import viz

    x = tg.tensor(2.0, requires_grad=True)
    w = tg.tensor(3.0, requires_grad=True)
    b = tg.tensor(1.0, requires_grad=True)
    loss = (w * x + b) ** 2
    loss.backward(retain_graph=True)
    viz.draw(loss, IMAGES / "autograd-graph.svg", names={"x": x, "w": w, "b": b})


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


PICTURES = {"graph": make_graph, "xor": make_xor, "mnist": make_mnist}


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
