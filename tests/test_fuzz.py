"""Fuzz: random bytes and mutated valid files for every reader of untrusted input.

Each target feeds an input to the library function that reads it and accepts two
outcomes only: the input works, or it raises the project's own error
(:class:`~twp_i18n.errors.TwpError`) naming the file.  Anything else (a
``ValueError``, ``RecursionError``, an error without a file name) is a bug.  Inputs
are bounded in size, so a hang shows up as the suite not finishing.

Examples are drawn anew on every local run and the same on every CI run (the
"fuzz" profile in conftest.py); ``TWP_FUZZ_SCALE=10`` runs ten times as many.
A bug found here gets its own small regression test beside the code's other tests.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import gzip
import json
import os
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from twp_i18n.catalog.extract import article_template
from twp_i18n.catalog.pofile import decode, format_po, parse_po
from twp_i18n.config import Config, FetchConfig, load_config
from twp_i18n.errors import ContentError, FetchError, TwpError
from twp_i18n.render.localize import localize
from twp_i18n.source.content import Article, parse_article
from twp_i18n.source.fetch import render_article
from twp_i18n.source.fetch_api import drupal, wordpress
from twp_i18n.source.fetch_http import Counter, Response
from twp_i18n.source.fetch_sitemap import sitemap
from twp_i18n.source.fetch_sources import ACCEPT_HTML, ACCEPT_XML, Context, Harvest
from twp_i18n.source.segments import article_units

from .conftest import MINIMAL_CONFIG, REPO
from .fetch_server import drupal_node, html_page, wp_post

T = TypeVar("T")

SCALE = float(os.environ.get("TWP_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    """The "fuzz" profile with ``examples`` examples (times ``TWP_FUZZ_SCALE``)."""
    return settings(settings.get_profile("fuzz"), max_examples=max(1, round(examples * SCALE)))


def works_or_names_file(action: Callable[[], T], path: str | None = None) -> T | None:
    """``action()``, or None when it raised a TwpError that names a file (``path``, if given)."""
    try:
        return action()
    except TwpError as exc:
        assert exc.path, f"an error without a file name: {exc!r}"
        assert path is None or exc.path == path, f"an error naming the wrong file: {exc!r}"
        return None


# --- mutations -----------------------------------------------------------------------------------

#: Byte strings that have broken parsers before: encodings, YAML/TOML/JSON/XML/Markdown syntax,
#: control characters.  Put in anywhere.
NASTY: tuple[bytes, ...] = (
    b"\0", b"\x04", b"\x07", b"\x1b[31m", b"\x7f", b"\xc2\x85", b"\xe2\x80\xa8",
    b"\xef\xbb\xbf", b"\xef\xbf\xbe", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
    b"\r", b"\r\n", b"\n---\n", b"\n...\n", b"\t", b"\\", b"\\\n", b'"', b"'", b"#", b",", b":",
    b"<<: 5", b"? [a]\n: b", b"{a: 1}: b", b"&a ", b"*a ", b"!!python/object:os.system ",
    b"[" * 300, b"{" * 300, b"- " * 300, b"> " * 300, b"*" * 500, b"`" * 300, b"<div>" * 300,
    b"[x](" * 200, b"[x]: <" + b"a" * 1000 + b">", b"|a|\n|-|\n|b|", b"&#0;&#x110000;&#99999999999;",
    b"<script>alert(1)</script>", b"javascript:alert(1)", b"<![CDATA[x]]>", b"<!--", b"]]>",
    b'<?xml version="1.0" encoding="ebcdic"?>', b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>",
    b"&e;", b"&amp;", b"[site]", b"[[site]]", b"[fetch]", b"[limits]", b"[paths]", b"[feeds]",
    b"NaN", b"Infinity", b"-0", b"1e999", b'"\\ud800"', b'"\\u0000"', b"null", b"true", b"[]", b"{}",
)

#: Values for a ``key: value`` line of YAML front matter.
YAML_VALUES: tuple[bytes, ...] = (
    b'"\\0"', b'"\\x04"', b'"a\\\\\\nb"', b'"\\e[2J"', b'"a\\\\"', b"'a\\'",
    b"!!python/object/apply:os.system [ls]",
    b"!!python/name:os.system", b"!!binary aGk=", b"!!int abc", b"!!float x", b"!!bool maybe",
    b"!!timestamp 2026-02-30", b"!!set {a}", b"!!omap [a]", b"!!str [a]", b"!foo bar", b"&a [x]", b"*a",
    b"*undefined", b"9" * 5000, b"0x" + b"f" * 5000, b"1e400", b".nan", b"12:30", b"010", b"1_000",
    b"2026-02-30", b"2026-13-01", b"0000-01-01", b"9999-12-31T23:59:59-05:00",
    b"0001-01-01T00:00:00+05:00", b"2026-01-01T24:00:00", b"2026-01-01T10:00+25:00",
    b"[a, [b, {c: d}]]", b"{a: b}", b"[]", b"{}", b"~", b"null", b"yes", b"''", b"|\n  a\n  b",
    b"[" * 3000 + b"]" * 3000, b"{a: " * 300 + b"1" + b"}" * 300, b'"../../etc"', b'"site"',
)

#: Values for a ``key = value`` line of twp.toml.
TOML_VALUES: tuple[bytes, ...] = (
    b'"a\\u0000b"', b'"\\u0004"', b'"\\u001b[2J"', b'"a\\nb"', b'""', b'"  "', b'"/"', b'"."', b'".."',
    b'"' + b"a" * 300 + b'"', b'"http://[::1"', b'"https://e.org:99999/"', b'"file:///etc/passwd"',
    b'"javascript:alert(1)"', b'"xx"', b'"en"', b'"pt-BR"', b'"zh_Hans_CN_x"', b"9" * 5000,
    b"9" * 400, b"99999999999999999999", b"-1", b"0", b"1e400", b"nan", b"inf", b"-inf", b"1e10",
    b"true", b"1979-05-27T07:32:00Z", b"[]", b"[1]", b'["es", "es"]', b'["en"]', b"{}", b"{a = 1}",
    b"[" * 3000 + b"]" * 3000, b"{a = " * 300 + b"1" + b"}" * 300,
)

LAUGHS = (b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
          + b"".join(f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n".encode()
                     for p, n in zip("abcdefgh", "bcdefghi", strict=True)))
"""The billion laughs: nine levels of nine aliases, 9**9 strings if anything walks them."""

#: How often each edit is drawn: a value swapped for a nasty one most.
EDITS = ("value", "value", "value", "delete", "duplicate", "swap", "nasty", "nasty",
         "text", "bytes", "truncate", "flip", "laughs")


def _insert(data: bytes, position: int, piece: bytes) -> bytes:
    return data[:position] + piece + data[position:]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes], values: tuple[bytes, ...] = (),
            separator: bytes = b": ", nasty: tuple[bytes, ...] = NASTY, max_edits: int = 4) -> bytes:
    """One of ``seeds`` with a few random edits: lines moved, values replaced, bytes put in."""
    data = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, max_edits))):
        kind = draw(st.sampled_from(EDITS))
        lines = data.split(b"\n")
        if kind in ("value", "delete", "duplicate", "swap"):
            # Keys (front matter, [site]) sit at the top: lines there are picked more often.
            i = draw(st.integers(0, len(lines) - 1) | st.integers(0, min(len(lines) - 1, 12)))
            if kind == "value":
                key = lines[i].split(separator.strip(), 1)[0].rstrip()
                lines[i] = key + separator + draw(st.sampled_from(values or nasty))
            elif kind == "delete":
                del lines[i]
            elif kind == "duplicate":
                lines.insert(i, lines[i])
            else:
                j = draw(st.integers(0, len(lines) - 1))
                lines[i], lines[j] = lines[j], lines[i]
            data = b"\n".join(lines)
            continue
        position = draw(st.integers(0, len(data)))
        if kind == "nasty":
            data = _insert(data, position, draw(st.sampled_from(nasty)))
        elif kind == "text":
            data = _insert(data, position, draw(st.text(max_size=20)).encode("utf-8"))
        elif kind == "bytes":
            data = _insert(data, position, draw(st.binary(min_size=1, max_size=8)))
        elif kind == "truncate":
            data = data[:position]
        elif kind == "flip" and data:
            i = min(position, len(data) - 1)
            data = data[:i] + bytes([data[i] ^ (1 << draw(st.integers(0, 7)))]) + data[i + 1:]
        elif kind == "laughs":
            data = _insert(data, data.find(b"\n") + 1, LAUGHS)
    return data


def inputs(seeds: list[bytes], values: tuple[bytes, ...] = (), separator: bytes = b": ",
           nasty: tuple[bytes, ...] = NASTY) -> st.SearchStrategy[bytes]:
    """Random bytes, or (more often) mutated seeds."""
    edited = mutated(seeds, values, separator, nasty)
    return st.one_of(st.binary(max_size=400), edited, edited)


# --- front matter and Markdown -------------------------------------------------------------------

ARTICLE_SEEDS = sorted({p.read_bytes() for p in [*(REPO / "content" / "en").glob("*.md"),
                                                   *(REPO / "tests" / "data").glob("*/content/en/*.md")]})
ARTICLE_SEEDS.append(
    b'---\ntitle: "Sleep: notes"\ndate: 2026-01-15\nupdated: 2026-02-01T10:00:00+01:00\n'
    b'summary: "Short."\nauthor: A\ntags: [sleep, 2024]\ntranslator_notes: "Plain words."\n'
    b'slug: sleep-notes\nsource_url: https://x.example/a\nsource_id: "7"\n---\n\n# Heading\n\n'
    b'Some *text* with a [link](https://example.org/) and ![alt](img.png).\n\n> quote\n\n'
    b'- item\n- item two\n\n```\ncode\n```\n\n<div>html</div>\n')


def _containers(children: st.SearchStrategy[Any], keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=4)


class Plain(str):
    """A number written as is, unquoted (e.g. one of 5000 digits, which ``int`` refuses)."""


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    pass


_Dumper.add_representer(
    Plain, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:int", str(value)))

ZONES = [None, dt.UTC, dt.timezone(dt.timedelta(hours=14)),
         dt.timezone(-dt.timedelta(hours=23, minutes=59))]

#: Values YAML can write: every type, control characters, numbers and dates at their limits.
YAML_DATA = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(1, 9).map(lambda d: Plain(str(d) * 4400))
    | st.floats() | st.text(max_size=30) | st.dates() | st.dates().map(str)
    | st.datetimes(timezones=st.sampled_from(ZONES)).map(str)
    | st.sampled_from(["2026-02-30", "2026-01-01T25:00:00", "0000-01-01", "\0", "\x04", "a\\"]),
    lambda children: _containers(children, st.text(max_size=5)),
    max_leaves=6,
)
FIELDS = ("title", "date", "updated", "summary", "author", "tags", "translator_notes", "slug",
          "source_url", "source_id")


@st.composite
def front_matter_articles(draw: st.DrawFn) -> bytes:
    """An article whose front matter is random values of the real fields, written by PyYAML."""
    meta = draw(st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), YAML_DATA, max_size=8))
    meta = {"title": "T", "date": "2026-01-15", **meta} if draw(st.booleans()) else meta
    front = yaml.dump(meta, Dumper=_Dumper, allow_unicode=draw(st.booleans()),
                      width=draw(st.sampled_from([80, 10**6])))
    return f"---\n{front}---\n\n{draw(st.text(max_size=200))}".encode()


class QuietConfig(Config):
    """A site's configuration that does not fill a failing example's report."""

    def __repr__(self) -> str:
        return "<minimal site>"


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    root = tmp_path_factory.mktemp("site")
    (root / "twp.toml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    loaded = load_config(root)
    return QuietConfig(**{f.name: getattr(loaded, f.name) for f in dataclasses.fields(loaded)})


def read_article(raw: bytes, config: Config) -> Article | None:
    """Parse an article; when it loads, extract its units and template and render it."""
    article = works_or_names_file(
        lambda: parse_article(raw, config.source_dir / "fuzz.md", "content/en/fuzz.md"),
        "content/en/fuzz.md")
    if article is None:
        return None
    assert article.title and article.date.tzinfo is not None
    assert isinstance(article.last_modified, dt.datetime)

    def use() -> None:
        article_units(article)
        format_po(article_template(article, config))
        localize(article, "en", "en", None)

    works_or_names_file(use)
    return article


@fuzz(150)
@given(raw=inputs(ARTICLE_SEEDS, YAML_VALUES))
def test_fuzz_article(raw: bytes, config: Config) -> None:
    read_article(raw, config)


@fuzz(100)
@given(raw=front_matter_articles())
def test_fuzz_front_matter_values(raw: bytes, config: Config) -> None:
    read_article(raw, config)


# --- twp.toml ------------------------------------------------------------------------------------

FULL_CONFIG = MINIMAL_CONFIG + """\
[paths]
content = "content"
locales = "locales"
templates = "templates"
output = "dist"

