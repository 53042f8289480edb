"""Train a small CNN, the book's SimpleConvNet or an MLP to read handwritten digits: MNIST or Fashion-MNIST.

    python examples/mnist.py                                  # CNN on MNIST, 3 epochs: expected about 99%
    python examples/mnist.py --model simpleconvnet            # the book's network, 5 epochs: expected about 98.9%
    python examples/mnist.py --model mlp                      # Flatten, Linear-ReLU x2, Linear, 10 epochs: expected 98%
    python examples/mnist.py --dataset fashion-mnist          # clothes instead of digits: 91.30% measured
    python examples/mnist.py --data-dir ~/data/mnist --save cnn.safetensors --plot curves.png
    python examples/mnist.py --limit 5000 --epochs 1 --profile   # where the training time goes (cProfile)

The MNIST figures are expectations (the book reports 98.96% for SimpleConvNet after 20 epochs); the
Fashion-MNIST ones were measured: CNN 91.30% (3 epochs), SimpleConvNet 90.50% (5), MLP 90.01% (10).

Without --data-dir the four IDX files are downloaded once into the cache directory
(~/.cache/tinygrad_edu, or $TINYGRAD_EDU_DATA). The loop is the one you would write in PyTorch:
forward, cross-entropy loss, backward, optimizer step.
"""

import argparse
import cProfile
import math
import os
import pstats
import sys
import time
from pathlib import Path

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.data import DataLoader, Subset
from tinygrad_edu.datasets import MNIST, DownloadError, FashionMNIST, IDXError

DATASETS = {"mnist": MNIST, "fashion-mnist": FashionMNIST}
# Each training set's pixel mean and standard deviation: inputs are standardised to mean 0, std 1.
PIXEL_MEAN_STD = {"mnist": (0.1307, 0.3081), "fashion-mnist": (0.2860, 0.3530)}
# Peak learning rates measured on Fashion-MNIST: the CNN learns faster with a larger Adam step than the MLP.
# SimpleConvNet's Adam step is the book's 1e-3.
DEFAULT_LR = {
    ("cnn", "adam"): 2e-3, ("mlp", "adam"): 1e-3, ("simpleconvnet", "adam"): 1e-3,
    ("cnn", "sgd"): 0.05, ("mlp", "sgd"): 0.05, ("simpleconvnet", "sgd"): 0.05,
}  # fmt: skip
# An MLP epoch is cheap, and it needs more of them to pass 98% on MNIST. The book trains SimpleConvNet for
# 20 epochs of 600 steps at a constant rate; 5 epochs of 938 steps with the cosine decay below should get
# about as far (an expectation: MNIST itself was not at hand to measure).
DEFAULT_EPOCHS = {"cnn": 3, "mlp": 10, "simpleconvnet": 5}
EVAL_BATCH_SIZE = 1000
PROFILE_LINES = 20  # functions --profile lists


def simple_conv_net():
    """The book's SimpleConvNet: Conv(30 filters 5x5) - ReLU - MaxPool(2) - Affine(100) - ReLU - Affine(10).

    As in the book, every weight is drawn from N(0, 0.01**2) and every bias starts at zero (PyTorch's
    layers would draw both from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) instead).
    """
    model = nn.Sequential(
        nn.Conv2d(1, 30, kernel_size=5),  # 1 x 28 x 28 -> 30 x 24 x 24
        nn.ReLU(),
        nn.MaxPool2d(2),  # -> 30 x 12 x 12
        nn.Flatten(),  # -> 4320
        nn.Linear(30 * 12 * 12, 100),
        nn.ReLU(),
        nn.Linear(100, 10),
    )
    for layer in model:
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.normal_(layer.weight, std=0.01)
            nn.init.zeros_(layer.bias)
    return model


def make_model(name):
    """The CNN: two Conv-ReLU-MaxPool blocks then a Linear classifier; the book's SimpleConvNet; or a plain MLP."""
    if name == "simpleconvnet":
        return simple_conv_net()
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3, padding=1),  # 1 x 28 x 28 -> 32 x 28 x 28
            nn.ReLU(),
            nn.MaxPool2d(2),  # -> 32 x 14 x 14
            nn.Conv2d(32, 64, kernel_size=3, padding=1),  # -> 64 x 14 x 14
            nn.ReLU(),
            nn.MaxPool2d(2),  # -> 64 x 7 x 7
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, 10),
        )
    return nn.Sequential(
        nn.Flatten(),  # 1 x 28 x 28 -> 784
        nn.Linear(28 * 28, 512),
        nn.ReLU(),
        nn.Linear(512, 256),
        nn.ReLU(),
        nn.Linear(256, 10),
    )


