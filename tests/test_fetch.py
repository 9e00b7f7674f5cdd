"""``twp fetch`` and WebSub pings against a real HTTP server on 127.0.0.1 (tests/fetch_server.py)."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from twp_i18n.config import load_config
from twp_i18n.errors import FetchError
from twp_i18n.source import fetch_http
from twp_i18n.source.content import parse_article
from twp_i18n.source.fetch import STATE_PATH, FetchReport, fetch, ping_hub
from twp_i18n.source.htmlmd import html_to_markdown

from .conftest import SiteFactory, snapshot
from .fetch_server import FakeSite, Running, drupal_node, html_page, wp_post

SELECTORS = 'title_selector = "article h1.entry-title"\nbody_selector = "article .entry-content"\n'

EXPECTED = {
    "drupal": ["4", "finding-peer-support", "journal", "sleep-what-helped"],
    "wordpress": ["about", "café-talks", "our-values", "rest-and-sleep", "talking-to-your-doctor",
                  "the-journal"],
    "sitemap": ["about", "café-meetups", "coping-with-nights", "journal"],
}
PREFIX = {"drupal": "/drupal", "wordpress": "/wp", "sitemap": "/site"}


@pytest.fixture
def server() -> Iterator[Running]:
    running = Running(FakeSite())
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoff and Retry-After are recorded, not slept; the deadline counts them as time spent."""
    slept: list[float] = []
    monkeypatch.setattr(fetch_http, "_sleep", slept.append)
    monkeypatch.setattr(fetch_http, "_now", lambda: time.monotonic() + sum(slept))
    monkeypatch.setattr(fetch_http, "BACKOFF", 0.01)
    return slept


@pytest.fixture
def site(make_site: SiteFactory, server: Running):
    """``site(kind, extra="", files=None)`` -> a site whose [fetch] reads the test server."""

    def make(kind: str, extra: str = "", files: dict[str, str] | None = None) -> Path:
        config = (
            '[site]\ntitle = "T"\nbase_url = "https://example.org/"\nsource_language = "en"\n'
            'languages = ["es"]\n\n[fetch]\n'
            f'type = "{kind}"\nurl = "{server.url}{PREFIX[kind]}"\ntimeout = 2\nconcurrency = 3\n'
            + (SELECTORS if kind == "sitemap" else "") + extra
        )
        return make_site(files or {}, config=config)

    return make


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def warned() -> Iterator[list[str]]:
    """Warnings logged by the fetch code (a handler of our own: the CLI stops propagation).

    There should be none: the report carries them, and the CLI prints each once."""
    handler = _Collect()
    logger = logging.getLogger("twp_i18n.source.fetch")
    level = logger.level
    logger.setLevel(logging.WARNING)  # a CLI test run with --quiet may have raised the parent's
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def run(root: Path, **kwargs: object) -> FetchReport:
    return fetch(load_config(root), **kwargs)  # type: ignore[arg-type]


def articles(root: Path) -> dict[str, bytes]:
    folder = root / "content" / "en"
    return {p.stem: p.read_bytes() for p in sorted(folder.glob("*.md"))} if folder.is_dir() else {}


def front(root: Path, slug: str) -> dict[str, object]:
    path = root / "content" / "en" / f"{slug}.md"
    art = parse_article(path.read_bytes(), path, f"content/en/{slug}.md")
    return {"title": art.title, "date": art.date.isoformat(),
            "updated": art.updated.isoformat() if art.updated else None,
            "summary": art.summary, "source_url": art.source_url, "source_id": art.source_id,
            "body": art.body}


def assert_untouched(root: Path, before: dict[str, bytes]) -> None:
    after = snapshot(root)
    assert after == before
    assert not [p for p in root.rglob("*.tmp")]


# --- the three "done when" runs, for each source type ------------------------------------------

