"""Sites written for Jekyll (``[content] markdown = "kramdown"``): kramdown's attribute lists,
header IDs, extensions and ``{:toc}`` stay out of the units and become the page's attributes
and elements, the same in every language; sites that do not opt in read CommonMark as
before."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from twp_i18n.catalog.extract import article_template
from twp_i18n.source.content import parse_article
from twp_i18n.source.segments import article_units, markdown

from .conftest import MINIMAL_CONFIG, article, fill_catalog
from .test_fidelity import check_bodies, rebuild

KRAMDOWN_CONFIG = MINIMAL_CONFIG + '\n[content]\nmarkdown = "kramdown"\n'

EXAMPLE = """\
A paragraph.
{: .note}

## Heading {#custom-id}

{::comment}
hidden
{:/comment}

* item
{: .list}

Text with *span*{: .x} here.
"""

WALKING = """\
* TOC
{:toc}

{:tip: .callout}

Short walks in the morning light helped me more than I expected.
{: tip}

Bonne route !
{: lang="fr"}

## Before the first step {#first-step}

{: .aside}
Pick a route you know well, so that nothing surprises you.

## Keeping *going*
{: .no_toc}

> Rest is part of the plan, not a failure of it.
{: .quote}

1. Water
2. Shoes with a soft sole
{: .checklist}

