"""``twp update``: translations survive every kind of source edit."""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import polib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from twp_i18n.catalog import pofile
from twp_i18n.catalog.extract import article_template, extract
from twp_i18n.catalog.memory import Memory
from twp_i18n.catalog.merge import merge_catalog
from twp_i18n.catalog.poguard import check_kept
from twp_i18n.catalog.update import update
from twp_i18n.config import load_config
from twp_i18n.errors import CatalogError, LockError
from twp_i18n.machinery.lock import site_lock
from twp_i18n.source.content import Article

from .conftest import article, gettext_tool, snapshot

CONFIG = None


def make_article(body: str, slug: str = "a", title: str = "Sleep and rest") -> Article:
    return Article(slug=slug, path=Path(f"{slug}.md"), rel_path=f"content/en/{slug}.md",
                   title=title, date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                   updated=None, body=body, body_line=5, field_lines={"title": 2})


@pytest.fixture
def site_config(make_site):
    return load_config(make_site({"content/en/x.md": article()}))


def template_of(body: str, config, slug: str = "a") -> polib.POFile:
    return article_template(make_article(body, slug), config)


def translate_all(po: polib.POFile, prefix: str = "ES ") -> polib.POFile:
    for entry in po:
        entry.msgstr = prefix + entry.msgid
    return po


def roundtrip(po: polib.POFile) -> polib.POFile:
    return pofile.parse_po(pofile.format_po(po))


BODY = """## Before you begin

Many of us slept badly for weeks. A routine helped some of us, and others found that patience mattered more.

- Dim the lights in the evening.
- Keep a notebook by the bed.

Writing things down made the nights feel shorter.
"""


def test_unchanged_units_keep_translation_comments_and_flags(site_config):
    template = template_of(BODY, site_config)
    old, _ = merge_catalog(template, None, "es", "a")
    translate_all(old)
    old.find("Keep a notebook by the bed.").tcomment = "Reviewed by Ana"
    old.find("Dim the lights in the evening.").flags.append("fuzzy")
    new, stats = merge_catalog(template, roundtrip(old), "es", "a")
    assert stats.kept == len(template) and stats.fuzzy_matched == 0 and stats.obsoleted == 0
    assert new.find("Keep a notebook by the bed.").tcomment == "Reviewed by Ana"
    assert new.find("Dim the lights in the evening.").fuzzy
    assert pofile.format_po(new) == pofile.format_po(roundtrip(old))


def test_changed_unit_is_fuzzy_with_previous_msgid(site_config):
    old, _ = merge_catalog(template_of(BODY, site_config), None, "es", "a")
    translate_all(old)
    edited = BODY.replace("patience mattered more", "patience mattered most")
    new, stats = merge_catalog(template_of(edited, site_config), roundtrip(old), "es", "a")
    entry = new.find("Many of us slept badly for weeks. A routine helped some of us, and others "
                     "found that patience mattered most.")
    assert entry.fuzzy
    assert entry.previous_msgid.endswith("patience mattered more.")
    assert entry.msgstr.endswith("patience mattered more.")
    assert stats.fuzzy_matched == 1 and stats.obsoleted == 0
    text = pofile.format_po(new)
    assert '#| msgid ""\n#| "Many of us slept badly' in text


def test_removed_unit_becomes_obsolete_and_returns(site_config):
    old, _ = merge_catalog(template_of(BODY, site_config), None, "es", "a")
    translate_all(old)
    shorter = BODY.replace("Writing things down made the nights feel shorter.\n", "")
    mid, stats = merge_catalog(template_of(shorter, site_config), roundtrip(old), "es", "a")
    assert stats.obsoleted == 1
    [gone] = [e for e in mid if e.obsolete]
    assert gone.msgid == "Writing things down made the nights feel shorter."
    assert "#~ msgid \"Writing things down" in pofile.format_po(mid)
    back, stats = merge_catalog(template_of(BODY, site_config), roundtrip(mid), "es", "a")
    assert stats.revived == 1
    entry = back.find("Writing things down made the nights feel shorter.")
    assert entry.msgstr == "ES Writing things down made the nights feel shorter." and not entry.fuzzy
    assert not [e for e in back if e.obsolete]


