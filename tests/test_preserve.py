"""Format-preserving writes: what a command does not change stays byte for byte as any tool
wrote it; references that do not churn; ``twp format`` for the canonical form on purpose."""

from __future__ import annotations

import difflib
import io
import random
import re
import subprocess
from pathlib import Path

import polib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twp_i18n.catalog import pofile
from twp_i18n.catalog.extract import extract
from twp_i18n.catalog.pofile import format_po, parse_po
from twp_i18n.catalog.update import update
from twp_i18n.config import load_config
from twp_i18n.errors import ConfigError

from .conftest import gettext_tool, snapshot
from .test_pofile_write import catalog, entries

SLUG = "our-values"
LONG_LINK = ("Lee [la guía completa sobre la reducción gradual](https://example.org/biblioteca/"
             "articulos/reduccion-gradual/guia-completa-para-principiantes-y-familias?lang=es"
             "&section=2) antes de empezar.")
TRANSLATIONS = {
    "ja": "私たちの価値観は、このライブラリの記事を書き、編集し、共有する方法を導くものであり、"
          "誰かから与えられた規則ではありません。",
    "ar": "القيم التي توجه الطريقة التي نكتب بها المقالات في هذه المكتبة ونحررها ونشاركها، "
          "وهي ليست قواعد مفروضة من أحد.",
}


def hunks(old: str, new: str) -> list[tuple[int, int, int, int]]:
    """The changed line ranges (old start, old end, new start, new end) of a diff."""
    matcher = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines(), autojunk=False)
    return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def entry_lines(text: str, msgid: str) -> range:
    """The lines of the entry of ``msgid`` in ``text`` (0-based), with the blank line before it."""
    po = parse_po(text)
    entry = next(e for e in po if e.msgid == msgid)
    gap, _, end = entry.twp_span
    return range(gap, end)


def touches(inner: tuple[int, int], outer: range) -> bool:
    """Whether a hunk's lines ``inner`` meet ``outer`` (a diff may align an entry's first
    lines with the same lines of its neighbour, so the hunk need not be inside it)."""
    return inner[0] <= outer.stop and outer.start <= max(inner[1], inner[0] + 1)


def cut(text: str, lines: range) -> list[str]:
    """``text``'s lines without ``lines``."""
    return [line for k, line in enumerate(text.splitlines()) if k not in lines]


def site(demo_site: Path, references: str | None = None) -> Path:
    if references is not None:
        config = demo_site / "twp.toml"
        config.write_text(config.read_text() + f'\n[catalogs]\nreferences = "{references}"\n')
    config = load_config(demo_site)
    extract(config)
    update(config)
    return demo_site


def catalogs_of(root: Path, slug: str = SLUG) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted((root / "locales").glob(f"*/LC_MESSAGES/{slug}.po"))}


# ---------------------------------------------------------------- references


def test_references_setting_is_checked(make_site):
    root = make_site(config=open(Path(__file__).parent.parent / "twp.toml").read()
                     + '\n[catalogs]\nreferences = "lines"\n')
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert "[catalogs] references must be one of 'file', 'line', 'never'" in info.value.message
    assert info.value.line == len((root / "twp.toml").read_text().splitlines())
    assert load_config(make_site()).catalogs.references == "file"


def _insert_paragraph_at_top(root: Path, text: str = "A new first paragraph, added today.") -> str:
    path = root / "content/en" / f"{SLUG}.md"
    source = path.read_text(encoding="utf-8")
    _, front, body = source.split("---\n", 2)
    path.write_text(f"---\n{front}---\n\n{text}\n{body}", encoding="utf-8")
    return text


