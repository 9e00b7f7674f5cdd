"""Fidelity guard: translating never changes what the English says in Markdown.

Every example of the CommonMark spec (tests/data/commonmark/, see its README) and every
demo article becomes an article of one fixture site.  Translated by identity (each
msgstr its msgid), every body renders exactly as the English page's body; translated
by a pseudo-translation (letters changed, markup kept), every body keeps the English's
sequence of elements and its link targets.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
import pytest

from twp_i18n.catalog import checks
from twp_i18n.catalog.checks import check_context
from twp_i18n.catalog.extract import article_template
from twp_i18n.config import load_config
from twp_i18n.render.localize import catalog_view, localize, parse_source
from twp_i18n.source.content import load_articles

from .conftest import MINIMAL_CONFIG, REPO

SPEC = REPO / "tests" / "data" / "commonmark" / "spec.txt"
_FENCE = "`" * 32
_EXAMPLE = re.compile(rf"^{_FENCE} example\n(.*?)^\.\n(.*?)^{_FENCE}$", re.M | re.S)

#: Examples whose translated body differs from the English on purpose.  (The sanitizer's
#: removals, such as ``javascript:`` links and unknown attributes, are the same on both
#: pages, so they make no difference.)
DIFFER_ON_PURPOSE: dict[int, str] = {
    148: "a Markdown paragraph inside a raw <pre> element (the example shows that an HTML "
         "block ends at a blank line): its soft line break is joined into a space, as every "
         "soft break of a unit is, and inside <pre> a space shows as a space, not a new line",
}

#: What a translated page adds on purpose: prose inside raw HTML blocks is not
#: translatable, so the page marks it as English.
_SOURCE_MARK = re.compile(' lang="en"(?: class="untranslated")?')


def spec_examples() -> list[str]:
    text = SPEC.read_text(encoding="utf-8")
    return [m.group(1).replace("\u2192", "\t") for m in _EXAMPLE.finditer(text)]


def test_the_vendored_spec_is_the_parsers():
    import markdown_it
    from markdown_it.common import html_blocks

    assert len(spec_examples()) == 652  # CommonMark 0.31.2
    # markdown-it-py 4.x follows 0.31.2 (pyproject pins the major version): a parser
    # following another spec needs that spec's examples (see the data's README)
    assert markdown_it.__version__.split(".")[0] == "4"
    assert "spec.commonmark.org/0.31.2/" in Path(html_blocks.__file__).read_text(encoding="utf-8")


def write_site(root: Path, bodies: dict[str, str]) -> None:
    root.mkdir(parents=True)
    (root / "twp.toml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    for slug, body in bodies.items():
        path = root / "content" / "en" / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")


_PROTECTED = re.compile(
    r"`+[^`]*`+|<[^<>]*>|\[[^\[\]]*\](?:\(\s*(?:<[^<>]*>|[^ \t\n]*)|\[[^\[\]]*\])?"
    r"|\]\(\s*(?:<[^<>]*>|[^ \t\n]*)"
    r"|&#?\w+;|\\.|\{[^{}]*\}"
    r"|(?:https?|ftp|mailto):\S+|www\.\S+|\S+@\S+", re.S)
_VOWELS = str.maketrans("aeiouAEIOU", "áéíóúÁÉÍÓÚ")


def pseudo(text: str) -> str:
    """Letters changed (vowels accented) everywhere but in markup, URLs and labels."""
    out, position = [], 0
    for match in _PROTECTED.finditer(text):
        out.append(text[position:match.start()].translate(_VOWELS))
        out.append(match.group(0))
        position = match.end()
    out.append(text[position:].translate(_VOWELS))
    return "".join(out)


def catalog(template: polib.POFile, translate) -> polib.POFile:
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    for entry in template:
        po.append(polib.POEntry(msgid=entry.msgid, msgctxt=entry.msgctxt,
                                msgstr=translate(entry.msgid), comment=entry.comment))
    return po


_ELEMENT = re.compile(r"<(/?[a-z][a-z0-9]*)")
_TARGET = re.compile(r'(?:href|src)="([^"]*)"')


def rebuild(root: Path, rejected: list[str] | None = None
            ) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """``(slug, English body, body)`` for the identity and the pseudo-translation;
    ``rejected`` receives the slugs where the build used the English for some unit."""
    config = load_config(root)
    context = check_context(config, "es")
    identity, pseudo_bodies = [], []
    for article in load_articles(config):
        template = article_template(article, config)
        source = parse_source(article)
        english = localize(article, "en", "en", None, source).html
        for translate, found in ((lambda text: text, identity), (pseudo, pseudo_bodies)):
            view = catalog_view(catalog(template, translate), "es.po", context=context)
            localized = localize(article, "es", "en", view, source)
            if localized.untranslated_units and rejected is not None:
                rejected.append(article.slug)
            found.append((article.slug, english, _SOURCE_MARK.sub("", localized.html)))
    return identity, pseudo_bodies


_PRE = re.compile(r"(<pre\b.*?</pre>)", re.S)


def visible(html: str) -> str:
    """``html`` with white space collapsed where browsers collapse it (outside ``<pre>``):
    a soft line break joined into a space reads the same."""
    parts = _PRE.split(html)
    return "".join(part if index % 2 else re.sub(r"[ \t\n]+", " ", part)
                   for index, part in enumerate(parts))


def check_bodies(identity, pseudo_bodies, differ: dict[str, str]) -> None:
    changed = [slug for slug, english, html in identity if visible(english) != visible(html)]
    assert sorted(changed) == sorted(differ), (changed, [
        (slug, english, html) for slug, english, html in identity if slug in changed][:6])
    shape = [slug for slug, english, html in pseudo_bodies
             if (_ELEMENT.findall(english), _TARGET.findall(english))
             != (_ELEMENT.findall(html), _TARGET.findall(html)) and slug not in differ]
    assert shape == [], [(s, e, h) for s, e, h in pseudo_bodies if s in shape][:3]


@pytest.fixture(scope="module")
def spec_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("spec") / "site"
    write_site(root, {f"example-{number:03d}":
                      f'---\ntitle: "Example {number}"\ndate: 2026-01-01\n---\n{example}'
                      for number, example in enumerate(spec_examples(), 1)})
    return root


def test_every_commonmark_example_survives_translation(spec_site):
    rejected: list[str] = []
    identity, pseudo_bodies = rebuild(spec_site, rejected)
    assert len(identity) == 652
    # where the check refused a translation, the pseudo-translator changed markup it does
    # not recognise: an escaped bracket in a label, and a tag with '<em>' inside an attribute
    assert rejected == ["example-549", "example-616"]
    # the pseudo-translation really translated: most bodies changed
    assert sum(e != h for _, e, h in pseudo_bodies) > 300
    check_bodies(identity, pseudo_bodies,
                 {f"example-{n:03d}": why for n, why in DIFFER_ON_PURPOSE.items()})


def test_every_demo_article_survives_translation(tmp_path):
    root = tmp_path / "demo"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "twp.toml", root / "twp.toml")
    rejected: list[str] = []
    identity, pseudo_bodies = rebuild(root, rejected)
    assert identity and rejected == []
    check_bodies(identity, pseudo_bodies, {})


def test_rendering_from_the_checks_parses_gives_the_same_pages(spec_site):
    """The build renders a translation from the parse its check made, and checks the
    source texts from the body's parse, when those parses are the ones each would make:
    every CommonMark example, translated by identity and by the pseudo-translation, gives
    the same verdicts and HTML either way (links the site's parser refuses, link
    definitions and template tags included), and most parses are shared."""
    config = load_config(spec_site)
    context = check_context(config, "es")
    shared = known = 0
    for article in load_articles(config):
        template = article_template(article, config)
        source = parse_source(article)
        known += len(source.unit_parses())
        for translate in (lambda text: text, pseudo):
            po = catalog(template, translate)
            checks._source_analysis.cache_clear()  # each view analyses the sources itself
            reused = catalog_view(po, "es.po", context=context, keep_parses=True,
                                  known=source.unit_parses())
            checks._source_analysis.cache_clear()
            fresh = catalog_view(po, "es.po", context=context)
            assert (fresh.table, fresh.problems) == (reused.table, reused.problems)
            assert fresh.parsed == {}
            shared += len(reused.parsed)
            assert localize(article, "es", "en", reused, source).html == \
                localize(article, "es", "en", fresh, source).html, article.slug
    assert shared > 300 and known > 300


def _inline_texts() -> list[tuple[str, dict]]:
    """Inline texts with their body's link definitions: every CommonMark example whole
    and line by line, each inline token of its parse, and each demo article's."""
    from twp_i18n.source.segments import markdown

    found: list[tuple[str, dict]] = []
    bodies = spec_examples() + [p.read_text(encoding="utf-8")
                                for p in sorted((REPO / "content").rglob("*.md"))]
    for body in bodies:
        env: dict = {}
        tokens = markdown().parse(body, env)
        found.append((body, {}))
        found.extend((line, {}) for line in body.splitlines())
        found.extend((t.content, env) for t in tokens if t.type == "inline")
    return found