[publish]
min_percent = 75.5

[feeds]
items = 10
full_content = false
rights = "CC BY-SA 4.0"
websub_hub = "https://hub.example.org/"

[fetch]
type = "sitemap"
url = "https://cms.example.org/"
timeout = 10
max_bytes = 1000000
concurrency = 2
sitemap = "https://cms.example.org/sitemap.xml"
title_selector = "h1"
body_selector = "article"
deadline = 60.5
max_pages = 100
max_retry_after = 5
redirect_hosts = ["cdn.example.net"]

[limits]
max_article_bytes = 100000
max_catalog_bytes = 1000000
max_entry_bytes = 10000
max_nesting = 16
"""
CONFIG_SEEDS = [(REPO / "twp.toml").read_bytes(),
                (REPO / "tests" / "data" / "minimal" / "twp.toml").read_bytes(),
                FULL_CONFIG.encode()]


@fuzz(150)
@given(raw=inputs(CONFIG_SEEDS, TOML_VALUES, b" = "))
def test_fuzz_config(raw: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.getbasetemp() / "fuzz-config"
    root.mkdir(exist_ok=True)
    (root / "twp.toml").write_bytes(raw)
    loaded = works_or_names_file(lambda: load_config(root), "twp.toml")
    if loaded is not None:
        assert loaded.config_path.name == "twp.toml" and loaded.title


# --- gettext catalogs (a translator's or another tool's PO file) ---------------------------------

PO_SEEDS = sorted({p.read_bytes() for p in [*(REPO / "locales").glob("*/LC_MESSAGES/*.po"),
                                              *(REPO / "tests" / "data").glob("*/locales/*/LC_MESSAGES/*.po")]
                   if p.stat().st_size < 6000})
PO_SEEDS.append(
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=2; '
    'plural=(n != 1);\\n"\n\n# note\n#. extracted\n#: a.md:3 b.md\n#, fuzzy, python-format\n'
    '#| msgctxt "old"\n#| msgid "was"\nmsgctxt "c"\nmsgid "one"\nmsgid_plural "many"\n'
    'msgstr[0] "uno"\nmsgstr[1] ""\n"muchos"\n\n#~ msgid "gone"\n#~ msgstr "ido"\n'
    '\n#~| msgid "older"\n#~ msgid "gone too"\n#~ msgstr "también"\n'.encode())
#: Pieces of PO syntax (and characters Python but not gettext calls spaces) to put in anywhere.
PO_NASTY: tuple[bytes, ...] = NASTY + (
    b"#|", b"#~|", b"#~", b"#,", b"#:", b"#.", b"#| msgid ", b"msgid ", b"msgstr ", b"msgctxt ",
    b"msgid_plural ", b"msgstr[0] ", b"msgstr[99999999999999999999] ", b"msgstr [ 1 ] ", b'""',
    b'"\\', b"\\x41", b"\\777", b"\\u00e9", b"\n\n", b"\n#\n", b"<<<<<<< HEAD\n", b"=======\n",
    b">>>>>>> theirs\n", b"\xe2\x80\xa9", b"\x1c", b"\xc2\xa0", b"\xe3\x80\x80", b"\x0b", b"\x0c",
    b"charset=", b"nplurals=", b"plural=(n", b"fuzzy", b"#, fuzzy\n",
)
#: What follows a keyword's opening quote (the separator is ' "').
_PO_VALUES = (b'x"', b'a\\nb"', b'\\"', b"", b'a" "b"', b'%s %d"', b'{0}"', b'"', b'\\u2028"')


_PO_STARTS = (b"#", b"#|", b"#~|", b"#~", b"#,", b"#:", b"#.", b"msgid", b"msgstr", b"msgctxt",
              b"msgid_plural", b"msgstr[0]", b"msgstr[1]", b'"', b"", b" ")
_PO_SPACES = (b" ", b"\t", b"", b"\x0b", b"\x0c", b"\r", b"\xe2\x80\xa8", b"\xe2\x80\xa9", b"\xc2\x85",
              b"\x1c", b"\x1f", b"\xc2\xa0", b"\xe3\x80\x80", b"\xef\xbb\xbf")
_PO_TAILS = (b"", b'"x"', b'""', b'"', b"msgid", b'msgid "x"', b"fuzzy", b"a.md:3", b"a.md: 3", b":3",
             b"#", b"\\", b'"a\\"', *NASTY[:12])


@st.composite
def po_lines(draw: st.DrawFn) -> bytes:
    """A seed catalog with a few lines put in, each made of a line start, a space of some
    kind (ASCII or only Unicode's) and a tail: the grammar's seams, where readers break."""
    lines = draw(st.sampled_from(PO_SEEDS)).split(b"\n")
    for _ in range(draw(st.integers(1, 3))):
        line = b"".join(draw(st.sampled_from(pieces)) for pieces in (_PO_STARTS, _PO_SPACES, _PO_TAILS))
        lines.insert(draw(st.integers(0, len(lines))), line)
    return b"\n".join(lines)


@fuzz(300)
@given(raw=inputs(PO_SEEDS, _PO_VALUES, b' "', PO_NASTY) | po_lines())
def test_fuzz_po_catalog(raw: bytes) -> None:
    """A catalog reads, or is refused naming the file; what reads, written back in canonical
    form, reads again with the same entries."""
    po = works_or_names_file(lambda: parse_po(decode(raw, "fuzz.po"), "fuzz.po"), "fuzz.po")
    if po is None:
        return
    again = parse_po(format_po(po), "again.po")

    def entries(catalog: Any) -> list[tuple[Any, ...]]:
        # as msgcat writes them: no fuzzy flag without a translation, no untranslated
        # obsolete entry
        return [(e.msgctxt, e.msgid, e.msgid_plural, e.msgstr, sorted(e.msgstr_plural.items()),
                 e.obsolete, e.fuzzy and bool(e.msgstr or e.msgstr_plural.get(0))) for e in catalog
                if not e.obsolete or e.msgstr or any(e.msgstr_plural.values()) or e.tcomment.strip()]

    assert entries(again) == entries(po)


# --- fetch: JSON:API, WordPress REST, sitemaps and pages -----------------------------------------

class CannedContext(Context):
    """A reader's context whose every request gets the same canned answer (no network)."""

    def __init__(self, kind: str, answers: dict[str, tuple[bytes, dict[str, Any]]]) -> None:
        config = FetchConfig(type=kind, url="https://cms.example.org/", concurrency=1,
                             title_selector="h1", body_selector="article")
        super().__init__(client=None, config=config, source_language="en",  # type: ignore[arg-type]
                         counter=Counter(), old_articles={}, old_listings={}, trust=lambda _: True)
        self.answers = answers

    def get(self, url: str, accept: str, validators: dict[str, Any] | None = None) -> Response:
        body, headers = self.answers.get(accept, self.answers["*"])
        return Response(url=url, status=200, headers=httpx.Headers(headers), body=body)


def harvest_or_fetch_error(reader: Callable[[Context], Harvest], ctx: Context, config: Config) -> None:
    """Run a reader; every article it returns is written and read back as fetch does."""
    try:
        harvest = reader(ctx)
    except FetchError:
        return
    for item in harvest.items:
        assert item.slug and item.source_url
        data = render_article(item)
        try:
            parse_article(data, config.source_dir / f"{item.slug}.md", f"content/en/{item.slug}.md")
        except ContentError as exc:  # fetch skips such a page with a warning
            assert exc.path


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


DRUPAL_DOCS: list[Any] = [
    {"jsonapi": {"version": "1.0"},
     "data": [drupal_node(1, "Finding peer support", "/blog/finding-peer-support",
                          "<p>Peers <strong>help</strong>.</p>", summary="<p>Why.</p>"),
              drupal_node(4, "Sin alias", None, "<h2>Routine</h2><ul><li>Dark</li></ul>"),
              drupal_node(5, "Auf Deutsch", "/de/x", "<p>Hallo</p>", langcode="de")],
     "links": {"next": {"href": "?page%5Boffset%5D=2"}}, "meta": {"count": 3}},
    {"data": [], "links": {}},
]
WP_DOCS: list[Any] = [
    [wp_post(1, "rest-and-sleep", "Rest &amp; sleep", "<p>Rest <em>well</em>.</p>",
             "<p>On resting [&hellip;]</p>"),
     wp_post(2, "caf%c3%a9-talks", "Caf&eacute; talks", '<p>See <a href="/c/">c</a>.</p>')],
    [],
]
DRUPAL_SEEDS = [_json(doc) for doc in DRUPAL_DOCS]
WP_SEEDS = [_json(doc) for doc in WP_DOCS]

#: Strings the readers treat specially: paths, slugs, dates, HTML.
JSON_STRINGS = ["", " ", "/", "/blog/", "/blog/../../etc", "..", "%ff", "caf%C3%A9", "a/b", "site", ".hidden",
                "\x00", "\x04", "2024-02-30", "2024-01-15T12:00:00+02:00", "Mon, 15 Jan 2024 10:00:00 GMT",
                "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "und", "zxx", "de", "publish",
                "draft", "<p>x</p>", "<div>" * 300, "<script>alert(1)</script>", "<iframe src=//x>",
                '<a href="javascript:alert(1)">x</a>', '<img src="data:x">', "&hellip;", "<![CDATA[x]]>",
                "http://[x", "https://cms.example.org/a b", "//evil.example/x", "?page=2"]
JSON_KEYS = ["data", "links", "next", "href", "meta", "count", "attributes", "status", "langcode",
             "drupal_internal__nid", "path", "alias", "body", "value", "processed", "summary", "title",
             "created", "changed", "id", "slug", "link", "content", "excerpt", "rendered", "protected",
             "date_gmt", "modified_gmt"]
JSON_DATA = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    | st.sampled_from(JSON_STRINGS),
    lambda children: _containers(children, st.sampled_from(JSON_KEYS) | st.text(max_size=8)),
    max_leaves=8,
)


