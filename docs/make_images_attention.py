"""Draw the attention heatmaps of tutorial 9 from the tutorial's own model.

    python docs/make_images_attention.py        # or: python docs/make_images.py --only attention

Runs the ```python blocks of docs/tutorials/09-attention.md in order, as the docs tests do (so the
picture shows exactly the model whose weights the page prints), then draws the attention weights that
the page kept for its sample sequence, before and after training, one heatmap per head, into
docs/images/attention-heads.png. Needs matplotlib; a few seconds on a 2-core machine.
"""

import contextlib
import io
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "tutorials" / "09-attention.md"
PICTURE = ROOT / "docs" / "images" / "attention-heads.png"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)  # column 0: not the exercises


def run_page():
    """The namespace that the page's code leaves behind."""
    sys.path.insert(0, str(ROOT))
    namespace = {"__name__": "__docs__"}
    with tempfile.TemporaryDirectory() as scratch:
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

    page = run_page()
    tokens = [str(token) for token in page["sample"][0].tolist()]
    rows = [("before training", page["untrained_weights"]), ("after 150 steps", page["trained_weights"])]
    heads = rows[0][1].shape[0]
    figure, axes = plt.subplots(len(rows), heads, figsize=(4 * heads + 1, 8), layout="constrained")
    for (title, weights), row_axes in zip(rows, axes):
        for head, axis in enumerate(row_axes):
            image = axis.imshow(weights[head].numpy(), cmap="Blues", vmin=0, vmax=1)
            labels = [f"{position}: {token}" for position, token in enumerate(tokens)]
            axis.set_xticks(range(len(tokens)), labels, rotation=90, fontsize=8)
            axis.set_yticks(range(len(tokens)), labels, fontsize=8)
            axis.set(xlabel="position read (key)", ylabel="position reading (query)")
            axis.set_title(f"head {head}, {title}", fontsize=10)
    figure.colorbar(image, ax=axes, shrink=0.6, label="attention weight")
    figure.suptitle(f"Attention weights on the sample {' '.join(tokens)}: rows 4 to 8 write the reversed digits")
    PICTURE.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(PICTURE, dpi=100)
    plt.close(figure)
    print(f"made {PICTURE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
