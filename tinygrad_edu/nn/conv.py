"""`Conv2d`: a bank of learned filters slid over an image (the op itself is im2col, in ops/conv.py), and
`ConvTranspose2d`, its adjoint, which spreads each pixel over a window (ops/conv_transpose.py)."""

from .. import creation
from ..arguments import pair
from . import functional as F
from . import init
from .module import Module, Parameter


class Conv2d(Module):
    """out[n, o] = b[o] + sum over c of W[o, c] cross-correlated with x[n, c], for (N, C_in, H, W) inputs.

    weight: (out_channels, in_channels // groups, kh, kw), bias: (out_channels,), PyTorch's layout
    and init (U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels/groups * kh * kw).
    Output size per dim: ops/windows.py states it. Parameters: C_out * (C_in*kh*kw + 1).
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        super().__init__()
        if padding_mode != "zeros":
            raise NotImplementedError(f"Conv2d: only padding_mode='zeros' is supported, got {padding_mode!r}")
        F._check_groups(groups, in_channels, out_channels, "Conv2d")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = pair(kernel_size, "Conv2d", "kernel_size", 1)
        self.stride = pair(stride, "Conv2d", "stride", 1)
        self.dilation = pair(dilation, "Conv2d", "dilation", 1)
        F._conv_padding(padding, self.kernel_size, self.stride, self.dilation, "Conv2d")  # checked as it is made
        self.padding = padding if isinstance(padding, str) else pair(padding, "Conv2d", "padding", 0)
        self.groups = groups
        self.padding_mode = padding_mode
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(creation.empty(*shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.layer_default_(self.weight, self.bias)

    def forward(self, input):
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class ConvTranspose2d(Module):
    """Transposed convolution: each input pixel adds a filter-weighted window to the output (upsampling).

    weight: (in_channels, out_channels // groups, kh, kw), bias: (out_channels,), PyTorch's layout and
    init (U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = out_channels/groups * kh * kw). Output size per
    dim: (H - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1; forward(x, output_size)
    picks the output_padding that gives output_size.
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups=1,
        bias=True,
        dilation=1,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        super().__init__()
        name = "ConvTranspose2d"
        if padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported, got {padding_mode!r}")
        F._check_groups(groups, in_channels, out_channels, name)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = pair(kernel_size, name, "kernel_size", 1)
        self.stride = pair(stride, name, "stride", 1)
        self.padding = pair(padding, name, "padding", 0)
        self.output_padding = pair(output_padding, name, "output_padding", 0)
        self.dilation = pair(dilation, name, "dilation", 1)
        self.groups = groups
        self.padding_mode = padding_mode
        shape = (in_channels, out_channels // groups, *self.kernel_size)
        self.weight = Parameter(creation.empty(*shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.layer_default_(self.weight, self.bias)

    def forward(self, input, output_size=None):
        output_padding = self.output_padding if output_size is None else self._output_padding(input, output_size)
        return F.conv_transpose2d(
            input, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups, self.dilation
        )

    def _output_padding(self, input, output_size):
        """The output_padding that makes the output output_size (its last two entries are (H, W))."""
        wanted = tuple(output_size)[-2:]
        padding = []
        for axis in range(2):
            smallest = (input.shape[2 + axis] - 1) * self.stride[axis] - 2 * self.padding[axis]
            smallest += self.dilation[axis] * (self.kernel_size[axis] - 1) + 1
            extra = wanted[axis] - smallest
            if not 0 <= extra < self.stride[axis]:
                raise ValueError(
                    f"ConvTranspose2d: requested an output size of {wanted}, but the valid sizes for this input "
                    f"(shape {tuple(input.shape)}) run from {smallest} to {smallest + self.stride[axis] - 1} "
                    f"in dim {2 + axis}"
                )
            padding.append(extra)
        return tuple(padding)

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text
