"""Text inside HTML blocks (``<details>``, ``<summary>``, ``<div>``, tables, lists written
in HTML) is translatable: each text-bearing element is one unit, its inline markup kept.
Every fixture here is original text."""

from __future__ import annotations

import json
from pathlib import Path

import polib

from twp_i18n.source.htmlblocks import html_runs

from .conftest import MINIMAL_CONFIG, fill_catalog

CONFIG = MINIMAL_CONFIG + '\n[content]\ndate_fallback = "2026-02-01"\n\n[publish]\nmin_percent = 0\n'

NOTES = """\
---
title: "Tapering notes for the spring"
description: "How the clinic plans a slow reduction."
---

Our nurses plan every reduction with you.

<details>
<summary>Why go <b>slowly</b>?</summary>

A slower pace gives the body time to adjust.

</details>

<details open class="faq">
<summary class="question">Who reads
   these notes?</summary>
The pharmacy team reads them every Monday.
<p>They reply within <em>two</em> days.</p>
<!-- ask Sam about weekends -->
</details>

<div class="callout">
<p>Keep a diary of how you feel.</p>
<script>var mood = "calm";</script>
<pre>kept as it is</pre>
<p><code>diary.txt</code></p>
</div>

<table>
<tr><th>Week</th><th>Dose <b>schedule</b></th></tr>
<tr><td>1</td><td>Half a tablet each morning</td></tr>
</table>

<ul>
<li>Drink water</li>
<li>Rest after lunch</li>
</ul>
"""

HTML_IDS = [
    "Why go <b>slowly</b>?",
    "Who reads these notes?",
    "The pharmacy team reads them every Monday.",
    "They reply within <em>two</em> days.",
    "Keep a diary of how you feel.",
    "Week",
    "Dose <b>schedule</b>",
    "Half a tablet each morning",
    "Drink water",
    "Rest after lunch",
]

SPANISH = {
    "Tapering notes for the spring": "Notas de reducción para la primavera",
    "Our nurses plan every reduction with you.": "Nuestras enfermeras planean cada reducción contigo.",
    "Why go <b>slowly</b>?": "¿Por qué ir <b>despacio</b>?",
    "A slower pace gives the body time to adjust.": "Un ritmo lento da tiempo al cuerpo.",
    "Who reads these notes?": "¿Quién lee estas notas?",
    "The pharmacy team reads them every Monday.": "El equipo de farmacia las lee cada lunes.",
    "They reply within <em>two</em> days.": "Responden en <em>dos</em> días.",
    "Keep a diary of how you feel.": "Lleva un diario de cómo te sientes.",
    "Week": "Semana",
    "Dose <b>schedule</b>": "<b>Horario</b> de dosis",
    "Half a tablet each morning": "Media pastilla cada mañana",
    "Drink water": "Bebe agua",
    # "Rest after lunch" is left untranslated
}


def make_notes(make_site) -> Path:
    return make_site({"content/en/care/notes.md": NOTES}, config=CONFIG)


def template(root: Path) -> polib.POFile:
    return polib.pofile(str(root / "locales" / "care" / "notes.pot"))


def translate(root: Path, lang: str, table: dict[str, str]) -> None:
    fill_catalog(root / "locales" / lang / "LC_MESSAGES" / "care" / "notes.po", table)


def page(root: Path, lang: str) -> str:
    return (root / "dist" / lang / "care" / "notes" / "index.html").read_text(encoding="utf-8")


def test_text_in_html_blocks_becomes_units_in_document_order(make_site, twp):
    root = make_notes(make_site)
    result = twp("--site", root, "sync")
    assert result.code == 0, result
    assert "[html-text]" not in result.err  # every word of the HTML is in a unit
    pot = template(root)
    ids = [e.msgid for e in pot]
    assert ids == ["Tapering notes for the spring", "How the clinic plans a slow reduction.",
                   "Our nurses plan every reduction with you.", HTML_IDS[0],
                   "A slower pace gives the body time to adjust.", *HTML_IDS[1:]]
    by_id = {e.msgid: e for e in pot}
    assert "type: html summary" in by_id["Why go <b>slowly</b>?"].comment
    assert "type: html details" in by_id["The pharmacy team reads them every Monday."].comment
    assert "type: html th" in by_id["Dose <b>schedule</b>"].comment
    assert "type: html li" in by_id["Drink water"].comment
    # the line of each unit is the line of its text in the file
    assert by_id["Who reads these notes?"].occurrences == [("content/en/care/notes.md", "16")]
    assert by_id["Half a tablet each morning"].occurrences == [("content/en/care/notes.md", "32")]
    assert "X-Untranslatable-Words" not in pot.metadata
    assert not any("mood" in i or "kept as it is" in i or "diary.txt" in i or "Sam" in i
                   for i in ids)


