"""Loss functions fused into single ops: stable in forward and one short formula in backward.

`reduction` is "mean", "sum" or "none", as in PyTorch. Rows are samples, columns classes.
"""

from ..array_function import ArrayFunction
from ..backend import get_array_module
from .broadcasting import unbroadcast
from .movement import IndexedAdd
from .reduce import LogSoftmax


def _reduce_rows(loss_rows, reduction, divisor):
    if reduction == "none":
        return loss_rows
    total = loss_rows.sum()
    return total / divisor if reduction == "mean" else total


def _expand_rows(grad_output, reduction, divisor):
    """The upstream gradient per row, as a column that broadcasts over the classes."""
    if reduction == "none":
        return grad_output[:, None]
    return grad_output / divisor if reduction == "mean" else grad_output


class CrossEntropy(ArrayFunction):
    """loss = -sum_c q[c] * log_softmax(x)[c] per row;  dx = g * (softmax(x) * sum_c q[c] - q).

    q is the target distribution: one-hot of the class (or the given probabilities), smoothed to
    (1 - eps) * q + eps / C by label_smoothing, times the class weights, 0 for ignored rows. In the
    plain case that is  dx = softmax(x) - onehot(y).  log_softmax is computed as
    x - max - log(sum(exp(x - max))), which never overflows.
    "mean" divides by the summed weight of the counted rows (their number without weights), as PyTorch.
    Probabilities that require grad get  dq = -g * (1 - label_smoothing) * w * log_softmax(x).
    """

    @staticmethod
    def forward(ctx, logits, target, class_weight, ignore_index, label_smoothing, reduction):
        xp = get_array_module(logits)
        rows, classes = logits.shape
        shifted = logits - logits.max(axis=1, keepdims=True)
        exps = xp.exp(shifted)
        sums = exps.sum(axis=1, keepdims=True)
        log_probs = shifted - xp.log(sums)
        if target.ndim == 1:  # class indices
            counted = target != ignore_index
            safe_target = xp.where(counted, target, 0)
            target_distribution = xp.zeros_like(logits)
            xp.put_along_axis(target_distribution, safe_target[:, None], 1, axis=1)
            row_weight = counted.astype(logits.dtype)
            if class_weight is not None:
                row_weight *= class_weight[safe_target]
            divisor = row_weight.sum()
        else:  # class probabilities
            target_distribution = target
            counted = None
            divisor = logits.dtype.type(rows)
        if label_smoothing:
            target_distribution = target_distribution * (1 - label_smoothing) + label_smoothing / classes
        if class_weight is not None:
            target_distribution = target_distribution * class_weight
        if counted is not None and (class_weight is not None or label_smoothing or not counted.all()):
            target_distribution = target_distribution * counted[:, None]
        target_distribution = target_distribution.astype(logits.dtype, copy=False)
        loss_rows = -(target_distribution * log_probs).sum(axis=1)
        target_slope = None
        if ctx.needs_input_grad[1]:  # probabilities that require grad: dq = -(1 - eps) * w * log_softmax(x)
            target_slope = -(1 - label_smoothing) * log_probs
            if class_weight is not None:
                target_slope = target_slope * class_weight
        ctx.save_for_backward(exps / sums, target_distribution, target_slope, logits, target)
        ctx.reduction, ctx.divisor = reduction, divisor
        ctx.class_weight, ctx.label_smoothing = class_weight, label_smoothing
        return _reduce_rows(loss_rows, reduction, divisor)

    @staticmethod
    def backward(ctx, grad_output):
        probs, target_distribution, target_slope, logits, target = ctx.saved_tensors
        if ctx.create_graph:  # the softmax and the smoothed target again, from the inputs with recorded ops
            probs, target_distribution, target_slope = _cross_entropy_terms_recorded(
                ctx, logits, target, target_distribution
            )
        grad_rows = _expand_rows(grad_output, ctx.reduction, ctx.divisor)
        grad_logits = probs * target_distribution.sum(axis=1, keepdims=True) - target_distribution
        grad_target = None if target_slope is None else target_slope * grad_rows
        return grad_logits * grad_rows, grad_target, None, None, None, None


