"""Each tutorial's notebook (made by docs/hooks.py at build time) holds exactly the page's code, in order.

tests/test_docs.py runs those same blocks, so a notebook whose cells match them runs as the page does.
Each edition has its own notebooks: tutorials/x.md gives tutorials/x.ipynb, tutorials/x.ko.md the
Korean ko/tutorials/x.ipynb, with the Korean prose and comments.
"""

import importlib.util
import json

import pytest
from test_docs import DOCS, code_blocks

pytest.importorskip("mkdocs", reason="docs/hooks.py needs mkdocs (pip install -e '.[docs]')")


def load_hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    return hooks


hooks = load_hooks()
TUTORIALS = [page for page in sorted((DOCS / "tutorials").glob("*.md")) if not page.name.startswith("index.")]


@pytest.mark.parametrize("page", TUTORIALS, ids=lambda page: page.name)
def test_notebook_holds_exactly_the_pages_code_cells(page):
    notebook = hooks.notebook(page.read_text(encoding="utf-8"))
    assert hooks.NOTEBOOK_PAGE.match(f"tutorials/{page.name}")["name"] == page.name.split(".")[0]
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert [cell["source"] for cell in code_cells] == [block.code.strip("\n") for block in code_blocks(page)]
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in code_cells)
    prose = "\n".join(cell["source"] for cell in notebook["cells"] if cell["cell_type"] == "markdown")
    assert not [line for line in prose.splitlines() if line.lstrip().startswith(("```python", "```{.python"))]
    json.dumps(notebook)  # plain JSON, as .ipynb files are


def test_notebook_of_a_small_page():
    page = (
        "# Title\n\nProse.\n\n```python\nx = 1\nprint(x)\n```\n\n```text\n1\n```\n\n```text\nnot an output\n```\n"
        '\n```{.python .gpu}\ny = 2\n```\n\n## Exercises\n\n??? success "Solution"\n    Indented prose.\n\n'
        "    ```python\n    if x:\n        print(x)\n    ```\n\nAfter.\n"
    )
    cells = [(cell["cell_type"], cell["source"]) for cell in hooks.notebook(page)["cells"]]
    assert cells == [
        ("markdown", "# Title\n\nProse."),
        ("code", "x = 1\nprint(x)"),
        ("markdown", "```text\nnot an output\n```"),
        ("code", "y = 2"),
        ("markdown", "## Exercises\n\n**Solution**\nIndented prose."),
        ("code", "if x:\n    print(x)"),
        ("markdown", "After."),
    ]
    assert not hooks.NOTEBOOK_PAGE.match("tutorials/index.md")
    assert not hooks.NOTEBOOK_PAGE.match("tutorials/index.ko.md")


def test_notebook_of_a_korean_page_drops_the_headings_ids():
    page = "# 1. 텐서 {#1-tensors}\n\n## 역전파 {#backward}\n\n```python\n# 주석 {#not-a-heading}\nx = 1\n```\n"
    cells = [(cell["cell_type"], cell["source"]) for cell in hooks.notebook(page)["cells"]]
    assert cells == [("markdown", "# 1. 텐서\n\n## 역전파"), ("code", "# 주석 {#not-a-heading}\nx = 1")]
    match = hooks.NOTEBOOK_PAGE.match("tutorials/01-tensors-and-autograd.ko.md")
    assert (match["name"], match["language"]) == ("01-tensors-and-autograd", "ko")