@st.composite
def json_mutated(draw: st.DrawFn, docs: list[Any]) -> bytes:
    """One of ``docs`` with a few of its values replaced by random JSON or removed."""
    doc = copy.deepcopy(draw(st.sampled_from(docs)))
    for _ in range(draw(st.integers(1, 3))):
        parent: Any = None
        key: Any = None
        node = doc
        while isinstance(node, (list, dict)) and node and (parent is None or draw(st.integers(0, 3))):
            key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
            parent, node = node, node[key]
        if parent is None:
            doc = draw(JSON_DATA)
        elif draw(st.integers(0, 4)) == 0:
            del parent[key]
        else:
            parent[key] = draw(JSON_DATA)
    return json.dumps(doc, ensure_ascii=draw(st.booleans())).encode()


def json_inputs(docs: list[Any]) -> st.SearchStrategy[bytes]:
    """Random bytes, mutated bytes of ``docs``, or (most often) ``docs`` with values changed."""
    seeds = [_json(doc) for doc in docs]
    return st.one_of(st.binary(max_size=400), mutated(seeds), json_mutated(docs), json_mutated(docs))


SITEMAP_SEEDS = [
    b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    b"<url><loc>https://cms.example.org/blog/nights</loc><lastmod>2024-05-02</lastmod></url>\n"
    b"<url><loc>/blog/caf%C3%A9</loc></url>\n</urlset>\n",
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    b"<sitemap><loc>https://cms.example.org/posts.xml</loc></sitemap>\n</sitemapindex>\n",
]
PAGE_SEEDS = [html_page("Coping with nights", "<p>Nights are <em>long</em>.</p>",
                        description="About nights").encode(),
              b'<html><head><meta charset="latin-1"><script type="application/ld+json">'
              b'{"datePublished": "2024-01-02T03:04:05Z"}</script></head><body><article><h1>T\xe9</h1>'
              b'<p>Body <time datetime="2024-01-01">x</time></p></article></body></html>']

