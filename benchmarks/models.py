"""The benchmarked models and training step, written once for both frameworks (`nn` is tinygrad_edu.nn or torch.nn).

No framework is imported here, so PyTorch's process (torch_side.py) can build them without tinygrad_edu.
"""


def mlp(nn):
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def cnn(nn):
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1568, 10),
    )


def mnist_cnn(nn):
    """examples/mnist.py's CNN, as its make_model("cnn") builds it (tests/benchmarks checks they match)."""
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 7 * 7, 10),
    )


def xor_mlp(nn):
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1), nn.Sigmoid())


MODELS = {"mlp": mlp, "cnn": cnn, "mnist_cnn": mnist_cnn, "xor_mlp": xor_mlp}


def training_step(model, optimizer, loss_function, x, target):
    optimizer.zero_grad()
    loss = loss_function(model(x), target)
    loss.backward()
    optimizer.step()
    return loss