def test_translated_page_shows_the_translations_inside_the_source_tags(make_site, twp):
    root = make_notes(make_site)
    assert twp("--site", root, "sync").code == 0
    translate(root, "es", SPANISH)
    checked = twp("--site", root, "check", "--format", "json")
    errors = [f for f in json.loads(checked.out)["findings"] if f["severity"] == "error"]
    assert errors == []
    assert twp("--site", root, "build").code == 0
    spanish = page(root, "es")
    assert "<summary>¿Por qué ir <b>despacio</b>?</summary>" in spanish
    assert '<details open="" class="faq">' in spanish
    assert ('<summary class="question">¿Quién lee estas notas?</summary>\n'
            "El equipo de farmacia las lee cada lunes.") in spanish
    assert "<p>Responden en <em>dos</em> días.</p>" in spanish
    assert '<div class="callout">\n<p>Lleva un diario de cómo te sientes.</p>' in spanish
    assert "<th>Semana</th><th><b>Horario</b> de dosis</th>" in spanish
    assert "<td>1</td><td>Media pastilla cada mañana</td>" in spanish
    assert "<li>Bebe agua</li>" in spanish
    assert '<li lang="en" class="untranslated">Rest after lunch</li>' in spanish
    assert "<p>Un ritmo lento da tiempo al cuerpo.</p>" in spanish
    for english in HTML_IDS[:-1]:
        assert english not in spanish
    # the English page is the source as written
    english = page(root, "en")
    assert '<summary class="question">Who reads\n   these notes?</summary>' in english
    assert "untranslated" not in english


MALICIOUS = {
    "Drink water": "Bebe agua<script>alert(1)</script>",
    "Keep a diary of how you feel.":
        '<a href="javascript:alert(1)" onclick="steal()">Lleva</a> un diario.',
    "Week": '<img src=x onerror="alert(2)">Semana',
    "Half a tablet each morning": "Media pastilla</td></tr></table><iframe src=//evil.test>",
    "Rest after lunch": "Descansa <!-- todo",
    "Why go <b>slowly</b>?": "<img/src=x onerror=alert(3)>¿Por qué <b>despacio</b>?",
}


def test_a_malicious_translation_is_refused_by_check_and_never_reaches_the_page(make_site, twp):
    root = make_notes(make_site)
    assert twp("--site", root, "sync").code == 0
    translate(root, "es", {**SPANISH, **MALICIOUS})
    checked = twp("--site", root, "check", "--format", "json")
    errors = {(f["unit"], f["code"]) for f in json.loads(checked.out)["findings"]
              if f["severity"] == "error"}
    refused = {msgid for msgid, _ in errors}
    assert refused == set(MALICIOUS), errors
    assert twp("--site", root, "build").code == 0
    spanish = page(root, "es")
    body = spanish.split("<main", 1)[-1]
    for bad in ("<script>alert", "onclick", "javascript:", "onerror", "<iframe", "evil.test",
                "todo"):
        assert bad not in body, bad
    # what was refused is shown in English, marked so, inside the page's structure
    assert '<li lang="en" class="untranslated">Drink water</li>' in spanish
    assert '<li lang="en" class="untranslated">Rest after lunch</li>' in spanish
    assert "</table>" in body and body.index("Rest after lunch") > body.index("</table>")
    assert "<p>Responden en <em>dos</em> días.</p>" in spanish  # the others are used