def _cross_entropy_terms_recorded(ctx, logits, target, target_distribution):
    """probs, q and dq/dg as CrossEntropy's forward computes them, on Tensors (create_graph)."""
    xp = get_array_module(logits)
    log_probs = LogSoftmax.apply(logits, 1)
    weight, smoothing = ctx.class_weight, ctx.label_smoothing
    target_slope = None
    if ctx.needs_input_grad[1]:  # probabilities that require grad: q is made of them
        target_distribution = target * (1 - smoothing) + smoothing / logits.shape[1] if smoothing else target
        if weight is not None:
            target_distribution = target_distribution * weight
        target_slope = -(1 - smoothing) * log_probs
        if weight is not None:
            target_slope = target_slope * weight
    return xp.exp(log_probs), target_distribution, target_slope


class NLLLoss(ArrayFunction):
    """loss = -w[y] * log_probs[y] per row (0 for ignored rows);  d log_probs = -w[y] * g at column y, 0 elsewhere.

    "mean" divides by the summed weight w[y] of the counted rows, as PyTorch.
    """

    @staticmethod
    def forward(ctx, log_probs, target, class_weight, ignore_index, reduction):
        xp = get_array_module(log_probs)
        counted = target != ignore_index
        safe_target = xp.where(counted, target, 0)[:, None]
        row_weight = counted.astype(log_probs.dtype)
        if class_weight is not None:
            row_weight *= class_weight[safe_target[:, 0]]
        picked = xp.take_along_axis(log_probs, safe_target, axis=1)[:, 0]
        divisor = row_weight.sum()
        ctx.save_for_backward(safe_target, row_weight)
        ctx.shape, ctx.reduction, ctx.divisor = log_probs.shape, reduction, divisor
        return _reduce_rows(-picked * row_weight, reduction, divisor)

    @staticmethod
    def backward(ctx, grad_output):
        safe_target, row_weight = ctx.saved_arrays
        grad_rows = _expand_rows(grad_output, ctx.reduction, ctx.divisor)
        if ctx.create_graph:  # the scatter into column y of each row, as a recorded op
            rows = get_array_module(safe_target).arange(ctx.shape[0])
            values = (-row_weight[:, None] * grad_rows).reshape(-1)
            return IndexedAdd.apply(values, ctx.shape, (rows, safe_target[:, 0])), None, None, None, None
        xp = get_array_module(grad_output)
        grad = xp.zeros(ctx.shape, dtype=grad_output.dtype)
        xp.put_along_axis(grad, safe_target, -row_weight[:, None] * grad_rows, axis=1)
        return grad, None, None, None, None


class MeanSquaredError(ArrayFunction):
    """loss = (x - y)**2 elementwise, then reduced;  dx = g * 2 (x - y) (/ n for "mean"),  dy = -dx.

    x and y may broadcast against each other; their gradients are summed back to their shapes.
    """

    @staticmethod
    def forward(ctx, input, target, reduction):
        difference = input - target
        squares = difference * difference
        ctx.save_for_backward(difference, input, target)
        ctx.shapes, ctx.reduction, ctx.count = (input.shape, target.shape), reduction, squares.size
        return _reduce_rows(squares.reshape(-1), reduction, squares.size) if reduction != "none" else squares

    @staticmethod
    def backward(ctx, grad_output):
        difference, input, target = ctx.saved_tensors
        if ctx.create_graph:  # the difference again, recorded
            difference = input - target
        input_shape, target_shape = ctx.shapes
        scale = grad_output * 2 if ctx.reduction != "mean" else grad_output * (2 / ctx.count)
        grad = difference * scale
        grad_input = unbroadcast(grad, input_shape) if ctx.needs_input_grad[0] else None
        grad_target = unbroadcast(-grad, target_shape) if ctx.needs_input_grad[1] else None
        return grad_input, grad_target, None


