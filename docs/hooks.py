"""MkDocs hooks: docstring examples as console code, each tutorial as a Jupyter notebook, two i18n fixes.

- Without the first, Markdown reads `>>> x = 1` as three nested block quotes. A run of lines starting
  with `>>> ` (with `... ` continuations and the output lines after them, up to a blank line) becomes
  a fenced ```pycon block.
- The second writes `tutorials/<page>.ipynb` next to each tutorial page, generated from the page's
  Markdown at build time (so the page stays the single source), and links it under the page's title.
  The Korean edition (`tutorials/<page>.ko.md`, built under `ko/` by the i18n plugin) gets its own
  notebook, `ko/tutorials/<page>.ipynb`, made from the Korean page, with the link in Korean.
- The last two mend what the i18n plugin (the Korean edition at /ko/) gets wrong: it leaves the home
  pages' language-switcher links absolute, and lets the Korean 404 page, built last, replace the
  English one.
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


NOTEBOOK_PAGE = re.compile(r"^tutorials/(?!index\.)(?P<name>[\w-]+)(?:\.(?P<language>[a-z]{2}))?\.md$")
NOTEBOOK_LINK = {"en": "Download this page as a Jupyter notebook", "ko": "이 페이지를 주피터 노트북으로 내려받기"}
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>.*?)\s*$")
ADMONITION = re.compile(r'^(?:\?\?\?\+?|!!!) +(?P<kind>[\w-]+)(?: +"(?P<title>[^"]*)")? *$')
HEADING_ID = re.compile(r"^(?P<heading>#{1,6} .*?)\s*\{#[\w-]+\}\s*$")  # "## 역전파 {#backward}"


def notebook(markdown):
    """The page as an nbformat-4 notebook: a code cell per ```python block, in order, with no outputs;
    the prose between them as Markdown cells. The ```text output shown after a code block is left out:
    running the cell prints it. Collapsed blocks (`??? success "Solution"`) become a bold title, and a
    heading's `{#id}` (the Korean pages keep the English ids) is dropped, as Jupyter would show it."""
    cells, prose, after_code = [], [], False
    lines = _admonitions_opened(markdown.splitlines())
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if match is None:
            prose.append(HEADING_ID.sub(r"\g<heading>", lines[index]))
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


@event_priority(-110)  # after the i18n plugin (-100) has chosen this language's pages and their URLs
def on_files(files, config):
    for page in [file for file in files.documentation_pages() if NOTEBOOK_PAGE.match(file.src_uri)]:
        content = json.dumps(notebook(Path(page.abs_src_path).read_text(encoding="utf-8")), indent=1)
        name = NOTEBOOK_PAGE.match(page.src_uri)["name"]
        generated = File.generated(config, f"tutorials/{name}.ipynb", content=content + "\n")
        generated.dest_uri = page.url.rstrip("/").removesuffix(".html") + ".ipynb"  # beside the page, in ko/ for ko
        files.append(generated)
    return files


def on_page_markdown(markdown, page, config, files):
    """Put the notebook's download link under the page's title, in the page's language."""
    match = NOTEBOOK_PAGE.match(page.file.src_uri)
    if match is None:
        return markdown
    name = match["name"] + ".ipynb"
    text = NOTEBOOK_LINK[match["language"] or "en"]
    link = f'[{text}]({name}){{ download="{name}" }}'
    lines = markdown.split("\n")
    title = next((index for index, line in enumerate(lines) if line.startswith("# ")), -1)
    return "\n".join(lines[: title + 1] + ["", link, ""] + lines[title + 1 :])


@event_priority(40)  # after the i18n plugin (50) has pointed the language switcher at this page's editions
def on_page_context(context, page, config, nav):
    """The language switcher's links as the site-relative URLs of the page's editions.

    The i18n plugin leaves the two home pages' links absolute ("/", "/ko/"), which go wrong on a site
    served from a sub-path (https://user.github.io/tinygrad_edu/) or opened from disk; the theme
    makes a site-relative URL relative to the page.
    """
    editions = getattr(page.file, "alternates", {})  # set by the i18n plugin: language -> File
    for alternate in getattr(config.extra, "alternate", []):  # the plugin's copy for this page, which the theme reads
        if alternate["lang"] in editions:
            alternate["link"] = editions[alternate["lang"]].url
    return context


def on_post_template(output, template_name, config):
    """One 404 page for the whole site, the English one: the Korean edition, built last, would overwrite it."""
    i18n = config.plugins.get("i18n")
    if template_name != "404.html" or i18n is None or i18n.is_default_language_build:
        return output
    return Path(config.site_dir, "404.html").read_text(encoding="utf-8")
