"""The built site: formulas typeset by the site's own KaTeX, nothing loaded from another host, a notebook per tutorial,
and two editions, English at / and Korean at /ko/, joined by the language switcher.

Builds the site once with `mkdocs build --strict` into a temporary directory (about fifteen seconds:
the i18n plugin builds it twice, once per language).
"""

import html.parser
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_docs import DOCS, english_edition, is_korean, korean_edition, pages

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
    for edition in ("", "ko"):
        autograd = (site / edition / "tutorials" / "00-autograd-from-scratch" / "index.html").read_text(
            encoding="utf-8"
        )
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
    """In both editions; the Korean notebook is made from the Korean page where there is one."""
    from test_notebooks import TUTORIALS, hooks

    english = [page for page in TUTORIALS if not is_korean(page)]
    assert len(english) >= 10
    for source in english:
        korean = korean_edition(source)
        for edition, markdown in (("", source), ("ko", korean if korean.is_file() else source)):
            page = site / edition / "tutorials" / source.stem / "index.html"
            notebook = json.loads((site / edition / "tutorials" / f"{source.stem}.ipynb").read_text(encoding="utf-8"))
            assert f'href="../{source.stem}.ipynb"' in page.read_text(encoding="utf-8"), f"{page}: no notebook link"
            assert notebook == hooks.notebook(markdown.read_text(encoding="utf-8")), f"{page}: not {markdown.name}'s"


def built(source, edition):
    """Where the site has a page: docs/x/y.md at x/y/index.html, docs/x/index.md at x/index.html; the
    Korean edition (`edition` "ko") under ko/, from x/y.ko.md or, for an untranslated page, from x/y.md."""
    path = english_edition(source).relative_to(DOCS).with_suffix("")
    return Path(edition) / (path.parent if path.name == "index" else path) / "index.html"


def title_of(markdown_page):
    """The `# title` of a page, as the site shows it (no `{#id}`, no backticks)."""
    title = next(line for line in markdown_page.read_text(encoding="utf-8").splitlines() if line.startswith("# "))
    return re.sub(r"\s*\{#[\w-]+\}$", "", title[2:]).replace("`", "")


SITE_PAGES = [page for page in pages() if not is_korean(page) and page.relative_to(DOCS).parts[0] != "assets"]
SWITCH = re.compile(r'<a href="(?P<href>[^"]*)" hreflang="(?P<language>[\w-]+)" class="md-select__link">')
TITLE = re.compile(r"<h1[^>]*>(?P<title>.*?)</h1>", re.DOTALL)


def test_each_page_is_built_in_both_editions_and_the_korean_one_from_its_korean_page(site):
    assert len(SITE_PAGES) > 20
    for source in SITE_PAGES:
        english, korean = site / built(source, ""), site / built(source, "ko")
        assert '<html lang="en"' in english.read_text(encoding="utf-8"), english
        text = korean.read_text(encoding="utf-8")
        assert '<html lang="ko"' in text, korean
        if korean_edition(source).is_file():
            shown = html.unescape(re.sub(r"<[^>]+>", "", TITLE.search(text)["title"])).rstrip("¶").strip()
            assert shown == title_of(korean_edition(source)), f"{korean}: not built from {korean_edition(source)}"
    assert '<html lang="en"' in (site / "404.html").read_text(encoding="utf-8"), "the 404 page should be English"


def test_the_language_switcher_links_each_page_to_its_other_edition(site):
    """On every page of both editions: English to the English page, 한국어 to the Korean one, by relative links."""
    for source in SITE_PAGES:
        editions = {"en": site / built(source, ""), "ko": site / built(source, "ko")}
        for page in editions.values():
            links = {match["language"]: match["href"] for match in SWITCH.finditer(page.read_text(encoding="utf-8"))}
            absolute = [href for href in links.values() if OTHER_HOST.match(href) or href.startswith("/")]
            assert not absolute, f"{page}: {absolute} break on a site served from a sub-path"
            reached = {language: (page.parent / href / "index.html").resolve() for language, href in links.items()}
            assert reached == {language: path.resolve() for language, path in editions.items()}, f"{page}: {links}"


def test_the_korean_navigation_is_in_korean(site):
    """Every title of mkdocs.yml's nav has a Korean one, shown in /ko/ (the API reference's names may stay)."""
    from mkdocs.utils import yaml_load

    config = yaml_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    i18n = next(plugin["i18n"] for plugin in config["plugins"] if isinstance(plugin, dict) and "i18n" in plugin)
    translations = next(language["nav_translations"] for language in i18n["languages"] if language["locale"] == "ko")

    def titles(items, section=None):
        for item in items:
            for title, child in item.items() if isinstance(item, dict) else ():
                if section != "API reference":
                    yield title
                if isinstance(child, list):
                    yield from titles(child, title)

    nav_titles = list(titles(config["nav"]))
    assert len(nav_titles) > 15
    untranslated = [title for title in nav_titles if title not in translations]
    assert not untranslated, f"add these to the ko nav_translations in mkdocs.yml: {untranslated}"
    home = (site / "ko" / "index.html").read_text(encoding="utf-8")
    missing = [translations[title] for title in nav_titles if translations[title] not in home]
    assert not missing, f"not in the Korean navigation: {missing}"