@pytest.mark.parametrize("formatted", [False, True], ids=["as-shipped", "after-format"])
def test_a_paragraph_at_the_top_adds_one_entry_and_changes_nothing_else(demo_site, twp, formatted):
    root = site(demo_site)
    if formatted:
        assert twp("--site", root, "format").code == 0
        assert "#: content/en/our-values.md\n" in catalogs_of(root)["locales/fr/LC_MESSAGES/our-values.po"]
    before = snapshot(root / "locales")
    old = catalogs_of(root)
    added = _insert_paragraph_at_top(root)
    config = load_config(root)
    extract(config)
    update(config)
    new = catalogs_of(root)
    assert set(new) == set(old) and len(new) == 6
    for rel, text in new.items():
        changes = hunks(old[rel], text)
        assert len(changes) == 1, rel
        i1, i2, j1, j2 = changes[0]
        assert i1 == i2, f"{rel}: lines of existing entries changed"
        assert j2 - j1 == len(entry_lines(text, added))
        assert touches((j1, j2), entry_lines(text, added)), rel
        assert cut(text, entry_lines(text, added)) == old[rel].splitlines(), rel
        assert f"#: content/en/{SLUG}.md\n" in text
    after = snapshot(root / "locales")
    # Only this article's catalogs (and its template, whose lines moved) changed.
    assert {k for k in after if after[k] != before.get(k)} == \
        {rel.removeprefix("locales/") for rel in new} | {f"{SLUG}.pot"}


def test_line_references_follow_the_lines(demo_site):
    root = site(demo_site, "line")
    _insert_paragraph_at_top(root)
    config = load_config(root)
    extract(config)
    update(config)
    text = catalogs_of(root)["locales/de/LC_MESSAGES/our-values.po"]
    template = (root / "locales/our-values.pot").read_text(encoding="utf-8")
    refs = [line for line in text.splitlines() if line.startswith("#:")]
    assert refs == [line for line in template.splitlines() if line.startswith("#:")]


def test_never_gives_no_references_and_templates_keep_lines(demo_site, twp):
    root = site(demo_site, "never")
    assert twp("--site", root, "format").code == 0
    text = catalogs_of(root)["locales/es/LC_MESSAGES/our-values.po"]
    assert "\n#:" not in text
    assert f"#: content/en/{SLUG}.md:2\n" in (root / f"locales/{SLUG}.pot").read_text()


# ---------------------------------------------------------------- twp format


def test_format_check_lists_files_and_format_makes_them_canonical(demo_site, twp):
    root = site(demo_site)
    msgcat = gettext_tool("msgcat")
    path = root / "locales/ja/LC_MESSAGES/our-values.po"
    subprocess.run([msgcat, "--no-wrap", "-o", str(path), str(path)], check=True)
    before = snapshot(root / "locales")
    result = twp("--site", root, "format", "--check", "--lang", "ja")
    assert result.code == 1
    assert "locales/ja/LC_MESSAGES/our-values.po: not in canonical form" in result.out
    assert snapshot(root / "locales") == before
    assert twp("--site", root, "format", "--lang", "ja").code == 0
    assert twp("--site", root, "format", "--check", "--lang", "ja").code == 0
    text = path.read_bytes()
    assert b"#: content/en/our-values.md\n" in text
    assert subprocess.run([msgcat, str(path)], capture_output=True, check=True).stdout == text
    # twice changes nothing; the other languages were not touched
    again = snapshot(root / "locales")
    assert twp("--site", root, "format", "--lang", "ja").code == 0
    assert snapshot(root / "locales") == again
    assert {k for k in again if again[k] != before[k]} <= {
        p.relative_to(root / "locales").as_posix() for p in (root / "locales/ja").rglob("*.po")}


def test_format_refuses_a_broken_catalog_and_writes_nothing(demo_site, twp):
    root = site(demo_site)
    (root / "locales/fr/LC_MESSAGES/site.po").write_text('msgid "x"\nmsgstr "unterminated\n')
    before = snapshot(root / "locales")
    result = twp("--site", root, "format")
    assert result.code == 2 and "locales/fr/LC_MESSAGES/site.po:2:" in result.err
    assert snapshot(root / "locales") == before


# ---------------------------------------------------------------- other tools' saves


