"""Real sites' Markdown: reference links, HTML blocks, a title repeated as H1, shortcodes,
alerts and lines that must not be joined.  Every fixture here is original text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polib

from twp_i18n.catalog.checks import check_entry
from twp_i18n.source.segments import normalize_inline

from .conftest import MINIMAL_CONFIG, fill_catalog

CONFIG = MINIMAL_CONFIG + '\n[content]\ndate_fallback = "2026-02-01"\n\n[publish]\nmin_percent = 0\n'

GUIDE = """\
---
title: "Walking the river path"
description: "A short guide to the river path."
---

# Walking the river path

Start at the [old mill][] and follow the [blue signs][signs] to the [bridge].

> [!NOTE]
> The path floods after heavy rain.

{{< map id="river" zoom="12" >}}

Bring water {{% icon "bottle" %}} and a hat.

<aside markdown="1">
Dogs are welcome on a **short** lead.
</aside>

<details>
<summary>Opening hours of the kiosk</summary>

The kiosk opens at nine.

</details>

<svg viewBox="0 0 40 10">
<text x="1" y="8">Map of the river path</text>
</svg>

[old mill]: https://example.org/mill
[signs]: https://example.org/signs "Signs"
[bridge]: https://example.org/bridge
"""


def make_guide(make_site) -> Path:
    return make_site({"content/en/walks/river/index.md": GUIDE}, config=CONFIG)


def template(root: Path) -> polib.POFile:
    return polib.pofile(str(root / "locales" / "walks" / "river.pot"))


def test_fixture_site_syncs_and_builds(make_site, twp):
    root = make_guide(make_site)
    result = twp("--site", root, "sync")
    assert result.code == 0, result
    # one note for the repeated title, one warning for the text in the drawing (the
    # <summary> is a unit): each printed once
    assert result.err.count("[title-heading]") == 1
    assert result.err.count("[html-text]") == 1
    assert "content/en/walks/river/index.md:28:" in result.err
    pot = template(root)
    ids = [e.msgid for e in pot]
    assert ids.count("Walking the river path") == 1  # the H1 is not a second unit
    assert "The path floods after heavy rain." in ids  # the alert's marker is not in it
    assert "Dogs are welcome on a **short** lead." in ids  # markdown="1" read as Markdown
    assert "The kiosk opens at nine." in ids
    assert "Opening hours of the kiosk" in ids  # the <summary> of a collapsed block
    assert not any("Map of" in i for i in ids)
    assert not any("map id" in i for i in ids)  # a shortcode alone is not a unit
    assert "Bring water {{% icon \"bottle\" %}} and a hat." in ids
    refs = next(e for e in pot if e.msgid.startswith("Start at"))
    assert "reference link: [old mill]: <https://example.org/mill>" in refs.comment
    assert 'reference link: [signs]: <https://example.org/signs> "Signs"' in refs.comment
    assert pot.metadata["X-Untranslatable-Words"] == "5"
    built = twp("--site", root, "build")
    assert built.code == 0 and "error" not in built.err, built


def translate(root: Path, lang: str, table: dict[str, str]) -> None:
    fill_catalog(root / "locales" / lang / "LC_MESSAGES" / "walks" / "river.po", table)


def page(root: Path, lang: str) -> str:
    return (root / "dist" / lang / "walks" / "river" / "index.html").read_text(encoding="utf-8")


def test_translated_reference_labels_render_as_links(make_site, twp):
    root = make_guide(make_site)
    assert twp("--site", root, "sync").code == 0
    start = next(e.msgid for e in template(root) if e.msgid.startswith("Start at"))
    translate(root, "es", {
        "Walking the river path": "Paseo por el río",
        start: "Empieza en el [molino viejo][old mill], sigue las "
               "[señales azules](https://example.org/signs) hasta el [puente][bridge].",
        "The path floods after heavy rain.": "El camino se inunda tras lluvias fuertes.",
    })
    translate(root, "fr", {start: "Partez du [vieux moulin][] et suivez les [signes][signs] "
                                  "jusqu'au [pont][bridge]."})
    checked = twp("--site", root, "check", "--format", "json")
    findings = json.loads(checked.out)["findings"]
    errors = [(f["path"], f["code"]) for f in findings if f["severity"] == "error"]
    # the French label "[vieux moulin][]" names no definition: check says so
    assert errors == [("locales/fr/LC_MESSAGES/walks/river.po", "markup-mismatch")], findings
    assert twp("--site", root, "build").code == 0
    spanish = page(root, "es")
    assert '<a href="https://example.org/mill">molino viejo</a>' in spanish
    assert '<a href="https://example.org/signs">señales azules</a>' in spanish
    assert '<a href="https://example.org/bridge">puente</a>' in spanish
    assert "<p>[!NOTE]\nEl camino se inunda" in spanish
    assert spanish.count("<h1") == 1
    # the HTML block's prose is marked as English on the translated page
    assert '<summary lang="en" class="untranslated">Opening hours' in spanish
    english = page(root, "en")
    assert english.count("<h1") == 1
    assert '<summary>Opening hours' in english
    assert "<aside>" in english and "<strong>short</strong>" in english


def test_status_counts_words_no_unit_holds(make_site, twp):
    root = make_guide(make_site)
    assert twp("--site", root, "sync").code == 0
    data = json.loads(twp("--site", root, "status", "--format", "json").out)
    rows = [c for lang in data["languages"] for c in lang["catalogs"]
            if c["article"] == "walks/river"]
    assert rows and all(row["untranslatable_words"] == 5 for row in rows)


def test_check_requires_template_tags_unchanged():
    entry = polib.POEntry(msgid='Bring water {{% icon "bottle" %}} and a hat.',
                          msgstr="Trae agua {{% icono %}} y un sombrero.")
    codes = [f.code for f in check_entry(entry, path="x.po", kind="article")]
    assert "template-tag" in codes
    entry.msgstr = 'Trae agua {{% icon  "bottle" %}} y un sombrero.'
    assert [f for f in check_entry(entry, path="x.po", kind="article")
            if f.severity == "error"] == []


def test_inline_link_with_the_sources_url_passes_check():
    entry = polib.POEntry(msgid="Follow the [blue signs][signs].",
                          msgstr="Sigue las [señales azules](https://example.org/signs).",
                          comment="type: paragraph\n"
                                  "reference link: [signs]: <https://example.org/signs>")
    assert [f.code for f in check_entry(entry, path="x.po", kind="article")] == []
    entry.msgstr = "Sigue las [señales azules][]."
    assert "markup-mismatch" in [f.code for f in check_entry(entry, path="x.po", kind="article")]


def test_line_breaks_change_only_in_plain_text():
    # inside a code span a line end is a space: no backslash, no trailing space lost
    assert normalize_inline("run `make  \nall` now") == "run `make   all` now"
    assert normalize_inline("run `a \nb` now") == "run `a  b` now"
    # a link destination cannot hold a line end: joining would make it a link
    assert normalize_inline("[link](<foo\nbar>)") == "[link](<foo\nbar>)"
    # plain text is joined as before
    assert normalize_inline("one\ntwo  \nthree") == "one two\\\nthree"


def test_alert_marker_survives_a_translation(make_site, twp):
    root = make_site({"content/en/a.md": "---\ntitle: T\ndate: 2026-01-01\n---\n\n"
                      "> [!WARNING]\n> Mind the gap.\n"})
    assert twp("--site", root, "sync").code == 0
    translate_path = root / "locales" / "es" / "LC_MESSAGES" / "a.po"
    po = polib.pofile(str(translate_path))
    for entry in po:
        entry.msgstr = {"T": "T", "Mind the gap.": "Cuidado con el hueco."}[entry.msgid]
    po.save(str(translate_path))
    assert twp("--site", root, "build").code == 0
    html = (root / "dist" / "es" / "a" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<blockquote>\s*<p>\[!WARNING\]\nCuidado con el hueco.</p>", html)


def test_dashboard_shows_words_no_unit_holds(make_site, twp):
    root = make_guide(make_site)
    assert twp("--site", root, "sync").code == 0
    assert twp("--site", root, "build").code == 0
    dashboard = (root / "dist" / "status" / "index.html").read_text(encoding="utf-8")
    assert dashboard.count("(5 words inside HTML cannot be translated)") == 2  # es, fr


def test_code_inside_shortcodes_is_no_unit(make_site):
    from twp_i18n.config import load_config
    from twp_i18n.source.content import load_articles
    from twp_i18n.source.segments import article_units

    body = ("{{< highlight python >}}\nprint('hello world')\n{{< /highlight >}}\n\n"
            "{% raw %}\nKeep {{ this }} as it is\n{% endraw %}\n\nA real sentence.\n")
    root = make_site({"content/en/a.md": "---\ntitle: T\ndate: 2026-01-01\n---\n\n" + body})
    (article,) = load_articles(load_config(root))
    assert [u.text for u in article_units(article)] == ["T", "A real sentence."]
