"""The errors that several modules raise (`ShapeError`, `DTypeError`, `ArgumentError`, ...) and shared messages.

A shape mismatch is a ValueError (an argument has the wrong value) and, as PyTorch raises for the same
mistake, a RuntimeError: code written for either framework catches it. DTypeError and ArgumentError
follow the same pattern for a wrong dtype (TypeError) and a wrong value that is not a shape (ValueError);
ArgumentTypeError for an argument of the wrong kind (TypeError).
"""


class ShapeError(ValueError, RuntimeError):
    """Tensor shapes that don't fit the op; the message names the op, the shapes and what to do."""


class DTypeError(TypeError, RuntimeError):
    """A tensor of a dtype the op can't take (PyTorch raises RuntimeError, Python's habit is TypeError)."""


class ArgumentError(ValueError, RuntimeError):
    """An argument value the op can't take, where PyTorch raises RuntimeError (Python's habit is ValueError)."""


class ArgumentTypeError(TypeError, RuntimeError):
    """An argument of the wrong kind (a 3-tuple where a pair goes), where PyTorch raises RuntimeError."""


class IntegerDivisionByZero(ZeroDivisionError, RuntimeError):
    """Integer `//` or `%` by zero: PyTorch raises RuntimeError("ZeroDivisionError"), Python ZeroDivisionError."""


SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward(). Specify retain_graph=True if you need to backward through the graph a second time."
)


def device_mismatch(op, devices):
    """The RuntimeError for tensors of one op found on different devices (`devices`: one per tensor)."""
    found = " and ".join(dict.fromkeys(str(device) for device in devices))
    return RuntimeError(
        f"{op}: expected all tensors to be on the same device, but found tensors on {found}; move them with .to(device)"
    )