def _edit_ttk(path: Path, lang: str, wrap: bool) -> None:
    from translate.storage import pypo

    store = pypo.pofile(path.read_bytes(), **({} if wrap else {"width": -1}))
    _translate(store.units, lang, lambda u: u.source, lambda u, text: setattr(u, "target", text))
    if lang == "ar":  # Weblate's own way of writing the same Arabic plural rule
        store.updateheader(add=True, Plural_Forms="nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : "
                           "n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5;")
    path.write_bytes(bytes(store))


def _edit_babel(path: Path, lang: str) -> None:
    from babel.messages import pofile as babel_po

    with path.open("rb") as handle:
        cat = babel_po.read_po(handle)
    messages = [m for m in cat if m.id]

    def put(m, text):
        m.string = text

    _translate(messages, lang, lambda m: m.id, put)
    out = io.BytesIO()
    babel_po.write_po(out, cat, include_previous=True)
    path.write_bytes(out.getvalue())


def _edit_polib(path: Path, lang: str) -> None:
    po = polib.pofile(str(path))
    _translate(list(po), lang, lambda e: e.msgid, lambda e, text: setattr(e, "msgstr", text))
    po.save(str(path))


def _edit_msgcat(path: Path, lang: str) -> None:
    _edit_polib(path, lang)
    subprocess.run([gettext_tool("msgcat"), "--no-wrap", "-o", str(path), str(path)], check=True)


def _translate(units, lang, source, put) -> None:
    """Translate the first two untranslated paragraphs-or-so: one in the language, one
    holding a Markdown link with a long URL."""
    texts = [TRANSLATIONS.get(lang, TRANSLATIONS["ja"]), LONG_LINK]
    for unit in units:
        if texts and len(source(unit)) > 60:
            put(unit, texts.pop(0))


TOOLS = {
    "translate-toolkit": lambda p, lang: _edit_ttk(p, lang, wrap=True),
    "translate-toolkit-no-wrap": lambda p, lang: _edit_ttk(p, lang, wrap=False),
    "babel": _edit_babel,
    "polib": _edit_polib,
    "msgcat-no-wrap": _edit_msgcat,
}


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_update_keeps_what_an_editor_saved(demo_site, tool):
    if tool.startswith("msgcat"):
        gettext_tool("msgcat")
    root = site(demo_site)
    for lang in ("ja", "ar"):
        TOOLS[tool](root / f"locales/{lang}/LC_MESSAGES/{SLUG}.po", lang)
    saved = catalogs_of(root)
    assert any(LONG_LINK[:40] in text for text in saved.values())
    before = snapshot(root / "locales")
    config = load_config(root)
    update(config)
    assert snapshot(root / "locales") == before, "update changed a file without a template change"

    # A source edit: only the entry of the changed paragraph changes, in every catalog.
    path = root / "content/en" / f"{SLUG}.md"
    source = path.read_text(encoding="utf-8")
    old_unit = next(e.msgid for e in parse_po((root / f"locales/{SLUG}.pot").read_text())
                    if len(e.msgid) > 60 and e.msgid.split()[0].isalpha()
                    and e.msgid in source.replace("\n", " "))
    assert old_unit in source, "the unit is one line of the article"
    new_unit = old_unit.replace(" ", " really ", 1)
    path.write_text(source.replace(old_unit, new_unit), encoding="utf-8")
    extract(config)
    update(config)
    for rel, text in catalogs_of(root).items():
        changes = hunks(saved[rel], text)
        assert changes, rel
        old_span, new_span = entry_lines(saved[rel], old_unit), entry_lines(text, new_unit)
        for i1, i2, j1, j2 in changes:
            assert touches((i1, i2), old_span) and touches((j1, j2), new_span), (rel, tool)
        assert cut(saved[rel], old_span) == cut(text, new_span), (rel, tool)
        entry = next(e for e in parse_po(text) if e.msgid == new_unit)
        assert entry.previous_msgid == old_unit
    # The Arabic plural rule, written the other way, is still written that way.
    if tool.startswith("translate-toolkit"):
        assert "plural=n==0 ? 0 : n==1 ? 1" in catalogs_of(root)[f"locales/ar/LC_MESSAGES/{SLUG}.po"]


