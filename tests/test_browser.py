"""The built demo in a real browser: headless Chromium, opened from disk (file://).

Needs Debian's ``chromium`` at /usr/bin/chromium, Playwright for Python and axe-core installed
with ``npm ci`` in tests/browser/. Without them the tests are skipped, unless ``CI`` is set: then
they fail. Screenshots are written to test-artifacts/ at the repository root.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from twp_i18n.config import load_config
from twp_i18n.publish.build import build

from .conftest import REPO

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = REPO / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts"

SLUG = "coping-with-sleep-problems"  # published in en, es, fr, de and ar; the German one has gaps
AR_ARTICLE = f"ar/{SLUG}/index.html"
ES_ARTICLE = f"es/{SLUG}/index.html"
FEED_TYPES = {"application/rss+xml": "rss.xml", "application/atom+xml": "atom.xml",
              "application/feed+json": "feed.json"}
OPDS_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"


def missing(what: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI (installed by .ci/run)", pytrace=False)
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python (pip install playwright)")
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"Chromium ({CHROMIUM}, Debian package 'chromium')")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo site of this repository, built once for the whole module."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copy(REPO / "twp.toml", root / "twp.toml")
    shutil.copytree(REPO / "content", root / "content")
    if (REPO / "locales").is_dir():
        shutil.copytree(REPO / "locales", root / "locales")
    build(load_config(root))
    return root / "dist"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page in its own context; ``page.requests`` lists every URL the page asked for."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, color_scheme="light")
    tab = context.new_page()
    tab.requests, tab.failed = [], []
    tab.on("request", lambda request: tab.requests.append(request.url))
    tab.on("requestfailed", lambda request: tab.failed.append(request.url))
    yield tab
    context.close()


def open_page(page: Any, dist: Path, rel: str) -> None:
    page.goto((dist / rel).as_uri())


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / name, full_page=True)


def test_arabic_article_lays_out_right_to_left(page, dist):
    open_page(page, dist, AR_ARTICLE)
    screenshot(page, "ar-article.png")
    got = page.evaluate("""() => {
        const box = sel => document.querySelector(sel).getBoundingClientRect();
        const textBox = sel => {
            const range = document.createRange();
            range.selectNodeContents(document.querySelector(sel));
            return range.getBoundingClientRect();
        };
        const style = sel => getComputedStyle(document.querySelector(sel));
        const main = document.querySelector('main');
        const mainStyle = getComputedStyle(main);
        return {
            dir: document.documentElement.getAttribute('dir'),
            directions: ['html', 'body', 'article p', 'nav.languages ul'].map(s => style(s).direction),
            contentRight: box('main').right - parseFloat(mainStyle.paddingRight),
            contentLeft: box('main').left + parseFloat(mainStyle.paddingLeft),
            heading: textBox('article h1'),
            header: box('header.site'),
            title: box('.site-title'),
            list: box('article ul'),
            item: box('article ul li'),
            quote: [style('blockquote').borderRightWidth, style('blockquote').borderLeftWidth],
            bodyFont: style('body').fontFamily,
        };
    }""")
    assert got["dir"] == "rtl"
    assert got["directions"] == ["rtl"] * 4
    # A short heading hugs the right edge of the column and leaves room on the left.
    assert abs(got["heading"]["right"] - got["contentRight"]) < 2, got
    assert got["heading"]["left"] > got["contentLeft"] + 100, got
    # The site title starts the header on the right; lists are indented from the right.
    assert abs(got["title"]["right"] - got["header"]["right"]) < 2, got
    assert got["item"]["right"] < got["list"]["right"] - 20, got
    assert abs(got["item"]["left"] - got["list"]["left"]) < 2, got
    # Logical properties: the quote's rule sits on the inline-start side, which is the right.
    assert got["quote"] == ["4px", "0px"]
    assert "Noto Sans Arabic" in got["bodyFont"]  # the stylesheet was applied
    # Opened from disk, the page asks for nothing but local files, and all of them load.
    assert page.requests and all(url.startswith("file://") for url in page.requests), page.requests
    assert page.failed == []


@pytest.mark.parametrize("width", [1024, 360])
def test_chooser_aligns_every_name_and_explains_unpublished_languages(browser, dist, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    open_page(page, dist, "index.html")
    screenshot(page, f"chooser-{width}.png")
    got = page.evaluate("""() => [...document.querySelectorAll('ul.chooser li')].map(li => {
        const name = li.querySelector('.name > *');
        const range = document.createRange();
        range.selectNodeContents(name);
        const pending = li.querySelector('.pending');
        return {lang: name.getAttribute('lang'), left: range.getBoundingClientRect().left,
                pending: pending ? pending.innerText : null,
                visible: pending ? pending.getBoundingClientRect().height > 0 : null};
    })""")
    context.close()
    lefts = {row["lang"]: round(row["left"]) for row in got}
    assert len(set(lefts.values())) == 1, lefts  # the Arabic name too, in the same column
    japanese = next(row for row in got if row["lang"] == "ja")
    assert "Translation in progress (4%)" in japanese["pending"] and japanese["visible"]
    assert all(row["pending"] is None for row in got if row["lang"] != "ja")


def switcher(page: Any) -> list[dict[str, str | None]]:
    return page.eval_on_selector_all("nav.languages a", """links => links.map(a => ({
        lang: a.getAttribute('hreflang'), href: a.href, text: a.textContent,
        current: a.getAttribute('aria-current')}))""")


def test_language_switcher_leads_to_the_same_article_in_another_language(page, dist):
    open_page(page, dist, AR_ARTICLE)
    links = switcher(page)
    versions = sorted(p.parent.parent.name for p in dist.glob(f"*/{SLUG}/index.html"))
    assert sorted(link["lang"].lower() for link in links) == versions == ["ar", "de", "en", "es", "fr"]
    for link in links:
        assert link["href"] == (dist / link["lang"].lower() / SLUG / "index.html").as_uri(), link
        assert link["current"] == ("page" if link["lang"] == "ar" else None), link
    spanish = next(link for link in links if link["lang"] == "es")
    assert spanish["text"] == "Español"

    page.click("nav.languages a[hreflang=es]")  # from disk, as an offline reader would
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "es"
    assert page.evaluate("document.documentElement.dir") == "ltr"
    canonical = page.get_attribute("link[rel=canonical]", "href")
    assert canonical.endswith(f"/es/{SLUG}/")
    back = {link["lang"]: link for link in switcher(page)}
    assert back["es"]["current"] == "page"
    assert back["ar"]["href"] == (dist / "ar" / SLUG / "index.html").as_uri()
    heading = page.inner_text("article h1")
    assert heading and heading != "التعامل مع مشكلات النوم"
    open_page(page, dist, "es/index.html")  # the Spanish list calls this article the same
    assert page.inner_text(f"ol.articles a[href='{SLUG}/index.html']") == heading


def test_clicking_the_switcher_from_disk_opens_the_article(page, dist):
    open_page(page, dist, AR_ARTICLE)
    page.click("nav.languages a[hreflang=es]")
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "es", page.url
    assert page.locator("article h1").is_visible()


@pytest.mark.parametrize("rel, lang", [(AR_ARTICLE, "ar"), ("es/index.html", "es")])
def test_feed_autodiscovery_links(page, dist, rel, lang):
    open_page(page, dist, rel)
    if rel == "es/index.html":
        screenshot(page, "es-index.png")
    links = page.eval_on_selector_all("head link[rel~=alternate][type]", """links => links.map(
        l => ({type: l.type, href: l.href, title: l.title}))""")
    catalog = [link for link in links if link["type"] == OPDS_TYPE]  # language indexes only
    assert len(catalog) == (1 if rel.endswith("/index.html") and rel.count("/") == 1 else 0)
    for link in catalog:
        assert link["href"] == (dist / "opds.xml").as_uri()
    links = [link for link in links if link["type"] != OPDS_TYPE]
    assert sorted(link["type"] for link in links) == sorted(FEED_TYPES)
    for link in links:
        feed = dist / lang / FEED_TYPES[link["type"]]
        assert link["href"] == feed.as_uri(), link
        assert feed.stat().st_size > 0
        assert link["title"].strip(), link


def test_article_needs_no_javascript(browser, dist):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        page.goto("data:text/html,<body>off<script>document.body.textContent='on'</script>")
        assert page.inner_text("body") == "off"  # scripts really do not run in this context

        open_page(page, dist, ES_ARTICLE)
        heading = page.locator("article h1")
        first = page.locator("article > p:not(.meta)").first
        assert heading.is_visible() and heading.inner_text().strip()
        assert first.is_visible() and len(first.inner_text()) > 100
        assert page.locator("nav.languages a[hreflang=ar]").is_visible()
        # The skip link appears on the first Tab and jumps to the content.
        page.keyboard.press("Tab")
        skip = page.locator("a.skip")
        assert page.evaluate("document.activeElement.className") == "skip"
        box = skip.bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0, box
        page.keyboard.press("Enter")
        assert page.url.endswith("#main")
        screenshot(page, "es-article-nojs.png")
    finally:
        context.close()


AXE_PAGES = {
    "de-article": f"de/{SLUG}/index.html",  # has the 'not translated yet' notice and English parts
    "es-index": "es/index.html",
    "ar-article": AR_ARTICLE,
    "language-chooser": "index.html",
    "status": "status/index.html",
}


@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.is_file():
        missing("axe-core (npm ci in tests/browser)")
    return AXE


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(AXE_PAGES))
def test_no_serious_accessibility_violations(browser, dist, axe_script, name, scheme):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        open_page(page, dist, AXE_PAGES[name])
        if scheme == "dark":
            screenshot(page, f"{name}-dark.png")
        page.add_script_tag(path=str(axe_script))
        violations = page.evaluate("""async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
        }""")
    finally:
        context.close()
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, "\n".join(f"{v['impact']} {v['id']}: {v['help']}\n  " + "\n  ".join(v["nodes"])
                              for v in bad)


@pytest.mark.parametrize("lang", ["es", "ar"])
def test_first_chapter_of_the_book_renders(page, dist, lang, tmp_path):
    """The first chapter of a language's EPUB, as its XHTML and stylesheet are in the book."""
    with zipfile.ZipFile(dist / "bundles" / f"{lang}.epub") as book:
        book.extractall(tmp_path)
    page.goto((tmp_path / "EPUB" / "chapter-1.xhtml").as_uri())
    screenshot(page, f"epub-{lang}-chapter-1.png")
    got = page.evaluate("""() => {
        const textBox = el => {
            const range = document.createRange();
            range.selectNodeContents(el);
            return range.getBoundingClientRect();
        };
        const body = document.body, style = getComputedStyle(body);
        const box = body.getBoundingClientRect();
        const heading = document.querySelector('h1');
        return {
            type: document.contentType, dir: document.documentElement.dir,
            direction: style.direction,
            text: body.innerText.trim().length,
            heading: heading ? textBox(heading) : null,
            headingText: heading ? heading.textContent : '',
            paragraphs: [...document.querySelectorAll('section > p:not(.meta)')]
                .filter(p => p.getBoundingClientRect().height > 0).length,
            contentLeft: box.left + parseFloat(style.paddingLeft),
            contentRight: box.right - parseFloat(style.paddingRight),
            lineHeight: style.lineHeight, fontSize: style.fontSize,
        };
    }""")
    assert got["type"] == "application/xhtml+xml"  # read as XML, as a reading system does
    # Not blank: a visible heading and several paragraphs of text.
    assert got["text"] > 500 and got["paragraphs"] >= 3, got
    assert got["heading"]["width"] > 50 and got["heading"]["height"] > 10, got
    assert float(got["lineHeight"].removesuffix("px")) > float(got["fontSize"].removesuffix("px"))
    if lang == "ar":
        assert got["dir"] == "rtl" and got["direction"] == "rtl"
        # The text starts at the right edge; a short heading leaves room on the left.
        assert abs(got["heading"]["right"] - got["contentRight"]) < 2, got
        assert got["heading"]["left"] > got["contentLeft"] + 100, got
    else:
        assert got["dir"] == "ltr" and got["direction"] == "ltr"
        assert abs(got["heading"]["left"] - got["contentLeft"]) < 2, got
    assert page.failed == [] and all(url.startswith("file://") for url in page.requests)
