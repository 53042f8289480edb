"""The README's Python example runs and prints exactly what the README shows."""

from pathlib import Path

from test_docs import code_blocks, run_page

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_example_prints_what_the_readme_shows(tmp_path, monkeypatch):
    assert any(block.expected_output for block in code_blocks(README)), "the README's example lost its output block"
    assert run_page(README, tmp_path, monkeypatch, with_gpu=False) >= 1