@pytest.mark.parametrize("kind", ["drupal", "wordpress", "sitemap"])
def test_three_runs(kind: str, site, server: Running, warned: list[str]) -> None:
    root = site(kind)
    first = run(root)
    assert first.written == EXPECTED[kind]
    assert first.exit_code == 0 and first.page_problems == []
    files = articles(root)
    assert sorted(files) == EXPECTED[kind]
    for slug, data in files.items():
        assert b"\r" not in data and data.endswith(b"\n")
        assert data.startswith(b"---\ntitle: ")
        assert front(root, slug)["source_url"]
    state = (root / STATE_PATH).read_text()
    assert json.loads(state)["articles"].keys() == set(EXPECTED[kind])
    assert state == json.dumps(json.loads(state), sort_keys=True, indent=2, ensure_ascii=False) + "\n"

    # Second run: every GET is conditional, nothing is rewritten.
    server.site.clear()
    before = snapshot(root)
    mtimes = {p: p.stat().st_mtime_ns for p in (root / "content" / "en").iterdir()}
    second = run(root)
    assert second.written == [] and second.unchanged == EXPECTED[kind]
    gets = server.site.seen(PREFIX[kind])
    # WordPress: past a last page that answered 304, the next page is probed (400: none).
    probes = [r for r in gets if r.status == 400]
    assert len(probes) == (2 if kind == "wordpress" else 0)
    conditional = [r for r in gets if r.status != 400]
    assert conditional and all("If-None-Match" in r.headers for r in conditional)
    assert all(r.status == 304 for r in conditional)
    assert second.not_modified == len(conditional) == second.requests - len(probes)
    assert_untouched(root, before)
    assert mtimes == {p: p.stat().st_mtime_ns for p in (root / "content" / "en").iterdir()}

    # Third run: a locally edited file survives (and is reported); --force restores it.
    edited = root / "content" / "en" / f"{EXPECTED[kind][-1]}.md"
    edited.write_bytes(edited.read_bytes() + b"\nMy local note.\n")
    third = run(root)
    assert third.skipped_edited == [EXPECTED[kind][-1]]
    assert [w for w in third.warnings if w.code == "edited-locally" and "--force" in w.message]
    assert warned == []  # warnings are returned, not logged as well
    assert third.written == []
    assert edited.read_bytes().endswith(b"My local note.\n")
    forced = run(root, force=True)
    assert forced.written == [EXPECTED[kind][-1]]
    assert edited.read_bytes() == files[EXPECTED[kind][-1]]


def test_drupal_front_matter_and_filters(site) -> None:
    root = site("drupal")
    run(root)
    got = front(root, "finding-peer-support")
    assert got["title"] == "Finding peer support"
    assert got["date"] == "2024-01-01T09:30:00+00:00"
    assert got["updated"] == "2024-02-01T11:00:00+00:00"
    assert got["summary"] == "Why peers matter."
    assert got["source_id"] == "1"
    assert str(got["source_url"]).endswith("/drupal/blog/finding-peer-support")
    assert got["body"] == "\nPeers **help**.\n"
    # No alias: the node id is the slug; unpublished and other-language nodes are left out.
    assert front(root, "4")["source_url"].endswith("/drupal/node/4")  # type: ignore[union-attr]
    assert "draft" not in articles(root) and "x" not in articles(root)
    raw = (root / "content/en/sleep-what-helped.md").read_text()
    assert raw.startswith("---\ntitle: 'Sleep: what helped'\ndate: ")
    assert "## Routine\n\n- Dark room\n- No screens\n" in raw


def test_wordpress_front_matter(site, server: Running) -> None:
    root = site("wordpress")
    run(root)
    got = front(root, "rest-and-sleep")
    assert got["title"] == "Rest & sleep"
    assert got["summary"] == "On resting"
    assert got["date"] == "2024-03-01T08:00:00+00:00" and got["updated"] is None
    assert got["source_url"] == "https://wp.example.org/rest-and-sleep/"
    assert got["source_id"] == "1"
    assert front(root, "café-talks")["title"] == "Café talks"
    assert "[contact](https://wp.example.org/contact/)" in str(front(root, "talking-to-your-doctor")["body"])
    # Pagination: three pages of posts plus one of pages; a User-Agent that says who we are.
    gets = server.site.seen("/wp/")
    assert sorted(r.query.split("&")[0] for r in gets if "posts" in r.path) == ["page=1", "page=2", "page=3"]
    assert all(r.headers["User-Agent"].startswith("twp-i18n/") for r in gets)


def test_sitemap_front_matter_and_selectors(site) -> None:
    root = site("sitemap")
    run(root)
    got = front(root, "coping-with-nights")
    assert got["title"] == "Coping with nights"
    assert got["date"] == "2024-04-01T10:00:00+00:00"
    assert got["summary"] == "About nights"
    assert got["body"] == "\nNights are *long*.\n"  # no title, nav, share widget, footer, script
    # No date metadata: the sitemap's <lastmod> is used.
    assert front(root, "journal")["date"] == "2024-05-02T00:00:00+00:00"
    assert front(root, "café-meetups")["source_url"].endswith("/site/blog/caf%C3%A9-meetups")  # type: ignore[union-attr]


