"""Hypothesis strategies for testing ops: shapes, and arrays whose values suit a gradient check.

Finite differences are only trustworthy where the function is smooth within eps of the input, so
each strategy builds its values to stay clear of the trouble spots: away from kinks (relu and abs
at 0, a divisor at 0), positive (log, sqrt), or well separated (max, argmax, pooling, where a tie
makes the derivative jump). Values are constructed, never filtered with `assume`, so hypothesis
never runs out of examples.

    from hypothesis import given
    from tinygrad_edu.testing import strategies as tgst

    @given(tgst.arrays_away_from(shape=(3, 4), points=(0.0,)))
    def test_relu(x): ...

Importing this module imports hypothesis; `import tinygrad_edu` does not.
"""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "shapes",
    "broadcastable_shapes",
    "smooth_arrays",
    "arrays_away_from",
    "nonzero_arrays",
    "positive_arrays",
    "separated_arrays",
]


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Array shapes (tuples of ints) with min_dims..max_dims dims of min_side..max_side each."""
    return st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


@st.composite
def broadcastable_shapes(draw, count=2, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """A tuple of `count` shapes that broadcast together (numpy's rules).

    Built from one result shape: each input keeps a suffix of its dims and turns some of them into 1.
    """
    result = draw(shapes(min_dims, max_dims, min_side, max_side))
    inputs = []
    for _ in range(count):
        kept = draw(st.integers(0, len(result)))
        suffix = result[len(result) - kept :]
        ones = draw(st.lists(st.booleans(), min_size=kept, max_size=kept))
        inputs.append(tuple(1 if make_one else size for size, make_one in zip(suffix, ones)))
    return tuple(inputs)


def _unit_uniforms(shape):
    """Arrays of the given shape with values in [0, 1], drawn by hypothesis (so they shrink)."""
    return hnp.arrays(np.float64, shape, elements=st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False))


def smooth_arrays(shape, low=-2.0, high=2.0, dtype=np.float64):
    """Arrays with values in [low, high]: for smooth functions (exp, tanh, sin, +, *, matmul)."""
    return _unit_uniforms(shape).map(lambda u: (low + (high - low) * u).astype(dtype))


def arrays_away_from(shape, points=(0.0,), margin=0.1, low=-2.0, high=2.0, dtype=np.float64):
    """Arrays with values in [low, high] but at least `margin` from every point in `points`.

    For kinks: relu and abs at 0, clamp at its bounds. Each uniform draw is mapped into the
    allowed intervals (the range with the points' neighbourhoods cut out), so nothing is rejected.
    """
    allowed = _allowed_intervals(low, high, points, margin)
    starts = np.array([start for start, _ in allowed])
    lengths = np.array([end - start for start, end in allowed])
    offsets = np.concatenate([[0.0], np.cumsum(lengths)])
    total = offsets[-1]

    def place(u):
        position = u * total
        piece = np.clip(np.searchsorted(offsets, position, side="right") - 1, 0, len(lengths) - 1)
        return (starts[piece] + position - offsets[piece]).astype(dtype)

    return _unit_uniforms(shape).map(place)


def _allowed_intervals(low, high, points, margin):
    """[low, high] minus (point - margin, point + margin) for each point, as sorted (start, end) pairs."""
    intervals = [(low, high)]
    for point in sorted(points):
        cut_low, cut_high = point - margin, point + margin
        next_intervals = []
        for start, end in intervals:
            if start < cut_low:
                next_intervals.append((start, min(end, cut_low)))
            if end > cut_high:
                next_intervals.append((max(start, cut_high), end))
        intervals = next_intervals
    intervals = [(start, end) for start, end in intervals if end > start]
    if not intervals:
        raise ValueError(f"arrays_away_from: no values in [{low}, {high}] are {margin} away from {points}")
    return intervals


def nonzero_arrays(shape, min_magnitude=0.1, max_magnitude=2.0, dtype=np.float64):
    """Arrays with min_magnitude <= |x| <= max_magnitude: for relu, abs and divisors."""
    return arrays_away_from(shape, (0.0,), min_magnitude, -max_magnitude, max_magnitude, dtype)


def positive_arrays(shape, low=0.1, high=3.0, dtype=np.float64):
    """Arrays with values in [low, high], low > 0: for log, sqrt and fractional powers."""
    if low <= 0:
        raise ValueError(f"positive_arrays: low must be positive, got {low}")
    return smooth_arrays(shape, low, high, dtype)


@st.composite
def separated_arrays(draw, shape, gap=0.1, low=-2.0, dtype=np.float64):
    """Arrays whose values all differ by at least `gap` (no ties): for max, min, argmax, pooling, sort.

    Built as increasing values (each step between gap and 2 * gap above the last, starting at
    `low`) put in a random order.
    """
    size = int(np.prod(shape, dtype=np.int64))
    steps = draw(_unit_uniforms((size,)))
    values = low + np.cumsum(gap * (1.0 + steps)) - gap
    order = draw(st.permutations(range(size))) if size > 1 else range(size)
    return values[list(order)].reshape(shape).astype(dtype)