def test_untranslated_removed_units_are_dropped(site_config):
    old, _ = merge_catalog(template_of(BODY, site_config), None, "es", "a")
    new, _ = merge_catalog(template_of("Something else entirely.\n", site_config), old, "es", "a")
    assert not [e for e in new if e.obsolete]


def test_translator_comments_on_untranslated_units_are_kept(site_config):
    old, _ = merge_catalog(template_of(BODY, site_config), None, "es", "a")
    old.find("Writing things down made the nights feel shorter.").tcomment = "Idiom? Check with Luis"
    old.find("Dim the lights in the evening.").tcomment = "Waiting for the glossary"
    edited = (BODY.replace("Writing things down made the nights feel shorter.\n", "")
              .replace("Dim the lights in the evening.", "Dim the lights in the late evening."))
    new, _ = merge_catalog(template_of(edited, site_config), roundtrip(old), "es", "a")
    new = roundtrip(new)  # written and read back
    [gone] = [e for e in new if e.obsolete]  # the unit went: kept as obsolete, with its comment
    assert (gone.msgid, gone.msgstr, gone.tcomment) == (
        "Writing things down made the nights feel shorter.", "", "Idiom? Check with Luis")
    changed = new.find("Dim the lights in the late evening.")  # the unit changed
    assert changed.tcomment == "Waiting for the glossary" and not changed.msgstr
    again, _ = merge_catalog(template_of(edited, site_config), new, "es", "a")
    assert pofile.format_po(again) == pofile.format_po(new)


def test_a_unit_that_became_plural_keeps_its_translation_fuzzy_and_recorded():
    old = polib.POFile()
    old.metadata = {"Plural-Forms": "nplurals=2; plural=(n != 1);"}
    old.append(polib.POEntry(msgid="%d files", msgstr="%d fichiers", tcomment="checked"))
    template = polib.POFile()
    template.append(polib.POEntry(msgid="%d files", msgid_plural="%d files"))
    new, stats = merge_catalog(template, roundtrip(old), "fr", "site")
    new = roundtrip(new)
    [entry] = new
    assert entry.msgstr_plural == {0: "%d fichiers", 1: ""} and entry.fuzzy
    assert entry.tcomment == "checked" and entry.previous_msgid == "%d files"
    assert stats.replaced == [(None, "%d files")]
    before, after = pofile.format_po(roundtrip(old)).encode(), pofile.format_po(new)
    assert check_kept(before, after, "fr.po", stats.replaced) == stats.replaced  # the guard is told
    with pytest.raises(CatalogError, match="would lose"):
        check_kept(before, after, "fr.po")
    entry.msgstr_plural[1] = "%d fichiers (pluriel)"
    entry.flags.remove("fuzzy")
    old_template = polib.POFile()
    old_template.append(polib.POEntry(msgid="%d files"))  # and plural no more
    back, stats = merge_catalog(old_template, new, "fr", "site")
    assert [(e.msgstr, e.fuzzy) for e in back] == [("%d fichiers", True)]
    assert stats.replaced == [(None, "%d files")]


def test_obsolete_entries_holding_work_are_written():
    po = polib.POFile()
    po.append(polib.POEntry(msgid="a", msgid_plural="as", msgstr_plural={0: "", 1: "des a"},
                            obsolete=True))
    po.append(polib.POEntry(msgid="b", msgstr="", tcomment="a note", obsolete=True))
    po.append(polib.POEntry(msgid="c", msgstr="", obsolete=True))  # nothing: dropped
    assert [e.msgid for e in roundtrip(po)] == ["a", "b"]


def test_translation_memory_fills_from_other_articles(site_config):
    other, _ = merge_catalog(template_of(BODY, site_config, "b"), None, "es", "b")
    translate_all(other)
    memory = Memory({"b": other})
    body = "- Dim the lights in the evening.\n\nKeep a notebook by the bed.\n\nA brand new sentence here.\n"
    new, stats = merge_catalog(template_of(body, site_config), None, "es", "a", memory)
    same_role = new.find("Dim the lights in the evening.")
    assert same_role.msgstr == "ES Dim the lights in the evening." and not same_role.fuzzy
    other_role = new.find("Keep a notebook by the bed.")  # a list item there, a paragraph here
    assert other_role.msgstr == "ES Keep a notebook by the bed." and other_role.fuzzy
    assert new.find("A brand new sentence here.").msgstr == ""
    assert new.find("Sleep and rest").msgstr == "ES Sleep and rest"  # both titles are the same
    assert stats.from_memory == 3


