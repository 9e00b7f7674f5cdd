"""A real HTTP server on 127.0.0.1 for the ``twp fetch`` tests (no mock transport).

One :class:`FakeSite` serves, under three prefixes:

- ``/drupal/jsonapi/node/article``: Drupal-shaped JSON:API, 2 nodes a page, ``links.next``;
  ``/drupal/<langcode>/jsonapi/node/article/<uuid>``: one node in a language (its translation
  from :attr:`FakeSite.drupal_translations`, else the node in its own language, as Drupal does);
- ``/wp/wp-json/wp/v2/{posts,pages}``: WordPress-shaped JSON, 2 a page, ``X-WP-TotalPages``;
- ``/site/sitemap.xml``: a sitemap index -> two sitemaps -> HTML pages under ``/site/...``,
  with the ``xhtml:link`` hreflang alternates of :attr:`FakeSite.alternates`;
- ``/hub``: a WebSub hub that records what it is sent.

Every 200 carries an ETag (and pages a Last-Modified) and a matching conditional
request gets a 304.  Tests change the content on the fly and queue faults per path
(:meth:`FakeSite.fault`): a status (500, 429 with Retry-After), a delay longer than
the client's timeout, an oversized body, malformed JSON, a redirect, a body of the
test's choosing, a body dripped one byte at a time.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PAGE_SIZE = 2
LAST_MODIFIED = "Mon, 15 Jan 2024 10:00:00 GMT"


@dataclass
class Fault:
    kind: str  # "status", "slow", "big", "big-stream", "malformed", "redirect", "body", "drip"
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    size: int = 0
    location: str = ""
    body: bytes = b""
    query: str | None = None
    times: int = 1


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    status: int = 0


def drupal_node(nid: int, title: str, alias: str | None, body: str, *, status: bool = True,
                langcode: str = "en", summary: str = "") -> dict[str, Any]:
    return {
        "type": "node--article",
        "id": f"uuid-{nid}",
        "attributes": {
            "drupal_internal__nid": nid,
            "langcode": langcode,
            "status": status,
            "title": title,
            "created": f"2024-01-{nid:02d}T09:30:00+00:00",
            "changed": f"2024-02-{nid:02d}T12:00:00+01:00",
            "path": {"alias": alias, "pid": nid, "langcode": langcode},
            "body": {"value": body, "format": "basic_html", "processed": body, "summary": summary},
        },
    }


def wp_post(pid: int, slug: str, title: str, content: str, excerpt: str = "") -> dict[str, Any]:
    return {
        "id": pid,
        "slug": slug,
        "status": "publish",
        "link": f"https://wp.example.org/{slug}/",
        "title": {"rendered": title},
        "content": {"rendered": content, "protected": False},
        "excerpt": {"rendered": excerpt, "protected": False},
        "date_gmt": f"2024-03-{pid:02d}T08:00:00",
        "modified_gmt": f"2024-03-{pid:02d}T08:00:00",
    }


def html_page(title: str, body: str, *, published: str | None = "2024-04-01T10:00:00Z",
              description: str | None = None, head: str = "", lang: str = "en") -> str:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    meta += head
    if description:
        meta += f'<meta name="description" content="{description}">'
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><title>{title} | Site</title>{meta}
<script>window.dataLayer=[];</script><style>body{{color:red}}</style></head>
<body><nav><a href="/">Home</a></nav>
<article><h1 class="entry-title">{title}</h1>
<div class="entry-content">{body}</div>
<div class="share-buttons"><a href="https://twitter.com/share">Tweet</a></div>
</article><footer>(c) footer</footer></body></html>"""


