"""Activation layers: elementwise nonlinearities and the softmax family, as modules."""

from . import functional as F
from .module import Module


class ReLU(Module):
    """max(x, 0);  gradient 1 where x > 0, else 0."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """1 / (1 + e**-x);  gradient out * (1 - out)."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x);  gradient 1 - out**2."""

    def forward(self, input):
        return F.tanh(input)


class Softmax(Module):
    """e**x / sum(e**x) along dim: each slice becomes a probability distribution."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along dim, computed stably as x - logsumexp(x)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"
