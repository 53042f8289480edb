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
fashion: tutorial 5's grid of Fashion-MNIST test images with their labels, and the confusion matrix
        on all 10,000 test images of its CNN trained for two epochs on 10,000 training images (needs
        matplotlib and the data, never downloaded; a minute or two on a laptop CPU).
layers: tutorial 3's sliding filter over a padded input (stride 2, and stride 3 with its unread
        last row and column) and its receptive fields, each window found by autograd (matplotlib).
gradcheck: tutorial 6's error of the central difference of SiLU at 0.5 against the step eps, in
        float64 and float32, measured against the derivative autograd gives (matplotlib).
im2col: tutorial 4's 3x3 windows of a 4x4 input, each coloured like the column of the im2col matrix
        that tinygrad_edu's `im2col` makes of it (matplotlib).
attention: tutorial 9's attention weights before and after training, by docs/make_images_attention.py
        from the page's own model (matplotlib; a few seconds).
higher-order: tutorial 6b's tanh and its first four derivatives, and the graph of its second
        derivative, by docs/make_images_higher_order.py from the page's own code (matplotlib; the
        graph needs Graphviz's `dot`; a few seconds).
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


FASHION_TRAINING_IMAGES = 10_000


def make_fashion():
    """Tutorial 5's data (three test images of each class) and, after a short training, its confusion matrix."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    sys.path.insert(0, str(ROOT))
    import tinygrad_edu as tg
    from tinygrad_edu import datasets, nn, optim
    from tinygrad_edu.data import DataLoader, Subset

    train_set, test_set = datasets.FashionMNIST(train=True), datasets.FashionMNIST(train=False)
    test_labels = np.array([test_set[i][1] for i in range(len(test_set))])
    figure, axes = plt.subplots(3, 10, figsize=(10, 3.6))
    for label, column in zip(range(10), axes.T):
        for index, axis in zip(np.flatnonzero(test_labels == label)[:3], column):
            axis.imshow(test_set[index][0].numpy()[0], cmap="gray_r")
            axis.set_axis_off()
        column[0].set_title(f"{label}: {test_set.classes[label]}", fontsize=8)
    figure.suptitle("Fashion-MNIST: the first three test images of each class, with their labels")
    figure.tight_layout()
    figure.savefig(IMAGES / "fashion-mnist-samples.png", dpi=100)
    plt.close(figure)

    tg.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10),
    )  # fmt: skip
    optimizer = optim.Adam(model.parameters(), lr=2e-3)
    train_loader = DataLoader(Subset(train_set, range(FASHION_TRAINING_IMAGES)), batch_size=64, shuffle=True)
    for _ in range(2):
        for images, labels in train_loader:
            loss = nn.functional.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    confusion = np.zeros((10, 10), dtype=int)  # rows: true class, columns: predicted class
    with tg.no_grad():
        for images, labels in DataLoader(test_set, batch_size=1000):
            np.add.at(confusion, (labels.numpy(), model(images).argmax(dim=1).numpy()), 1)
    accuracy = confusion.trace() / confusion.sum()
    print(f"fashion: test accuracy {accuracy:.2%}")
    figure, axis = plt.subplots(figsize=(7.5, 6.5))
    axis.imshow(confusion, cmap="Blues")
    for row in range(10):
        for column in range(10):
            count = confusion[row, column]
            colour = "white" if count > confusion.max() / 2 else "black"
            axis.text(column, row, count, ha="center", va="center", fontsize=8, color=colour)
    axis.set_xticks(range(10), test_set.classes, rotation=45, ha="right")
    axis.set_yticks(range(10), test_set.classes)
    axis.set(xlabel="predicted class", ylabel="true class")
    axis.set_title(
        f"Tutorial 5's CNN after 2 epochs on {FASHION_TRAINING_IMAGES:,} images:\n"
        f"10,000 test images, {accuracy:.2%} on the diagonal",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(IMAGES / "fashion-mnist-confusion.png", dpi=100)
    plt.close(figure)


# tutorial 3's sliding-window pictures: (file, input size, padding, kernel size, stride)
WINDOW_PICTURES = [("conv-stride-padding.png", 7, 1, 3, 2), ("conv-stride-3.png", 7, 0, 3, 3)]


def make_layers():
    """Tutorial 3's pictures, with every window and receptive field found by tinygrad_edu's autograd.

    The gradient of one output value with respect to the input is nonzero exactly on the cells it
    reads, and the gradient of the output's sum counts how many windows read each cell.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sys.path.insert(0, str(ROOT))
    import tinygrad_edu as tg
    from tinygrad_edu import nn
    from tinygrad_edu.nn.functional import conv2d

    for filename, size, padding, kernel_size, stride in WINDOW_PICTURES:
        image = tg.zeros(1, 1, size, size, requires_grad=True)
        padded = tg.pad(image, (padding,) * 4)  # padded here, so that the padding's cells get gradients too
        padded.retain_grad()
        ones = tg.ones(1, 1, kernel_size, kernel_size)
        out = conv2d(padded, ones, stride=stride)
        assert out.shape == conv2d(image, ones, stride=stride, padding=padding).shape
        window_corners = {}  # (output row, output column) -> (top, left) of its window in the padded input
        for row in range(out.shape[2]):
            for column in range(out.shape[3]):
                padded.grad = None
                out[0, 0, row, column].backward(retain_graph=True)
                rows, columns = padded.grad[0, 0].numpy().nonzero()
                window_corners[row, column] = (rows.min(), columns.min())
        padded.grad = None
        out.sum().backward()
        reads = padded.grad[0, 0].numpy()
        draw_windows(plt, reads, window_corners, padding, kernel_size, stride, IMAGES / filename)

    def ones_conv():
        conv = nn.Conv2d(1, 1, 3, bias=False)
        nn.init.ones_(conv.weight)
        return conv

    stacks = {
        "conv 3x3": [ones_conv()],
        "conv 3x3, conv 3x3": [ones_conv(), ones_conv()],
        "conv 3x3, avg pool 2x2, conv 3x3": [ones_conv(), nn.AvgPool2d(2), ones_conv()],
    }
    gradients = {}
    for name, layers in stacks.items():
        image = tg.zeros(1, 1, 12, 12, requires_grad=True)
        out = nn.Sequential(*layers)(image)
        middle = out.shape[-1] // 2
        out[0, 0, middle, middle].backward()
        gradients[name] = image.grad[0, 0].numpy()
    draw_receptive_fields(plt, gradients, IMAGES / "receptive-field.png")