def test_extract_keeps_the_unchanged_entries_of_a_template(demo_site):
    root = site(demo_site)
    pot = root / f"locales/{SLUG}.pot"
    subprocess.run([gettext_tool("msgcat"), "--no-wrap", "-o", str(pot), str(pot)], check=True)
    saved = pot.read_text(encoding="utf-8")
    path = root / "content/en" / f"{SLUG}.md"
    source = path.read_text(encoding="utf-8")
    unit = next(e.msgid for e in parse_po(saved) if len(e.msgid) > 60 and e.msgid in source)
    path.write_text(source.replace(unit, unit.replace(" ", " really ", 1)), encoding="utf-8")
    extract(load_config(root))
    text = pot.read_text(encoding="utf-8")
    old_span, new_span = entry_lines(saved, unit), entry_lines(text, unit.replace(" ", " really ", 1))
    assert cut(saved, old_span) == cut(text, new_span)
    assert text != saved


# ---------------------------------------------------------------- the header


ARABIC = ("nplurals=6; plural=((((n % 100) >= 3 && (n % 100) <= 10)) ? 3 : (((n % 100) >= 11 "
          "&& (n % 100) <= 99)) ? 4 : ((n == 1)) ? 1 : ((n == 2)) ? 2 : ((n == 0)) ? 0 : 5);")
WEBLATE = ("nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
           "n%100>=11 ? 4 : 5;")


def _no_wrap(text: str) -> str:
    """``text`` as a tool that does not wrap writes it: the lines of a string joined, but
    for those ending in a line break."""
    return re.sub(r'(?<!\\n)(?<! ")"\n"', "", text)


def _header_catalog(plural: str) -> polib.POFile:
    po = catalog(polib.POEntry(msgid="One", msgstr="واحد"))
    po.metadata.update({"POT-Creation-Date": "2026-01-01 00:00+0000", "Language": "ar",
                        "Plural-Forms": plural})
    return po


def test_a_plural_rule_written_another_way_is_not_rewritten():
    no_wrap = _no_wrap(format_po(_header_catalog(WEBLATE)))
    assert format_po(_header_catalog(ARABIC), original=parse_po(no_wrap)) == no_wrap
    # Not the same rule: rewritten, on canonical lines of its own.
    other = _header_catalog("nplurals=2; plural=(n != 1);")
    out = format_po(other, original=parse_po(no_wrap))
    assert [line for _, _, j1, j2 in hunks(no_wrap, out) for line in out.splitlines()[j1:j2]] == \
        ['"Plural-Forms: nplurals=2; plural=(n != 1);\\n"']


def test_a_header_field_update_changes_only_its_own_line():
    po = _header_catalog(ARABIC)
    po.metadata["X-Generator"] = "Poedit 3.4 with a rather long name that goes past the width"
    no_wrap = _no_wrap(format_po(po))
    po = parse_po(no_wrap)
    po.metadata["POT-Creation-Date"] = "2026-02-01 00:00+0000"
    out = format_po(po, original=parse_po(no_wrap))
    changes = hunks(no_wrap, out)
    assert [(i2 - i1, j2 - j1) for i1, i2, j1, j2 in changes] == [(1, 1)]
    assert out.splitlines()[changes[0][2]] == '"POT-Creation-Date: 2026-02-01 00:00+0000\\n"'


# ---------------------------------------------------------------- property


def _foreign(po: polib.POFile, width: int) -> str:
    """``po`` as polib writes it, wrapped at ``width`` (another tool's layout)."""
    po.wrapwidth = width
    return str(po)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(entries(), st.sampled_from([0, 40, 78, 200]), st.randoms(use_true_random=False))
