"""How a tensor prints: the same text as PyTorch's `repr`, e.g. `tensor([[ 1.0000, -2.5000]], requires_grad=True)`.

Follows torch/_tensor_str.py: one number format for the whole tensor (integers like `1.`, fixed
`1.2500` with 4 decimals, or scientific `1.0000e-05` when values span more than 1000x, exceed 1e8 or
fall below 1e-4), every entry right-aligned to the widest one, rows wrapped at 80 characters, and
tensors over 1000 elements summarized with `...` after 3 items at each edge.
"""

import math

import numpy as np

from . import dtypes
from .backend import backend_of

PRECISION = 4
THRESHOLD = 1000
EDGE_ITEMS = 3
LINE_WIDTH = 80


def format_tensor(tensor):
    """`tensor(<values>, <what is not the default: device, dtype, grad>)`, as PyTorch prints it."""
    array = np.asarray(backend_of(tensor._data).to_numpy(tensor._data))
    prefix = "tensor("
    extras = []
    if tensor.device.type != "cpu":
        extras.append(f"device='{tensor.device}'")
    default_dtypes = (dtypes.get_default_dtype().numpy,)
    if array.size == 0:  # no values to tell int64 from float: only the default float goes unnamed
        body = "[]"
        if array.ndim != 1:
            extras.append(f"size={tuple(array.shape)}")
    else:
        summarize = array.size > THRESHOLD
        formatter = _Formatter(_summarized(array) if summarize else array)
        body = _format_nested(array, len(prefix), summarize, formatter)
        default_dtypes += (np.dtype(np.int64), np.dtype(np.bool_))
    if array.dtype not in default_dtypes:
        extras.append(f"dtype={tensor.dtype}")
    if tensor.grad_fn is not None:
        extras.append(f"grad_fn={tensor.grad_fn!r}")
    elif tensor.requires_grad:
        extras.append("requires_grad=True")
    return _with_extras(prefix + body, extras, len(prefix)) + ")"


def _with_extras(text, extras, indent):
    """Append `, extra` for each extra, starting a new line when the current one would pass LINE_WIDTH."""
    line_length = len(text) - text.rfind("\n") + 1
    for extra in extras:
        if line_length + len(extra) + 2 > LINE_WIDTH:
            text += ",\n" + " " * indent + extra
            line_length = indent + len(extra)
        else:
            text += ", " + extra
            line_length += len(extra) + 2
    return text


class _Formatter:
    """Chooses one number format for all entries and the width they are padded to."""

    def __init__(self, array):
        self.floating = array.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        values = array.reshape(-1).tolist()
        if not self.floating:
            self.width = max(len(str(value)) for value in values)
            return
        finite = np.asarray(array, dtype=np.float64).reshape(-1)
        finite = finite[np.isfinite(finite) & (finite != 0)]
        if finite.size == 0:
            return
        magnitudes = np.abs(finite)
        largest, smallest = magnitudes.max(), magnitudes.min()
        self.int_mode = bool((finite == np.ceil(finite)).all())
        self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or (not self.int_mode and smallest < 1.0e-4)
        if self.sci_mode:
            texts = [f"{value:.{PRECISION}e}" for value in finite.tolist()]
        elif self.int_mode:
            texts = [f"{value:.0f}." for value in finite.tolist()]
        else:
            texts = [f"{value:.{PRECISION}f}" for value in finite.tolist()]
        self.width = max(len(text) for text in texts)

    def format(self, value):
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRECISION}f}"
        return text.rjust(self.width)


def _summarized(array):
    """Only the entries a summarized print shows: EDGE_ITEMS at both ends of every long dim."""
    if array.ndim == 0:
        return array
    if array.shape[0] > 2 * EDGE_ITEMS:
        array = np.concatenate([array[:EDGE_ITEMS], array[-EDGE_ITEMS:]])
    return np.stack([_summarized(row) for row in array]) if array.ndim > 1 else array


def _format_nested(array, indent, summarize, formatter):
    if array.ndim == 0:
        return formatter.format(array.item())
    if array.ndim == 1:
        return _format_row(array, indent, summarize, formatter)
    if summarize and array.shape[0] > 2 * EDGE_ITEMS:
        rows = [_format_nested(array[i], indent + 1, summarize, formatter) for i in range(EDGE_ITEMS)]
        rows.append("...")
        rows += [_format_nested(array[i], indent + 1, summarize, formatter) for i in range(-EDGE_ITEMS, 0)]
    else:
        rows = [_format_nested(row, indent + 1, summarize, formatter) for row in array]
    separator = "," + "\n" * (array.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(rows) + "]"


def _format_row(array, indent, summarize, formatter):
    """A 1-D array as `[a, b, c]`, wrapped so no line passes LINE_WIDTH characters."""
    per_line = max(1, (LINE_WIDTH - indent) // (formatter.width + 2))
    values = array.tolist()
    if summarize and len(values) > 2 * EDGE_ITEMS:
        entries = [formatter.format(v) for v in values[:EDGE_ITEMS]] + [" ..."]
        entries += [formatter.format(v) for v in values[-EDGE_ITEMS:]]
    else:
        entries = [formatter.format(v) for v in values]
    lines = [", ".join(entries[start : start + per_line]) for start in range(0, len(entries), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"
