"""Rearranging and selecting elements: flip, roll, repeat, repeat_interleave, tril/triu, masked_fill, sort, topk.

None of these needs an ArrayFunction of its own. Each builds an index (or a mask) with numpy and then calls an
op that already has a backward: indexing sends the gradient back to the picked positions (adding up
where one element was picked twice), `where` sends it to the side that was chosen, and
reshape/expand undo themselves. So their gradients come for free, as micrograd's derived operators.
"""

import collections

import numpy as np

from .backend import backend_of
from .errors import ShapeError
from .tensor import Tensor

SortResult = collections.namedtuple("SortResult", ["values", "indices"])
SortResult.__doc__ = "`x.sort()` and `x.topk(k)` return (values, indices), as torch.return_types.sort."


def _along(input, axis, index):
    """input[..., index, ...] with `index` (a numpy int array or a slice) in position `axis`."""
    return input[(slice(None),) * axis + (index,)]


def flip(input, dims):
    """Reverse the order of elements along each dim in dims;  gradient: g flipped back."""
    dims = dims if isinstance(dims, (tuple, list)) else (dims,)
    axes = input._axes(dims, "flip") or ()
    return input[tuple(slice(None, None, -1) if axis in axes else slice(None) for axis in range(input.ndim))]


def roll(input, shifts, dims=None):
    """Shift elements along dims, wrapping around the end (no dims: along the flattened tensor).

    out[i] = x[(i - shift) % n];  gradient: g rolled back by -shift.
    """
    if dims is None:
        return roll(input.flatten(), shifts, 0).reshape(input.shape)
    shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(dims):
        raise ShapeError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    result = input
    for shift, dim in zip(shifts, dims):
        axis = input._axis(dim, "roll")
        length = input.shape[axis]
        result = _along(result, axis, (np.arange(length) - shift) % length)
    return result


def repeat(input, *sizes):
    """Tile the tensor: sizes[i] copies along dim i (extra leading sizes add dims), as torch.Tensor.repeat.

    Each dim of size s becomes a pair (1, s), is expanded to (r, s) and merged into r * s;
    gradient: the r copies summed (Expand's backward).
    """
    sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    if len(sizes) < input.ndim:
        raise ShapeError(
            f"repeat: number of repeat dims ({len(sizes)}) can not be smaller than the number of dims of the "
            f"tensor ({input.ndim}, shape {tuple(input.shape)})"
        )
    shape = (1,) * (len(sizes) - input.ndim) + tuple(input.shape)
    pairs = [size for length in shape for size in (1, length)]
    expanded = [size for count, length in zip(sizes, shape) for size in (count, length)]
    tiled = input.reshape(*pairs).expand(*expanded)
    return tiled.reshape(*(count * length for count, length in zip(sizes, shape)))


def repeat_interleave(input, repeats, dim=None, *, output_size=None):
    """Repeat each element `repeats` times (an int, or one count per element) along dim (None: flattened).

    Gradient: the copies' gradients added up (indexing with a repeated index).
    """
    if dim is None:
        input, dim = input.flatten(), 0
    axis = input._axis(dim, "repeat_interleave")
    counts = repeats._data if isinstance(repeats, Tensor) else repeats
    index = np.repeat(np.arange(input.shape[axis]), np.asarray(counts))
    if output_size is not None and output_size != len(index):
        raise ShapeError(f"repeat_interleave: output_size={output_size} but the repeats give {len(index)} elements")
    return _along(input, axis, index)


def _triangle(input, diagonal, op, keep):
    if input.ndim < 2:
        raise ShapeError(f"{op}: input tensor must have at least 2 dimensions, got shape {tuple(input.shape)}")
    rows, columns = input.shape[-2:]
    offsets = np.arange(columns)[None, :] - np.arange(rows)[:, None]  # column - row: 0 on the main diagonal
    return input.masked_fill(Tensor(~keep(offsets, diagonal), dtype="bool", device=input.device), 0)


def tril(input, diagonal=0):
    """Keep the lower triangle (column - row <= diagonal) of the last two dims, zeros above;  gradient: g masked."""
    return _triangle(input, diagonal, "tril", lambda offsets, diagonal: offsets <= diagonal)


def triu(input, diagonal=0):
    """Keep the upper triangle (column - row >= diagonal) of the last two dims, zeros below;  gradient: g masked."""
    return _triangle(input, diagonal, "triu", lambda offsets, diagonal: offsets >= diagonal)


def masked_fill(input, mask, value):
    """`value` where mask is True, input elsewhere (mask broadcasts);  gradient: g where mask is False."""
    if not isinstance(mask, Tensor) or mask.dtype.name != "bool":
        found = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise TypeError(f"masked_fill: only supports boolean masks, but got mask of {found}; compare first, e.g. x > 0")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ShapeError(f"masked_fill: only supports a 0-dimensional value tensor, got shape {tuple(value.shape)}")
    filled = input.where(~mask, value)
    return filled if filled.dtype == input.dtype else filled._to_dtype(input.dtype)


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort input along dim, as int64. The sort is always stable (ties keep their order), so
    `stable` changes nothing; NaNs go last in both directions (PyTorch puts them first when descending)."""
    axis = input._axis(dim, "argsort")
    data = input._data
    if data.ndim == 0:
        return Tensor._make(data.astype(np.int64) * 0)
    xp = backend_of(data).xp
    keys = -data.astype(np.int64) if descending and data.dtype.kind in "bu" else (-data if descending else data)
    return Tensor._make(xp.argsort(keys, axis=axis, kind="stable").astype(np.int64))


def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) of input sorted along dim;  gradient: g sent back to where each value came from."""
    indices = argsort(input, dim, descending, stable)
    return SortResult(_gather(input, input._axis(dim, "sort"), indices), indices)


def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (or smallest) elements along dim, always sorted;  gradient: to those k."""
    axis = input._axis(dim, "topk")
    length = input.shape[axis] if input.ndim else 1
    if not 0 <= k <= length:
        raise ShapeError(f"topk: k ({k}) is out of range for dim {dim} of size {length} (shape {tuple(input.shape)})")
    indices = argsort(input, dim, descending=largest)
    indices = Tensor._make(indices._data[(slice(None),) * axis + (slice(0, k),)]) if input.ndim else indices
    return SortResult(_gather(input, axis, indices), indices)


def _gather(input, axis, indices):
    """input's elements at `indices` along axis (numpy's take_along_axis) through indexing, so it has a gradient."""
    if input.ndim == 0:
        return input
    index = [
        np.arange(size).reshape([-1 if i == position else 1 for i in range(input.ndim)])
        for position, size in enumerate(indices.shape)
    ]
    index[axis] = indices._data
    return input[tuple(index)]
