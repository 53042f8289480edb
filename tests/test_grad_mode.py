"""Grad mode: no_grad / enable_grad / set_grad_enabled as context managers and decorators."""

import pytest

import tinygrad_edu as tg


@pytest.fixture
def x():
    return tg.tensor([1.0, 2.0], requires_grad=True)


def test_no_grad_context_records_nothing(x):
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        y = x * 2
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_as_a_decorator_with_and_without_parentheses(x):
    @tg.no_grad()
    def with_parentheses(t):
        return t * 2

    @tg.no_grad
    def without_parentheses(t):
        return t * 2

    assert not with_parentheses(x).requires_grad
    assert not without_parentheses(x).requires_grad
    assert without_parentheses.__name__ == "without_parentheses"
    assert tg.is_grad_enabled()


def test_enable_grad_inside_no_grad(x):
    with tg.no_grad():
        with tg.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad

    @tg.enable_grad()
    def recorded(t):
        return t * 2

    with tg.no_grad():
        assert recorded(x).requires_grad


def test_set_grad_enabled_as_a_call_and_as_a_context_manager(x):
    try:
        tg.set_grad_enabled(False)
        assert not (x * 2).requires_grad
    finally:
        tg.set_grad_enabled(True)
    with tg.set_grad_enabled(False):
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception(x):
    with pytest.raises(ValueError):
        with tg.no_grad():
            raise ValueError("inside")
    assert tg.is_grad_enabled()


def test_backward_outside_of_what_no_grad_built(x):
    with tg.no_grad():
        y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_inference_mode_records_nothing_as_a_context_and_as_decorators():
    x = tg.ones(2, requires_grad=True)
    with tg.inference_mode():
        assert not (x * 2).requires_grad and not tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    with tg.no_grad(), tg.inference_mode(False):
        assert not tg.is_grad_enabled()  # mode=False leaves grad mode as it is
    with tg.inference_mode(False):
        assert (x * 2).requires_grad

    @tg.inference_mode
    def bare():
        return (x * 2).requires_grad

    @tg.inference_mode()
    def called():
        return (x * 2).requires_grad

    assert not bare() and not called() and tg.is_grad_enabled()


def test_inference_mode_matches_torch(torch):
    for module in (torch, tg):
        x = module.ones(2, requires_grad=True)
        with module.inference_mode():
            inside = (x * 2).requires_grad
        with module.inference_mode(mode=False):
            outside = (x * 2).requires_grad
        assert (inside, outside) == (False, True)
