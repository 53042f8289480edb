"""Regenerate the pictures in docs/images/ from the code that the docs show.

    python docs/make_images.py                  # all of them
    python docs/make_images.py --only graphs,xor

graphs: the computation graphs of tutorials 1 and 2, drawn by the tutorials' own code blocks
        (tinygrad_edu.viz.draw; needs Graphviz's `dot`).
xor:    the decision boundary of `examples/xor.py --plot` (needs matplotlib).
mnist:  the training curves of `examples/mnist.py --plot`, the CNN on Fashion-MNIST for two
        epochs (needs matplotlib and the data: Debian's dataset-fashion-mnist, or a download);
        several minutes on a laptop CPU.
simpleconvnet: the book's SimpleConvNet of tutorial 5 trained on all of Fashion-MNIST (needs
        matplotlib and the data, read from Debian's dataset-fashion-mnist or the cache directory,
        never downloaded): its first-layer filters before and after training, and its curves.
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


SIMPLECONVNET_EPOCHS = 5


def make_simpleconvnet():
    """Train the book's SimpleConvNet as tutorial 5 does, on the full training set, and draw it."""
    import time

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sys.path.insert(0, str(ROOT))
    import tinygrad_edu as tg
    from tinygrad_edu import datasets, nn, optim
    from tinygrad_edu.data import DataLoader

    train_set, test_set = datasets.FashionMNIST(train=True), datasets.FashionMNIST(train=False)
    tg.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(4320, 100), nn.ReLU(), nn.Linear(100, 10),
    )  # fmt: skip
    with tg.no_grad():
        for layer in (model[0], model[4], model[6]):
            nn.init.normal_(layer.weight, std=0.01)  # the book's weight_init_std
            nn.init.zeros_(layer.bias)
    draw_filters(plt, model[0].weight, "before training", IMAGES / "simpleconvnet-filters-before.png")
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    loss_function = nn.CrossEntropyLoss()
    train_loader = DataLoader(train_set, batch_size=100, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=1000)
    losses, accuracies = [], []
    for epoch in range(1, SIMPLECONVNET_EPOCHS + 1):
        start = time.perf_counter()
        model.train()
        epoch_losses = []
        for images, labels in train_loader:
            loss = loss_function(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            epoch_losses.append(loss.item())
        seconds = time.perf_counter() - start
        model.eval()
        with tg.no_grad():
            correct = sum((model(images).argmax(dim=1) == labels).sum().item() for images, labels in test_loader)
        losses.append(sum(epoch_losses) / len(epoch_losses))
        accuracies.append(100 * correct / len(test_set))
        print(f"epoch {epoch}: mean loss {losses[-1]:.3f}, test accuracy {accuracies[-1]:.2f}%, {seconds:.0f} s")
    draw_filters(
        plt, model[0].weight, f"after {SIMPLECONVNET_EPOCHS} epochs", IMAGES / "simpleconvnet-filters-after.png"
    )
    figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(10, 3.5))
    epochs = range(1, SIMPLECONVNET_EPOCHS + 1)
    loss_axis.plot(epochs, losses, marker="o")
    loss_axis.set(xlabel="epoch", ylabel="mean training loss", xticks=list(epochs))
    accuracy_axis.plot(epochs, accuracies, marker="o")
    accuracy_axis.set(xlabel="epoch", ylabel="test accuracy (%)", xticks=list(epochs))
    figure.suptitle("SimpleConvNet on Fashion-MNIST (60,000 training images, Adam lr 0.001, batch 100)")
    figure.tight_layout()
    figure.savefig(IMAGES / "simpleconvnet-training-curves.png", dpi=100)
    plt.close(figure)


def draw_filters(plt, weight, title, path):
    """The 30 first-layer 5x5 filters in a 3 x 10 grid, each in grey from its smallest (black) to largest (white)."""
    figure, axes = plt.subplots(3, 10, figsize=(8, 2.8))
    for kernel, axis in zip(weight.detach().numpy()[:, 0], axes.flat):
        axis.imshow(kernel, cmap="gray", interpolation="nearest")
        axis.set_axis_off()
    figure.suptitle(f"SimpleConvNet's first-layer filters, {title}")
    figure.savefig(path, dpi=100)
    plt.close(figure)


def run_example(script, *arguments):
    command = [sys.executable, str(ROOT / "examples" / script), *map(str, arguments)]
    print("$", " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=ROOT)


PICTURES = {"graphs": make_graphs, "xor": make_xor, "mnist": make_mnist, "simpleconvnet": make_simpleconvnet}


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