def test_output_is_deterministic(make_site: SiteFactory, server: Running, tmp_path: Path) -> None:
    config = ('[site]\ntitle = "T"\nbase_url = "https://example.org/"\nsource_language = "en"\n'
              f'[fetch]\ntype = "wordpress"\nurl = "{server.url}/wp"\n')
    runs = []
    for name in ("a", "b"):
        root = tmp_path / name
        root.mkdir()
        (root / "twp.toml").write_text(config)
        run(root)
        runs.append(snapshot(root))
    assert runs[0] == runs[1]


def test_upstream_change_is_rewritten(site, server: Running) -> None:
    root = site("wordpress")
    run(root)
    server.site.wp_posts[0]["content"]["rendered"] = "<p>Rest <strong>more</strong>.</p>"
    report = run(root)
    assert report.written == ["rest-and-sleep"]
    assert "Rest **more**." in (root / "content/en/rest-and-sleep.md").read_text()


def test_wordpress_new_post_on_a_new_page(site, server: Running) -> None:
    server.site.wp_posts.append(wp_post(6, "sixth", "Sixth", "<p>6</p>"))  # 3 full pages
    root = site("wordpress")
    run(root)
    server.site.wp_posts.append(wp_post(7, "seventh", "Seventh", "<p>7</p>"))  # page 4
    report = run(root)
    assert report.written == ["seventh"]
    # A post deleted from the end: page 4 is gone (400), the rest answers 304.
    del server.site.wp_posts[-1]
    report = run(root)
    assert report.written == [] and report.deleted_upstream == ["seventh"]


def test_deleted_upstream_is_reported_then_pruned(site, server: Running, warned: list[str]) -> None:
    root = site("drupal")
    run(root)
    del server.site.drupal_nodes[0]
    report = run(root)
    assert report.deleted_upstream == ["finding-peer-support"] and report.pruned == []
    assert (root / "content/en/finding-peer-support.md").exists()
    assert [w for w in report.warnings if w.code == "deleted-upstream"
            and str(w).startswith("content/en/finding-peer-support.md: warning: deleted upstream")]
    assert warned == []
    report = run(root, prune=True)
    assert report.pruned == ["finding-peer-support"]
    assert not (root / "content/en/finding-peer-support.md").exists()
    assert "finding-peer-support" not in json.loads((root / STATE_PATH).read_text())["articles"]


def test_hand_written_article_is_never_clobbered(site) -> None:
    mine = "---\ntitle: Mine\ndate: 2024-01-01\n---\n\nMy own text.\n"
    root = site("wordpress", files={"content/en/about.md": mine, "content/en/local-only.md": mine})
    report = run(root)
    assert "about" in report.skipped_edited
    assert (root / "content/en/about.md").read_text() == mine
    assert (root / "content/en/local-only.md").read_text() == mine
    assert report.deleted_upstream == []