def test_runs_keep_the_block_byte_for_byte_outside_their_text():
    block = ('<div class="a">\n  <p>One <i>two</i>\n three</p>\n'
             '<!-- c --><section>Bare &amp; true<br>text</section>\n</div>\n')
    runs = html_runs(block)
    assert [(r.element, r.text) for r in runs] == [
        ("p", "One <i>two</i> three"), ("section", "Bare &amp; true<br>text")]
    rebuilt, position = [], 0
    for run in runs:
        rebuilt.append(block[position:run.start])
        rebuilt.append(block[run.start:run.end])
        position = run.end
    rebuilt.append(block[position:])
    assert "".join(rebuilt) == block
    assert block[runs[0].start:runs[0].end] == "One <i>two</i>\n three"


def test_rendering_refuses_a_translation_that_would_change_the_html_around_it():
    """Whatever the catalog lets through, a translation that the browser would read as
    other tags (an unfinished comment swallowing the rest, a tag the source lacks, a
    closing tag) never takes the source's place."""
    from twp_i18n.source.segments import markdown, translate_tokens

    body = ("<details>\n<summary>Why go <b>slowly</b>?</summary>\n<p>Rest after lunch</p>\n"
            "<p>Drink water</p>\n<p>Keep a diary</p>\n</details>\n\nAfter the block.\n")
    table = {"Why go <b>slowly</b>?": "<img/src=x onerror=alert(3)>¿Por qué <b>despacio</b>?",
             "Rest after lunch": "Descansa <!-- todo",
             "Drink water": "Bebe agua</p></details><p>",
             "Keep a diary": "  Lleva un <b>diario</b>",
             "After the block.": "Después del bloque."}
    env: dict = {}
    tokens = markdown().parse(body, env)
    refused: list[str] = []
    marks = translate_tokens(tokens, lambda unit: table.get(unit.text), env,
                             lambda token, unit: refused.append(unit.text), source_tag="en")
    assert sorted(refused) == ["Drink water", "Keep a diary", "Rest after lunch",
                               "Why go <b>slowly</b>?"]
    assert [translated for _, _, translated in marks].count(True) == 1
    html = markdown().renderer.render(tokens, markdown().options, env)
    assert html == ('<details>\n<summary lang="en" class="untranslated">Why go <b>slowly</b>?'
                    '</summary>\n<p lang="en" class="untranslated">Rest after lunch</p>\n'
                    '<p lang="en" class="untranslated">Drink water</p>\n'
                    '<p lang="en" class="untranslated">Keep a diary</p>\n</details>\n'
                    "<p>Después del bloque.</p>\n")


def test_identity_translation_of_html_blocks_gives_the_english_page(tmp_path):
    from .test_fidelity import check_bodies, rebuild, write_site

    collapsed = ("<details>\n<summary>Why go <b>slowly</b>?</summary>\n\nA slower pace.\n\n"
                 "</details>\n")
    root = tmp_path / "site"
    dated = NOTES.replace("---\n\n", "date: 2026-01-01\n---\n\n", 1)
    write_site(root, {"notes": dated, "collapsed": "---\ntitle: C\ndate: 2026-01-01\n---\n" + collapsed})
    rejected: list[str] = []
    identity, pseudo_bodies = rebuild(root, rejected)
    assert rejected == []
    # the pseudo-translation changed the text inside the HTML, not its elements
    notes = next(html for slug, _, html in pseudo_bodies if slug == "notes")
    assert "<summary>Why gó <b>slówly</b>?</summary>" in notes
    check_bodies(identity, pseudo_bodies, {})


def test_thousands_of_unfinished_comments_are_refused_unread(monkeypatch):
    # '<!--x>' looks like a complete tag, but the HTML parser reads on to the end of the text
    # for its '-->' at each of them: twenty minutes for a 2 MiB translation
    from html.parser import HTMLParser

    from twp_i18n.source.htmlblocks import html_tags

    fed = []
    feed = HTMLParser.feed
    monkeypatch.setattr(HTMLParser, "feed", lambda self, data: (fed.append(len(data)), feed(self, data))[1])
    for piece in ("<!--x>", "<![CDATA[>"):
        assert html_tags("<p>Hola</p>" + piece * 50_000) is None
    assert not fed
    assert html_tags("<p>Hola <!-- a --> <!-- b --></p>") is not None  # finished ones are read
