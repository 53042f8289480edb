"""`Dropout`: randomly zero activations while training, a regulariser; identity in eval mode."""

from . import functional as F
from .module import Module


class Dropout(Module):
    """In training, each element is zeroed with probability p and the rest scaled by 1 / (1 - p)."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        F._check_probability(p, "Dropout")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
