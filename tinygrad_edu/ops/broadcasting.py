"""Broadcasting, forward and back: the shape it makes (`broadcast_shapes`) and the sum that undoes
it in backward (`unbroadcast`).

If `a` of shape (3, 1) was broadcast against (2, 3, 4), every element of `a` was used 2 * 4 times,
so its gradient is the upstream gradient summed over the axes broadcasting created or stretched.
"""

from ..errors import ShapeError


def broadcast_shapes(*shapes):
    """The broadcast result of shapes, or a ShapeError (numpy's rules, computed on plain tuples)."""
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
