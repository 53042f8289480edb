"""Regenerate the pictures of the training-dynamics tutorial from the tutorial's own code.

    python docs/make_images_dynamics.py

Runs the ```python blocks of docs/tutorials/training-dynamics.md in order in a scratch directory
(as the docs tests do, so the pictures show exactly the runs whose numbers the page prints) and
copies the figures its plotting blocks save into docs/images/. Needs matplotlib and Fashion-MNIST
(Debian's dataset-fashion-mnist, or a download); about half a minute on a 2-core machine.
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
PAGE = ROOT / "docs" / "tutorials" / "training-dynamics.md"
IMAGES = ROOT / "docs" / "images"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)  # column 0: not the exercises
PICTURES = [
    "dynamics-activations.png",
    "dynamics-gradient-norms.png",
    "dynamics-learning-rates.png",
    "dynamics-overfitting.png",
]


def main():
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.path.insert(0, str(ROOT))
    namespace = {"__name__": "__docs__"}
    with tempfile.TemporaryDirectory() as scratch:
        previous = os.getcwd()
        os.chdir(scratch)
        try:
            for code in PYTHON_BLOCK.findall(PAGE.read_text(encoding="utf-8")):
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(code, namespace)
            IMAGES.mkdir(parents=True, exist_ok=True)
            for picture in PICTURES:
                shutil.copyfile(picture, IMAGES / picture)
                print(f"made docs/images/{picture}")
        finally:
            os.chdir(previous)


if __name__ == "__main__":
    main()