def test_the_quick_inline_parse_gives_the_parsers_tokens():
    """Checks and rendering parse a translation with segments.inline_tokens, which skips
    markdown-it's core pass: for every CommonMark example, demo article and a sample of
    generated markup it gives exactly the tokens parseInline gives (types, content,
    attributes, nesting, children), with the site's parser and the checks' one."""
    import random

    from twp_i18n.source.segments import inline_tokens, markdown

    rng = random.Random(20261204)
    pieces = ["*", "**", "_", "`", "``", "[", "]", "(", ")", "![", "<", ">", "&amp;", "&#x27;",
              "\\", "\\*", "\n", "  \n", "\r\n", "\0", " ", "word", "é", "<a href=\"x\">", "</a>",
              "<https://e.org>", "[^1]", "{: .x}", "-", "1.", "http://", "[a][b]", "[b]", "\t"]
    generated = ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 30)))
                 for _ in range(3000)]
    deep = ["[a " * 40 + "](x)" * 40, "*a " * 60 + "b" + "*" * 60, "![" * 40 + "](y)" * 40,
            "<span>" * 50 + "x" + "</span>" * 50]  # past the nesting limit
    texts = _inline_texts() + [(text, {}) for text in generated + deep]
    assert len(texts) > 5000
    for md in (markdown(), checks._inspecting_parser()):
        for text, env in texts:
            assert inline_tokens(md, text, env) == (md.parseInline(text, env)[0].children or []), \
                repr(text)
    kramdown = markdown("kramdown")  # more core rules: parsed by parseInline itself
    text = "A *word*{: .note} and [^1]"
    assert inline_tokens(kramdown, text, {}) == kramdown.parseInline(text, {})[0].children