class BinaryCrossEntropy(ArrayFunction):
    """loss = -(y * log(p) + (1 - y) * log(1 - p)) elementwise, each log clamped to >= -100 (as PyTorch);
    dp = g * (p - y) / max(p * (1 - p), 1e-12),  dy = g * (log(1 - p) - log(p))  (unclamped, as PyTorch).
    """

    @staticmethod
    def forward(ctx, probs, target):
        log_p, log_not_p = _log_or_minus_infinity(probs), _log_or_minus_infinity(1 - probs)
        ctx.save_for_backward(probs, target, log_p, log_not_p)
        xp = get_array_module(probs)
        return -(target * xp.maximum(log_p, -100) + (1 - target) * xp.maximum(log_not_p, -100))

    @staticmethod
    def backward(ctx, grad_output):
        probs, target, log_p, log_not_p = ctx.saved_tensors
        xp = get_array_module(probs)
        grad_probs = grad_target = None
        if ctx.needs_input_grad[0]:
            grad_probs = grad_output * (probs - target) / xp.maximum(probs * (1 - probs), 1e-12)
        if ctx.needs_input_grad[1]:
            if ctx.create_graph:  # the logs again, recorded
                log_p, log_not_p = xp.log(probs), xp.log(1 - probs)
            grad_target = grad_output * (log_not_p - log_p)
        return grad_probs, grad_target


def _log_or_minus_infinity(x):
    """log(x) for x in [0, 1], with log(0) = -inf computed without a divide-by-zero warning."""
    xp = get_array_module(x)
    positive = x > 0
    return xp.where(positive, xp.log(xp.where(positive, x, 1)), -xp.inf)


def _softplus(x):
    """log(1 + e**x) without overflow: max(x, 0) + log(1 + e**-|x|)."""
    xp = get_array_module(x)
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


class BinaryCrossEntropyWithLogits(ArrayFunction):
    """loss = pw * y * softplus(-x) + (1 - y) * softplus(x) elementwise, i.e. BCE of sigmoid(x), stably;
    dx = g * ((1 - y) * sigmoid(x) - pw * y * sigmoid(-x)),  dy = g * (pw * softplus(-x) - softplus(x)),
    dpw = g * y * softplus(-x). pos_weight (pw) is 1 when None.
    """

    @staticmethod
    def forward(ctx, logits, target, pos_weight):
        softplus_neg = _softplus(-logits)  # -log(sigmoid(x))
        softplus_pos = softplus_neg + logits  # -log(1 - sigmoid(x))
        positive_term = target * softplus_neg if pos_weight is None else pos_weight * target * softplus_neg
        ctx.save_for_backward(logits, target, pos_weight, softplus_neg, softplus_pos)
        return positive_term + (1 - target) * softplus_pos

    @staticmethod
    def backward(ctx, grad_output):
        logits, target, pos_weight, softplus_neg, softplus_pos = ctx.saved_tensors
        xp = get_array_module(logits)
        if ctx.create_graph:  # the softplus terms again, recorded
            softplus_neg = _softplus(-logits)
            softplus_pos = softplus_neg + logits
        weighted_target = target if pos_weight is None else pos_weight * target
        grad_logits = grad_target = grad_pos_weight = None
        if ctx.needs_input_grad[0]:
            sigmoid = xp.exp(-softplus_neg)
            grad_logits = grad_output * ((1 - target) * sigmoid - weighted_target * (1 - sigmoid))
        if ctx.needs_input_grad[1]:
            positive = softplus_neg if pos_weight is None else pos_weight * softplus_neg
            grad_target = grad_output * (positive - softplus_pos)
        if ctx.needs_input_grad[2]:
            grad_pos_weight = unbroadcast(grad_output * target * softplus_neg, pos_weight.shape)
        return grad_logits, grad_target, grad_pos_weight
