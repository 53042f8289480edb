"""Smooth and leaky activations: LeakyReLU, GELU, SiLU, Softplus. Each docstring gives forward and gradient.

Python scalars (slopes, beta) are cast to the input's dtype, so float32 stays float32.
"""

import math

from ..array_function import ArrayFunction
from ..backend import get_array_module
from .elementwise import Sigmoid


def _sigmoid(x):
    """1 / (1 + e**-x) without overflow: e**-|x| never exceeds 1."""
    xp = get_array_module(x)
    small = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + small), small / (1 + small))


# Numerical Recipes' erfc (Chebyshev fit): erfc(z) = t * e**(-z**2 + poly(t)), t = 1 / (1 + z/2), z >= 0,
# with a relative error below 1.2e-7 everywhere, so even the far tails keep float32 precision.
_ERFC_COEFFICIENTS = (
    0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807,
    -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223,
)  # fmt: skip


def erfc(x):
    """1 - erf(x), the complementary error function (numpy has none built in), for any sign of x."""
    xp = get_array_module(x)
    magnitude = xp.abs(x)
    t = 1 / (1 + magnitude / 2)
    poly = xp.zeros_like(t)
    for coefficient in _ERFC_COEFFICIENTS[:-1]:  # Horner's rule, highest power first
        poly = (poly + x.dtype.type(coefficient)) * t
    positive_side = t * xp.exp(-magnitude * magnitude + poly + x.dtype.type(_ERFC_COEFFICIENTS[-1]))
    return xp.where(x >= 0, positive_side, 2 - positive_side)  # erfc(-z) = 2 - erfc(z)


def normal_cdf(x):
    """Phi(x) = P(N(0, 1) <= x) = erfc(-x / sqrt 2) / 2, accurate in both tails."""
    return erfc(-x * x.dtype.type(1 / math.sqrt(2))) / 2


class NormalCDF(ArrayFunction):
    """out = Phi(x), the standard normal CDF;  dx = g * phi(x) = g * e**(-x**2 / 2) / sqrt(2 pi).

    GELU's exact slope Phi(x) + x phi(x) in a recorded backward: phi is elementary, so this op closes
    the chain of derivatives at every order.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return normal_cdf(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * _normal_density(x)


def _normal_density(x):
    return get_array_module(x).exp(-x * x / 2) * (1 / math.sqrt(2 * math.pi))


class LeakyReLU(ArrayFunction):
    """out = x if x > 0 else slope * x;  dx = g where x > 0, else slope * g."""

    @staticmethod
    def forward(ctx, x, negative_slope):
        xp = get_array_module(x)
        slope = xp.where(x > 0, x.dtype.type(1), x.dtype.type(negative_slope))
        ctx.save_for_backward(slope)
        return x * slope

    @staticmethod
    def backward(ctx, grad_output):
        (slope,) = ctx.saved_tensors
        return grad_output * slope, None


class GELU(ArrayFunction):
    """out = x * Phi(x), Phi the standard normal CDF = (1 + erf(x / sqrt 2)) / 2;  dx = g * (Phi + x * phi).

    approximate="tanh" uses Phi ~ (1 + tanh(sqrt(2/pi) * (x + 0.044715 x**3))) / 2 and its exact derivative.
    """

    @staticmethod
    def forward(ctx, x, approximate):
        xp = get_array_module(x)
        scalar = x.dtype.type
        if approximate == "tanh":
            inner = scalar(math.sqrt(2 / math.pi)) * (x + scalar(0.044715) * x**3)
            tanh = xp.tanh(inner)
            cdf = (1 + tanh) / 2
            # d/dx [x * cdf] = cdf + x * (1 - tanh**2) / 2 * d(inner)/dx
            slope = cdf + x * (1 - tanh * tanh) / 2 * scalar(math.sqrt(2 / math.pi)) * (
                1 + scalar(3 * 0.044715) * x * x
            )
        else:
            cdf = normal_cdf(x)
            slope = cdf + x * _normal_density(x)
        ctx.save_for_backward(x, slope)
        ctx.approximate = approximate
        return x * cdf

    @staticmethod
    def backward(ctx, grad_output):
        x, slope = ctx.saved_tensors
        if ctx.create_graph:  # the slope again, from x with recorded ops
            slope = _gelu_slope_recorded(x, ctx.approximate)
        return grad_output * slope, None


def _gelu_slope_recorded(x, approximate):
    """GELU's slope written with recorded ops on the Tensor x (create_graph), as forward computes it."""
    xp = get_array_module(x)
    if approximate == "tanh":
        c = math.sqrt(2 / math.pi)
        tanh = xp.tanh(c * (x + 0.044715 * x**3))
        return (1 + tanh) / 2 + x * (1 - tanh * tanh) / 2 * c * (1 + 3 * 0.044715 * x * x)
    return NormalCDF.apply(x) + x * _normal_density(x)


class SiLU(ArrayFunction):
    """out = x * sigmoid(x) (also called swish);  dx = g * s * (1 + x * (1 - s)), s = sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        s = _sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad_output):
        x, s = ctx.saved_tensors
        if ctx.create_graph:
            s = Sigmoid.apply(x)
        return grad_output * s * (1 + x * (1 - s))


class Softplus(ArrayFunction):
    """out = log(1 + e**(beta x)) / beta, or x where beta x > threshold;  dx = g * sigmoid(beta x) (g past it).

    Computed as (max(z, 0) + log(1 + e**-|z|)) / beta with z = beta x, which never overflows.
    """

    @staticmethod
    def forward(ctx, x, beta, threshold):
        xp = get_array_module(x)
        z = x * x.dtype.type(beta)
        linear = z > threshold
        smooth = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / x.dtype.type(beta)
        ctx.save_for_backward(xp.where(linear, x.dtype.type(1), _sigmoid(z)), x)
        ctx.linear, ctx.beta = linear, beta
        return xp.where(linear, x, smooth)

    @staticmethod
    def backward(ctx, grad_output):
        slope, x = ctx.saved_tensors
        if ctx.create_graph:
            slope = get_array_module(x).where(ctx.linear, 1, Sigmoid.apply(x * ctx.beta))
        return grad_output * slope, None, None
