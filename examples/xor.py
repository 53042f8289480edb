"""From the perceptron to the multi-layer perceptron: why XOR needs a hidden layer.

XOR outputs 1 when exactly one of its two inputs is 1. Plot the four inputs on a plane: the two
1s sit on one diagonal, the two 0s on the other, and no straight line separates them. A single
Linear layer (a perceptron) can only draw one straight line, so it cannot learn XOR (Minsky and
Papert, 1969). Add a hidden layer with a ReLU and the network bends the plane first: then it can.

    python examples/xor.py                 # train both, print the truth table
    python examples/xor.py --plot xor.png  # also draw both decision boundaries (needs matplotlib)
"""

import argparse
import sys

import tinygrad_edu as tg
from tinygrad_edu import nn

INPUTS = tg.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TARGETS = tg.tensor([[0.0], [1.0], [1.0], [0.0]])


def train(model, steps, lr):
    """Full-batch training on the four XOR rows with Adam and the logistic loss; returns the last loss."""
    optimizer = tg.optim.Adam(model.parameters(), lr=lr)
    loss_function = nn.BCEWithLogitsLoss()
    for _ in range(steps):
        loss = loss_function(model(INPUTS), TARGETS)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def predict(model, inputs):
    """The probability that XOR is 1, from the model's logit."""
    with tg.no_grad():
        return model(inputs).sigmoid()


def accuracy(model):
    predictions = predict(model, INPUTS) > 0.5
    return (predictions == (TARGETS > 0.5)).float().mean().item()


def print_truth_table(model):
    print("    x1  x2 | XOR | prediction (probability)")
    for row, probability in zip(INPUTS.tolist(), predict(model, INPUTS).tolist()):
        x1, x2 = (int(value) for value in row)
        print(f"    {x1:2d}  {x2:2d} | {x1 ^ x2:3d} | {int(probability[0] > 0.5):3d} ({probability[0]:.3f})")


def plot_decision_boundaries(models, path):
    """Color the plane by each model's prediction and mark the four XOR points."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = tg.linspace(-0.5, 1.5, 201)
    xs, ys = grid.reshape(1, -1).expand(201, 201), grid.reshape(-1, 1).expand(201, 201)
    points = tg.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)
    figure, axes = plt.subplots(1, len(models), figsize=(5 * len(models), 4.5), layout="constrained")
    for axis, (title, model) in zip(axes, models.items()):
        probabilities = predict(model, points).reshape(201, 201).numpy()
        image = axis.contourf(xs.numpy(), ys.numpy(), probabilities, levels=20, cmap="RdBu_r", vmin=0, vmax=1)
        axis.contour(xs.numpy(), ys.numpy(), probabilities, levels=[0.5], colors="black")
        inputs, targets = INPUTS.numpy(), TARGETS.numpy()[:, 0]
        axis.scatter(inputs[:, 0], inputs[:, 1], c=targets, cmap="RdBu_r", vmin=0, vmax=1, s=200, edgecolors="black")
        axis.set_title(f"{title}: accuracy {accuracy(model):.0%}")
        axis.set_xlabel("x1")
        axis.set_ylabel("x2")
    figure.colorbar(image, ax=axes, label="P(XOR = 1)")
    figure.savefig(path, dpi=100)
    print(f"decision boundaries saved to {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plot", metavar="PATH", help="save both decision boundaries as a PNG (needs matplotlib)")
    parser.add_argument("--steps", type=int, default=500, help="training steps for each model (default: 500)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for the initial weights (default: 0)")
    args = parser.parse_args(argv)
    if args.plot:
        try:
            import matplotlib  # noqa: F401  (checked before training, so a missing package fails fast)
        except ImportError:
            sys.exit("error: --plot needs matplotlib; install it with `pip install matplotlib`")
    tg.manual_seed(args.seed)

    print("XOR is 1 when exactly one input is 1. Its 1s and 0s lie on the two diagonals of the unit square.\n")
    print("1. A perceptron: one Linear layer (2 -> 1). Its decision boundary is a single straight line.")
    perceptron = nn.Linear(2, 1)
    loss = train(perceptron, args.steps, lr=0.05)
    print(f"   after {args.steps} steps: loss {loss:.4f}, accuracy {accuracy(perceptron):.2%}")
    print("   Stuck: no straight line puts (0,1) and (1,0) on one side and (0,0) and (1,1) on the other.")
    print("   (The best line gets 3 of 4 right; the lowest logistic loss, ln 2 = 0.6931, is 0.5 everywhere.)\n")

    print("2. A multi-layer perceptron: Linear (2 -> 16), ReLU, Linear (16 -> 1).")
    print("   The hidden layer maps the inputs to a space where one line does separate them.")
    # 16 hidden units, though 2 suffice: with a few, an unlucky start can leave too few ReLUs alive to learn.
    mlp = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    loss = train(mlp, args.steps, lr=0.05)
    print(f"   after {args.steps} steps: loss {loss:.4f}")
    print_truth_table(mlp)
    if args.plot:
        plot_decision_boundaries({"perceptron": perceptron, "MLP": mlp}, args.plot)
    print(f"accuracy: {accuracy(mlp):.2%}")


if __name__ == "__main__":
    main()
