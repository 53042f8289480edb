"""MkDocs hooks: docstring examples as console code, and each tutorial as a Jupyter notebook.

- Without the first, Markdown reads `>>> x = 1` as three nested block quotes. A run of lines starting
  with `>>> ` (with `... ` continuations and the output lines after them, up to a blank line) becomes
  a fenced ```pycon block.
- The second writes `tutorials/<page>.ipynb` next to each tutorial page, generated from the page's
  Markdown at build time (so the page stays the single source), and links it under the page's title.
"""

import json
import re
from pathlib import Path

from markdown import Extension
from markdown.preprocessors import Preprocessor
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

PROMPT = re.compile(r"^(?P<indent>\s*)>>> ")


class DoctestFences(Preprocessor):
    def run(self, lines):
        result, index, in_fence = [], 0, False
        while index < len(lines):
            line = lines[index]
            if line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
            match = None if in_fence else PROMPT.match(line)
            if match is None:
                result.append(line)
                index += 1
                continue
            indent = match["indent"]
            result.extend(["", f"{indent}```pycon"])
            while index < len(lines) and lines[index].strip():
                result.append(lines[index])
                index += 1
            result.extend([f"{indent}```", ""])
        return result


class DoctestFencesExtension(Extension):
    def extendMarkdown(self, md):
        md.preprocessors.register(DoctestFences(md), "doctest_fences", 40)  # before fenced code (25)


@event_priority(100)  # before mkdocstrings builds its Markdown from the same list
def on_config(config):
    config.markdown_extensions.append(DoctestFencesExtension())
    return config


NOTEBOOK_PAGE = re.compile(r"^tutorials/(?!index\.md$)[\w-]+\.md$")
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>.*?)\s*$")
ADMONITION = re.compile(r'^(?:\?\?\?\+?|!!!) +(?P<kind>[\w-]+)(?: +"(?P<title>[^"]*)")? *$')


def notebook(markdown):
    """The page as an nbformat-4 notebook: a code cell per ```python block, in order, with no outputs;
    the prose between them as Markdown cells. The ```text output shown after a code block is left out:
    running the cell prints it. Collapsed blocks (`??? success "Solution"`) become a bold title."""
    cells, prose, after_code = [], [], False
    lines = _admonitions_opened(markdown.splitlines())
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if match is None:
            prose.append(lines[index])
            after_code = after_code and not lines[index].strip()
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(match["fence"]):
            end += 1
        info = match["info"]
        classes = (
            {word.lstrip(".") for word in info.strip("{}").split()} if info.startswith("{") else set(info.split()[:1])
        )
        if "python" in classes:
            cells.append(_cell("markdown", prose))
            cells.append(_cell("code", lines[index + 1 : end]))
            prose, after_code = [], True
        elif "text" in classes and after_code:
            after_code = False  # the output the code above prints
        else:
            prose += lines[index : end + 1]
            after_code = False
        index = end + 1
    cells.append(_cell("markdown", prose))
    return {
        "cells": [cell for cell in cells if cell["source"]],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 4,
    }


def _admonitions_opened(lines):
    """`??? kind "Title"` and `!!! kind "Title"` become **Title**, and their indented body plain text."""
    result, inside = [], False
    for line in lines:
        match = ADMONITION.match(line)
        if match:
            result.append(f"**{match['title'] or match['kind'].capitalize()}**")
            inside = True
        elif inside and (not line.strip() or line.startswith("    ")):
            result.append(line[4:])
        else:
            result.append(line)
            inside = False
    return result


def _cell(kind, lines):
    source = "\n".join(lines).strip("\n")
    if kind == "code":
        return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def on_files(files, config):
    for page in [file for file in files.documentation_pages() if NOTEBOOK_PAGE.match(file.src_uri)]:
        content = json.dumps(notebook(Path(page.abs_src_path).read_text(encoding="utf-8")), indent=1)
        files.append(File.generated(config, page.src_uri[: -len(".md")] + ".ipynb", content=content + "\n"))
    return files


def on_page_markdown(markdown, page, config, files):
    """Put the notebook's download link under the page's title."""
    if not NOTEBOOK_PAGE.match(page.file.src_uri):
        return markdown
    name = Path(page.file.src_uri).stem + ".ipynb"
    link = f'[Download this page as a Jupyter notebook]({name}){{ download="{name}" }}'
    lines = markdown.split("\n")
    title = next((index for index, line in enumerate(lines) if line.startswith("# ")), -1)
    return "\n".join(lines[: title + 1] + ["", link, ""] + lines[title + 1 :])