#: JSON past the readers' bounds: nesting past the recursion limit, integers of more than 4300
#: digits; each must be refused with a FetchError.
JSON_BOUNDS = (b"[" * 3000 + b"]" * 3000, b'{"a": ' * 2000 + b"1" + b"}" * 2000, b"9" * 5000)
DEEP_JSON = (b'{"data": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
             b'{"data": [{"attributes": {"drupal_internal__nid": ' + b"9" * 5000 + b"}}]}",
             b'[{"id": ' + b"9" * 5000 + b', "slug": "a"}]')

HEADERS_JSON = {"Content-Type": "application/json"}
HEADERS_XML = {"Content-Type": "application/xml"}
HEADERS_HTML = {"Content-Type": "text/html; charset=utf-8", "Last-Modified": "Mon, 15 Jan 2024 10:00:00 GMT"}


@fuzz(60)
@given(body=json_inputs(DRUPAL_DOCS))
def test_fuzz_drupal_json(body: bytes, config: Config) -> None:
    harvest_or_fetch_error(drupal, CannedContext("drupal", {"*": (body, HEADERS_JSON)}), config)


@fuzz(60)
@given(body=json_inputs(WP_DOCS), pages=st.sampled_from(["1", "2", "0", "x", ""]))
def test_fuzz_wordpress_json(body: bytes, pages: str, config: Config) -> None:
    headers = {**HEADERS_JSON, "X-WP-TotalPages": pages}
    harvest_or_fetch_error(wordpress, CannedContext("wordpress", {"*": (body, headers)}), config)


