"""`gradcheck`: compare an op's backward with finite differences of its forward; `gradgradcheck`: the same
for the gradient's own gradient (what `backward(create_graph=True)` records).

For a random upstream gradient v (never all ones, which would hide a backward that forgets to
multiply by it) the loss L(x) = sum(v * f(x)) has dL/dx = what one `backward(v)` puts in `x.grad`.
The same number is estimated from the forward alone with central differences:

    dL/dx[i] ~ (L(x + eps * e_i) - L(x - eps * e_i)) / (2 * eps)

Every element is checked for small inputs; for large ones a sample of elements plus random
directions d, where the analytic side is x.grad . d. Everything runs in float64, where eps = 1e-6
leaves about 10 correct digits.
"""

import numpy as np

from ..autograd import grad
from ..backend import backend_of, to_device
from ..grad_mode import enable_grad, no_grad
from ..tensor import Tensor


class GradcheckError(AssertionError):
    """The analytic gradient disagrees with the numerical one (or breaks another rule of backward)."""


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, *, max_elements=64, directions=8, seed=0):
    """Check `fn`'s gradients with respect to every input Tensor that requires grad.

    `inputs` is a Tensor or a sequence of arguments for `fn` (non-Tensors pass through). Floating
    inputs are copied to float64 on their own device, so float32 tensors can be given. `fn` may
    return a Tensor or a tuple of them (integer outputs such as indices are ignored). Checks:
    grad shapes and dtypes, analytic vs numerical gradient (all elements of inputs with at most
    `max_elements` elements, otherwise `max_elements` sampled elements and `directions` random
    directions), linearity in the upstream gradient, and that neither the inputs nor the upstream
    gradient were modified. Returns True, or raises `GradcheckError` saying what is wrong where.

    >>> import tinygrad_edu as tg
    >>> gradcheck(lambda x: x.tanh(), tg.randn(3, 4, requires_grad=True))
    True
    """
    if not np.isfinite(eps) or eps <= 0:
        raise ValueError(f"gradcheck: eps must be a positive number, got {eps}")
    arguments = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    arguments = [_as_float64(argument) for argument in arguments]
    checked = [index for index, argument in enumerate(arguments) if _needs_check(argument)]
    if not checked:
        raise ValueError("gradcheck: no input Tensor requires grad; create them with requires_grad=True")
    rng = np.random.default_rng(seed)
    originals = {index: _host_copy(arguments[index]) for index in range(len(arguments)) if _is_tensor(arguments[index])}

    outputs = _float_outputs(fn(*_fresh(arguments)))
    upstream = [rng.standard_normal(output.shape) for output in outputs]
    analytic = _analytic_gradients(fn, arguments, checked, upstream)
    _check_linearity(fn, arguments, checked, upstream, analytic, rng, atol, rtol)

    def loss(replaced_index, replacement):
        """L = sum(v * f(x)) with one input replaced, computed without recording a graph."""
        call_arguments = list(arguments)
        original = arguments[replaced_index]
        call_arguments[replaced_index] = Tensor(replacement, dtype=original.dtype, device=original.device)
        with no_grad():
            results = _float_outputs(fn(*call_arguments))
        return sum(float(np.sum(v * _to_host(result._data))) for v, result in zip(upstream, results))

    for index in checked:
        _check_input(loss, index, originals[index], analytic[index], eps, atol, rtol, max_elements, directions, rng)
    for index, original in originals.items():
        if not np.array_equal(_host_copy(arguments[index]), original, equal_nan=True):
            raise GradcheckError(f"gradcheck: fn modified input {index} in place; ops must return new tensors")
    return True


