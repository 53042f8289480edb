"""Grad mode: whether ops record the graph. `no_grad()` turns recording off, e.g. for evaluation."""

import functools

_enabled = True


def is_grad_enabled():
    """True when new ops are recorded for backward."""
    return _enabled


def set_grad_enabled(mode):
    global _enabled
    _enabled = bool(mode)


class _GradMode:
    """Context manager and decorator that sets grad mode inside and restores it after."""

    mode = True

    def __enter__(self):
        self._previous = _enabled
        set_grad_enabled(self.mode)
        return self

    def __exit__(self, *exc_info):
        set_grad_enabled(self._previous)
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return function(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """`with no_grad():` (or `@no_grad()`): ops inside build no graph and their results need no grad."""

    mode = False


class enable_grad(_GradMode):
    """`with enable_grad():` records ops again, even inside `no_grad()`."""

    mode = True