@fuzz(60)
@given(xml=inputs(SITEMAP_SEEDS), page=st.sampled_from(PAGE_SEEDS))
def test_fuzz_sitemap_xml(xml: bytes, page: bytes, config: Config) -> None:
    answers = {ACCEPT_XML: (xml, HEADERS_XML), "*": (page, HEADERS_HTML)}
    harvest_or_fetch_error(sitemap, CannedContext("sitemap", answers), config)


@fuzz(60)
@given(page=inputs(PAGE_SEEDS))
def test_fuzz_sitemap_pages(page: bytes, config: Config) -> None:
    answers = {ACCEPT_XML: (SITEMAP_SEEDS[0], HEADERS_XML), ACCEPT_HTML: (page, HEADERS_HTML),
               "*": (page, HEADERS_HTML)}
    harvest_or_fetch_error(sitemap, CannedContext("sitemap", answers), config)


def _ld_json(script: bytes) -> bytes:
    return (b'<html><head><script type="application/ld+json">' + script
            + b"</script></head><body><article><h1>T</h1><p>Text.</p></article></body></html>")


@pytest.mark.parametrize("reader, body", [
    (drupal, DEEP_JSON[0]), (drupal, DEEP_JSON[1]), (wordpress, DEEP_JSON[2]),
    (sitemap, _ld_json(b"[" * 100_000)), (sitemap, _ld_json(b'{"datePublished": ' + b"9" * 5000 + b"}")),
], ids=["deep", "huge-nid", "huge-id", "deep-ld-json", "huge-ld-json"])
def test_hostile_json_is_a_fetch_error(reader: Callable[[Context], Harvest], body: bytes,
                                       config: Config) -> None:
    if reader is sitemap:
        answers = {ACCEPT_XML: (SITEMAP_SEEDS[0], HEADERS_XML), "*": (body, HEADERS_HTML)}
    else:
        answers = {"*": (body, HEADERS_JSON)}
    harvest_or_fetch_error(reader, CannedContext(reader.__name__, answers), config)