def gradgradcheck(
    fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, *, max_elements=64, directions=8, seed=0
):
    """Check `fn`'s second derivatives: `gradcheck` of the map (x, v) -> d(sum(v * fn(x)))/dx.

    That map is what a backward with `create_graph=True` records, so this checks that every op's
    recorded backward is itself differentiated correctly, with respect to the inputs and to the
    upstream gradient v. v is drawn at random (or given as `grad_outputs`); the second-order
    upstream gradient and directions are random too. Returns True or raises `GradcheckError`,
    naming the input (of fn, or v) and the element whose second derivative is wrong.

    >>> import tinygrad_edu as tg
    >>> gradgradcheck(lambda x: x.tanh() * x, tg.randn(3, requires_grad=True))
    True
    """
    arguments = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    arguments = [_as_float64(argument) for argument in arguments]
    checked = [index for index, argument in enumerate(arguments) if _needs_check(argument)]
    if not checked:
        raise ValueError("gradgradcheck: no input Tensor requires grad; create them with requires_grad=True")
    outputs = _float_outputs(fn(*_fresh(arguments)))
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        grad_outputs = [
            Tensor(rng.standard_normal(output.shape), dtype="float64", device=output.device) for output in outputs
        ]
    else:
        grad_outputs = list(grad_outputs) if isinstance(grad_outputs, (tuple, list)) else [grad_outputs]
    upstream = [Tensor(v.detach(), dtype="float64", requires_grad=True) for v in grad_outputs]
    count = len(arguments)

    def first_derivatives(*values):
        """d(sum(v * fn(x)))/dx for the checked inputs, recorded so it can be differentiated again."""
        function_inputs, vs = list(values[:count]), values[count:]
        for index in checked:  # gradcheck's numerical side passes plain tensors: x must require grad here
            if not function_inputs[index].requires_grad:
                function_inputs[index] = function_inputs[index].detach().requires_grad_()
        wanted = [function_inputs[index] for index in checked]
        with enable_grad():
            results = _float_outputs(fn(*function_inputs))
            pairs = [(output, v) for output, v in zip(results, vs) if output.requires_grad]
            if not pairs:
                return tuple(Tensor(np.zeros(tensor.shape), dtype="float64", device=tensor.device) for tensor in wanted)
            grads = grad([o for o, _ in pairs], wanted, [v for _, v in pairs], create_graph=True, allow_unused=True)
        return tuple(
            Tensor(np.zeros(tensor.shape), dtype="float64", device=tensor.device) if g is None else g
            for g, tensor in zip(grads, wanted)
        )

    try:
        return gradcheck(
            first_derivatives, [*arguments, *upstream], eps, atol, rtol,
            max_elements=max_elements, directions=directions, seed=seed,
        )  # fmt: skip
    except GradcheckError as error:
        names = ", ".join(f"input {count + k} is v for output {k}" for k in range(len(upstream)))
        raise GradcheckError(
            f"gradgradcheck (second derivatives; inputs 0..{count - 1} are fn's, {names}): {error}"
        ) from error


def _is_tensor(value):
    return isinstance(value, Tensor)


def _needs_check(argument):
    return _is_tensor(argument) and argument.requires_grad


def _as_float64(argument):
    """Floating tensors as float64 leaves on their device (keeping requires_grad); others unchanged."""
    if not _is_tensor(argument) or not argument.is_floating_point():
        return argument
    return Tensor(argument.detach(), dtype="float64", requires_grad=argument.requires_grad)


def _fresh(arguments):
    """New leaf tensors with the same values, so every backward starts from empty .grad."""
    return [
        Tensor(argument.detach(), requires_grad=argument.requires_grad) if _is_tensor(argument) else argument
        for argument in arguments
    ]


def _to_host(array):
    return np.asarray(backend_of(array).to_numpy(array))


def _host_copy(tensor):
    return np.array(_to_host(tensor._data), copy=True)


def _float_outputs(result):
    """The floating Tensors among fn's results, each checked to be float64."""
    results = list(result) if isinstance(result, (tuple, list)) else [result]
    if not all(_is_tensor(output) for output in results):
        raise TypeError(
            f"gradcheck: fn must return a Tensor or a tuple of Tensors, got {[type(r).__name__ for r in results]}"
        )
    outputs = [output for output in results if output.is_floating_point()]
    if not outputs:
        raise ValueError("gradcheck: fn returned no floating point Tensor to differentiate")
    for position, output in enumerate(outputs):
        if output.dtype != "float64":
            raise GradcheckError(
                f"gradcheck: output {position} has dtype {output.dtype} although the inputs are float64; "
                "something inside fn drops to lower precision, which makes finite differences meaningless"
            )
    return outputs


def _analytic_gradients(fn, arguments, checked, upstream):
    """x.grad for every checked input after one backward of L = sum(v * f(x)), as host arrays."""
    leaves = _fresh(arguments)
    outputs = _float_outputs(fn(*leaves))
    if [output.shape for output in outputs] != [v.shape for v in upstream]:
        raise GradcheckError("gradcheck: fn returned outputs of different shapes on two calls with the same inputs")
    differentiable = [(output, v) for output, v in zip(outputs, upstream) if output.requires_grad]
    for position, (output, v) in enumerate(differentiable):
        device_v = to_device(v.copy(), output.device)
        try:
            output.backward(Tensor._make(device_v), retain_graph=position < len(differentiable) - 1)
        except (RuntimeError, ValueError) as error:
            raise GradcheckError(f"gradcheck: backward failed: {error}") from error
        if not np.array_equal(_to_host(device_v), v):
            raise GradcheckError("gradcheck: a backward modified its grad_output in place; return new arrays")
    for index, (leaf, argument) in enumerate(zip(leaves, arguments)):
        if _is_tensor(leaf) and not np.array_equal(_host_copy(leaf), _host_copy(argument), equal_nan=True):
            raise GradcheckError(f"gradcheck: fn or its backward modified input {index} in place")
    gradients = {}
    for index in checked:
        leaf = leaves[index]
        if leaf.grad is None:
            gradients[index] = np.zeros(leaf.shape)
            continue
        grad = leaf.grad
        if tuple(grad.shape) != tuple(leaf.shape):
            raise GradcheckError(
                f"gradcheck: input {index} has shape {tuple(leaf.shape)} but its gradient has shape {tuple(grad.shape)}"
            )
        if grad.dtype != leaf.dtype:
            raise GradcheckError(f"gradcheck: input {index} is {leaf.dtype} but its gradient is {grad.dtype}")
        if grad.device != leaf.device:
            raise GradcheckError(f"gradcheck: input {index} is on {leaf.device} but its gradient is on {grad.device}")
        gradients[index] = _to_host(grad._data).astype(np.float64)
    return gradients


