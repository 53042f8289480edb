"""The hypothesis strategies keep their promises (shapes broadcast, values stay clear of kinks and ties)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu.testing import strategies as tgst


@given(tgst.shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
def test_shapes_respect_their_bounds(shape):
    assert 1 <= len(shape) <= 3
    assert all(2 <= size <= 4 for size in shape)


@given(tgst.broadcastable_shapes(count=3))
def test_broadcastable_shapes_broadcast_together(shapes):
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)  # raises ValueError if they don't


@given(st.data(), tgst.shapes())
def test_smooth_arrays_have_the_shape_range_and_dtype(data, shape):
    array = data.draw(tgst.smooth_arrays(shape, low=-1.0, high=3.0, dtype=np.float32))
    assert array.shape == shape and array.dtype == np.float32
    assert ((array >= -1.0) & (array <= 3.0)).all()


@given(st.data(), tgst.shapes(min_dims=1))
def test_arrays_away_from_stay_outside_every_margin(data, shape):
    points = (-1.0, 0.0, 0.5)
    array = data.draw(tgst.arrays_away_from(shape, points=points, margin=0.2, low=-2.0, high=2.0))
    assert array.shape == shape
    assert ((array >= -2.0) & (array <= 2.0)).all()
    for point in points:
        assert (np.abs(array - point) >= 0.2 - 1e-12).all()


@given(st.data(), tgst.shapes(min_dims=1))
def test_nonzero_and_positive_arrays(data, shape):
    nonzero = data.draw(tgst.nonzero_arrays(shape, min_magnitude=0.3))
    positive = data.draw(tgst.positive_arrays(shape, low=0.2))
    assert (np.abs(nonzero) >= 0.3 - 1e-12).all()
    assert (positive >= 0.2).all()


@given(st.data(), tgst.shapes(min_dims=1))
def test_separated_arrays_have_no_two_values_closer_than_the_gap(data, shape):
    array = data.draw(tgst.separated_arrays(shape, gap=0.25))
    assert array.shape == shape
    ordered = np.sort(array.reshape(-1))
    assert (np.diff(ordered) >= 0.25 - 1e-12).all()


def test_arrays_away_from_rejects_an_empty_range():
    with pytest.raises(ValueError, match="no values"):
        tgst.arrays_away_from((2,), points=(0.0,), margin=1.0, low=-0.5, high=0.5)
