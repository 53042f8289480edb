"""Elementwise ops. Each docstring gives forward and gradient; `g` is the upstream gradient.

Binary ops broadcast like numpy; their backward sums the gradient back with `unbroadcast`.
"""

from ..array_function import ArrayFunction
from ..backend import get_array_module
from ..errors import IntegerDivisionByZero
from .broadcasting import unbroadcast


class Add(ArrayFunction):
    """out = a + b;  da = g,  db = g."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        return a + b

    @staticmethod
    def backward(ctx, grad_output):
        a_shape, b_shape = ctx.shapes
        return unbroadcast(grad_output, a_shape), unbroadcast(grad_output, b_shape)


class Sub(ArrayFunction):
    """out = a - b;  da = g,  db = -g."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        return a - b

    @staticmethod
    def backward(ctx, grad_output):
        a_shape, b_shape = ctx.shapes
        grad_b = unbroadcast(-grad_output, b_shape) if ctx.needs_input_grad[1] else None
        return unbroadcast(grad_output, a_shape), grad_b


class Mul(ArrayFunction):
    """out = a * b;  da = g * b,  db = g * a."""

    @staticmethod
    def forward(ctx, a, b):
        # Each input is saved only for the other's gradient, as PyTorch: `c = c * 2` may then change c in place.
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        ctx.shapes = a.shape, b.shape
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        a_shape, b_shape = ctx.shapes
        grad_a = unbroadcast(grad_output * b, a_shape) if ctx.needs_input_grad[0] else None
        grad_b = unbroadcast(grad_output * a, b_shape) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Div(ArrayFunction):
    """out = a / b;  da = g / b,  db = -g * a / b**2."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        ctx.a_shape = a.shape
        return a / b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = unbroadcast(grad_output / b, ctx.a_shape) if ctx.needs_input_grad[0] else None
        grad_b = unbroadcast(-grad_output * a / (b * b), b.shape) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Remainder(ArrayFunction):
    """out = a mod b with the sign of b (Python's %, torch.remainder);  da = g,  db = -g * floor(a / b)."""

    @staticmethod
    def forward(ctx, a, b):
        _check_integer_divisor(b, "remainder")
        ctx.save_for_backward(a, b)
        return get_array_module(a).remainder(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = unbroadcast(grad_output, a.shape) if ctx.needs_input_grad[0] else None
        grad_b = None
        if ctx.needs_input_grad[1]:
            grad_b = unbroadcast(-grad_output * get_array_module(a).floor_divide(a, b), b.shape)
        return grad_a, grad_b


class FloorDivide(ArrayFunction):
    """out = floor(a / b). Piecewise constant, so PyTorch gives it no gradient: tensor.py calls it under no_grad."""

    @staticmethod
    def forward(ctx, a, b):
        _check_integer_divisor(b, "floor_divide")
        return get_array_module(a).floor_divide(a, b)


def _check_integer_divisor(b, op):
    """Integers have no inf or nan to give for x // 0 and x % 0 (numpy gives 0 and warns): raise, as PyTorch."""
    if b.dtype.kind in "iub" and not b.all():
        raise IntegerDivisionByZero(
            f"ZeroDivisionError: {op} of integer tensors by zero; use floats (x.float()) to get inf or nan instead"
        )


class Pow(ArrayFunction):
    """out = a ** b;  da = g * b * a**(b-1),  db = g * out * log(a)."""

    @staticmethod
    def forward(ctx, a, b):
        out = a**b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, b, out = ctx.saved_tensors
        xp = get_array_module(a)
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            # Where b == 0 the gradient wrt a is 0 (PyTorch's rule), even at a == 0 where a**(b-1) is inf.
            grad_a = unbroadcast(xp.where(b == 0, 0, grad_output * b * a ** xp.where(b == 0, 1, b - 1)), a.shape)
        if ctx.needs_input_grad[1]:
            # PyTorch's convention: where a == 0 and b >= 0 the gradient wrt b is 0, not nan.
            log_a = xp.log(xp.where((a == 0) & (b >= 0), 1, a))
            grad_b = unbroadcast(grad_output * out * log_a, b.shape)
        return grad_a, grad_b


class Neg(ArrayFunction):
    """out = -x;  dx = -g."""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad_output):
        return -grad_output


class Abs(ArrayFunction):
    """out = |x|;  dx = g * sign(x)  (0 at x = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).abs(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * get_array_module(x).sign(x)


class Exp(ArrayFunction):
    """out = e**x;  dx = g * out."""

    @staticmethod
    def forward(ctx, x):
        out = get_array_module(x).exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * out


class Log(ArrayFunction):
    """out = ln(x);  dx = g / x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).log(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output / x


class Log1p(ArrayFunction):
    """out = ln(1 + x), accurate for small x;  dx = g / (1 + x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).log1p(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output / (1 + x)


class Sqrt(ArrayFunction):
    """out = sqrt(x);  dx = g / (2 * out)."""

    @staticmethod
    def forward(ctx, x):
        out = get_array_module(x).sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output / (2 * out)


class Sin(ArrayFunction):
    """out = sin(x);  dx = g * cos(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).sin(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * get_array_module(x).cos(x)


class Cos(ArrayFunction):
    """out = cos(x);  dx = -g * sin(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).cos(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return -grad_output * get_array_module(x).sin(x)


class Tanh(ArrayFunction):
    """out = tanh(x);  dx = g * (1 - out**2)."""

    @staticmethod
    def forward(ctx, x):
        out = get_array_module(x).tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * (1 - out * out)


class Sigmoid(ArrayFunction):
    """out = 1 / (1 + e**-x);  dx = g * out * (1 - out)."""

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        # Stable for large |x|: e**-|x| never overflows. Plain version: 1 / (1 + xp.exp(-x)).
        exp_neg_abs = xp.exp(-xp.abs(x))
        out = xp.where(x >= 0, 1, exp_neg_abs) / (1 + exp_neg_abs)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * out * (1 - out)


class ReLU(ArrayFunction):
    """out = max(x, 0);  dx = g where x > 0, else 0  (relu'(0) = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        out = get_array_module(x).maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * (out > 0)


class Clamp(ArrayFunction):
    """out = min(max(x, low), high);  dx = g where low <= x <= high (bounds included, as PyTorch).

    `low` and `high` are numbers, arrays or None. Array bounds get their own gradient:
    d low = g where x < low,  d high = g where x > high.
    """

    @staticmethod
    def forward(ctx, x, low, high):
        xp = get_array_module(x)
        ctx.save_for_backward(x, low, high)
        out = x if low is None else xp.maximum(x, low)
        return out if high is None else xp.minimum(out, high)

    @staticmethod
    def backward(ctx, grad_output):
        x, low, high = ctx.saved_tensors
        xp = get_array_module(grad_output)
        inside = True
        if low is not None:
            inside = x >= low
        if high is not None:
            inside = inside & (x <= high)
        grad_x = unbroadcast(xp.where(inside, grad_output, 0), x.shape)
        grad_low = unbroadcast(xp.where(x < low, grad_output, 0), low.shape) if ctx.needs_input_grad[1] else None
        grad_high = unbroadcast(xp.where(x > high, grad_output, 0), high.shape) if ctx.needs_input_grad[2] else None
        return grad_x, grad_low, grad_high


class Maximum(ArrayFunction):
    """out = max(a, b) elementwise;  the larger input gets g; on a tie each gets g / 2 (as PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return get_array_module(a).maximum(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return _split_between(ctx, grad_output, a, b, a > b)


class Minimum(ArrayFunction):
    """out = min(a, b) elementwise;  the smaller input gets g; on a tie each gets g / 2 (as PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return get_array_module(a).minimum(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return _split_between(ctx, grad_output, a, b, a < b)


def _split_between(ctx, grad_output, a, b, a_wins):
    """g to a where a_wins, to b where b wins, half to each on a tie; each summed back to its shape."""
    xp = get_array_module(grad_output)
    grad_a = xp.where(a == b, grad_output / 2, xp.where(a_wins, grad_output, 0))
    grad_b = grad_output - grad_a
    return (
        unbroadcast(grad_a, a.shape) if ctx.needs_input_grad[0] else None,
        unbroadcast(grad_b, b.shape) if ctx.needs_input_grad[1] else None,
    )


class Where(ArrayFunction):
    """out = a where condition else b;  da = g where condition,  db = g elsewhere."""

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save_for_backward(condition)
        ctx.shapes = a.shape, b.shape
        return get_array_module(a).where(condition, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        (condition,) = ctx.saved_tensors
        a_shape, b_shape = ctx.shapes
        xp = get_array_module(grad_output)
        grad_a = unbroadcast(xp.where(condition, grad_output, 0), a_shape) if ctx.needs_input_grad[1] else None
        grad_b = unbroadcast(xp.where(condition, 0, grad_output), b_shape) if ctx.needs_input_grad[2] else None
        return None, grad_a, grad_b


class Cast(ArrayFunction):
    """out = x converted to another dtype;  dx = g converted back."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.input_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad_output):
        if ctx.create_graph:
            return Cast.apply(grad_output, ctx.input_dtype), None
        return grad_output.astype(ctx.input_dtype), None


class Clone(ArrayFunction):
    """out = a copy of x;  dx = g."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output
