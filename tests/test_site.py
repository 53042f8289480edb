"""The built site: formulas typeset by the site's own KaTeX, nothing loaded from another host, a notebook per tutorial.

Builds the site once with `mkdocs build --strict` into a temporary directory (a few seconds).
"""

import html.parser
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mkdocs", reason="building the site needs mkdocs (pip install -e '.[docs]')")
pytest.importorskip("material", reason="building the site needs mkdocs-material (pip install -e '.[docs]')")

ROOT = Path(__file__).resolve().parent.parent
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""")
OTHER_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)  # http://x, https://x, //x


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site_dir = tmp_path_factory.mktemp("site")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site_dir)]
    built = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert built.returncode == 0, f"mkdocs build --strict failed:\n{built.stdout}{built.stderr}"
    return site_dir


class AssetCollector(html.parser.HTMLParser):
    """The URLs an HTML page makes the browser fetch by itself (not the links a reader may follow)."""

    def __init__(self):
        super().__init__()
        self.assets = []
        self.scripts = []
        self.formulas = 0

    def handle_starttag(self, tag, attributes):
        attributes = dict(attributes)
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed") and attributes.get("src"):
            self.assets.append(attributes["src"])
        if tag == "script" and attributes.get("src"):
            self.scripts.append(attributes["src"])
        if tag == "link" and attributes.get("href") and attributes.get("rel") not in ("canonical", "prev", "next"):
            self.assets.append(attributes["href"])
        if tag == "object" and attributes.get("data"):
            self.assets.append(attributes["data"])
        self.assets += [match[0] or match[1] for match in CSS_URL.findall(attributes.get("style") or "")]
        if "arithmatex" in (attributes.get("class") or "").split():
            self.formulas += 1


def parse(page):
    collector = AssetCollector()
    text = page.read_text(encoding="utf-8")
    collector.feed(text)
    for style in re.findall(r"<style[^>]*>(.*?)</style>", text, re.DOTALL):
        collector.assets += [match[0] or match[1] for match in CSS_URL.findall(style)]
    return collector


def test_katex_is_served_by_the_site(site):
    katex = site / "assets" / "katex"
    assert (katex / "katex.min.js").stat().st_size > 100_000
    assert (katex / "LICENSE").exists()
    css = (katex / "katex.min.css").read_text(encoding="utf-8")
    fonts = re.findall(r"url\((fonts/[\w-]+\.woff2)\)", css)
    assert len(fonts) > 15, "katex.min.css should name its woff2 fonts"
    missing = [font for font in fonts if not (katex / font).exists()]
    assert not missing, f"fonts named by katex.min.css but not in the site: {missing}"


def test_formula_pages_carry_arithmatex_markup_and_load_the_local_katex(site):
    formula_pages = {}
    for page in sorted(site.rglob("*.html")):
        collector = parse(page)
        if collector.formulas:
            formula_pages[page] = collector
    assert formula_pages, "no built page has a formula (<span class=arithmatex>): is pymdownx.arithmatex on?"
    for page, collector in formula_pages.items():
        scripts = [(page.parent / src).resolve() for src in collector.scripts if not OTHER_HOST.match(src)]
        assert (site / "assets" / "katex" / "katex.min.js").resolve() in scripts, f"{page} does not load KaTeX"
        assert (site / "javascripts" / "katex.js").resolve() in scripts, f"{page} does not run javascripts/katex.js"
    autograd = (site / "tutorials" / "00-autograd-from-scratch" / "index.html").read_text(encoding="utf-8")
    assert r'<span class="arithmatex">\(' in autograd  # inline math, left for KaTeX as \( ... \)
    assert r'<div class="arithmatex">\[' in autograd  # displayed math, as \[ ... \]


def test_no_page_or_stylesheet_loads_anything_from_another_host(site):
    external = []
    for page in sorted(site.rglob("*.html")):
        external += [f"{page.relative_to(site)}: {url}" for url in parse(page).assets if OTHER_HOST.match(url)]
    for stylesheet in sorted(site.rglob("*.css")):
        urls = [match[0] or match[1] for match in CSS_URL.findall(stylesheet.read_text(encoding="utf-8"))]
        external += [f"{stylesheet.relative_to(site)}: {url}" for url in urls if OTHER_HOST.match(url)]
    assert not external, "the site loads these from other hosts:\n" + "\n".join(external)


def test_the_collector_sees_assets_but_not_links():
    collector = AssetCollector()
    collector.feed(
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css"><script src="//cdn.example/k.js"></script>'
        '<a href="https://github.com/">a link</a><img src="../images/x.png"><div style="background: url(http://x/y.png)">'
        '<span class="arithmatex">\\(x\\)</span>'
    )
    assert [url for url in collector.assets if OTHER_HOST.match(url)] == [
        "https://fonts.googleapis.com/css",
        "//cdn.example/k.js",
        "http://x/y.png",
    ]
    assert collector.formulas == 1


def test_every_tutorial_links_to_its_notebook_and_the_notebook_is_built(site):
    tutorials = [page for page in sorted((ROOT / "docs" / "tutorials").glob("*.md")) if page.name != "index.md"]
    assert len(tutorials) >= 10
    for source in tutorials:
        page = site / "tutorials" / source.stem / "index.html"
        notebook = site / "tutorials" / f"{source.stem}.ipynb"
        assert f'href="../{source.stem}.ipynb"' in page.read_text(encoding="utf-8"), f"{page}: no notebook link"
        assert json.loads(notebook.read_text(encoding="utf-8"))["nbformat"] == 4