def test_small_edit_in_long_paragraph_is_still_matched(site_config):
    """difflib's autojunk misses these (Babel issue 969); we must not."""
    long = " ".join(f"Sentence number {i} tells part of a long story about sleep." for i in range(12))
    old, _ = merge_catalog(template_of(long + "\n", site_config), None, "es", "a")
    translate_all(old)
    new, stats = merge_catalog(template_of(long.replace("number 7", "no. 7") + "\n", site_config),
                               roundtrip(old), "es", "a")
    assert stats.fuzzy_matched == 1


def many_catalogs(count: int = 400, seed: int = 3) -> dict[str, polib.POFile]:
    """Translated catalogs of made-up paragraphs: a memory of thousands of entries."""
    rng = random.Random(seed)
    vocabulary = ["".join(rng.choices("abdefgiklmnoprstuvz", k=rng.randint(3, 9)))
                  for _ in range(5000)]
    vocabulary += ["the", "and", "of", "to", "a", "in", "we", "it"] * 40  # common words
    catalogs = {}
    for number in range(count):
        po = polib.POFile()
        for _ in range(8):
            text = " ".join(rng.choices(vocabulary, k=rng.randint(40, 90))).capitalize() + "."
            po.append(polib.POEntry(msgid=text, msgstr="ES " + text))
        catalogs[f"b{number:03}"] = po
    return catalogs


def test_memory_finds_moved_and_edited_paragraph_among_many(site_config):
    catalogs = many_catalogs()
    memory = Memory(catalogs)
    moved = catalogs["b123"][5]
    words = moved.msgid.split()
    words[3], words[20], words[-5] = "changed", "edited", "rewritten"
    edited = " ".join(words[:30] + words[32:])
    assert 60 < fuzz.ratio(edited, moved.msgid) < 95
    new, stats = merge_catalog(template_of(edited + "\n", site_config), None, "es", "a", memory)
    entry = new.find(edited)
    assert entry.fuzzy and entry.msgstr == moved.msgstr and entry.previous_msgid == moved.msgid
    assert stats.from_memory == 1
    # Found through the word index: far fewer entries were compared than the memory holds.
    assert len(memory._candidates(edited)) < len(memory.texts) / 20
    # Its own catalog is not a source: the unit was already matched against it.
    assert memory.closest(edited, "b123") is None


def test_memory_does_not_propose_unrelated_text(site_config):
    memory = Memory(many_catalogs())
    unrelated = ("Our volunteers meet every Thursday evening in the library to compare notes, "
                 "share recipes and plan the spring walk along the river.")
    new, stats = merge_catalog(template_of(unrelated + "\n", site_config), None, "es", "a", memory)
    assert new.find(unrelated).msgstr == "" and stats.from_memory == 0
    best = max(fuzz.ratio(unrelated, text) for text in memory.texts)
    assert best < 60  # and no entry was close enough anyway, as a brute-force search shows


def test_memory_agrees_with_brute_force_search(site_config):
    """Short and long units, near and far, against every entry one by one."""
    catalogs = many_catalogs(count=60, seed=5)
    memory = Memory(catalogs)
    rng = random.Random(9)
    found = 0
    for _ in range(60):
        domain = rng.choice(sorted(catalogs))
        source = rng.choice(catalogs[domain]).msgid
        words = source.split()
        cut = rng.randint(2, len(words))
        text = " ".join(words[:cut] if rng.random() < 0.3 else
                        [w if rng.random() > 0.2 else "zed" for w in words])
        ranked = sorted((-fuzz.ratio(text, t), i) for i, t in enumerate(memory.texts))
        expected = next((memory.entries[i][1] for score, i in ranked[:8]
                         if -score >= 60 and memory.entries[i][0] != "a"), None)
        assert memory.closest(text, "a") is expected
        found += expected is not None
    assert found > 20