def draw_windows(plt, reads, window_corners, padding, kernel_size, stride, path):
    """The padded input (padding grey, each cell labelled with how many windows read it) beside the output."""
    from matplotlib.patches import Rectangle

    padded_size = len(reads)
    size = padded_size - 2 * padding
    out_size = max(row for row, _ in window_corners) + 1
    # Every window when there are few; else the first row of them and the first of the second row.
    shown = sorted(window_corners) if out_size <= 2 else [(0, column) for column in range(out_size)] + [(1, 0)]
    colours = plt.get_cmap("tab10").colors
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(9, 4.4), layout="constrained", gridspec_kw={"width_ratios": [padded_size, out_size + 1.5]}
    )
    inner = slice(padding, padding + size)
    for row in range(padded_size):
        for column in range(padded_size):
            inside = padding <= row < padding + size and padding <= column < padding + size
            unread = inside and reads[row, column] == 0
            face = "#fde0dd" if unread else ("white" if inside else "#d9d9d9")
            text_colour = "#c0392b" if unread else ("black" if inside else "#777777")
            left.add_patch(Rectangle((column, row), 1, 1, facecolor=face, edgecolor="#999999", linewidth=0.6))
            count = f"{reads[row, column]:.0f}"
            left.text(column + 0.5, row + 0.5, count, ha="center", va="center", fontsize=9, color=text_colour)
    for index, cell in enumerate(shown):
        top, corner = window_corners[cell]
        inset = 0.06 + 0.07 * (index % 4) if stride < kernel_size else 0.08  # overlapping windows: nested
        outline = Rectangle(
            (corner + inset, top + inset), kernel_size - 2 * inset, kernel_size - 2 * inset, fill=False,
            edgecolor=colours[index], linewidth=2.2, linestyle="--" if cell[0] > 0 and out_size > 2 else "-",
        )  # fmt: skip
        left.add_patch(outline)
    left.set(xlim=(0, padded_size), ylim=(padded_size, 0), aspect="equal")
    left.set_axis_off()
    title = f"{size}x{size} input" + (f", padding {padding} (grey)" if padding else "")
    title += f", {kernel_size}x{kernel_size} filter at stride {stride}\nnumbers: how many windows read each cell"
    title += "; red: never read" if (reads[inner, inner] == 0).any() else ""
    left.set_title(title, fontsize=10)
    for row in range(out_size):
        for column in range(out_size):
            colour = colours[shown.index((row, column))] if (row, column) in shown else "white"
            alpha = 0.55 if (row, column) in shown else 1
            right.add_patch(Rectangle((column, row), 1, 1, facecolor=colour, alpha=alpha, edgecolor="#555555"))
    right.set(xlim=(-0.75, out_size + 0.75), ylim=(out_size + 0.75, -0.75), aspect="equal")
    right.set_axis_off()
    formula = f"⌊({size} + 2·{padding} − {kernel_size}) / {stride}⌋ + 1 = {out_size}"
    right.set_title(f"{out_size}x{out_size} output\n{formula}", fontsize=10)
    figure.savefig(path, dpi=100)
    plt.close(figure)