def make_optimizer(name, parameters, lr):
    if name == "adam":
        return tg.optim.Adam(parameters, lr=lr)
    return tg.optim.SGD(parameters, lr=lr, momentum=0.9, nesterov=True)


def load_datasets(args):
    """The training set (the first --limit samples of it) and the test set."""
    dataset_class = DATASETS[args.dataset]
    if args.data_dir is not None:
        data_dir = Path(args.data_dir).expanduser()
        if not data_dir.is_dir():
            raise FileNotFoundError(f"--data-dir {data_dir} is not a directory")
        train_set, test_set = dataset_class(data_dir, train=True), dataset_class(data_dir, train=False)
    else:
        train_set = dataset_class(train=True, download=True)
        test_set = dataset_class(train=False, download=True)
    if args.limit is not None and args.limit < len(train_set):
        train_set = Subset(train_set, range(args.limit))
    return train_set, test_set


def progress(loader, description):
    """A tqdm bar over the batches when tqdm is installed, else the plain loader."""
    try:
        from tqdm import tqdm
    except ImportError:
        return loader
    return tqdm(loader, desc=description, unit="batch", leave=False, file=sys.stderr, dynamic_ncols=True)


class TrainingDiverged(RuntimeError):
    """The loss stopped being a finite number: every later step would only spread NaN through the weights."""


def train_one_epoch(model, loader, optimizer, scheduler, normalize, epoch, description):
    """One pass over the training set; returns the loss of each batch. Stops at the first loss that is NaN or inf."""
    model.train()
    losses = []
    batches = progress(loader, description)
    for step, (images, labels) in enumerate(batches, start=1):
        loss = nn.functional.cross_entropy(model(normalize(images)), labels)
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            raise TrainingDiverged(f"loss became {losses[-1]} at epoch {epoch}, step {step}: lower --lr")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        if hasattr(batches, "set_postfix") and len(losses) % 10 == 0:
            batches.set_postfix(loss=f"{sum(losses[-50:]) / len(losses[-50:]):.4f}")
    return losses


def evaluate(model, loader, normalize):
    """The fraction of correctly classified samples."""
    model.eval()
    correct = 0
    with tg.no_grad():
        for images, labels in loader:
            correct += (model(normalize(images)).argmax(dim=1) == labels).sum().item()
    return correct / len(loader.dataset)


def plot_curves(batch_losses, batches_per_epoch, accuracies, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(11, 4))
    epochs = [step / batches_per_epoch for step in range(1, len(batch_losses) + 1)]
    loss_axis.plot(epochs, batch_losses, lw=0.5, alpha=0.4, label="per batch")
    window = min(50, len(batch_losses))
    smoothed = [sum(batch_losses[end - window : end]) / window for end in range(window, len(batch_losses) + 1)]
    loss_axis.plot(epochs[window - 1 :], smoothed, color="C0", label=f"mean of the last {window} batches")
    loss_axis.set(xlabel="epoch", ylabel="training loss", yscale="log", title="training loss")
    loss_axis.legend()
    accuracy_axis.plot(range(1, len(accuracies) + 1), [100 * accuracy for accuracy in accuracies], marker="o")
    accuracy_axis.set(xlabel="epoch", ylabel="test accuracy (%)", title="test accuracy")
    accuracy_axis.set_xticks(range(1, len(accuracies) + 1))
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def run(args):
    tg.manual_seed(args.seed)
    train_set, test_set = load_datasets(args)
    mean, std = PIXEL_MEAN_STD[args.dataset]

    def normalize(images):  # as torchvision's transforms.Normalize((mean,), (std,))
        return (images - mean) / std

    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, device=args.device)
    test_loader = DataLoader(test_set, batch_size=EVAL_BATCH_SIZE, device=args.device)
    model = make_model(args.model).to(args.device)
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.model, args.optimizer]
    optimizer = make_optimizer(args.optimizer, model.parameters(), lr)
    # The learning rate follows a cosine from lr down to 0 over the whole run: big steps early, fine ones at the end.
    scheduler = tg.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs * len(train_loader))
    print(
        f"{args.model} on {args.dataset}: {len(train_set)} training and {len(test_set)} test images, "
        f"{sum(parameter.numel() for parameter in model.parameters())} parameters, {args.optimizer} lr {lr:g}, "
        f"batch size {args.batch_size}, device {args.device}"
    )

    profiler = cProfile.Profile() if args.profile else None
    batch_losses, accuracies = [], []
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        description = f"epoch {epoch}/{args.epochs}"
        if profiler:
            profiler.enable()
        losses = train_one_epoch(model, train_loader, optimizer, scheduler, normalize, epoch, description)
        if profiler:
            profiler.disable()
        train_seconds = time.perf_counter() - start
        accuracies.append(evaluate(model, test_loader, normalize))
        batch_losses += losses
        print(
            f"epoch {epoch}/{args.epochs}: train loss {sum(losses) / len(losses):.4f}, "
            f"test accuracy {accuracies[-1]:.2%} ({train_seconds:.1f} s training)"
        )
    if profiler:
        print(f"\nthe training's {PROFILE_LINES} most expensive functions by own time (cProfile; evaluation left out):")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(PROFILE_LINES)
    if args.save:
        tg.save(model.state_dict(), args.save)
        print(f"model saved to {args.save}")
    if args.plot:
        plot_curves(batch_losses, len(train_loader), accuracies, args.plot)
        print(f"curves saved to {args.plot}")
    print(f"test accuracy: {accuracies[-1]:.2%}")


