"""Draw tutorial 6b's pictures from the tutorial's own code.

    python docs/make_images_higher_order.py     # or: python docs/make_images.py --only higher-order

Runs the ```python blocks of docs/tutorials/gradients-of-gradients.md in order, as the docs tests
do, then plots the tanh derivatives the page computed by autograd (`points`, `derivatives`) into
docs/images/tanh-derivatives.png, and keeps the graph of tanh's second derivative that the page
draws with tinygrad_edu.viz (docs/images/tanh-second-derivative-graph.svg; needs Graphviz's
`dot`). Needs matplotlib; a few seconds on a 2-core machine.
"""

import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "tutorials" / "gradients-of-gradients.md"
IMAGES = ROOT / "docs" / "images"
PLOT = IMAGES / "tanh-derivatives.png"
GRAPH = "tanh-second-derivative-graph.svg"  # written by the page's own code, in its working directory
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)  # column 0: not the exercises
LABELS = [
    "t = tanh x",
    "1st derivative: 1 - t²",
    "2nd: -2t (1 - t²)",
    "3rd: -2 (1 - t²)(1 - 3t²)",
    "4th: 8t (1 - t²)(2 - 3t²)",
]


def run_page(scratch):
    """The namespace that the page's code leaves behind, run in the directory `scratch`."""
    sys.path.insert(0, str(ROOT))
    namespace = {"__name__": "__docs__"}
    previous = os.getcwd()
    os.chdir(scratch)
    try:
        for code in PYTHON_BLOCK.findall(PAGE.read_text(encoding="utf-8")):
            with contextlib.redirect_stdout(io.StringIO()):
                exec(code, namespace)
    finally:
        os.chdir(previous)
    return namespace


def main():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with tempfile.TemporaryDirectory() as scratch:
        page = run_page(scratch)
        IMAGES.mkdir(parents=True, exist_ok=True)
        drawn = Path(scratch) / GRAPH
        if drawn.exists():
            shutil.copyfile(drawn, IMAGES / GRAPH)
            print(f"made docs/images/{GRAPH}")
        else:
            print(f"kept docs/images/{GRAPH}: Graphviz's `dot` is needed to redraw it")
    points = page["points"].detach().numpy()
    figure, axis = plt.subplots(figsize=(8, 4.8), layout="constrained")
    for derivative, label in zip(page["derivatives"], LABELS):
        axis.plot(points, derivative.detach().numpy(), linewidth=1.6, label=label)
    axis.axhline(0, color="grey", linewidth=0.6)
    axis.set(xlabel="x", xlim=(points[0], points[-1]))
    axis.set_title("tanh and its first four derivatives, each by autograd.grad(..., create_graph=True)", fontsize=10)
    axis.legend(fontsize=9, loc="upper left")
    figure.savefig(PLOT, dpi=100)
    plt.close(figure)
    print(f"made {PLOT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