def draw_receptive_fields(plt, gradients, path):
    """Each stack's input gradient for one output value, darker where larger, its receptive field outlined."""
    from matplotlib.patches import Rectangle

    figure, axes = plt.subplots(1, len(gradients), figsize=(10, 3.8), layout="constrained")
    for axis, (name, gradient) in zip(axes, gradients.items()):
        rows, columns = gradient.nonzero()
        height, width = rows.max() - rows.min() + 1, columns.max() - columns.min() + 1
        axis.imshow(gradient, cmap="Blues", vmin=0)
        corner = (columns.min() - 0.5, rows.min() - 0.5)
        axis.add_patch(Rectangle(corner, width, height, fill=False, edgecolor="#c0392b", linewidth=2))
        size = len(gradient)
        axis.set_xticks([x - 0.5 for x in range(size + 1)], minor=True)
        axis.set_yticks([y - 0.5 for y in range(size + 1)], minor=True)
        axis.grid(which="minor", color="#cccccc", linewidth=0.5)
        axis.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        axis.set_title(f"{name}\nsees {height}x{width} pixels", fontsize=10)
    figure.suptitle(f"The receptive field of one output value: its gradient on a {size}x{size} input", fontsize=11)
    figure.savefig(path, dpi=100)
    plt.close(figure)


