"""MkDocs hook: show the `>>>` examples of docstrings as Python console code in the API reference.

Without it, Markdown reads `>>> x = 1` as three nested block quotes. A run of lines starting with
`>>> ` (with `... ` continuations and the output lines after them, up to a blank line) becomes a
fenced ```pycon block.
"""

import re

from markdown import Extension
from markdown.preprocessors import Preprocessor
from mkdocs.plugins import event_priority

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
