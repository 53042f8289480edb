"""The exception type for shapes that don't fit an op.

A shape mismatch is a ValueError (an argument has the wrong value) and, as PyTorch raises for the same
mistake, a RuntimeError: code written for either framework catches it.
"""


class ShapeError(ValueError, RuntimeError):
    """Tensor shapes that don't fit the op; the message names the op, the shapes and what to do."""
