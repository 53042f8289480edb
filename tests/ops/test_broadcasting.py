"""unbroadcast: the one helper that sums a broadcast gradient back to an input's shape."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu.ops import unbroadcast
from tinygrad_edu.testing import strategies as tgst


@given(data=st.data())
def test_unbroadcast_sums_what_broadcasting_repeated(data):
    shape, other_shape = data.draw(tgst.broadcastable_shapes(2))
    result_shape = np.broadcast_shapes(shape, other_shape)
    grad = data.draw(tgst.smooth_arrays(result_shape))
    # The reference: d/dx sum(grad * broadcast_to(x)) = each element's grad summed over its copies.
    copies_of = np.broadcast_to(np.arange(int(np.prod(shape))).reshape(shape), result_shape)
    expected = np.bincount(copies_of.reshape(-1), weights=grad.reshape(-1), minlength=int(np.prod(shape)))
    result = unbroadcast(grad, shape)
    assert result.shape == shape
    np.testing.assert_allclose(result, expected.reshape(shape), rtol=1e-12, atol=1e-12)


def test_unbroadcast_returns_the_gradient_itself_when_nothing_was_broadcast():
    grad = np.ones((2, 3))
    assert unbroadcast(grad, (2, 3)) is grad


def test_unbroadcast_to_a_scalar_a_row_and_a_column():
    grad = np.arange(6.0).reshape(2, 3)
    assert unbroadcast(grad, ()).shape == () and unbroadcast(grad, ()) == 15.0
    np.testing.assert_array_equal(unbroadcast(grad, (1, 3)), [[3.0, 5.0, 7.0]])
    np.testing.assert_array_equal(unbroadcast(grad, (3,)), [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(unbroadcast(grad, (2, 1)), [[3.0], [12.0]])
