"""``twp fetch`` against a hostile or broken server (tests/fetch_server.py on 127.0.0.1).

Every bound ends in a :class:`FetchError` naming the URL and the ``[fetch]`` key to
raise (or in a per-page warning), never in a traceback or a hang.  The tests count
requests instead of timing the run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from twp_i18n.errors import FetchError
from twp_i18n.source import fetch_http
from twp_i18n.source.fetch_api import without_read_more

from . import test_fetch
from .conftest import snapshot
from .fetch_server import Running, html_page
from .test_fetch import EXPECTED, articles, assert_untouched, run

# The fetch tests' fixtures, shared by name (pytest looks for fixtures among a module's globals).
server = test_fetch.server
site = test_fetch.site
quick_retries = test_fetch.quick_retries

WP_POSTS = "/wp/wp-json/wp/v2/posts"
DRUPAL = "/drupal/jsonapi/node/article"


def set_key(root: Path, key: str, value: str) -> None:
    """Set a ``[fetch]`` key (the section is the last one of the test sites' twp.toml)."""
    path = root / "twp.toml"
    lines = [line for line in path.read_text().splitlines() if not line.startswith(f"{key} = ")]
    path.write_text("\n".join(lines) + f"\n{key} = {value}\n")


def html_requests(server: Running) -> list[str]:
    return [r.path for r in server.site.seen("/site/") if not r.path.endswith(".xml")]


# --- hostile JSON --------------------------------------------------------------------------------

HOSTILE_JSON = {
    "deep": (b"[" * 100_000 + b"]" * 100_000, "nested more than 200 deep"),
    "huge-int": (b'[{"id": ' + b"7" * 5000 + b', "slug": "x"}]', "more than 100 digits"),
    "nan": (b'[{"id": NaN, "slug": "x"}]', "NaN"),
    "infinity": (b'[{"id": Infinity, "slug": "x"}]', "Infinity"),
    "minus-infinity": (b'[{"id": -Infinity, "slug": "x"}]', "-Infinity"),
    "overflow": (b'[{"id": 1e400, "slug": "x"}]', "1e400"),
}


@pytest.mark.parametrize("kind,path", [("drupal", DRUPAL), ("wordpress", WP_POSTS)])
@pytest.mark.parametrize("payload", sorted(HOSTILE_JSON))
def test_hostile_json_is_a_clean_error(site, server: Running, kind: str, path: str,
                                       payload: str) -> None:
    body, why = HOSTILE_JSON[payload]
    server.site.fault(path, "body", body=body)
    root = site(kind)
    before = snapshot(root)
    with pytest.raises(FetchError) as info:
        run(root)
    message = info.value.message
    assert message.startswith(f"{server.url}{path}") and "did not return valid JSON" in message
    assert why in message
    assert_untouched(root, before)


def test_hostile_json_through_the_cli(site, server: Running, twp) -> None:
    server.site.fault(WP_POSTS, "body", body=HOSTILE_JSON["deep"][0])
    result = twp("--site", site("wordpress"), "fetch")
    assert result.code == 2, result
    assert "nested more than 200 deep" in result.err and "Traceback" not in result.err


def test_ordinary_json_is_not_refused(site, server: Running) -> None:
    """Brackets and escaped quotes inside strings do not count as nesting; 150 levels are fine."""
    post = server.site.wp_posts[0]
    post["content"]["rendered"] = "<p>" + '[{\\"' * 400 + "</p>"
    nested: list = []
    for _ in range(150):
        nested = [nested]
    post["meta"] = {"deep": nested, "big": 10 ** 90, "ratio": 0.5}
    root = site("wordpress")
    assert run(root).written == EXPECTED["wordpress"]


@pytest.mark.parametrize("script", ["[" * 100_000 + "]" * 100_000,
                                    '{"datePublished": ' + "7" * 5000 + "}"])
def test_hostile_ld_json_in_a_page_is_ignored(site, server: Running, script: str) -> None:
    page = html_page("Journal", "<p>Write.</p>")
    server.site.pages["/site/blog/journal"] = page.replace(
        "</head>", f'<script type="application/ld+json">{script}</script></head>')
    report = run(site("sitemap"))
    assert report.page_problems == [] and "journal" in report.written


# --- hostile XML ---------------------------------------------------------------------------------

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE urlset [\n<!ENTITY lol "lol">\n'
          + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'
                    for n in range(1, 10))
          + f"]>\n<urlset {NS}><url><loc>http://x/&lol9;</loc></url></urlset>")