def _check_linearity(fn, arguments, checked, upstream, analytic, rng, atol, rtol):
    """backward(v + 2w) must equal backward(v) + 2 backward(w): gradients are linear in grad_output."""
    other = [rng.standard_normal(v.shape) for v in upstream]
    combined = [v + 2 * w for v, w in zip(upstream, other)]
    from_other = _analytic_gradients(fn, arguments, checked, other)
    from_combined = _analytic_gradients(fn, arguments, checked, combined)
    for index in checked:
        expected = analytic[index] + 2 * from_other[index]
        if not np.allclose(from_combined[index], expected, atol=atol, rtol=rtol):
            position = _worst(from_combined[index], expected)
            raise GradcheckError(
                f"gradcheck: the gradient of input {index} is not linear in the upstream gradient: at element "
                f"{position} backward(v + 2w) gives {from_combined[index][position]:.6g} but backward(v) + "
                f"2 backward(w) gives {expected[position]:.6g}; backward must multiply by grad_output"
            )


def _worst(actual, expected):
    return _element(np.argmax(np.abs(actual - expected)), actual.shape)


def _element(flat_position, shape):
    """A flat position as a tuple of plain ints, e.g. (1, 2)."""
    return tuple(int(i) for i in np.unravel_index(flat_position, shape)) if shape else ()


def _check_input(loss, index, original, analytic, eps, atol, rtol, max_elements, directions, rng):
    """Compare analytic and central-difference derivatives of input `index` element by element
    (or on a sample of elements and random directions when the input is large)."""
    size = original.size
    if size <= max_elements:
        positions, direction_count = range(size), 0
    else:
        positions, direction_count = rng.choice(size, max_elements, replace=False), directions
    flat_analytic = analytic.reshape(-1)
    for flat_position in positions:
        step = np.zeros(size)
        step[flat_position] = 1.0
        element = _element(flat_position, original.shape)
        _compare(loss, index, original, step, flat_analytic[flat_position], f"element {element}", eps, atol, rtol)
    for direction_number in range(direction_count):
        direction = rng.standard_normal(size)
        direction /= np.linalg.norm(direction)
        expected = float(flat_analytic @ direction)
        _compare(loss, index, original, direction, expected, f"random direction {direction_number}", eps, atol, rtol)


def _compare(loss, index, original, direction, analytic, where, eps, atol, rtol):
    def loss_at(offset):
        return loss(index, original + (offset * direction).reshape(original.shape))

    above, below = loss_at(eps), loss_at(-eps)
    numerical = (above - below) / (2 * eps)
    if abs(analytic - numerical) <= atol + rtol * abs(numerical):
        return
    at_x = loss_at(0.0)
    forward_slope, backward_slope = (above - at_x) / eps, (at_x - below) / eps
    description = f"input {index} (shape {tuple(original.shape)}) at {where}"
    if abs(forward_slope - backward_slope) > atol + rtol * max(abs(forward_slope), abs(backward_slope)):
        raise GradcheckError(
            f"gradcheck: the numerical gradient of {description} is unstable: the slope is "
            f"{backward_slope:.6g} just below and {forward_slope:.6g} just above (analytic {analytic:.6g}), so the "
            f"input lies within eps={eps:g} of a kink or a tie (relu at 0, abs at 0, equal values in max). "
            "This is not a backward bug: draw inputs away from kinks, e.g. with tinygrad_edu.testing.strategies"
        )
    raise GradcheckError(
        f"gradcheck: wrong gradient for {description}: analytic {analytic:.6g}, numerical {numerical:.6g} "
        f"(difference {abs(analytic - numerical):.3g} > atol + rtol * |numerical| = "
        f"{atol + rtol * abs(numerical):.3g})"
    )
