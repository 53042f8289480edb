"""`Linear` (a fully connected layer) and `Identity`."""

from .. import creation
from . import functional as F
from . import init
from .module import Module, Parameter


class Linear(Module):
    """y = x @ W.T + b with W of shape (out_features, in_features), PyTorch's layout.

    Initialised as PyTorch: W and b ~ U(-1/sqrt(in_features), 1/sqrt(in_features)) (that is
    kaiming_uniform_ with a=sqrt(5) for W). Parameters: out_features * (in_features + 1).
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(creation.empty(out_features, in_features, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.layer_default_(self.weight, self.bias)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to remove a layer from a model)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input