@pytest.mark.parametrize("kind", ["drupal", "wordpress", "sitemap"])
def test_progress_is_reported(site, kind: str) -> None:
    root = site(kind)
    calls: list[tuple[int, int]] = []
    run(root, progress=lambda done, total: calls.append((done, total)))
    n = len(EXPECTED[kind])
    assert calls[-1] == (n, n)
    assert all(done <= total for done, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_gzipped_sitemap(site, server: Running) -> None:
    server.site.sitemaps["/site/sitemap-pages.xml.gz"] = server.site.sitemaps.pop("/site/sitemap-pages.xml")
    root = site("sitemap")
    assert run(root).written == EXPECTED["sitemap"]


@pytest.mark.parametrize("linger", [0.0, 0.15])
def test_concurrency_is_bounded(site, server: Running, linger: float) -> None:
    # ``linger``: the server's thread runs on after answering while the client sends its next
    # request, which must not count as a third request in flight (it did, on a busy CI machine).
    server.site.page_delay = 0.1
    server.site.linger = linger
    for n in range(8):
        server.site.pages[f"/site/blog/extra-{n}"] = html_page(f"Extra {n}", "<p>x</p>")
        server.site.sitemaps["/site/sitemap-posts.xml"].append(f"/site/blog/extra-{n}")
    root = site("sitemap")
    config = (root / "twp.toml").read_text().replace("concurrency = 3", "concurrency = 2")
    (root / "twp.toml").write_text(config)
    report = run(root)
    assert len(report.written) == 12
    assert server.site.max_in_flight == 2


# --- HTML to Markdown ------------------------------------------------------------------------

MESSY = """<div class="entry-content" style="font-family: Comic Sans">
<script type="text/javascript">track('x')</script><style>.a{color:red}</style>
<!-- tracking comment -->
<h2 style="color: red">Heading <span style="font-weight:bold">two</span></h2>
<p style="margin:0">Some <em>emphasis</em>, <strong>strong</strong> and a <a href="/rel/link"
onclick="x()">link</a>.</p>
<ul><li>One</li><li>Two</li></ul>
<blockquote><p>A quote.</p></blockquote>
<table><thead><tr><th>Name</th><th>Value</th></tr></thead><tbody><tr><td>a</td><td>1</td></tr></tbody></table>
<p><img src="/img/lake.jpg" alt="A calm lake" style="width:100%"></p>
<img src="https://pixel.wp.com/g.gif?x=1" width="1" height="1" alt="">
<div class="sharedaddy sd-sharing-enabled"><h3>Share this:</h3><a href="https://twitter.com/share">Twitter</a></div>
<p style="display:none">hidden</p>
<noscript><img src="/noscript-pixel.gif"></noscript>
</div>"""


def test_messy_html_becomes_clean_markdown() -> None:
    md = html_to_markdown(MESSY, "https://example.org/blog/post/")
    assert md == (
        "## Heading two\n\n"
        "Some *emphasis*, **strong** and a [link](https://example.org/rel/link).\n\n"
        "- One\n- Two\n\n"
        "> A quote.\n\n"
        "| Name | Value |\n| --- | --- |\n| a | 1 |\n\n"
        "![A calm lake](https://example.org/img/lake.jpg)\n"
    )
    assert html_to_markdown(MESSY) == html_to_markdown(MESSY)


def test_html_details() -> None:
    html = """<div class="social-anxiety-tips"><p>Kept: this is content.</p></div>
<pre><code class="language-python">x = 1\n\n\ny = 2</code></pre>
<p><img src="data:image/gif;base64,R0lGOD" data-src="/real.jpg" alt="Lazy"></p>
<iframe src="https://video.example.org/embed/1" title="A talk"></iframe>
<p>Literal &lt;b&gt; and &amp;amp; and a_b.</p>
<p><a href="javascript:void(0)">no link</a></p>"""
    assert html_to_markdown(html, "https://example.org/") == (
        "Kept: this is content.\n\n"
        "```python\nx = 1\n\n\ny = 2\n```\n\n"
        "![Lazy](https://example.org/real.jpg)\n\n"
        "[A talk](https://video.example.org/embed/1)\n\n"
        "Literal \\<b> and \\&amp; and a\\_b.\n\n"
        "no link\n"
    )


def test_messy_page_through_the_server(site, server: Running) -> None:
    server.site.pages["/site/blog/coping-with-nights"] = html_page("Coping with nights", MESSY)
    root = site("sitemap")
    run(root)
    text = (root / "content/en/coping-with-nights.md").read_text()
    for bad in ("<script", "track(", "style", "color:red", "Twitter", "pixel", "hidden", "<!--"):
        assert bad not in text
    assert "![A calm lake](" in text and "## Heading two" in text


# --- faults ------------------------------------------------------------------------------------

def test_500_then_success(site, server: Running, quick_retries: list[float]) -> None:
    server.site.fault("/wp/wp-json/wp/v2/posts", "status", status=500, query="page=2")
    server.site.fault("/wp/wp-json/wp/v2/posts", "status", status=503, query="page=2")
    root = site("wordpress")
    report = run(root)
    assert report.written == EXPECTED["wordpress"]
    assert quick_retries == [0.01, 0.02]  # exponential backoff


def test_429_honours_retry_after(site, server: Running, quick_retries: list[float]) -> None:
    server.site.fault("/drupal/jsonapi/node/article", "status", status=429,
                      headers={"Retry-After": "2"})
    server.site.fault("/drupal/jsonapi/node/article", "status", status=429,
                      headers={"Retry-After": "5"})
    root = site("drupal", extra="max_retry_after = 5\n")
    report = run(root)
    assert report.written == EXPECTED["drupal"]
    assert quick_retries == [2.0, 5.0]


def test_server_that_keeps_failing_is_an_error(site, server: Running) -> None:
    server.site.fault("/drupal/jsonapi/node/article", "status", status=500, times=10)
    root = site("drupal")
    before = snapshot(root)
    with pytest.raises(FetchError, match="answered 500") as info:
        run(root)
    assert info.value.exit_code == 2
    assert len(server.site.seen("/drupal")) == fetch_http.RETRIES + 1
    assert_untouched(root, before)


def test_response_slower_than_timeout(site, server: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_http, "RETRIES", 1)
    server.site.fault("/wp/wp-json/wp/v2/posts", "slow", delay=1.0, times=2)
    root = site("wordpress")
    (root / "twp.toml").write_text((root / "twp.toml").read_text().replace("timeout = 2", "timeout = 0.2"))
    before = snapshot(root)
    with pytest.raises(FetchError, match=r"did not answer after 0\.2s"):
        run(root)
    assert_untouched(root, before)


def test_slow_sitemap_page_is_skipped(site, server: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_http, "RETRIES", 0)
    server.site.fault("/site/about", "slow", delay=1.0)
    root = site("sitemap")
    (root / "twp.toml").write_text((root / "twp.toml").read_text().replace("timeout = 2", "timeout = 0.2"))
    report = run(root)
    assert report.exit_code == 1
    assert [p.split(": ", 1)[0] for p in report.page_problems] == [f"{server.url}/site/about"]
    assert "about" not in articles(root)


@pytest.mark.parametrize("kind", ["big", "big-stream"])
def test_oversized_page_is_skipped(site, server: Running, kind: str, warned: list[str]) -> None:
    server.site.fault("/site/blog/journal", kind, size=200_000)
    root = site("sitemap", extra="max_bytes = 100000\n")
    report = run(root)
    assert report.exit_code == 1
    assert len(report.page_problems) == 1
    assert report.page_problems[0].startswith(f"{server.url}/site/blog/journal: ")
    assert "max_bytes" in report.page_problems[0]
    assert [(w.code, w.message) for w in report.warnings] == [
        ("page-skipped", f"skipped {report.page_problems[0]}")]
    assert warned == []
    assert sorted(articles(root)) == ["about", "café-meetups", "coping-with-nights"]


def test_oversized_listing_is_an_error(site, server: Running) -> None:
    server.site.fault("/wp/wp-json/wp/v2/posts", "big", size=200_000)
    root = site("wordpress", extra="max_bytes = 100000\n")
    with pytest.raises(FetchError, match="max_bytes"):
        run(root)
    assert articles(root) == {}


def test_unusable_articles_are_skipped(site, server: Running) -> None:
    deep = "<div>" * 3000 + "deep" + "</div>" * 3000  # deeper than the converter can recurse
    server.site.wp_posts[1]["title"]["rendered"] = " "
    server.site.wp_posts[2]["content"]["rendered"] = deep
    root = site("wordpress")
    report = run(root)
    assert report.exit_code == 1
    assert report.page_problems == [
        "https://wp.example.org/caf%c3%a9-talks/: front matter has no 'title'",
        "https://wp.example.org/talking-to-your-doctor/: the HTML is nested too deeply to convert",
    ]
    assert report.written == ["about", "our-values", "rest-and-sleep", "the-journal"]
    assert run(root).page_problems == report.page_problems  # reported again, not hidden by a 304


def test_selector_matching_nothing_is_skipped(site, server: Running) -> None:
    server.site.pages["/site/about"] = "<html><body><p>No article here</p></body></html>"
    root = site("sitemap")
    report = run(root)
    assert report.exit_code == 1
    assert report.page_problems == [
        f"{server.url}/site/about: title_selector 'article h1.entry-title' matched nothing"]
    assert sorted(articles(root)) == ["café-meetups", "coping-with-nights", "journal"]


@pytest.mark.parametrize("kind,path", [("drupal", "/drupal/jsonapi/node/article"),
                                        ("wordpress", "/wp/wp-json/wp/v2/posts")])
def test_malformed_json(site, server: Running, kind: str, path: str) -> None:
    server.site.fault(path, "malformed", query="2")  # a later page: the first one already came back
    root = site(kind)
    before = snapshot(root)
    with pytest.raises(FetchError, match="did not return valid JSON") as info:
        run(root)
    assert "\n" not in info.value.message
    assert_untouched(root, before)


def test_malformed_sitemap_xml(site, server: Running) -> None:
    server.site.sitemaps["/site/sitemap-pages.xml"] = ["/site/about<"]
    root = site("sitemap")
    before = snapshot(root)
    with pytest.raises(FetchError, match="not well-formed XML"):
        run(root)
    assert_untouched(root, before)


def test_drupal_alias_with_dot_dot(site, server: Running) -> None:
    server.site.drupal_nodes.append(drupal_node(7, "Evil", "/blog/../../etc/evil", "<p>x</p>"))
    root = site("drupal")
    before = snapshot(root)
    with pytest.raises(FetchError, match=r"'/blog/\.\./\.\./etc/evil' has a '\.\.' segment"):
        run(root)
    assert_untouched(root, before)


@pytest.mark.parametrize("slug", ["../../evil", "..%2F..%2Fevil", "a%5Cb", "%2e%2e", "a%20b",
                                  "a%C2%A0b", "a%E3%80%80b", "CON", "nul.txt", "a%252e",
                                  "cafe%CC%81"])
def test_wordpress_slug_escaping(site, server: Running, slug: str) -> None:
    server.site.wp_posts.append(wp_post(6, slug, "Evil", "<p>x</p>"))
    root = site("wordpress")
    before = snapshot(root)
    with pytest.raises(FetchError) as info:
        run(root)
    assert slug in str(info.value)
    assert_untouched(root, before)
    assert not (root.parent / "evil.md").exists()


def test_sitemap_url_with_dot_dot(site, server: Running) -> None:
    server.site.sitemaps["/site/sitemap-pages.xml"].append("/site/blog/%2E%2E/%2E%2E/evil")
    root = site("sitemap")
    before = snapshot(root)
    with pytest.raises(FetchError, match="'..' segment"):
        run(root)
    assert_untouched(root, before)


def test_duplicate_slugs_are_skipped(site, server: Running) -> None:
    server.site.wp_pages.append(wp_post(11, "our-values", "Our values (page)", "<p>x</p>"))
    server.site.sitemaps["/site/sitemap-pages.xml"].append("/site/other/Journal")
    root = site("wordpress")
    for _ in range(2):  # the same outcome every run: the first in listing order keeps the slug
        report = run(root)
        assert report.exit_code == 1
        assert report.page_problems == [
            "https://wp.example.org/our-values/: its slug 'our-values' is already taken by "
            "https://wp.example.org/our-values/ (id 4)"]
        assert front(root, "our-values")["title"] == "Our values"
    root = site("sitemap")
    report = run(root)
    assert report.page_problems == [
        f"{server.url}/site/other/Journal: its slug 'Journal' is already taken by "
        f"{server.url}/site/blog/journal"]
    assert "journal" in report.written


def test_unreachable_host(make_site: SiteFactory) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = make_site(config=(
        '[site]\ntitle = "T"\nbase_url = "https://example.org/"\nsource_language = "en"\n'
        f'[fetch]\ntype = "drupal"\nurl = "http://127.0.0.1:{port}"\n'))
    with pytest.raises(FetchError, match=f"cannot connect to 127.0.0.1:{port}"):
        run(root)
    assert not (root / STATE_PATH).exists()


def test_tls_failure(site, server: Running) -> None:
    root = site("wordpress")
    config = (root / "twp.toml").read_text().replace('url = "http://', 'url = "https://')
    (root / "twp.toml").write_text(config)
    with pytest.raises(FetchError, match="TLS failure"):
        run(root)
    assert len(server.site.requests) <= 1  # TLS failures are not retried


def test_redirect_to_other_scheme_is_refused(site, server: Running) -> None:
    server.site.fault("/site/sitemap.xml", "redirect", location="file:///etc/passwd")
    root = site("sitemap")
    with pytest.raises(FetchError, match="only http and https"):
        run(root)


def test_redirect_within_http_is_followed(site, server: Running) -> None:
    server.site.fault("/site/sitemap.xml", "redirect", location="/site/sitemap-posts.xml")
    root = site("sitemap")
    report = run(root)
    assert report.written == ["café-meetups", "coping-with-nights", "journal"]


def test_missing_fetch_section(make_site: SiteFactory) -> None:
    root = make_site()
    with pytest.raises(FetchError, match=r"no \[fetch\] section"):
        run(root)


def test_bad_selector(site) -> None:
    root = site("sitemap")
    (root / "twp.toml").write_text((root / "twp.toml").read_text().replace(
        "article h1.entry-title", "article >> h1"))
    with pytest.raises(FetchError, match="title_selector is not a valid CSS selector"):
        run(root)


def test_corrupt_state_file(site) -> None:
    root = site("wordpress", files={STATE_PATH: "{not json"})
    with pytest.raises(FetchError, match="fetch state is not valid JSON"):
        run(root)


# --- WebSub ------------------------------------------------------------------------------------

def test_ping_hub(server: Running, quick_retries: list[float]) -> None:
    server.site.fault("/hub", "status", status=503)
    feeds = ["https://example.org/es/feed.xml", "https://example.org/fr/atom.xml"]
    assert ping_hub(f"{server.url}/hub", feeds, timeout=2) == feeds
    assert server.site.pings == [{"hub.mode": ["publish"], "hub.url": [url]} for url in feeds]
    assert quick_retries == [0.01]
    posts = server.site.seen("/hub")
    assert all(r.method == "POST" for r in posts)
    assert posts[0].headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_ping_hub_failure(server: Running) -> None:
    server.site.fault("/hub", "status", status=500, times=10)
    with pytest.raises(FetchError, match="answered 500"):
        ping_hub(f"{server.url}/hub", ["https://example.org/feed.xml"], timeout=2)
    with pytest.raises(FetchError, match="only http and https"):
        ping_hub("ftp://hub.example.org/", ["https://example.org/feed.xml"])


def test_ping_hub_with_own_client(server: Running) -> None:
    with httpx.Client() as client:
        assert ping_hub(f"{server.url}/hub", ["https://example.org/feed.xml"], client=client)
    assert len(server.site.pings) == 1


# ------------------------------------------------------------------ through the command line

def test_cli_fetch_reports_and_second_run_rewrites_nothing(site, twp) -> None:
    root = site("wordpress")
    first = twp("--site", root, "fetch")
    assert first.code == 0, first
    assert "fetch: 6 articles written" in first.out
    state = snapshot(root / "content")
    second = twp("--site", root, "fetch")
    assert second.code == 0 and "fetch: 0 articles written, 6 unchanged" in second.out
    assert snapshot(root / "content") == state


def test_cli_fetch_page_trouble_exits_1_naming_the_url(site, server: Running, twp) -> None:
    root = site("sitemap")
    server.site.pages["/site/about"] = html_page("About", "<p>x</p>").replace("entry-content", "other")
    result = twp("--site", root, "fetch")
    assert result.code == 1, result
    assert f"{server.url}/site/about" in result.err
    assert "Traceback" not in result.err


def test_cli_fetch_fatal_error_exit_2_no_partial_file(site, server: Running, twp) -> None:
    root = site("drupal")
    server.site.fault("/drupal/jsonapi/node/article", "malformed", times=10)
    result = twp("--site", root, "fetch")
    assert result.code == 2, result
    assert "error:" in result.err and "Traceback" not in result.err
    assert not (root / "content").exists() or not list((root / "content").rglob("*"))


def test_cli_sync_fetches_first(site, twp) -> None:
    root = site("drupal")
    result = twp("--site", root, "sync")
    assert result.code == 0, result
    assert "fetch: 4 articles written" in result.out
    assert (root / "locales/journal.pot").exists()
    assert (root / "locales/es/LC_MESSAGES/journal.po").exists()


def test_build_ping_announces_changed_feeds_only(site, server: Running, twp) -> None:
    root = site("wordpress", extra="")
    config = (root / "twp.toml").read_text(encoding="utf-8")
    hub = f'[feeds]\nwebsub_hub = "{server.url}/hub"\n\n[fetch]'
    (root / "twp.toml").write_text(config.replace("[fetch]", hub), encoding="utf-8")
    assert twp("--site", root, "sync").code == 0
    first = twp("--site", root, "build", "--ping")
    assert first.code == 0, first
    pinged = [p["hub.url"][0] for p in server.site.pings]
    assert sorted(pinged) == ["https://example.org/en/atom.xml", "https://example.org/en/feed.json",
                              "https://example.org/en/rss.xml"]
    atom = (root / "dist/en/atom.xml").read_text(encoding="utf-8")
    assert f'href="{server.url}/hub" rel="hub"' in atom and 'rel="self"' in atom
    server.site.pings.clear()
    again = twp("--site", root, "build", "--ping")
    assert again.code == 0 and "no feed changed" in again.out
    assert server.site.pings == []
