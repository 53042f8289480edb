"""The op library: one `ArrayFunction` subclass per op, grouped by kind, one module each.

Import the modules themselves (`from tinygrad_edu.ops import conv`); this package re-exports only
the two broadcasting helpers that a new op's backward may need.
"""

from .broadcasting import broadcast_shapes, unbroadcast

__all__ = ["broadcast_shapes", "unbroadcast"]