A note for the **tired**{: .soft} days and [the map](https://example.org/map){:.ext}.

{::nomarkdown}
<p class="raw">Written <b>by hand</b> here.<script>alert(1)</script></p>
{:/nomarkdown}

{::options auto_ids="false" /}

### After the walk

Stretching took five minutes.
"""


def units_of(body: str, flavour: str = "kramdown") -> list[str]:
    raw = article("Walking", body=body).encode()
    parsed = replace(parse_article(raw, Path("walking.md"), "content/en/walking.md"),
                     markdown=flavour)
    return [unit.text for unit in article_units(parsed)[1:]]


def build_site(make_site, twp, bodies: dict[str, str], config: str = KRAMDOWN_CONFIG,
               translations: dict[str, dict[str, str]] | None = None):
    root = make_site({f"content/en/{slug}.md": article(slug.title(), body=body)
                      for slug, body in bodies.items()}, config=config)
    synced = twp("--site", root, "sync")
    assert synced.code == 0, synced.err
    for slug, table in (translations or {}).items():
        fill_catalog(root / "locales/es/LC_MESSAGES" / f"{slug}.po", table)
    built = twp("--site", root, "build", "--jobs", "1")
    assert built.code == 0, built.err
    return root, synced, built


def body_of(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    return html[html.index("<article"):html.index("</article>")]


# ------------------------------------------------------------------------------- units

def test_the_example_gives_only_its_text_as_units():
    assert units_of(EXAMPLE) == ["A paragraph.", "Heading", "item",
                                 "Text with *span*{: .x} here."]


def test_a_site_that_does_not_opt_in_reads_commonmark_as_before():
    assert units_of(EXAMPLE, "commonmark") == [
        "A paragraph. {: .note}", "Heading {#custom-id}", "{::comment} hidden {:/comment}",
        "item {: .list}", "Text with *span*{: .x} here."]
    # no kramdown rule runs for it: the CommonMark parser is the one it always was
    rules = markdown().core.ruler.get_active_rules() + markdown().block.ruler.get_active_rules()
    assert not [rule for rule in rules if rule.startswith("kramdown")]


def test_no_unit_holds_an_attribute_list_an_extension_or_the_toc():
    assert units_of(WALKING) == [
        "Short walks in the morning light helped me more than I expected.",
        "Bonne route !",
        "Before the first step",
        "Pick a route you know well, so that nothing surprises you.",
        "Keeping *going*",
        "Rest is part of the plan, not a failure of it.",
        "Water", "Shoes with a soft sole",
        "A note for the **tired**{: .soft} days and [the map](https://example.org/map){:.ext}.",
        "Written <b>by hand</b> here.",
        "After the walk",
        "Stretching took five minutes.",
    ]


def test_an_attribute_list_before_or_after_a_block_of_each_kind():
    assert units_of("```\ncode\n```\n{: .x}\n\n---\n{: .rule}\n\n{: .t}\n| a | b |\n|---|---|\n"
                    "| c | d |\n\n  * inner\n    {: .y}\n") == ["a", "b", "c", "d", "inner"]


# -------------------------------------------------------------------------------- pages

def test_attributes_header_ids_and_extensions_on_every_languages_page(make_site, twp):
    root, synced, _ = build_site(make_site, twp, {"example": EXAMPLE}, translations={
        "example": {"A paragraph.": "Un párrafo.", "Heading": "Encabezado", "item": "elemento",
                    "Text with *span*{: .x} here.": "Texto con *tramo*{: .x} aquí."}})
    english = body_of(root / "dist/en/example/index.html")
    spanish = body_of(root / "dist/es/example/index.html")
    assert '<p class="note">A paragraph.</p>' in english
    assert '<h2 id="custom-id">Heading</h2>' in english
    assert '<ul class="list">' in english and "<li>item</li>" in english
    assert 'Text with <em class="x">span</em> here.' in english
    assert '<p class="note">Un párrafo.</p>' in spanish
    assert '<h2 id="custom-id">Encabezado</h2>' in spanish
    assert '<ul class="list">' in spanish and "<li>elemento</li>" in spanish
    assert 'Texto con <em class="x">tramo</em> aquí.' in spanish
    for page in (english, spanish):
        assert "{:" not in page and "{#" not in page and "hidden" not in page
    assert "warning" not in synced.err


def test_the_toc_lists_the_headings_in_the_pages_language(make_site, twp):
    root, _, _ = build_site(make_site, twp, {"walking": WALKING}, translations={
        "walking": {"Before the first step": "Antes del primer paso",
                    "After the walk": "Después del paseo"}})
    english = body_of(root / "dist/en/walking/index.html")
    toc = re.search(r'<ul id="markdown-toc">.*?</ul>\n(?:</li>\n</ul>\n)?', english, re.S)
    assert toc is not None
    assert re.findall(r'href="#([^"]+)">([^<]*)<', toc.group(0)) == [
        ("first-step", "Before the first step"), ("after-the-walk", "After the walk")]
    assert "TOC" not in english
    assert '<h3 id="after-the-walk">After the walk</h3>' in english
    assert '<h2 class="no_toc" id="keeping-going">' in english
    assert '<p class="callout">Short walks' in english
    assert '<p lang="fr">Bonne route !</p>' in english
    assert '<p class="aside">Pick a route' in english
    assert '<blockquote class="quote">' in english and '<ol class="checklist">' in english
    assert '<strong class="soft">tired</strong>' in english
    assert '<a href="https://example.org/map" class="ext">the map</a>' in english
    assert '<p class="raw">Written <b>by hand</b> here.</p>' in english
    assert "script" not in english and "alert" not in english
    # too little is translated to publish it in Spanish: the rendering is what counts
    from twp_i18n.config import load_config
    from twp_i18n.render.localize import catalog_view, localize
    from twp_i18n.source.content import load_articles
    config = load_config(root)
    [walking] = load_articles(config)
    import polib
    view = catalog_view(polib.pofile(str(root / "locales/es/LC_MESSAGES/walking.po")), "es.po")
    spanish = localize(walking, "es", "en", view).html
    assert 'href="#first-step">Antes del primer paso<' in spanish
    assert 'href="#after-the-walk">Después del paseo<' in spanish
    # an untranslated block keeps its classes and is marked as English
    assert '<p class="aside untranslated" lang="en">Pick a route' in spanish
    assert '<p lang="fr" class="untranslated">Bonne route !</p>' in spanish


def test_hostile_attribute_lists_are_dropped_with_a_warning(make_site, twp):
    body = ('A calm paragraph.\n{: onclick="x" style="color:red" .ok href="javascript:x" '
            '#main lang="en onload=x"}\n\nA *word*{: onmouseover="y" .w} here.\n')
    hostile = 'Una *palabra*{: onclick="alert(1)" style="x" #evil .w} aquí.'
    root, synced, _ = build_site(make_site, twp, {"calm": body},
                                 config=KRAMDOWN_CONFIG + "\n[publish]\nmin_percent = 1\n",
                                 translations={"calm": {
                                     "A calm paragraph.": "Un párrafo tranquilo.",
                                     "A *word*{: onmouseover=\"y\" .w} here.": hostile}})
    # the check refuses the translation (the page shows the English), and were it used,
    # the renderer would not let its attributes through either
    checked = twp("--site", root, "check", "--lang", "es")
    assert "added {: onclick=\"alert(1)\" style=\"x\" #evil .w}" in checked.out
    rendered = markdown("kramdown").render(hostile)
    assert rendered == '<p>Una <em class="w" id="evil">palabra</em> aquí.</p>\n'
    for page in ("dist/en/calm/index.html", "dist/es/calm/index.html"):
        html = body_of(root / page)
        for bad in ("onclick", "style", "javascript", "onmouseover", "onload", 'id="main"'):
            assert bad not in html, (page, bad)
        assert '<p class="ok">' in html
        assert '<em class="w"' in html
    assert "content/en/calm.md:6: warning: the attribute 'onclick' of a kramdown attribute " \
           "list is dropped" in synced.err
    assert "content/en/calm.md:6: warning: the id 'main' of a kramdown attribute list is " \
           "dropped: the page uses it" in synced.err
    assert "content/en/calm.md:8: warning: the attribute 'onmouseover'" in synced.err


def test_an_unknown_extension_is_a_warning_with_its_line(make_site, twp):
    root, synced, _ = build_site(make_site, twp, {
        "odd": "First.\n\n{::sparkle}\nglitter\n{:/sparkle}\n\nLast.\n"})
    assert "content/en/odd.md:7: warning: unknown kramdown extension '{::sparkle}'" in synced.err
    html = body_of(root / "dist/en/odd/index.html")
    assert "glitter" not in html and "sparkle" not in html


def test_ids_are_kept_only_on_sites_that_opt_in(make_site, twp):
    body = '<div id="box" class="c">Inside.</div>\n\n## Plain heading\n'
    root, _, _ = build_site(make_site, twp, {"box": body}, config=MINIMAL_CONFIG)
    assert 'id="box"' not in body_of(root / "dist/en/box/index.html")
    assert "<h2>Plain heading</h2>" in body_of(root / "dist/en/box/index.html")


# ----------------------------------------------------------------------------- fidelity

def test_identity_translation_gives_the_english_page(tmp_path):
    root = tmp_path / "site"
    (root / "content/en").mkdir(parents=True)
    (root / "twp.toml").write_text(KRAMDOWN_CONFIG, encoding="utf-8")
    for slug, body in (("example", EXAMPLE), ("walking", WALKING)):
        (root / f"content/en/{slug}.md").write_text(article(slug, body=body), encoding="utf-8")
    rejected: list[str] = []
    identity, pseudo_bodies = rebuild(root, rejected)
    assert rejected == []
    check_bodies(identity, pseudo_bodies, {})
    assert all(english.count(' id="') >= 1 for _, english, _ in identity)


def test_the_template_of_a_kramdown_article_names_its_units_lines(tmp_path):
    raw = article("Example", body=EXAMPLE).encode()
    parsed = replace(parse_article(raw, Path("example.md"), "content/en/example.md"),
                     markdown="kramdown")
    from twp_i18n.config import Config
    config = Config(root=tmp_path, title="T", base_url="https://example.org/",
                    source_language="en", languages=("es",), content_dir=tmp_path,
                    locales_dir=tmp_path, templates_dir=tmp_path, output_dir=tmp_path / "d")
    template = article_template(parsed, config)
    assert [(entry.msgid, entry.occurrences[0][1]) for entry in template][1:] == [
        ("A paragraph.", "5"), ("Heading", "8"), ("item", "14"),
        ("Text with *span*{: .x} here.", "17")]


# ------------------------------------------------------------------------------- config

@pytest.mark.parametrize("value", ['"kramdwn"', '"Kramdown"', "true"])
def test_an_unknown_markdown_flavour_is_a_config_error(make_site, twp, value):
    root = make_site({"content/en/a.md": article()},
                     config=MINIMAL_CONFIG + f"\n[content]\nmarkdown = {value}\n")
    result = twp("--site", root, "extract")
    assert result.code == 2
    assert "twp.toml:8:" in result.err and "[content] markdown must be" in result.err
    assert "Traceback" not in result.err


def test_what_only_looks_like_an_attribute_list_stays_text():
    # read once, left to right: a long run of names ending in something else is text
    # (a pattern with nested repetition took exponential time on it)
    long = "{: " + "a" * 3000 + " !}"
    assert units_of(f"Plain words.\n{long}\n\nMore {{: x y}} words{{:.a.b#c}}.\n") == [
        f"Plain words. {long}", "More {: x y} words{:.a.b#c}."]


def test_the_book_keeps_the_ids_and_the_links_to_them(make_site, twp, tmp_path):
    import zipfile

    from .test_epub import epubcheck_reports, serious

    root, _, _ = build_site(make_site, twp, {
        "example": EXAMPLE + "\nBack to [the heading](#custom-id) or [nowhere](#missing).\n",
        "walking": WALKING})
    book = root / "dist/bundles/en.epub"
    with zipfile.ZipFile(book) as opened:
        chapters = [opened.read(name).decode() for name in sorted(opened.namelist())
                    if name.startswith("EPUB/chapter-")]
    [example] = [chapter for chapter in chapters if "<h1>Example</h1>" in chapter]
    [walking] = [chapter for chapter in chapters if "<h1>Walking</h1>" in chapter]
    assert '<h2 id="custom-id">Heading</h2>' in example
    assert '<a href="#custom-id">the heading</a>' in example and "<a>nowhere</a>" in example
    assert '<ul id="markdown-toc">\n<li><a href="#first-step">Before the first step</a>' in walking
    [report] = epubcheck_reports([book], tmp_path)
    assert serious(report) == []


def test_check_requires_the_span_attribute_lists_kept(make_site, twp):
    long = ("Walking slowly along the river every evening gave the week a shape, and the "
            "shape made the harder days easier to carry from one to the next.")
    body = f"Text with *span*{{: .x}} here.\n\nA second, plain sentence here.\n\n{long}\n"
    config = KRAMDOWN_CONFIG + "\n[publish]\nmin_percent = 50\n"
    root, _, built = build_site(make_site, twp, {"spans": body}, config=config, translations={
        "spans": {"Spans": "Tramos", long: "Caminar despacio junto al río cada tarde.",
                  "Text with *span*{: .x} here.": "Texto con *tramo* aquí.",
                  "A second, plain sentence here.": "Una segunda frase {: .y} aquí."}})
    checked = twp("--site", root, "check", "--lang", "es")
    assert checked.code == 1
    assert "kramdown attribute lists do not match the source: missing {: .x}" in checked.out
    assert "kramdown attribute lists do not match the source: added {: .y}" in checked.out
    assert "[check-error-shown]" in built.err
    html = body_of(root / "dist/es/spans/index.html")
    # both sentences are shown as the English has them, attributes included
    assert 'Text with <em class="x">span</em> here.' in html
    # a CommonMark site's translators are not held to it: '{: .x}' is text there
    root, _, _ = build_site(make_site, twp, {"spans": body}, config=MINIMAL_CONFIG,
                            translations={"spans": {"Text with *span*{: .x} here.":
                                                    "Texto con *tramo* aquí."}})
    assert "attribute-list" not in twp("--site", root, "check", "--lang", "es").out


def test_hostile_bulk_is_read_in_linear_work():
    # each unclosed extension and each attribute list is looked at once: quadratic work
    # on these would take hours, not a moment
    count = 10000
    body = "{::comment}\nx\n\n" * count + "".join(f"Line {n}.\n{{: .c{n}}}\n\n" for n in range(count))
    units = units_of(body)
    assert len(units) == 2 * count
    assert units[0] == "{::comment} x" and units[-1] == f"Line {count - 1}."
