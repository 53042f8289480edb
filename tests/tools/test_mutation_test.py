"""tools/mutation_test.py stays runnable: every mutant's text is still in the source, once.

The script itself is too slow for the test suite; this check is not. A refactor that changes a line a
mutant plants its bug in makes the mutant stale (left out of the score, and the README's score wrong)
until its text is updated, so the refactor's own test run says which mutant to update.
"""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_tool():
    spec = importlib.util.spec_from_file_location("mutation_test", ROOT / "tools" / "mutation_test.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


MUTANTS = load_tool().MUTANTS


@pytest.mark.parametrize("mutant", MUTANTS, ids=[mutant[0] for mutant in MUTANTS])
def test_each_mutant_applies_once_compiles_and_names_existing_tests(mutant):
    name, path, original, mutation, tests = mutant
    source = (ROOT / "tinygrad_edu" / path).read_text(encoding="utf-8")
    assert source.count(original) == 1, f"{name}: its text is found {source.count(original)} times in {path}"
    assert mutation != original
    compile(source.replace(original, mutation), path, "exec")  # a bug to catch, not a SyntaxError
    missing = [test for test in tests if not (ROOT / test).exists()]
    assert not missing, f"{name}: the tests it runs do not exist: {missing}"


def test_mutant_names_are_unique():
    names = [mutant[0] for mutant in MUTANTS]
    assert len(names) == len(set(names))