@pytest.mark.parametrize("xml,why", [
    (f"<urlset {NS}>" + "<url>" * 100_000 + "</url>" * 100_000 + "</urlset>", "depth"),
    (LAUGHS, "amplification"),
])
def test_hostile_sitemap_is_a_clean_error(site, server: Running, xml: str, why: str) -> None:
    server.site.fault("/site/sitemap-pages.xml", "body", body=xml.encode(),
                      headers={"Content-Type": "application/xml"})
    root = site("sitemap")
    before = snapshot(root)
    with pytest.raises(FetchError, match="is not well-formed XML") as info:
        run(root)
    assert why in info.value.message
    assert_untouched(root, before)


def test_sitemap_entities_read_no_file_and_no_url(site, server: Running, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret-token")
    xml = (f'<?xml version="1.0"?>\n<!DOCTYPE urlset [\n<!ENTITY file SYSTEM "file://{secret}">\n'
           f'<!ENTITY net SYSTEM "{server.url}/leak">\n]>\n'
           f"<urlset {NS}><url><loc>{server.url}/site/about</loc><lastmod>&file;&net;</lastmod>"
           "</url></urlset>")
    server.site.fault("/site/sitemap-pages.xml", "body", body=xml.encode(),
                      headers={"Content-Type": "application/xml"})
    root = site("sitemap")
    run(root)
    assert not server.site.seen("/leak")
    assert not any(b"s3cret" in data for data in snapshot(root).values())


# --- time bounds ---------------------------------------------------------------------------------

def test_drip_fed_listing_is_cut_off_at_the_timeout(site, server: Running) -> None:
    server.site.fault(WP_POSTS, "drip", delay=0.05, size=60)  # 3 s in all, each byte quick
    root = site("wordpress")
    set_key(root, "timeout", "0.5")
    before = snapshot(root)
    with pytest.raises(FetchError) as info:
        run(root)
    assert info.value.message.startswith(f"{server.url}{WP_POSTS}")
    assert "timeout = 0.5" in info.value.message and "[fetch] timeout" in str(info.value)
    assert len(server.site.seen(WP_POSTS)) == 1  # not tried again
    assert_untouched(root, before)


def test_drip_fed_page_is_skipped(site, server: Running) -> None:
    server.site.fault("/site/about", "drip", delay=0.05, size=60)
    root = site("sitemap")
    set_key(root, "timeout", "0.5")
    report = run(root)
    assert report.exit_code == 1
    assert len(report.page_problems) == 1
    url, why = report.page_problems[0].split(": ", 1)
    assert url == f"{server.url}/site/about" and "[fetch] timeout = 0.5" in why
    assert "about" not in articles(root) and len(articles(root)) == 3


def test_drip_fed_listing_is_cut_off_at_the_deadline(site, server: Running) -> None:
    server.site.fault(WP_POSTS, "drip", delay=0.05, size=60)
    root = site("wordpress")
    set_key(root, "timeout", "5")
    set_key(root, "deadline", "1")
    with pytest.raises(FetchError) as info:
        run(root)
    assert f"{server.url}{WP_POSTS}" in info.value.message
    assert "deadline = 1s" in info.value.message and "[fetch] deadline" in str(info.value)


def test_run_deadline_stops_a_slow_site_and_writes_nothing(site, server: Running) -> None:
    for n in range(10):
        server.site.pages[f"/site/blog/extra-{n}"] = html_page(f"Extra {n}", "<p>x</p>")
        server.site.sitemaps["/site/sitemap-posts.xml"].append(f"/site/blog/extra-{n}")
    root = site("sitemap")
    assert len(run(root).written) == 14
    server.site.pages["/site/about"] = html_page("About", "<p>Changed.</p>")
    server.site.page_delay = 0.2  # 14 pages one at a time: 2.8 s
    server.site.clear()
    set_key(root, "concurrency", "1")
    set_key(root, "timeout", "0.5")
    set_key(root, "deadline", "1.5")
    before = snapshot(root)
    with pytest.raises(FetchError) as info:
        run(root)
    assert "[fetch] deadline" in str(info.value)
    assert len(html_requests(server)) < 14
    assert_untouched(root, before)


def test_retry_after_longer_than_allowed_is_an_error(site, server: Running,
                                                     quick_retries: list[float]) -> None:
    server.site.fault(DRUPAL, "status", status=429, headers={"Retry-After": "100000"}, times=5)
    root = site("drupal")
    with pytest.raises(FetchError) as info:
        run(root)
    message = str(info.value)
    assert f"{server.url}{DRUPAL}" in message and "100000" in message
    assert "max_retry_after = 60" in message and "[fetch] max_retry_after" in message
    assert quick_retries == [] and len(server.site.seen(DRUPAL)) == 1


def test_retry_waits_count_against_the_deadline(site, server: Running,
                                                quick_retries: list[float]) -> None:
    server.site.fault(DRUPAL, "status", status=503, headers={"Retry-After": "1"}, times=5)
    root = site("drupal", extra="deadline = 2.5\n")
    with pytest.raises(FetchError) as info:
        run(root)
    assert "[fetch] deadline" in str(info.value)
    assert quick_retries == [1.0, 1.0]  # a third wait would end past the deadline
    assert len(server.site.seen(DRUPAL)) == 3


def test_unreadable_numbers_in_headers(site, server: Running, quick_retries: list[float]) -> None:
    """'²' is a digit to str.isdigit() but not to int()."""
    server.site.wp_total_pages = "²"
    server.site.fault(WP_POSTS, "status", status=503, headers={"Retry-After": "²"})
    root = site("wordpress")
    report = run(root)
    assert quick_retries == [0.01]  # the backoff, as without Retry-After
    assert "rest-and-sleep" in report.written


# --- page bounds ---------------------------------------------------------------------------------

def test_wordpress_total_pages_beyond_max_pages(site, server: Running) -> None:
    server.site.wp_total_pages = "40"
    root = site("wordpress", extra="max_pages = 10\n")
    before = snapshot(root)
    with pytest.raises(FetchError) as info:
        run(root)
    message = str(info.value)
    assert f"{server.url}{WP_POSTS}" in message and "X-WP-TotalPages" in message and "40" in message
    assert "max_pages = 10" in message and "[fetch] max_pages" in message
    assert len(server.site.seen("/wp/")) == 1
    assert_untouched(root, before)


def test_wordpress_a_million_pages(site, server: Running) -> None:
    server.site.wp_total_pages = "1000000"
    root = site("wordpress")
    with pytest.raises(FetchError, match="max_pages = 5000"):
        run(root)
    assert len(server.site.seen("/wp/")) == 1


def test_wordpress_pages_count_with_posts(site, server: Running) -> None:
    root = site("wordpress", extra="max_pages = 3\n")  # 3 pages of posts, then 1 of pages
    with pytest.raises(FetchError, match="max_pages = 3"):
        run(root)
    assert not server.site.seen("/wp/wp-json/wp/v2/pages")


def test_drupal_endless_pagination(site, server: Running) -> None:
    server.site.drupal_endless = True
    root = site("drupal", extra="max_pages = 5\n")
    with pytest.raises(FetchError) as info:
        run(root)
    assert "links.next" in info.value.message and "max_pages = 5" in info.value.message
    assert len(server.site.seen(DRUPAL)) == 5


def test_sitemap_pages_beyond_max_pages(site, server: Running) -> None:
    root = site("sitemap", extra="max_pages = 5\n")  # 3 sitemaps, 4 pages
    before = snapshot(root)
    with pytest.raises(FetchError, match=r"max_pages = 5") as info:
        run(root)
    assert "[fetch] max_pages" in str(info.value)
    assert html_requests(server) == []
    assert_untouched(root, before)


def test_sitemap_index_beyond_max_pages(site, server: Running) -> None:
    for n in range(10):
        server.site.sitemaps[f"/site/sitemap-{n}.xml"] = []
    root = site("sitemap", extra="max_pages = 5\n")
    with pytest.raises(FetchError, match="max_pages = 5"):
        run(root)
    assert [r.path for r in server.site.seen("/site/")] == ["/site/sitemap.xml"]


# --- redirects -----------------------------------------------------------------------------------

def other_host(server: Running, path: str) -> str:
    """The same test server under another host name (localhost is 127.0.0.1 here too)."""
    return server.url.replace("127.0.0.1", "localhost") + path


def test_redirect_to_another_site_is_refused(site, server: Running) -> None:
    target = other_host(server, WP_POSTS)
    server.site.fault(WP_POSTS, "redirect", location=target)
    root = site("wordpress")
    before = snapshot(root)
    with pytest.raises(FetchError) as info:
        run(root)
    message = str(info.value)
    assert f"{server.url}{WP_POSTS}" in message and target in message
    assert "[fetch] redirect_hosts" in message
    assert len(server.site.seen("/wp/")) == 1  # the other host was never asked
    assert_untouched(root, before)


def test_redirect_to_a_listed_host_is_followed(site, server: Running) -> None:
    server.site.fault(WP_POSTS, "redirect", location=other_host(server, WP_POSTS) + "?page=1")
    root = site("wordpress", extra='redirect_hosts = ["LocalHost"]\n')
    assert run(root).written == EXPECTED["wordpress"]


def test_page_redirecting_to_another_site_is_skipped(site, server: Running) -> None:
    server.site.fault("/site/about", "redirect", location=other_host(server, "/site/about"))
    root = site("sitemap")
    report = run(root)
    assert report.exit_code == 1
    assert len(report.page_problems) == 1
    url, why = report.page_problems[0].split(": ", 1)
    assert url == f"{server.url}/site/about"
    assert other_host(server, "/site/about") in why and "[fetch] redirect_hosts" in why
    assert sorted(articles(root)) == ["café-meetups", "coping-with-nights", "journal"]


@pytest.mark.parametrize("target,allowed", [
    ("https://example.org/b", True),
    ("http://www.example.org/b", True),
    ("https://www.example.org:8443/b", True),
    ("https://cdn.example.net/b", False),
    ("https://example.org.evil.example/b", False),
])
def test_redirect_rule(target: str, allowed: bool) -> None:
    assert fetch_http.redirect_allowed("http://example.org/a", target) is allowed
    assert fetch_http.redirect_allowed("http://example.org/a", target, ("cdn.example.net",)) is (
        allowed or "cdn" in target)


# --- each warning once ---------------------------------------------------------------------------

def test_cli_prints_each_warning_once(site, server: Running, twp) -> None:
    server.site.fault("/site/blog/journal", "big", size=200_000)
    root = site("sitemap", extra="max_bytes = 100000\n")
    result = twp("--site", root, "fetch")
    assert result.code == 1, result
    url = f"{server.url}/site/blog/journal"
    assert result.err.count(url) == 1 and result.err.count("max_bytes") == 1, result.err
    assert result.err.count("warning:") == 1

    about = root / "content/en/about.md"
    about.write_bytes(about.read_bytes() + b"\nMy note.\n")
    server.site.pages["/site/about"] = html_page("About", "<p>New.</p>")
    server.site.sitemaps["/site/sitemap-posts.xml"].remove("/site/blog/coping-with-nights")
    server.site.fault("/site/blog/journal", "big", size=200_000)
    result = twp("--site", root, "fetch")
    assert result.code == 1, result
    assert result.err.count("about.md") == 1 and result.err.count("--force") == 1, result.err
    assert result.err.count("coping-with-nights.md: warning: deleted upstream") == 1
    assert result.err.count("--prune") == 1
    assert result.err.count(url) == 1
    assert result.err.count("warning:") == 3


def test_report_lists_each_warning_once(site, server: Running) -> None:
    server.site.fault("/site/blog/journal", "big", size=200_000)
    report = run(site("sitemap", extra="max_bytes = 100000\n"))
    url = f"{server.url}/site/blog/journal"
    assert report.page_problems == [f"{url}: 200003 bytes, more than [fetch] max_bytes = 100000"]
    assert [(w.code, w.message) for w in report.warnings] == [
        ("page-skipped", f"skipped {report.page_problems[0]}")]


@pytest.mark.parametrize("excerpt, continue_reading, expected", [
    ("A short note. […]", False, "A short note."),
    ("A short note.&nbsp;[&hellip;]", False, "A short note.&nbsp;"),
    ("A short note ...\n", False, "A short note ..."),
    ("A short note…", False, "A short note"),
    ("First line.\nA short note. Continue reading “Sleep” →", True, "First line.\nA short note."),
    ("Continue reading, said she.\nThe end.", True, "Continue reading, said she.\nThe end."),
    ("A short note. […]", True, "A short note."),
])
def test_an_excerpt_loses_its_read_more_mark(excerpt: str, continue_reading: bool, expected: str) -> None:
    assert without_read_more(excerpt, continue_reading=continue_reading) == expected


def test_an_excerpt_with_a_long_run_of_spaces_is_read_in_linear_time() -> None:
    # '\s*(…)$' tried the run of spaces at each of its positions: minutes for this one
    spaces = " " * 1_000_000
    assert without_read_more(f"a{spaces}b{spaces}", continue_reading=True) == f"a{spaces}b"
    assert without_read_more(f"a{spaces}b{spaces}…") == f"a{spaces}b"