def positive(kind):
    def parse(text):
        value = kind(text)
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite positive number, got {text}")
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def seed(text):
    value = int(text)
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must lie in 0 .. 2**63 - 1, got {text}")
    return value


def check_output_path(parser, flag, path):
    """Fail before training, not after it, when `path` can't be written."""
    path = Path(path).expanduser()
    if path.is_dir():
        parser.error(f"{flag} {path}: is a directory; give a file name")
    if not path.parent.is_dir():
        parser.error(f"{flag} {path}: the directory {path.parent} does not exist")
    if not os.access(path if path.exists() else path.parent, os.W_OK):
        parser.error(f"{flag} {path}: {'the file' if path.exists() else 'its directory'} is not writable")


def check_plot_format(parser, path):
    """matplotlib picks the image format from the extension: check it knows this one before training."""
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        parser.error("--plot needs matplotlib: install it with `pip install matplotlib`")
    extension = Path(path).suffix.lstrip(".").lower()
    formats = FigureCanvasBase.get_supported_filetypes()
    if extension and extension not in formats:
        parser.error(f"--plot {path}: matplotlib can't write .{extension} files; use one of .{', .'.join(formats)}")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model", choices=["mlp", "cnn", "simpleconvnet"], default="cnn", help="network to train (default: cnn)"
    )
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="mnist", help="(default: mnist)")
    parser.add_argument("--data-dir", metavar="DIR", help="directory holding the four IDX files, .gz or not "
                        "(default: the cache directory, downloading the files when needed)")  # fmt: skip
    parser.add_argument(
        "--epochs",
        type=positive(int),
        help="passes over the training set (default: 3 for cnn, 5 for simpleconvnet, 10 for mlp)",
    )
    parser.add_argument("--batch-size", type=positive(int), default=64, help="(default: 64)")
    parser.add_argument(
        "--lr",
        type=positive(float),
        help="peak learning rate (default: adam 2e-3 for cnn, 1e-3 for simpleconvnet and mlp; sgd 0.05)",
    )
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="adam", help="(default: adam)")
    parser.add_argument("--seed", type=seed, default=0, help="seed for the initial weights and shuffling (default: 0)")
    parser.add_argument("--limit", type=positive(int), metavar="N", help="train on the first N training samples only")
    parser.add_argument("--save", metavar="PATH", help="save the trained weights (tinygrad_edu.save, safetensors)")
    parser.add_argument("--plot", metavar="PATH", help="save loss and accuracy curves as a PNG (needs matplotlib)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (needs CuPy) (default: cpu)")
    parser.add_argument("--profile", action="store_true", help="print where the training time went (cProfile)")
    args = parser.parse_args(argv)
    args.epochs = args.epochs or DEFAULT_EPOCHS[args.model]
    for flag, path in [("--save", args.save), ("--plot", args.plot)]:
        if path:
            check_output_path(parser, flag, path)
    if args.plot:
        check_plot_format(parser, args.plot)
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        tg.zeros(1, device=args.device)  # fail now, not after loading the data, if the device is unusable
    except (RuntimeError, ValueError) as error:
        sys.exit(f"error: --device {args.device}: {error}")
    try:
        run(args)
    except FileNotFoundError as error:
        sys.exit(f"error: {error} (Without --data-dir, this script downloads the files itself.)")
    except (OSError, IDXError, DownloadError, TrainingDiverged) as error:
        sys.exit(f"error: {error}")
    except KeyboardInterrupt:
        sys.exit("interrupted")


if __name__ == "__main__":
    main()