def make_gradcheck():
    """The central difference's error for each step eps: truncation (eps²) to the right, rounding to the left."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    sys.path.insert(0, str(ROOT))
    import tinygrad_edu as tg
    from tinygrad_edu.nn.functional import silu

    steps = np.logspace(-13, -0.5, 200)
    figure, axis = plt.subplots(figsize=(7, 4))
    for dtype, colour in ((tg.float64, "tab:blue"), (tg.float32, "tab:orange")):
        point = tg.tensor(0.5, dtype=dtype, requires_grad=True)
        silu(point).backward()
        exact = point.grad.item()
        errors = []
        for eps in steps:
            above, below = silu(tg.tensor(0.5 + eps, dtype=dtype)), silu(tg.tensor(0.5 - eps, dtype=dtype))
            central = (above - below).item() / (2 * eps)
            errors.append(max(abs(central - exact), 1e-17))  # an exact hit would vanish from a log axis
        axis.loglog(steps, errors, color=colour, linewidth=1, label=f"{dtype}".removeprefix("tinygrad_edu."))
    axis.axvline(1e-6, color="grey", linestyle="--", linewidth=1)
    axis.text(1.3e-6, 0.03, "gradcheck's eps", color="grey", fontsize=9, transform=axis.get_xaxis_transform())
    axis.set(xlabel="step eps", ylabel="|central difference - autograd|")
    axis.set_title("SiLU'(0.5) by central differences: rounding (left) against truncation (right)", fontsize=10)
    axis.legend()
    figure.tight_layout()
    figure.savefig(IMAGES / "central-difference-error.png", dpi=100)
    plt.close(figure)


def make_im2col():
    """Tutorial 4's im2col picture: each window of a 4x4 input and the column of the im2col matrix it becomes.

    The pixels hold their own index (0 to 15), so the cells a column of `im2col`'s matrix holds are
    the cells its window reads: the shading is found from tinygrad_edu's im2col, not drawn by hand.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.patches import Rectangle

    sys.path.insert(0, str(ROOT))
    from tinygrad_edu.ops.conv import im2col

    size, kernel_size = 4, 3
    out_size = size - kernel_size + 1
    image = np.arange(size * size, dtype=np.float32).reshape(1, 1, size, size)
    cols = im2col(image, (kernel_size, kernel_size), (1, 1), (1, 1), (out_size, out_size))  # (9, 4)
    colours = plt.get_cmap("tab10").colors
    figure, axis = plt.subplots(figsize=(9, 5.2), layout="constrained")
    matrix_left = 2 * (size + 1) + 2.5
    for column in range(cols.shape[1]):
        row, col = divmod(column, out_size)
        left, top = col * (size + 1), row * (size + 1) + 0.5
        read = set(cols[:, column].astype(int).tolist())  # the pixels this window copies into its column
        for pixel in range(size * size):
            y, x = divmod(pixel, size)
            face = colours[column] if pixel in read else "white"
            alpha = 0.45 if pixel in read else 1
            axis.add_patch(Rectangle((left + x, top + y), 1, 1, facecolor=face, alpha=alpha, edgecolor="#777777"))
            axis.text(left + x + 0.5, top + y + 0.5, str(pixel), ha="center", va="center", fontsize=9)
        axis.text(left + size / 2, top + size + 0.1, f"window at ({row}, {col})", ha="center", va="top", fontsize=9)
        for tap, value in enumerate(cols[:, column]):
            cell = (matrix_left + column, tap)
            axis.add_patch(Rectangle(cell, 1, 1, facecolor=colours[column], alpha=0.45, edgecolor="#777777"))
            axis.text(cell[0] + 0.5, tap + 0.5, f"{value:.0f}", ha="center", va="center", fontsize=9)
        axis.text(matrix_left + column + 0.5, -0.2, f"col {column}", ha="center", va="bottom", fontsize=9)
    for tap in range(cols.shape[0]):
        i, j = divmod(tap, kernel_size)
        axis.text(matrix_left - 0.15, tap + 0.5, f"(0,{i},{j})", ha="right", va="center", fontsize=8, color="#555555")
    axis.annotate(
        "", xy=(matrix_left - 1.4, size + 0.5), xytext=(2 * size + 1.2, size + 0.5),
        arrowprops={"arrowstyle": "->", "linewidth": 1.5},
    )  # fmt: skip
    axis.text(matrix_left + 2, cols.shape[0] + 0.3, "im2col matrix (9, 4)\nrows (c, i, j), columns (n, y, x)",
              ha="center", va="top", fontsize=9)  # fmt: skip
    axis.set(xlim=(-0.3, matrix_left + 4.3), ylim=(2 * (size + 1) + 0.8, -1.2), aspect="equal")
    axis.set_axis_off()
    axis.set_title("im2col: each 3x3 window of a 4x4 input becomes one column of the matrix", fontsize=11)
    figure.savefig(IMAGES / "im2col.png", dpi=100)
    plt.close(figure)


def make_attention():
    subprocess.run([sys.executable, str(ROOT / "docs" / "make_images_attention.py")], check=True, cwd=ROOT)


def make_higher_order():
    subprocess.run([sys.executable, str(ROOT / "docs" / "make_images_higher_order.py")], check=True, cwd=ROOT)


def run_example(script, *arguments):
    command = [sys.executable, str(ROOT / "examples" / script), *map(str, arguments)]
    print("$", " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=ROOT)


PICTURES = {
    "graphs": make_graphs,
    "xor": make_xor,
    "mnist": make_mnist,
    "simpleconvnet": make_simpleconvnet,
    "fashion": make_fashion,
    "layers": make_layers,
    "gradcheck": make_gradcheck,
    "im2col": make_im2col,
    "attention": make_attention,
    "higher-order": make_higher_order,
}


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
