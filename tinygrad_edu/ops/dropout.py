"""Dropout: zero random elements during training and scale the rest so the expected value stays x."""

from .. import random
from ..array_function import ArrayFunction
from ..backend import backend_of


class Dropout(ArrayFunction):
    """out = x * mask / (1 - p) with mask[i] = 1 with probability 1 - p;  dx = g * mask / (1 - p).

    The mask comes from the seeded generator of x's device, so `manual_seed` makes it repeatable.
    """

    @staticmethod
    def forward(ctx, x, p):
        backend = backend_of(x)
        if p == 1:
            scaled_mask = backend.xp.zeros(x.shape, dtype=x.dtype)
        else:
            uniform = random.generator(backend.device_of(x)).random(x.shape, dtype=random.sampling_dtype(x.dtype))
            scaled_mask = (uniform >= p).astype(x.dtype) * x.dtype.type(1 / (1 - p))
        ctx.save_for_backward(scaled_mask)
        return x * scaled_mask

    @staticmethod
    def backward(ctx, grad_output):
        (scaled_mask,) = ctx.saved_tensors
        return grad_output * scaled_mask, None