_NS = b'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
HOSTILE_XML = {
    "billion-laughs": b'<!DOCTYPE u [<!ENTITY a "lollollollol">'
                      + b"".join(b'<!ENTITY %c "%s">' % (c, b"&%c;" % (c - 1) * 10) for c in range(98, 106))
                      + b"]><urlset " + _NS + b"><url><loc>https://cms.example.org/&i;</loc></url></urlset>",
    "external-entity": b'<!DOCTYPE u [<!ENTITY e SYSTEM "file:///etc/passwd">]><urlset ' + _NS
                       + b"><url><loc>https://cms.example.org/&e;</loc></url></urlset>",
    "deep": b"<urlset " + _NS + b">" + b"<url>" * 10_000 + b"</url>" * 10_000 + b"</urlset>",
    "gzip-bomb": gzip.compress(b"<urlset " + _NS + b">" + b" " * (21 * 1024 * 1024) + b"</urlset>"),
    "bad-locs": b"<urlset " + _NS + b"><url><loc>http://[x/a</loc></url><url><loc>javascript:alert(1)</loc>"
                b"</url><url><loc>/a/..</loc></url><url><loc>https://cms.example.org/%ff</loc></url>"
                b"</urlset>",
    "utf-16": '<?xml version="1.0" encoding="UTF-16"?><urlset><url><loc>https://cms.example.org/a</loc>'
              "</url></urlset>".encode("utf-16"),
    "unknown-encoding": b'<?xml version="1.0" encoding="nope"?><urlset/>',
}