def test_unchanged_entries_keep_their_bytes(items, width, rng: random.Random):
    text = _foreign(catalog(*items), width)
    original = parse_po(text)
    edited = parse_po(text)
    changed: set[int] = set()
    for entry in list(edited):
        roll = rng.random()
        if roll < 0.2:
            entry.msgstr = entry.msgstr + " (edited)" if not entry.msgid_plural else entry.msgstr
            if entry.msgid_plural:
                entry.msgstr_plural[0] = entry.msgstr_plural.get(0, "") + " (edited)"
            changed.add(id(entry))
        elif roll < 0.3:
            edited.remove(entry)
    if rng.random() < 0.5:
        fresh = polib.POEntry(msgid="A new unit", msgstr="", occurrences=[("content/x.md", "")])
        edited.insert(rng.randrange(len(edited) + 1), fresh)
        changed.add(id(fresh))
    # Lines inserted above: with file references, the entries are still the same.
    mode = rng.choice(["line", "file"])
    if mode == "file":
        for entry in edited:
            entry.occurrences = [(path, str(int(line) + 3) if line else line)
                                 for path, line in entry.occurrences]
    out = format_po(edited, original=original, references=mode)
    back = parse_po(out)
    ordered = [e for e in edited if not e.obsolete] + [e for e in edited if e.obsolete]
    written = [e for e in ordered if id(e) not in changed or pofile.entry_lines(e)]
    assert [pofile.entry_key(e, mode) for e in back] == \
        [pofile.entry_key(e, mode) for e in written]
    assert back.metadata == edited.metadata
    lines = out.split("\n")
    old_lines = text.split("\n")
    kept = {pofile.entry_key(e, mode): e.twp_span for e in original}
    for entry, read in zip(written, back, strict=True):
        _, start, end = read.twp_span
        if id(entry) in changed:
            assert lines[start:end] == pofile.entry_lines(entry)
        else:
            _, old_start, old_end = kept[pofile.entry_key(entry, mode)]
            assert lines[start:end] == old_lines[old_start:old_end]
    if not changed and len(edited) == len(original):
        assert out == text


def test_a_unit_used_twice_counts_twice_with_one_file_reference(make_site, twp):
    from twp_i18n.catalog.status import site_status

    from .conftest import article

    body = "Rest often.\n\nSome words in between.\n\nRest often.\n"
    root = make_site({"content/en/a.md": article(body=body)})
    config = load_config(root)
    extract(config)
    update(config)
    text = (root / "locales/es/LC_MESSAGES/a.po").read_text(encoding="utf-8")
    assert "#: content/en/a.md\nmsgid \"Rest often.\"" in text
    assert re.search(r"#: content/en/a.md:\d+ content/en/a.md:\d+\nmsgid \"Rest often",
                     (root / "locales/a.pot").read_text())
    words = site_status(config)[0].catalogs[0].counts.words
    assert words == 2 + 2 + 2 + 4  # title, twice "Rest often.", the words in between


HAND_WRITTEN = '''\
# A header comment
msgid ""
msgstr ""
"Language: fr\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"
"X-Generator: an editor\\n"


#, fuzzy
#: content/en/a.md:3
#. type: paragraph
# translator's note, after the other comments
#| msgid "The old text"
msgid "The new text, long enough to be wrapped by anyone who wraps lines at seventy-nine columns"
msgstr "Le texte, assez long pour que quiconque coupe les lignes à soixante-dix-neuf colonnes le coupe"

#: content/en/a.md:5
msgid "Second"
msgstr "Deuxième"

#, my-own-flag
msgid "Third"
msgstr "Troisième"
#~ msgid "Gone, untranslated"
#~ msgstr ""

#~ msgid "Gone"
#~ msgstr "Parti"'''


def test_an_edit_changes_only_its_entry_of_a_hand_written_catalog():
    original = parse_po(HAND_WRITTEN)
    po = parse_po(HAND_WRITTEN)
    assert format_po(po, original=original, references="file") == HAND_WRITTEN
    next(e for e in po if e.msgid == "Second").msgstr = "Seconde"
    out = format_po(po, original=original, references="file")
    assert hunks(HAND_WRITTEN, out) == [(19, 20, 19, 20)]
    assert out.splitlines()[19] == 'msgstr "Seconde"'
    # twp format's form: canonical, unknown flags and the untranslated obsolete entry dropped
    canonical = format_po(po)
    assert "my-own-flag" not in canonical and "Gone, untranslated" not in canonical
    assert '#~ msgstr "Parti"\n' in canonical
