"""Every ```python block in docs/ runs, and every output shown after one is the real output.

The convention (also described in docs/tutorials/index.md):
- A page's ```python blocks run in order in one namespace, fresh for each page, in a temporary
  working directory (files a page writes disappear afterwards).
- A ```text block that follows a ```python block (with only blank lines between) is that block's
  expected stdout. `...` in it matches any text, as doctest's ELLIPSIS. Without a ```text block,
  the output is not checked, but the block must still run without error.
- ```{.python .gpu} marks a block that needs an NVIDIA GPU with CuPy: skipped where there is none,
  run by `test_gpu_blocks_run` (marked `gpu`) where there is.
- The random generator is put in an unpredictable state before each page, so a page that prints
  random numbers must call `tinygrad_edu.manual_seed` itself, as a reader would have to.
- A page that needs a dataset says so in an HTML comment, `<!-- docs-test: needs fashion-mnist -->`,
  and is skipped, with the reason, where the dataset's files are not on this machine (it is never
  downloaded by the tests; CI installs Debian's dataset-fashion-mnist).
- An exercise's solution sits in a collapsed block, `??? success "Solution"`, with its ```python
  (and ```text) blocks indented by four spaces: they run in page order like the others. Any other
  indented ```python block is an error, since it would silently go untested.
- All of this holds for the Korean edition too: `page.ko.md` beside `page.md` (the i18n plugin's
  suffix layout) is a page like any other, run and checked on its own. Besides, it must have the
  English page's fenced blocks (comments aside), headings' ids and pictures, in the same order
  (`test_korean_page_matches_its_english_page`), and every page must have its other edition
  (`test_every_page_has_its_korean_edition_and_back`).
"""

import contextlib
import doctest
import importlib.util
import io
import os
import re
import sys
import tokenize
import traceback
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu
from tinygrad_edu import datasets

