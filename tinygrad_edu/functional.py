"""Ops that take several tensors: `cat`, `stack`, `where`, `matmul`, `pad`.
Each checks its arguments (so errors name the op and the shapes), then calls one Function.
"""

from . import dtypes
from .errors import ShapeError
from .ops import elementwise, movement
from .ops import matmul as matmul_ops
from .tensor import Tensor


def _same_dtype(tensors):
    """Cast tensors to their common dtype (PyTorch's promotion: float beats int, wider beats narrower)."""
    common = tensors[0]._data.dtype
    for tensor in tensors[1:]:
        common = dtypes.promote(common, tensor._data.dtype)
    target = dtypes.from_numpy_dtype(common)
    return [tensor._to_dtype(target) for tensor in tensors]


def matmul(input, other):
    """Matrix product as numpy.matmul (1-D, 2-D, batched with broadcast batch dims).

    matmul: shapes (3, 4) and (5, 2) are not aligned: 4 (dim 1) != 5 (dim 0)
    """
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"matmul: expected two Tensors, got {type(input).__name__} and {type(other).__name__}")
    a_shape, b_shape = input.shape, other.shape
    if len(a_shape) == 0 or len(b_shape) == 0:
        raise ShapeError(f"matmul: both arguments need at least 1 dimension, got shapes {a_shape} and {b_shape}")
    a_dim = len(a_shape) - 1
    b_dim = max(len(b_shape) - 2, 0)
    if a_shape[a_dim] != b_shape[b_dim]:
        raise ShapeError(
            f"matmul: shapes {a_shape} and {b_shape} are not aligned: "
            f"{a_shape[a_dim]} (dim {a_dim}) != {b_shape[b_dim]} (dim {b_dim})"
        )
    a_batch, b_batch = a_shape[:-2], b_shape[:-2]
    for a_size, b_size in zip(reversed(a_batch), reversed(b_batch)):
        if a_size != b_size and 1 not in (a_size, b_size):
            raise ShapeError(f"matmul: batch dims of shapes {a_shape} and {b_shape} can't be broadcast together")
    input, other = _same_dtype([input, other])
    return matmul_ops.MatMul.apply(input, other)


def where(condition, input, other):
    """input where condition is true, else other; either may be a number. Gradient flows to the chosen side."""
    if not isinstance(condition, Tensor):
        condition = Tensor(condition)
    if condition._data.dtype.kind != "b":
        raise TypeError(f"where: condition must be a bool tensor, got {condition.dtype}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):  # two numbers: 1.0 is float32, 1 int64
        input = Tensor(input, device=condition.device)
    if not isinstance(input, Tensor):
        input = other._operand(input, "where")
    if not isinstance(other, Tensor):
        other = input._operand(other, "where")
    input, other = _same_dtype([input, other])
    try:
        broadcast_shapes(condition.shape, input.shape, other.shape)
    except ValueError:
        raise ShapeError(
            f"where: shapes {condition.shape} (condition), {input.shape} (input) and {other.shape} (other) "
            "can't be broadcast together"
        ) from None
    return elementwise.Where.apply(condition, input, other)


def broadcast_shapes(*shapes):
    """The broadcast result of shapes, or ValueError (numpy's rules, computed on plain tuples)."""
    ndim = max(len(shape) for shape in shapes)
    result = []
    for axis in range(ndim):
        sizes = {shape[axis - ndim + len(shape)] for shape in shapes if axis - ndim + len(shape) >= 0} - {1}
        if len(sizes) > 1:
            raise ShapeError(
                f"shapes {' and '.join(str(tuple(shape)) for shape in shapes)} can't be broadcast together: sizes "
                f"{' and '.join(map(str, sorted(sizes)))} at dim {axis - ndim} must be equal, or 1"
            )
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def cat(tensors, dim=0):
    """Join tensors along an existing dim; each gets its slice of the gradient back."""
    tensors = _tensor_list(tensors, "cat")
    first = tensors[0]
    if any(tensor.ndim == 0 for tensor in tensors):
        raise ShapeError("cat: zero-dimensional tensors can't be concatenated; use stack, or unsqueeze them first")
    axis = first._axis(dim, "cat")
    for tensor in tensors[1:]:
        if tensor.ndim != first.ndim or any(
            a != b for i, (a, b) in enumerate(zip(tensor.shape, first.shape)) if i != axis
        ):
            raise ShapeError(
                f"cat: expected tensors with the same shape except in dim {dim}, got {first.shape} and {tensor.shape}"
            )
    return movement.Cat.apply(axis, *_same_dtype(tensors))


concat = concatenate = cat


def stack(tensors, dim=0):
    """Join same-shaped tensors along a new dim."""
    tensors = _tensor_list(tensors, "stack")
    for tensor in tensors[1:]:
        if tensor.shape != tensors[0].shape:
            raise ShapeError(
                f"stack: expects each tensor to be the same shape, got {tensors[0].shape} and {tensor.shape}"
            )
    ndim = tensors[0].ndim + 1
    if not -ndim <= dim < ndim:
        raise IndexError(f"stack: dim {dim} is out of range for stacking tensors of shape {tensors[0].shape}")
    return cat([tensor.unsqueeze(dim) for tensor in tensors], dim)


def _tensor_list(tensors, op):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}: expected a list or tuple of Tensors, got a single Tensor; write {op}([a, b])")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of Tensors")
    if not all(isinstance(tensor, Tensor) for tensor in tensors):
        raise TypeError(f"{op}: expected a list of Tensors, got {[type(t).__name__ for t in tensors]}")
    return tensors


def pad(input, pad, mode="constant", value=0):
    """Pad with a constant, as torch.nn.functional.pad: `pad` lists (left, right) for the last dim,
    then (top, bottom) for the one before, and so on. Gradient: the inner part of g."""
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is supported, got mode={mode!r}")
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ShapeError(
            f"pad: expected an even number of pad sizes, at most 2 per dim, got {pad} for shape {input.shape}"
        )
    if any(not isinstance(size, int) or size < 0 for size in pad):
        raise ValueError(f"pad: pad sizes must be non-negative ints, got {pad}")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return movement.Pad.apply(input, tuple(widths), value)