class FakeSite:
    """The content and behaviour of the test server; change it between runs."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.base = ""  # set once the server listens
        self.drupal_nodes: list[dict[str, Any]] = [
            drupal_node(1, "Finding peer support", "/blog/finding-peer-support",
                        "<p>Peers <strong>help</strong>.</p>", summary="<p>Why peers matter.</p>"),
            drupal_node(2, "Sleep: what helped", "/blog/sleep-what-helped",
                        "<h2>Routine</h2><ul><li>Dark room</li><li>No screens</li></ul>"),
            drupal_node(3, "Draft", "/blog/draft", "<p>not yet</p>", status=False),
            drupal_node(4, "Sin alias", None, "<p>Node without an alias.</p>"),
            drupal_node(5, "Auf Deutsch", "/de/blog/x", "<p>Hallo</p>", langcode="de"),
            drupal_node(6, "Keeping a journal", "/journal", "<blockquote><p>Write daily.</p></blockquote>"),
        ]
        self.wp_posts: list[dict[str, Any]] = [
            wp_post(1, "rest-and-sleep", "Rest &amp; sleep", "<p>Rest <em>well</em>.</p>",
                    "<p>On resting [&hellip;]</p>"),
            wp_post(2, "caf%c3%a9-talks", "Caf&eacute; talks", "<p>Coffee.</p>"),
            wp_post(3, "talking-to-your-doctor", "Talking to your doctor",
                    '<p>See <a href="/contact/">contact</a>.</p>'),
            wp_post(4, "our-values", "Our values", "<ol><li>Care</li><li>Honesty</li></ol>"),
            wp_post(5, "the-journal", "The journal", "<p>Five.</p>"),
        ]
        self.wp_pages: list[dict[str, Any]] = [
            wp_post(10, "about", "About us", "<p>We are a community.</p>"),
        ]
        self.pages: dict[str, str] = {
            "/site/blog/coping-with-nights": html_page(
                "Coping with nights", "<p>Nights are <em>long</em>.</p>",
                description="About nights"),
            "/site/blog/caf%C3%A9-meetups": html_page("Café meetups", "<p>Meet us.</p>"),
            "/site/blog/journal": html_page("Journal", "<p>Write.</p>", published=None),
            "/site/about": html_page("About", "<p>About the site.</p>"),
        }
        self.sitemaps: dict[str, list[str]] = {
            "/site/sitemap-posts.xml": ["/site/blog/coping-with-nights", "/site/blog/caf%C3%A9-meetups",
                                        "/site/blog/journal"],
            "/site/sitemap-pages.xml": ["/site/about"],
        }
        self.lastmod: dict[str, str] = {"/site/blog/journal": "2024-05-02"}
        self.faults: dict[str, list[Fault]] = {}
        self.requests: list[Seen] = []
        self.pings: list[dict[str, list[str]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.page_delay = 0.0
        self.linger = 0.0  # seconds a handler thread stays on after answering, as a busy machine's may
        self.wp_total_pages: str | None = None  # overrides X-WP-TotalPages when set
        self.drupal_endless = False  # links.next on every page, past the last node
        self.drupal_translations: dict[tuple[str, str], dict[str, Any]] = {}
        """(langcode, uuid) -> the node translated."""
        self.wp_translated: dict[int, dict[str, Any]] = {}
        """Post id -> a translated post, served at /wp/wp-json/wp/v2/posts/<id> only (as
        Polylang Pro's ``translations`` field names it)."""
        self.alternates: dict[str, dict[str, str]] = {}
        """Sitemap page path -> {hreflang: path} written as its xhtml:link alternates."""

    # -- test helpers ----------------------------------------------------------------------
    def fault(self, path: str, kind: str, **kwargs: Any) -> None:
        self.faults.setdefault(path, []).append(Fault(kind, **kwargs))

    def seen(self, prefix: str = "") -> list[Seen]:
        with self.lock:
            return [r for r in self.requests if r.path.startswith(prefix)]

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()

    def take_fault(self, path: str, query: str) -> Fault | None:
        with self.lock:
            for fault in self.faults.get(path, []):
                if fault.times > 0 and (fault.query is None or fault.query in query):
                    fault.times -= 1
                    return fault
        return None

    # -- routes -----------------------------------------------------------------------------
    def route(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes] | None:
        if path == "/drupal/jsonapi/node/article":
            return self._drupal(query)
        if path.startswith("/drupal/") and "/jsonapi/node/article/" in path:
            return self._drupal_one(path)
        if path.startswith("/wp/wp-json/wp/v2/"):
            kind = path.rsplit("/", 1)[1]
            if kind.isdigit():
                return self._wp_one(int(kind))
            items = {"posts": self.wp_posts, "pages": self.wp_pages}.get(kind)
            if items is not None and "lang" in query:  # Polylang Pro's filter
                items = [item for item in items if item.get("lang", query["lang"][0]) == query["lang"][0]]
            return None if items is None else self._wp(items, query)
        if path == "/site/sitemap.xml":
            body = "".join(f"<sitemap><loc>{self.base}{p}</loc></sitemap>" for p in self.sitemaps)
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex '
                   f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>')
            return 200, {"Content-Type": "application/xml"}, xml.encode()
        if path in self.sitemaps:
            entries = []
            for page in self.sitemaps[path]:
                lastmod = f"<lastmod>{self.lastmod[page]}</lastmod>" if page in self.lastmod else ""
                links = "".join(
                    f'<xhtml:link rel="alternate" hreflang="{lang}" '
                    f'href="{href if "://" in href else self.base + href}"/>'
                    for lang, href in self.alternates.get(page, {}).items())
                entries.append(f"<url><loc>{self.base}{page}</loc>{lastmod}{links}</url>")
            xhtml = ' xmlns:xhtml="http://www.w3.org/1999/xhtml"' if self.alternates else ""
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset '
                   f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{xhtml}>{"".join(entries)}</urlset>')
            if path.endswith(".gz"):
                return 200, {"Content-Type": "application/gzip"}, gzip.compress(xml.encode(), mtime=0)
            return 200, {"Content-Type": "application/xml"}, xml.encode()
        raw_path = path
        if raw_path in self.pages:
            if self.page_delay:
                time.sleep(self.page_delay)
            return (200, {"Content-Type": "text/html; charset=utf-8", "Last-Modified": LAST_MODIFIED},
                    self.pages[raw_path].encode())
        return None

    def _drupal(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        offset = int(query.get("page[offset]", ["0"])[0])
        data = self.drupal_nodes[offset:offset + PAGE_SIZE]
        doc: dict[str, Any] = {"jsonapi": {"version": "1.0"}, "data": data,
                               "links": {"self": {"href": "..."}}}
        if offset + PAGE_SIZE < len(self.drupal_nodes) or self.drupal_endless:
            doc["links"]["next"] = {
                "href": f"{self.base}/drupal/jsonapi/node/article?page%5Boffset%5D="
                        f"{offset + PAGE_SIZE}&page%5Blimit%5D={PAGE_SIZE}"}
        return 200, {"Content-Type": "application/vnd.api+json"}, json.dumps(doc).encode()

    def _drupal_one(self, path: str) -> tuple[int, dict[str, str], bytes] | None:
        prefix, _, uuid = path.partition("/jsonapi/node/article/")
        langcode = prefix.rsplit("/", 1)[-1]
        node = self.drupal_translations.get((langcode, uuid)) or next(
            (n for n in self.drupal_nodes if n["id"] == uuid), None)
        if node is None:
            return None
        doc = {"jsonapi": {"version": "1.0"}, "data": node}
        return 200, {"Content-Type": "application/vnd.api+json"}, json.dumps(doc).encode()

    def _wp_one(self, pid: int) -> tuple[int, dict[str, str], bytes] | None:
        post = self.wp_translated.get(pid) or next(
            (p for p in self.wp_posts + self.wp_pages if p["id"] == pid), None)
        if post is None:
            return None
        return 200, {"Content-Type": "application/json; charset=UTF-8"}, json.dumps(post).encode()

    def _wp(self, items: list[dict[str, Any]],
            query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        page = int(query.get("page", ["1"])[0])
        pages = max(1, -(-len(items) // PAGE_SIZE))
        if page > pages:
            body = {"code": "rest_post_invalid_page_number"}
            return 400, {"Content-Type": "application/json"}, json.dumps(body).encode()
        chunk = items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        headers = {"Content-Type": "application/json; charset=UTF-8",
                   "X-WP-Total": str(len(items)),
                   "X-WP-TotalPages": self.wp_total_pages or str(pages)}
        return 200, headers, json.dumps(chunk).encode()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    _record: Seen
    _landed: bool

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        site = self.server.site
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        record = Seen(self.command, parts.path, parts.query, dict(self.headers.items()), body)
        with site.lock:
            site.requests.append(record)
            site.in_flight += 1
            site.max_in_flight = max(site.max_in_flight, site.in_flight)
        self._record = record
        self._landed = False
        try:
            self._respond(site, parts.path, parts.query, body)
            if site.linger:
                time.sleep(site.linger)
        finally:
            self._land(site)

    def _land(self, site: FakeSite) -> None:
        """The request stops counting as in flight: before the client can see the answer, since
        a client told its answer may send its next request before this thread runs on."""
        if not self._landed:
            self._landed = True
            with site.lock:
                site.in_flight -= 1

    def _respond(self, site: FakeSite, path: str, query: str, body: bytes) -> int:  # noqa: C901 - the fake server routes, one branch per endpoint
        fault = site.take_fault(path, query)
        if fault is not None:
            if fault.kind == "status":
                return self._send(fault.status, fault.headers, b"fault")
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.kind == "malformed":
                return self._send(200, {"Content-Type": "application/json"}, b'{"data": [{"id": ')
            elif fault.kind == "redirect":
                return self._send(302, {"Location": fault.location}, b"")
            elif fault.kind == "body":
                headers = fault.headers or {"Content-Type": "application/json"}
                return self._send(200, headers, fault.body)
            elif fault.kind == "drip":
                # One byte every ``delay`` seconds: each read is quick, the whole is not.
                self._record.status = 200
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(fault.size))
                self.end_headers()
                try:
                    for _ in range(fault.size):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(fault.delay)
                except OSError:
                    pass
                self.close_connection = True
                return 200
            elif fault.kind == "big":
                return self._send(200, {"Content-Type": "text/html"}, b"<p>" + b"x" * fault.size)
            elif fault.kind == "big-stream":
                # No Content-Length: the client must count while it reads.
                self._record.status = 200
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                try:
                    for _ in range(fault.size // 4096 + 1):
                        self.wfile.write(b"y" * 4096)
                except OSError:
                    pass
                self.close_connection = True
                return 200
        if path == "/hub" and self.command == "POST":
            site.pings.append(parse_qs(body.decode()))
            return self._send(204, {}, b"")
        routed = site.route(path, parse_qs(query))
        if routed is None:
            return self._send(404, {"Content-Type": "text/plain"}, b"not found")
        status, headers, data = routed
        if status == 200:
            etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
            headers = {**headers, "ETag": etag}
            match = self.headers.get("If-None-Match")
            since = self.headers.get("If-Modified-Since")
            if match == etag or (match is None and since and since == headers.get("Last-Modified")):
                return self._send(304, {"ETag": etag}, b"")
        return self._send(status, headers, data)

    def _send(self, status: int, headers: dict[str, str], data: bytes) -> int:
        self._record.status = status  # before the client can see the answer
        self._land(self.server.site)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if status != 304:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if status != 304 and self.command != "HEAD":
            try:
                self.wfile.write(data)
            except OSError:
                pass
        return status


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    site: FakeSite


class Running:
    """A started server: ``url`` is ``http://127.0.0.1:<port>``."""

    def __init__(self, site: FakeSite) -> None:
        self.site = site
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.site = site
        host, port = self.httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        site.base = self.url
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