DOCS = Path(__file__).resolve().parent.parent / "docs"
ADMONITION = re.compile(r"^[ \t]*(\?\?\?\+?|!!!) ")
# A fence's info string has no backtick (CommonMark), so "```` ```text ```` blocks ..." is prose.
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}(?=[^`]*$)|~{3,})\s*(?P<info>.*?)\s*$")
NEEDS = re.compile(r"^<!--\s*docs-test:\s*needs\s+(?P<names>[\w ,-]+?)\s*-->\s*$", re.MULTILINE)  # a line of its own
DATASETS = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST}


class CodeBlock:
    """One fenced ```python block of a page, with the output the page shows after it (or None)."""

    def __init__(self, page, line, code, classes):
        self.page = page
        self.line = line  # the 1-based line of the first line of code
        self.code = code
        self.needs_gpu = "gpu" in classes
        self.expected_output = None

    def where(self):
        page = self.page.relative_to(DOCS.parent) if self.page.is_relative_to(DOCS.parent) else self.page.name
        return f"{page}:{self.line}"


def fenced_blocks(text):
    """(info classes, first code line, code, closing line index, indent) for each fenced block of Markdown."""
    lines = text.splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        fence, info, indent = match["fence"], match["info"], match["indent"]
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        body = [line[len(indent) :] if line.startswith(indent) else line for line in lines[index + 1 : end]]
        blocks.append((_info_classes(info), index + 2, "\n".join(body) + "\n", end, indent))
        index = end + 1
    return blocks, lines


def _info_classes(info):
    """`python`, `python title="x"` and `{.python .gpu}` alike give a set of words: {"python", "gpu"}."""
    if info.startswith("{"):
        return {word.lstrip(".") for word in info.strip("{}").split() if word.startswith(".")}
    return {info.split()[0]} if info else set()


def code_blocks(page):
    """The page's ```python blocks, each with the ```text block right after it as its expected output."""
    blocks, lines = fenced_blocks(page.read_text(encoding="utf-8"))
    result = []
    previous = None  # (classes, closing line index) of the block before
    for classes, line, body, end, indent in blocks:
        if "python" in classes:
            if indent and not _inside_admonition(lines, line - 2, indent):
                raise AssertionError(
                    f"{page}:{line - 1}: an indented ```python block would not be tested; start it at column 0"
                    ' (or inside a `??? success "Solution"` or `!!!` block)'
                )
            result.append(CodeBlock(page, line, body, classes))
        elif "text" in classes and previous is not None and "python" in previous[0]:
            between = lines[previous[1] + 1 : line - 2]
            if all(not text.strip() for text in between):
                result[-1].expected_output = body
        previous = (classes, end)
    return result


def _inside_admonition(lines, fence_index, indent):
    """Whether the fence at `fence_index` is the body of a `???`/`???+`/`!!!` block (an exercise's solution)."""
    for line in reversed(lines[:fence_index]):
        if not line.strip():
            continue
        line_indent = len(line) - len(line.lstrip())
        if line_indent < len(indent):
            return ADMONITION.match(line) is not None and len(indent) - line_indent == 4
    return False


def pages():
    return sorted(DOCS.rglob("*.md"))


TRANSLATION = ".ko.md"  # docs/x.md in English, docs/x.ko.md in Korean
NOT_TRANSLATED = ("api", "assets")  # see test_every_page_has_its_korean_edition_and_back


def is_korean(page):
    return page.name.endswith(TRANSLATION)


def english_edition(page):
    return page.with_name(page.name.removesuffix(TRANSLATION) + ".md") if is_korean(page) else page


def korean_edition(page):
    return page if is_korean(page) else page.with_name(page.name.removesuffix(".md") + TRANSLATION)


def same_edition(target, page):
    """The page a link from `page` to `target` (an English .md) reaches: in a Korean page, the Korean
    edition of the target where there is one, as the i18n plugin resolves it."""
    if is_korean(page) and korean_edition(target).is_file():
        return korean_edition(target)
    return target


HEADING = re.compile(r"^#{1,6}\s+(?P<title>.*?)(?:\s*\{#(?P<id>[\w-]+)\})?\s*$")
ANCHORED_LINK = re.compile(r"\]\((?P<target>[^)\s#]*)#(?P<anchor>[^)\s]+)\)")


def heading_ids(page):
    """The ids MkDocs gives a page's headings: toc's slugify of the text, or `{#id}`; repeats get _1, _2."""
    from markdown.extensions.toc import slugify, unique

    blocks, lines = fenced_blocks(page.read_text(encoding="utf-8"))
    fenced = {index for _, first, _, end, _ in blocks for index in range(first - 2, end + 1)}
    ids, taken = [], set()
    for index, line in enumerate(lines):
        match = HEADING.match(line)
        if index in fenced or not match:
            continue
        title = re.sub(r"\[([^]]*)\]\([^)]*\)", r"\1", match["title"]).replace("`", "")
        anchor = match["id"] or slugify(title, "-")
        ids.append(unique(anchor, taken))  # as toc does: "setup", then "setup_1"
    return ids


def needed_datasets(page):
    """The dataset names a page declares with `<!-- docs-test: needs NAME[, NAME] -->`."""
    names = [
        name.strip() for match in NEEDS.finditer(page.read_text(encoding="utf-8")) for name in match["names"].split(",")
    ]
    unknown = sorted(set(names) - set(DATASETS))
    if unknown:
        raise AssertionError(f"{page}: unknown dataset(s) {unknown} in docs-test: needs; known: {sorted(DATASETS)}")
    return names


def missing_data_reason(page):
    """Why the page cannot run here (a dataset it needs has no local files), or None if it can.

    Looks where the page's own `datasets.X(download=True)` looks first, without root: the cache
    directory ($TINYGRAD_EDU_DATA) and the system directories; so where this finds the files, the
    page reads them and never touches the network.
    """
    for name in needed_datasets(page):
        for train in (True, False):
            try:
                DATASETS[name](train=train)
            except FileNotFoundError as error:
                return f"{page.name} needs {name}, not found on this machine: {error}"
    return None


def run_page(page, tmp_path, monkeypatch, with_gpu):
    """Run a page's blocks in order in one namespace; fail at the first error or differing output."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    tinygrad_edu.set_default_dtype(tinygrad_edu.float32)  # as a reader's fresh session has it
    tinygrad_edu.manual_seed(int.from_bytes(os.urandom(4), "little"))
    namespace = {"__name__": "__docs__"}
    checker = doctest.OutputChecker()
    ran = 0
    print_options = np.get_printoptions()  # a page that changes numpy's printing must not change the next page's
    try:
        for block in code_blocks(page):
            if block.needs_gpu and not with_gpu:
                continue
            code = compile("\n" * (block.line - 1) + block.code, str(page), "exec")
            output = io.StringIO()
            try:
                with contextlib.redirect_stdout(output):
                    exec(code, namespace)
            except Exception:
                pytest.fail(f"{block.where()}: this block raised\n{traceback.format_exc()}", pytrace=False)
            ran += 1
            expected = block.expected_output
            actual = _strip_line_ends(output.getvalue())
            if expected is not None and not checker.check_output(_strip_line_ends(expected), actual, doctest.ELLIPSIS):
                pytest.fail(
                    f"{block.where()}: the output differs from the ```text block after it.\n"
                    f"--- the page shows:\n{expected}--- the code printed:\n{actual}",
                    pytrace=False,
                )
    finally:
        tinygrad_edu.set_default_dtype(tinygrad_edu.float32)
        np.set_printoptions(**print_options)
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
    return ran


def _strip_line_ends(text):
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()) + "\n"


def _gpu_available():
    if importlib.util.find_spec("cupy") is None or importlib.util.find_spec("tinygrad_edu.cuda") is None:
        return False
    import tinygrad_edu.cuda

    return tinygrad_edu.cuda.is_available()


@pytest.mark.parametrize("page", pages(), ids=lambda page: str(page.relative_to(DOCS)))
def test_page_runs_and_shows_real_output(page, tmp_path, monkeypatch):
    reason = missing_data_reason(page)
    if reason:
        pytest.skip(reason)
    run_page(page, tmp_path, monkeypatch, with_gpu=False)


GPU_PAGES = [page for page in pages() if any(block.needs_gpu for block in code_blocks(page))]


@pytest.mark.gpu
@pytest.mark.skipif(not _gpu_available(), reason="needs CuPy and an NVIDIA GPU")
@pytest.mark.parametrize("page", GPU_PAGES, ids=lambda page: str(page.relative_to(DOCS)))
def test_gpu_blocks_run(page, tmp_path, monkeypatch):
    run_page(page, tmp_path, monkeypatch, with_gpu=True)


def test_the_docs_have_tested_code():
    """The collector itself: it finds blocks, pairs outputs, and reads the .gpu marker."""
    assert GPU_PAGES, "the GPU tutorial should have at least one ```{.python .gpu} block"
    blocks = [block for page in pages() for block in code_blocks(page)]
    assert len(blocks) > 50
    assert sum(block.expected_output is not None for block in blocks) > 20


TOUR = DOCS / "tutorials" / "08-reading-the-source.md"


@pytest.mark.parametrize(
    "tour", [page for page in (TOUR, korean_edition(TOUR)) if page.is_file()], ids=lambda p: p.name
)
def test_source_tour_names_every_file_of_the_package(tour):
    """Tutorial 8 (each edition) stays true to the tree: it mentions each .py file, and each one it mentions exists."""
    root = DOCS.parent
    files = {str(path.relative_to(root)) for path in (root / "tinygrad_edu").rglob("*.py")}
    mentioned = set(re.findall(r"`(tinygrad_edu/[\w/]+\.py)`", tour.read_text(encoding="utf-8")))
    assert not files - mentioned, f"{tour.name} does not describe {sorted(files - mentioned)}"
    assert not mentioned - files, f"{tour.name} describes files that do not exist: {sorted(mentioned - files)}"


def test_collector_pairs_output_and_reports_differences(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text(
        "Intro\n\n```python\nx = 2\nprint(x + 1)\n```\n\n```text\n3\n```\n\nProse.\n\n```text\nnot an output\n```\n"
        "\n```{.python .gpu}\nprint('gpu')\n```\n\n```python\nprint(x * 10, 'and more')\n```\n"
        "```text\n20 ...\n```\n",
        encoding="utf-8",
    )
    blocks = code_blocks(page)
    assert [block.line for block in blocks] == [4, 19, 23]
    assert [block.expected_output for block in blocks] == ["3\n", None, "20 ...\n"]
    assert [block.needs_gpu for block in blocks] == [False, True, False]
    workdir = tmp_path / "work"
    workdir.mkdir()
    assert run_page(page, workdir, monkeypatch, with_gpu=False) == 2

    page.write_text("```python\nprint(1 + 1)\n```\n```text\n3\n```\n", encoding="utf-8")
    with pytest.raises(pytest.fail.Exception, match="output differs"):
        run_page(page, workdir, monkeypatch, with_gpu=False)
    page.write_text("```python\nraise ValueError('broken example')\n```\n", encoding="utf-8")
    with pytest.raises(pytest.fail.Exception, match="page.md:2: this block raised"):
        run_page(page, workdir, monkeypatch, with_gpu=False)


def test_a_page_whose_data_is_missing_is_skipped_with_a_reason(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text("<!-- docs-test: needs fashion-mnist -->\n# A page\n", encoding="utf-8")
    assert needed_datasets(page) == ["fashion-mnist"]
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(datasets.FashionMNIST, "system_dirs", [])  # as on a machine without Debian's package
    reason = missing_data_reason(page)
    assert reason.startswith("page.md needs fashion-mnist, not found on this machine")

    raw = tmp_path / "empty-cache" / "FashionMNIST" / "raw"  # files put where a download would go
    raw.mkdir(parents=True)
    for split, count in (("train", 3), ("t10k", 2)):
        write_idx(raw / f"{split}-images-idx3-ubyte", np.zeros((count, 28, 28), dtype=np.uint8))
        write_idx(raw / f"{split}-labels-idx1-ubyte", np.arange(count, dtype=np.uint8))
    assert missing_data_reason(page) is None

    page.write_text("<!-- docs-test: needs fashion-mnist, imagenet -->\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="unknown dataset"):
        needed_datasets(page)


def write_idx(path, array):
    """A uint8 IDX file: magic (0, 0, 8 = uint8, ndim), the dims as big-endian int32, the bytes."""
    header = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, dtype=">i4").tobytes()
    path.write_bytes(header + array.tobytes())


def test_the_data_pages_declare_their_data():
    """A page that builds a dataset object says so, so that it is skipped, not failed, without the data."""
    for page in pages():
        text = "".join(block.code for block in code_blocks(page))
        used = {name for name, cls in DATASETS.items() if f"datasets.{cls.__name__}(" in text}
        assert used <= set(needed_datasets(page)), f"{page}: add <!-- docs-test: needs {', '.join(sorted(used))} -->"


def test_collector_runs_solutions_inside_admonitions_and_refuses_other_indented_code(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nanswer = 6\n```\n\n1. Multiply it by 7.\n\n"
        '??? success "Solution"\n\n    Like this:\n\n    ```python\n    print(answer * 7)\n    ```\n\n'
        "    ```text\n    42\n    ```\n",
        encoding="utf-8",
    )
    blocks = code_blocks(page)
    assert [block.code for block in blocks] == ["answer = 6\n", "print(answer * 7)\n"]
    assert blocks[1].expected_output == "42\n"
    workdir = tmp_path / "work"
    workdir.mkdir()
    assert run_page(page, workdir, monkeypatch, with_gpu=False) == 2

    page.write_text("1. A list item:\n\n    ```python\n    print('never run')\n    ```\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="indented ```python block would not be tested"):
        code_blocks(page)


def test_links_to_a_section_point_to_a_heading_that_exists():
    """`[text](page.md#section)`: the section is a heading of that page (mkdocs --strict checks only the page)."""
    pytest.importorskip("markdown", reason="the heading ids are those of Markdown's toc (pip install -e '.[docs]')")
    broken = []
    for page in pages():
        for match in ANCHORED_LINK.finditer(page.read_text(encoding="utf-8")):
            target = same_edition((page.parent / match["target"]).resolve(), page) if match["target"] else page
            if target.suffix != ".md" or target.is_relative_to(DOCS / "api"):  # API anchors come from mkdocstrings
                continue
            if not target.is_file() or match["anchor"] not in heading_ids(target):
                broken.append(f"{page.relative_to(DOCS)}: {match[0][1:]}")
    assert not broken, "links to sections that do not exist:\n" + "\n".join(broken)


def test_a_link_from_a_korean_page_reaches_the_korean_edition(tmp_path):
    for name in ("a.md", "a.ko.md", "b.md", "b.ko.md", "c.md"):
        (tmp_path / name).write_text("# A page\n", encoding="utf-8")
    assert same_edition(tmp_path / "a.md", tmp_path / "b.ko.md") == tmp_path / "a.ko.md"
    assert same_edition(tmp_path / "a.md", tmp_path / "b.md") == tmp_path / "a.md"
    assert same_edition(tmp_path / "c.md", tmp_path / "b.ko.md") == tmp_path / "c.md"  # untranslated: the English page
    assert (english_edition(tmp_path / "a.ko.md"), korean_edition(tmp_path / "a.md")) == (
        tmp_path / "a.md",
        tmp_path / "a.ko.md",
    )


def test_heading_ids_are_those_of_mkdocs(tmp_path):
    pytest.importorskip("markdown", reason="the heading ids are those of Markdown's toc (pip install -e '.[docs]')")
    page = tmp_path / "page.md"
    page.write_text(
        "# 2. From `nn` to [AND](x.md)\n\n```python\n# not a heading\n```\n\n## Setup\n\n## Setup\n\n"
        "### How wrong? The cost J(theta)\n\n## Named {#my-id}\n",
        encoding="utf-8",
    )
    assert heading_ids(page) == ["2-from-nn-to-and", "setup", "setup_1", "how-wrong-the-cost-jtheta", "my-id"]
    page.write_text("```` ```text ```` blocks are outputs, in prose.\n\n## After it\n", encoding="utf-8")
    assert heading_ids(page) == ["after-it"]


def test_every_picture_is_generated_by_a_script_and_every_shown_picture_exists():
    """docs/images/ holds what docs/make_images*.py write (nothing drawn by hand), and the pages show only those."""
    scripts = "".join(script.read_text(encoding="utf-8") for script in sorted(DOCS.glob("make_images*.py")))
    pictures = {path.name for path in (DOCS / "images").iterdir()}
    assert not [name for name in pictures if f'"{name}"' not in scripts], "no docs/make_images*.py makes these"
    shown = {name for page in pages() for name in re.findall(r"\]\((?:\.\./)*images/([\w.-]+)\)", page.read_text())}
    assert shown and not shown - pictures, f"pages show pictures that docs/images/ lacks: {sorted(shown - pictures)}"


def test_every_page_has_its_korean_edition_and_back():
    """Each English page has its Korean edition, `page.ko.md`, and each Korean page its English one.

    Not translated, on purpose: docs/api/ (the API reference: mkdocstrings renders it from the
    docstrings, which are English; the Korean edition builds these pages from the same English source
    through the i18n plugin's fallback, so it has them, and a copy would only drift) and docs/assets/
    (not pages of the site: mkdocs.yml's exclude_docs keeps KaTeX's README out of it).
    """
    site_pages = [page for page in pages() if page.relative_to(DOCS).parts[0] not in NOT_TRANSLATED]
    english, korean = [page for page in site_pages if not is_korean(page)], set(filter(is_korean, site_pages))
    untranslated = [str(page.relative_to(DOCS)) for page in english if korean_edition(page) not in korean]
    orphans = [str(page.relative_to(DOCS)) for page in sorted(korean) if not english_edition(page).is_file()]
    assert not untranslated, f"these pages have no Korean edition (add page.ko.md): {untranslated}"
    assert not orphans, f"these Korean pages have no English page: {orphans}"


IMAGE = re.compile(r"!\[[^\]]*\]\((?P<path>[^)\s]+)")
BASH_COMMENT = re.compile(r"(?:^|\s+)#.*$")


def edition_differences(korean, english):
    """What a Korean page changed from its English page, beyond its prose: its fenced blocks (each
    block's kind, indent and lines; the text of comments aside), its headings' ids, its pictures."""
    differences = []
    korean_blocks, korean_lines = fenced_blocks(korean.read_text(encoding="utf-8"))
    english_blocks, english_lines = fenced_blocks(english.read_text(encoding="utf-8"))
    if len(korean_blocks) != len(english_blocks):
        differences.append(f"{len(korean_blocks)} fenced blocks, the English page has {len(english_blocks)}")
    for korean_block, english_block in zip(korean_blocks, english_blocks):
        if _as_shared(korean_block) != _as_shared(english_block):
            differences.append(
                f"line {korean_block[1]}: this block is not the English page's (line {english_block[1]}) with only"
                f" comments changed\n--- Korean:\n{korean_block[2]}--- English:\n{english_block[2]}"
            )
            break  # the blocks after it are likely shifted: one difference at a time
    if heading_ids(korean) != heading_ids(english):
        differences.append(
            f"headings' ids {heading_ids(korean)}, the English page's are {heading_ids(english)}:"
            " end each Korean heading with the English heading's {#id}"
        )
    pictures = [
        [match["path"] for match in IMAGE.finditer("\n".join(lines))] for lines in (korean_lines, english_lines)
    ]
    if pictures[0] != pictures[1]:
        differences.append(f"pictures {pictures[0]}, the English page has {pictures[1]}")
    return differences


def _as_shared(block):
    """What both editions of a fenced block must share: its kind, its indent, its lines with the comments aside."""
    classes, _, body, _, indent = block
    return classes, indent, _without_comments(body, classes)


def _without_comments(code, classes):
    """The block's lines with their comments' text taken out: a translation may reword, split or drop
    comments, and nothing else. Python's comments are found by its tokenizer, so `"#"` in a string stays."""
    lines = code.splitlines()
    commented = set()
    if "python" in classes:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.COMMENT:
                row, column = token.start
                lines[row - 1] = lines[row - 1][:column].rstrip()
                commented.add(row - 1)
    elif "bash" in classes:
        for index, line in enumerate(lines):
            lines[index] = BASH_COMMENT.sub("", line)
            if lines[index] != line:
                commented.add(index)
    return [line for index, line in enumerate(lines) if line or index not in commented]


KOREAN_PAGES = [page for page in pages() if is_korean(page)]


@pytest.mark.parametrize("page", KOREAN_PAGES, ids=lambda page: str(page.relative_to(DOCS)))
def test_korean_page_matches_its_english_page(page):
    """A translation changes the prose and the comments, never the code, the outputs, the ids or the pictures."""
    english = english_edition(page)
    assert english.is_file(), f"{page.relative_to(DOCS)} has no English page {english.relative_to(DOCS)}"
    differences = edition_differences(page, english)
    assert not differences, f"{page.relative_to(DOCS)} differs from {english.name}:\n" + "\n".join(differences)


def test_edition_differences_see_code_outputs_ids_and_pictures_but_not_comments(tmp_path):
    english, korean = tmp_path / "page.md", tmp_path / "page.ko.md"
    english.write_text(
        "# A page\n\n![a graph](../images/g.svg)\n\n```python\nx = '#1'  # a comment\n# a whole line\nprint(x)\n```\n\n"
        "```text\n#1\n```\n\n## Setup\n\n```bash\npip install -e .  # from a clone\n```\n",
        encoding="utf-8",
    )
    translation = (
        "# 한 페이지 {#a-page}\n\n![그래프](../images/g.svg)\n\n"
        "```python\nx = '#1'  # 주석\n# 한 줄\n# 두 줄\nprint(x)\n```\n\n"
        "```text\n#1\n```\n\n## 준비 {#setup}\n\n```bash\npip install -e .  # 클론에서\n```\n"
    )
    korean.write_text(translation, encoding="utf-8")
    assert edition_differences(korean, english) == []
    for original, changed, expected in (
        ("x = '#1'  # 주석", "x = '#2'  # 주석", "line 6: this block is not the English page's"),
        ("```text\n#1\n```", "```text\n#2\n```", "line 13: this block is not the English page's"),
        ("pip install -e .", "pip install .", "line 19: this block is not the English page's"),
        ("{#setup}", "{#준비}", "headings' ids ['a-page', '준비'], the English page's are ['a-page', 'setup']"),
        ("## 준비 {#setup}", "## 준비", "headings' ids ['a-page', '_1']"),
        ("../images/g.svg", "../images/h.svg", "pictures ['../images/h.svg']"),
        ("```text\n#1\n```\n", "", "2 fenced blocks, the English page has 3"),
    ):
        korean.write_text(translation.replace(original, changed), encoding="utf-8")
        assert any(difference.startswith(expected) for difference in edition_differences(korean, english)), changed
