"""The examples in optim's docstrings run and print what they show."""

import doctest
import importlib
import pkgutil

import pytest

import tinygrad_edu.optim

MODULES = [info.name for info in pkgutil.iter_modules(tinygrad_edu.optim.__path__, "tinygrad_edu.optim.")]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
