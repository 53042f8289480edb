"""Joining tensors: `cat` and `stack` put several together, `pad` surrounds one with a constant.

Each checks its arguments (so errors name the op and the shapes), then calls one ArrayFunction.
"""

from .errors import ShapeError
from .ops import movement
from .tensor import Tensor, to_common_dtype


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
    return movement.Cat.apply(axis, *to_common_dtype(tensors))


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
    then (top, bottom) for the one before, and so on; a negative size crops that side instead.
    Gradient: the inner part of g (zeros where cropped)."""
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is supported, got mode={mode!r}")
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ShapeError(
            f"pad: expected an even number of pad sizes, at most 2 per dim, got {pad} for shape {input.shape}"
        )
    if any(isinstance(size, bool) or not isinstance(size, int) for size in pad):
        raise ValueError(f"pad: pad sizes must be ints, got {pad}")
    widths = [(0, 0)] * input.ndim
    crop = [slice(None)] * input.ndim  # negative sizes remove that many cells from that side
    for i in range(len(pad) // 2):
        axis, (before, after) = input.ndim - 1 - i, pad[2 * i : 2 * i + 2]
        if input.shape[axis] + before + after < 0:
            raise RuntimeError(
                f"pad: the padded size of dim {axis} would be {input.shape[axis] + before + after} "
                f"(size {input.shape[axis]}, pad {before} and {after}); it must not be negative"
            )
        crop[axis] = slice(max(-before, 0), input.shape[axis] - max(-after, 0))
        widths[axis] = (max(before, 0), max(after, 0))
    if any(size < 0 for size in pad):
        input = input[tuple(crop)]
    return movement.Pad.apply(input, tuple(widths), value)