@pytest.mark.parametrize("name", sorted(HOSTILE_XML))
def test_hostile_sitemap_is_a_fetch_error_or_works(name: str, config: Config) -> None:
    answers = {ACCEPT_XML: (HOSTILE_XML[name], HEADERS_XML), "*": (PAGE_SEEDS[0], HEADERS_HTML)}
    harvest_or_fetch_error(sitemap, CannedContext("sitemap", answers), config)


@pytest.mark.parametrize("pages", ["\u00b2", "1" * 5000], ids=["superscript-two", "5000-digits"])
def test_odd_wordpress_page_count_is_a_fetch_error_or_works(pages: str, config: Config) -> None:
    headers = {**HEADERS_JSON, "X-WP-TotalPages": pages.encode("utf-8")}  # as a server sends it
    harvest_or_fetch_error(wordpress, CannedContext("wordpress", {"*": (WP_SEEDS[0], headers)}), config)


@st.composite
def past_bounds(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed with one of :data:`JSON_BOUNDS` put in somewhere, then maybe mutated more."""
    seed = draw(st.sampled_from(seeds))
    body = _insert(seed, draw(st.integers(0, len(seed))), draw(st.sampled_from(JSON_BOUNDS)))
    return draw(st.just(body) | mutated([body], max_edits=2))


@fuzz(30)
@given(body=past_bounds(DRUPAL_SEEDS + WP_SEEDS))
def test_fuzz_json_past_bounds(body: bytes, config: Config) -> None:
    for reader, kind in ((drupal, "drupal"), (wordpress, "wordpress")):
        harvest_or_fetch_error(reader, CannedContext(kind, {"*": (body, HEADERS_JSON)}), config)
