"""Grad mode: whether ops record the graph. `no_grad()` turns recording off, e.g. for evaluation."""

import functools

_enabled = True


def is_grad_enabled():
    """True when new ops are recorded for backward."""
    return _enabled


def _set_enabled(mode):
    global _enabled
    _enabled = bool(mode)


class _GradMode:
    """Context manager and decorator that sets grad mode to `self.mode` inside and restores it after."""

    mode = True

    def __enter__(self):
        self._previous = _enabled
        _set_enabled(self.mode)
        return self

    def __exit__(self, *exc_info):
        _set_enabled(self._previous)
        return False

    def __call__(self, function):
        mode = self.mode

        @functools.wraps(function)
        def wrapper(*args, **kwargs):  # `with set_grad_enabled(mode):` around the call, without its objects
            global _enabled
            previous, _enabled = _enabled, mode
            try:
                return function(*args, **kwargs)
            finally:
                _enabled = previous

        return wrapper


class _DecoratorWithoutParentheses(_GradMode):
    """Also allows `@no_grad` (no parentheses), as PyTorch does."""

    def __new__(cls, function=None):
        manager = super().__new__(cls)
        return manager if function is None else manager(function)


class no_grad(_DecoratorWithoutParentheses):
    """`with no_grad():` (or `@no_grad()`): ops inside build no graph and their results need no grad."""

    mode = False


class enable_grad(_DecoratorWithoutParentheses):
    """`with enable_grad():` records ops again, even inside `no_grad()`."""

    mode = True


class set_grad_enabled(_GradMode):
    """`set_grad_enabled(False)` switches recording off now; as a context manager, until the block ends."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self._previous = _enabled
        _set_enabled(self.mode)

    def __enter__(self):
        return self


class inference_mode:
    """`with inference_mode():` (or `@inference_mode`), as PyTorch: here the same as no_grad().

    PyTorch also stops counting tensor versions inside; tinygrad_edu counts none, so turning recording
    off is all there is to do. `inference_mode(False)` leaves grad mode as it is.
    """

    def __new__(cls, mode=True):
        manager = super().__new__(cls)
        manager.inference = True if callable(mode) else bool(mode)
        return manager(mode) if callable(mode) else manager  # `@inference_mode` without parentheses

    def __enter__(self):
        self._previous = _enabled
        if self.inference:
            _set_enabled(False)
        return self

    def __exit__(self, *exc_info):
        _set_enabled(self._previous)
        return False

    def __call__(self, function):
        inference = self.inference

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with inference_mode(inference):
                return function(*args, **kwargs)

        return wrapper
