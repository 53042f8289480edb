"""The one helper that undoes broadcasting in backward.

If `a` of shape (3, 1) was broadcast against (2, 3, 4), every element of `a` was used 2 * 4 times,
so its gradient is the upstream gradient summed over the axes broadcasting created or stretched.
"""


def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`: over the leading axes broadcasting added and the axes that were 1."""
    if grad.shape == shape:
        return grad
    added = grad.ndim - len(shape)
    stretched = tuple(added + axis for axis, size in enumerate(shape) if size == 1 and grad.shape[added + axis] != 1)
    axes = tuple(range(added)) + stretched
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)