def topical_catalogs(topics: int = 6, per_topic: int = 60, seed: int = 11
                     ) -> dict[str, polib.POFile]:
    """Catalogs whose paragraphs each draw on one topic's words: many entries share a tenth
    of a paragraph's distinctive words, as on a real site where many articles talk alike."""
    rng = random.Random(seed)
    catalogs: dict[str, polib.POFile] = {}
    for topic in range(topics):
        words = ["".join(rng.choices("abdefgiklmnoprstuvz", k=rng.randint(4, 9)))
                 for _ in range(400)]
        for number in range(per_topic // 4):
            po = polib.POFile()
            for _ in range(4):
                text = " ".join(rng.choices(words, k=rng.randint(30, 60))).capitalize() + "."
                po.append(polib.POEntry(msgid=text, msgstr="ES " + text))
            catalogs[f"t{topic}-{number:02}"] = po
    return catalogs


def test_the_memory_compares_a_bounded_shortlist_and_still_agrees_with_brute_force(
        monkeypatch):
    """However many entries share a tenth of a unit's distinctive words, only those sharing
    the most are compared (the memory's work per unit does not grow with the site); an
    edited paragraph is still found, as a search over every entry finds it."""
    from twp_i18n.catalog import memory as memory_module

    monkeypatch.setattr(memory_module, "SHORTLIST_MAX", 8)  # this memory is small: a small bound
    catalogs = topical_catalogs()
    memory = Memory(catalogs)
    rng = random.Random(4)
    crowded = found = 0
    for _ in range(60):
        domain = rng.choice(sorted(catalogs))
        source = rng.choice(catalogs[domain]).msgid
        words = source.split()
        text = " ".join(w if rng.random() > 0.15 else "zed" for w in words)
        with monkeypatch.context() as unbounded:
            unbounded.setattr(memory_module, "SHORTLIST_MAX", 10**9)
            crowded += len(memory._candidates(text)) > 8
        assert len(memory._candidates(text)) <= 8
        ranked = sorted((-fuzz.ratio(text, t), i) for i, t in enumerate(memory.texts))
        expected = next((memory.entries[i][1] for score, i in ranked[:8]
                         if -score >= 60 and memory.entries[i][0] != "a"), None)
        assert memory.closest(text, "a") is expected
        found += expected is not None
    assert not memory._plain_pairs  # every entry is found by its words here
    assert crowded > 30 and found > 30  # the bound was needed, and the matches were found



def test_the_memory_shortlist_is_the_entries_sharing_the_most_words_ties_the_first(monkeypatch):
    """The shortlist counted in arrays is, entry for entry, the one a plain count of the
    unit's distinctive words in each entry gives: at least a tenth of them shared, length in
    the window, the most shared first and, among equals, the first entry."""
    from collections import Counter

    from twp_i18n.catalog import memory as memory_module

    monkeypatch.setattr(memory_module, "SHORTLIST_MAX", 5)  # small: many ties at the cut
    catalogs = topical_catalogs(topics=3, per_topic=40, seed=3)
    memory = Memory(catalogs)
    memory._index()  # made at the first search
    rng = random.Random(8)
    cut_in_ties = 0
    for _ in range(80):
        domain = rng.choice(sorted(catalogs))
        words = rng.choice(catalogs[domain]).msgid.split()
        text = " ".join(w if rng.random() > 0.5 else "zed" for w in words)
        shortest = len(text) * 60 / 140 - 1
        longest = len(text) * 140 / 60 + 1
        distinctive = [w for w in set(text.lower().split()) if w in memory._words]
        if len(distinctive) < memory_module.SHORTLIST_MIN_WORDS:
            continue  # compared with the whole length window instead
        shared = Counter(i for i, t in enumerate(memory.texts)
                         for w in distinctive if w in set(t.lower().split()))
        need = -(-len(distinctive) // 10)
        eligible = sorted((-n, i) for i, n in shared.items()
                          if n >= need and shortest <= len(memory.texts[i]) <= longest)
        expected = [i for _, i in eligible[:5]]
        cut_in_ties += len(eligible) > 5 and eligible[4][0] == eligible[5][0]
        got = memory._sharing([memory.postings(w) for w in distinctive], need, shortest, longest)
        assert sorted(got) == sorted(expected)
    assert cut_in_ties > 10

WORDS = ["sleep", "rest", "night", "walk", "tea", "friend", "journal", "calm", "morning", "step",
         "slow", "patience", "group", "share", "listen", "write", "breathe", "light", "dark", "week"]


@st.composite
def documents(draw: st.DrawFn) -> list[tuple[str, str]]:
    n = draw(st.integers(min_value=1, max_value=8))
    blocks = []
    for i in range(n):
        kind = draw(st.sampled_from(["para", "para", "heading", "item"]))
        words = draw(st.lists(st.sampled_from(WORDS), min_size=3, max_size=14))
        blocks.append((kind, f"{' '.join(words).capitalize()} {i}."))
    return blocks


def render(blocks: list[tuple[str, str]]) -> str:
    out = []
    for kind, text in blocks:
        out.append({"para": text, "heading": "## " + text.rstrip("."), "item": "- " + text}[kind])
    return "\n\n".join(out) + "\n"


EDITS = st.lists(st.tuples(st.sampled_from(["change", "insert", "delete", "reorder", "heading"]),
                           st.integers(min_value=0, max_value=50),
                           st.sampled_from(WORDS)), min_size=1, max_size=6)


def apply_edit(blocks: list[tuple[str, str]], edit: tuple[str, int, str], counter: list[int]):
    op, where, word = edit
    blocks = list(blocks)
    counter[0] += 1
    if op == "insert" or not blocks:
        blocks.insert(where % (len(blocks) + 1), ("para", f"New {word} block {counter[0]}."))
    elif op == "change":
        kind, text = blocks[where % len(blocks)]
        blocks[where % len(blocks)] = (kind, text.replace(".", f" {word}."))
    elif op == "delete":
        del blocks[where % len(blocks)]
    elif op == "reorder":
        blocks.append(blocks.pop(where % len(blocks)))
    elif op == "heading":
        headings = [i for i, b in enumerate(blocks) if b[0] == "heading"]
        i = headings[where % len(headings)] if headings else where % len(blocks)
        blocks[i] = ("heading", f"Renamed {word} {counter[0]}")
    return blocks


def translator_lines(po: polib.POFile) -> Counter[str]:
    return Counter(line for e in po for line in e.tcomment.split("\n") if line.strip())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(documents(), st.lists(EDITS, min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_property_no_translation_or_comment_is_ever_lost(site_config, blocks, rounds, rng):
    """Translators translate some entries and comment on some (translated or not); whatever
    the edits, no msgstr and no translator comment is ever lost."""
    catalog, _ = merge_catalog(template_of(render(blocks), site_config), None, "es", "a")
    counter = [0]

    def translate(po: polib.POFile) -> None:  # as a translator would, a part of the entries
        for entry in po:
            if entry.obsolete:
                continue
            if not entry.msgstr and rng.random() < 0.6:
                entry.msgstr = "ES " + entry.msgid
            if not entry.tcomment and rng.random() < 0.3:
                counter[0] += 1
                entry.tcomment = f"note {counter[0]}"

    translate(catalog)
    catalog = roundtrip(catalog)
    for edits in rounds:
        before, notes = Counter(e.msgstr for e in catalog if e.msgstr), translator_lines(catalog)
        for edit in edits:
            blocks = apply_edit(blocks, edit, counter)
        template = template_of(render(blocks), site_config)
        catalog, _ = merge_catalog(template, catalog, "es", "a")
        catalog = roundtrip(catalog)  # as written to disk and read back
        after = Counter(e.msgstr for e in catalog if e.msgstr)
        assert not before - after, f"lost: {before - after}"
        assert not notes - translator_lines(catalog), f"lost: {notes - translator_lines(catalog)}"
        again, _ = merge_catalog(template, catalog, "es", "a")
        assert pofile.format_po(again) == pofile.format_po(catalog), "second merge changed the file"
        translate(catalog)
        catalog = roundtrip(catalog)


def msgs(po: polib.POFile, *, obsolete: bool = False) -> dict[tuple[str | None, str], polib.POEntry]:
    return {(e.msgctxt, e.msgid): e for e in po if e.obsolete == obsolete}


def test_agrees_with_msgmerge(tmp_path, site_config):
    msgmerge = gettext_tool("msgmerge")
    old, _ = merge_catalog(template_of(BODY, site_config), None, "es", "a")
    translate_all(old)
    gone = old.find("Keep a notebook by the bed.")
    gone.msgstr, gone.tcomment = "", "Ask Ana about this one"  # untranslated, commented
    edited = (BODY.replace("patience mattered more", "patience mattered most")
              .replace("- Keep a notebook by the bed.\n", "")
              .replace("## Before you begin", "## Before you start")
              + "\nA completely new paragraph about morning walks with a friend.\n")
    template = template_of(edited, site_config)
    (tmp_path / "old.po").write_text(pofile.format_po(old), encoding="utf-8")
    (tmp_path / "new.pot").write_text(pofile.format_po(template), encoding="utf-8")
    theirs_text = subprocess.run([msgmerge, "--quiet", "--previous", "-o", "-", "old.po", "new.pot"],
                                 cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    theirs = pofile.parse_po(theirs_text)
    ours, _ = merge_catalog(template, roundtrip(old), "es", "a")
    def translated(po: polib.POFile, obsolete: bool = False) -> dict[str, str]:
        return {k: e.msgstr for k, e in msgs(po, obsolete=obsolete).items() if e.msgstr and not e.fuzzy}

    assert translated(ours) == translated(theirs)
    assert translated(ours, True) == translated(theirs, True)
    # The translator's comment on the untranslated unit that went: msgmerge drops it, we keep it.
    assert "Ask Ana" not in theirs_text
    assert msgs(ours, obsolete=True)[(None, "Keep a notebook by the bed.")].tcomment == \
        "Ask Ana about this one"
    for key, entry in msgs(theirs).items():
        if entry.fuzzy:
            mine = msgs(ours)[key]
            assert mine.msgstr, f"msgmerge found a match for {key} and we did not"
            assert mine.previous_msgid == entry.previous_msgid


def test_update_on_disk_is_byte_stable_and_canonical(demo_site):
    msgcat = gettext_tool("msgcat")
    config = load_config(demo_site)
    extract(config)
    update(config)
    before = snapshot(demo_site / "locales")
    report = update(config)
    assert report.written == []
    assert snapshot(demo_site / "locales") == before
    for po in (demo_site / "locales").rglob("*.po"):
        assert subprocess.run([msgcat, str(po)], capture_output=True, check=True).stdout == po.read_bytes()


def test_hand_edited_catalog_is_kept_as_it_was(demo_site):
    """An entry update does not change is written again as it was, whoever wrapped it."""
    config = load_config(demo_site)
    extract(config)
    update(config)
    path = demo_site / "locales/es/LC_MESSAGES/coping-with-sleep-problems.po"
    text = path.read_text(encoding="utf-8")
    wrapped = re.search(r'\nmsgstr ""\n((?:"[^\n]*"\n)+)', text)
    assert wrapped is not None
    one_line = 'msgstr "' + "".join(line[1:-1] for line in wrapped[1].splitlines()) + '"\n'
    edited = text.replace(wrapped[0], "\n" + one_line)  # same value, not msgcat's wrapping
    path.write_text(edited, encoding="utf-8")
    report = update(config)
    assert report.written == []
    assert path.read_text(encoding="utf-8") == edited


def test_broken_catalog_is_left_alone_and_the_others_updated(demo_site, twp):
    config = load_config(demo_site)
    extract(config)
    update(config)
    target = demo_site / "locales/fr/LC_MESSAGES/our-values.po"
    lines = target.read_text(encoding="utf-8").split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("msgstr") and i > 20)
    lines[index] = 'msgstr "unterminated'
    target.write_text("\n".join(lines), encoding="utf-8")
    broken_bytes = target.read_bytes()
    (demo_site / "content/en/our-values.md").write_text(
        (demo_site / "content/en/our-values.md").read_text() + "\nA new closing paragraph.\n")
    extract(config)
    report = update(config)
    [error] = report.broken
    assert (error.path, error.line) == ("locales/fr/LC_MESSAGES/our-values.po", index + 1)
    assert (error.severity, error.code) == ("error", "catalog-unreadable")
    assert target.read_bytes() == broken_bytes  # untouched
    # every other catalog of the article got the new paragraph, French ones included
    for lang in config.languages:
        if lang != "fr":
            text = (demo_site / f"locales/{lang}/LC_MESSAGES/our-values.po").read_text()
            assert "A new closing paragraph." in text, lang
    (demo_site / "content/en/our-values.md").write_text(
        (demo_site / "content/en/our-values.md").read_text() + "\nAnother paragraph.\n")
    extract(config)
    result = twp("--site", demo_site, "update")
    assert result.code == 1
    assert f"locales/fr/LC_MESSAGES/our-values.po:{index + 1}:" in result.err
    assert "Traceback" not in result.err
    assert target.read_bytes() == broken_bytes
    assert "Another paragraph." in (demo_site / "locales/es/LC_MESSAGES/our-values.po").read_text()


def test_conflict_markers_and_oversized_catalogs_are_left_alone(demo_site, twp):
    config = load_config(demo_site)
    extract(config)
    update(config)
    conflicted = demo_site / "locales/de/LC_MESSAGES/our-values.po"
    conflicted.write_text(conflicted.read_text(encoding="utf-8")
                          + "<<<<<<< HEAD\nmsgid \"x\"\n=======\n>>>>>>> other\n",
                          encoding="utf-8")
    with open(demo_site / "twp.toml", "a", encoding="utf-8") as toml:
        toml.write("\n[limits]\nmax_catalog_bytes = 100000\n")
    config = load_config(demo_site)
    big = demo_site / "locales/es/LC_MESSAGES/our-values.po"
    big.write_bytes(big.read_bytes() + b"# " + b"x" * 120_000 + b"\n")
    before = {conflicted: conflicted.read_bytes(), big: big.read_bytes()}
    (demo_site / "content/en/our-values.md").write_text(
        (demo_site / "content/en/our-values.md").read_text() + "\nA new closing paragraph.\n")
    extract(config)
    result = twp("--site", demo_site, "sync")
    assert result.code == 1, result.err
    assert "locales/de/LC_MESSAGES/our-values.po:" in result.err
    assert "locales/es/LC_MESSAGES/our-values.po" in result.err
    assert all(path.read_bytes() == data for path, data in before.items())
    assert "A new closing paragraph." in (demo_site / "locales/fr/LC_MESSAGES/our-values.po").read_text()


def test_wrong_plural_count_is_refused(demo_site):
    config = load_config(demo_site)
    extract(config)
    update(config)
    target = demo_site / "locales/ar/LC_MESSAGES/site.po"
    text = target.read_text(encoding="utf-8")
    assert "msgstr[5]" in text
    target.write_text(re.sub(r'msgstr\[5\] ".*"\n', "", text), encoding="utf-8")
    before = target.read_bytes()
    [error] = update(config).broken
    assert "plural forms" in error.message and error.path == "locales/ar/LC_MESSAGES/site.po"
    assert target.read_bytes() == before


def test_second_run_waits_then_stops_on_lock(site_config):
    with site_lock(site_config.root):
        with pytest.raises(LockError, match="another twp run"):
            with site_lock(site_config.root, wait=0.3):
                pass
    with site_lock(site_config.root, wait=0.3):
        pass


def test_deleted_article_catalog_keeps_translations_as_obsolete(demo_site):
    config = load_config(demo_site)
    extract(config)
    update(config)
    po_path = demo_site / "locales/es/LC_MESSAGES/our-values.po"
    po = pofile.read_po(po_path)
    for entry in po:
        entry.msgstr = "traducido"
    pofile.write_po(po_path, po)
    (demo_site / "content/en/our-values.md").unlink()
    extract(config)
    update(config)
    left = pofile.read_po(po_path)
    assert left and all(e.obsolete and e.msgstr == "traducido" for e in left)
    # Japanese had translated nothing of it: its catalog goes, nothing is lost.
    assert not (demo_site / "locales/ja/LC_MESSAGES/our-values.po").exists()


def test_catalog_saved_during_update_is_not_overwritten(demo_site, monkeypatch):
    import twp_i18n.catalog.update as merge_module

    config = load_config(demo_site)
    (demo_site / "content/en/our-values.md").write_text(
        (demo_site / "content/en/our-values.md").read_text(encoding="utf-8") + "\nNew words.\n",
        encoding="utf-8")
    extract(config)
    target = demo_site / "locales/fr/LC_MESSAGES/our-values.po"
    original = merge_module._update_language

    def slow_update(job, lang):
        result = original(job, lang)
        if lang == "fr":  # a translator saves while the merge runs
            target.write_text(target.read_text(encoding="utf-8").replace(
                "#: content/en/our-values.md:2", "# merci\n#: content/en/our-values.md:2"), encoding="utf-8")
        return result

    monkeypatch.setattr(merge_module, "_update_language", slow_update)
    saved = None
    with pytest.raises(CatalogError, match="changed while twp update was running"):
        saved = target.read_bytes()
        update(config, languages=["fr"])
    assert "# merci" in target.read_text(encoding="utf-8") and saved is not None
    assert list(demo_site.rglob("*.tmp")) == []  # the staged catalogs are removed too


def _edit_every_article(root: Path) -> None:
    for path in sorted((root / "content/en").glob("*.md")):
        path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence.\n",
                        encoding="utf-8")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_refused_language_leaves_every_catalog_and_no_temporary_file(
        demo_site, monkeypatch, workers):
    """The workers stage the catalogs that change; one language refused by the writer's
    guard: nothing of any language is written, and the staged files are gone."""
    import twp_i18n.catalog.update as update_module

    monkeypatch.setattr("os.cpu_count", lambda: workers)
    monkeypatch.setattr(update_module, "PARALLEL_MERGE_MIN", 0)  # the demo site is small
    config = load_config(demo_site)
    _edit_every_article(demo_site)
    extract(config)
    before = snapshot(demo_site / "locales")
    real = update_module.check_kept

    def refuse_ar(old, new, rel, replaced=()):
        if "/ar/" in rel:
            raise CatalogError("would lose a translation; nothing was written", path=rel)
        return real(old, new, rel, replaced)

    monkeypatch.setattr(update_module, "check_kept", refuse_ar)  # the workers are forked after
    with pytest.raises(CatalogError, match="nothing was written"):
        update(config)
    assert snapshot(demo_site / "locales") == before
    assert list(demo_site.rglob("*.tmp")) == []
    # A language with no catalogs yet: the folder staging made for them goes too.
    shutil.rmtree(demo_site / "locales/fr")
    before = snapshot(demo_site / "locales")
    with pytest.raises(CatalogError, match="nothing was written"):
        update(config)
    assert snapshot(demo_site / "locales") == before and not (demo_site / "locales/fr").exists()


@pytest.mark.parametrize("workers", [1, 2])
def test_catalogs_staged_by_workers_are_put_in_place_by_the_update(demo_site, monkeypatch,
                                                                    workers):
    """Each changed catalog is written once, through a temporary file named for the process
    that renames it (a build running meanwhile keeps it), with the catalog's permissions."""
    import os

    import twp_i18n.catalog.update as update_module
    from twp_i18n.machinery import fsutil

    monkeypatch.setattr("os.cpu_count", lambda: workers)
    monkeypatch.setattr(update_module, "PARALLEL_MERGE_MIN", 0)
    config = load_config(demo_site)
    _edit_every_article(demo_site)
    extract(config)
    private = demo_site / "locales/fr/LC_MESSAGES/our-values.po"
    private.chmod(0o600)
    renamed: list[tuple[str, str]] = []
    replace = os.replace
    monkeypatch.setattr(fsutil.os, "replace",
                        lambda src, dst: renamed.append((str(src), str(dst))) or replace(src, dst))
    report = update(config)
    written = sorted(str(demo_site / rel) for rel in report.written)
    catalogs = [(src, dst) for src, dst in renamed if dst.endswith(".po")]  # not the caches
    assert written and sorted(dst for _, dst in catalogs) == written
    assert {int(re.search(r"\.twp-(\d+)-", src)[1]) for src, _ in catalogs} == {os.getpid()}
    assert private.stat().st_mode & 0o777 == 0o600
    assert "One more sentence." in private.read_text(encoding="utf-8")
    assert list(demo_site.rglob("*.tmp")) == []
    again = update(config)
    assert again.written == [] and list(demo_site.rglob("*.tmp")) == []


def test_update_removes_the_temporary_catalogs_of_a_killed_update(demo_site):
    from .test_paths import dead_pid

    config = load_config(demo_site)
    folder = demo_site / "locales/fr/LC_MESSAGES"
    stale = folder / f".our-values.po.twp-{dead_pid()}-abcdefgh.tmp"
    live = folder / f".our-values.po.twp-{__import__('os').getpid()}-abcdefgh.tmp"
    for path in (stale, live):
        path.write_bytes(b"partial")
    update(config)
    assert not stale.exists() and live.exists()
