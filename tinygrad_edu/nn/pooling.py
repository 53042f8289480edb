"""`MaxPool2d`, `AvgPool2d` and `AdaptiveAvgPool2d`: downsample by taking the max or the mean of each window;
`MaxUnpool2d` puts max pooling's winners back in place."""

from ..arguments import pair
from . import functional as F
from .module import Module


class MaxPool2d(Module):
    """The maximum of each kernel_size window; stride defaults to kernel_size; padding is -inf.

    MaxPool2d(2) halves height and width: (N, C, 28, 28) -> (N, C, 14, 14).
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return F.max_pool2d(
            input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode, self.return_indices
        )

    def extra_repr(self):
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """The mean of each kernel_size window; stride defaults to kernel_size; zero padding, counted in
    the mean unless count_include_pad=False."""

    def __init__(
        self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
    ):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output_size (out_h, out_w) whatever the input's size, e.g. before a classifier."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class MaxUnpool2d(Module):
    """MaxPool2d's partial inverse: forward(x, indices, output_size=None) puts each value back where
    MaxPool2d(return_indices=True) found it, zeros elsewhere (e.g. in segmentation decoders)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = pair(kernel_size, "MaxUnpool2d", "kernel_size", 1)
        self.stride = pair(kernel_size if stride is None else stride, "MaxUnpool2d", "stride", 1)
        self.padding = pair(padding, "MaxUnpool2d", "padding", 0)

    def forward(self, input, indices, output_size=None):
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
