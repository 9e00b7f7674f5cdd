"""One broken input never holds back the rest: catalogs, site.po, glossaries; and doses
changed in translation never reach a reader."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from twp_i18n.catalog import pofile
from twp_i18n.config import load_config
from twp_i18n.publish.build import build

from .conftest import MINIMAL_CONFIG, REPO

MINIMAL = REPO / "tests" / "data" / "minimal"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "minimal"
    shutil.copytree(MINIMAL, root)
    return root


def break_catalog(path: Path) -> int:
    """Leave a string unterminated in the catalog; returns the line."""
    lines = path.read_text(encoding="utf-8").split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("msgstr") and i > 20)
    lines[index] = 'msgstr "unterminated'
    path.write_text("\n".join(lines), encoding="utf-8")
    return index + 1


def retranslate(path: Path, old: str, new: str) -> None:
    po = pofile.read_po(path)
    hits = [entry for entry in po if old in entry.msgstr]
    assert hits, old
    for entry in hits:
        entry.msgstr = entry.msgstr.replace(old, new)
    pofile.write_po(path, po)


def test_a_broken_catalog_keeps_its_previous_page_and_the_rest_is_built(site, twp):
    assert twp("--site", site, "--quiet", "build").code == 0
    page = site / "dist/es/journal/index.html"
    before = page.read_bytes()
    other = site / "dist/es/rest-and-sleep/index.html"
    line = break_catalog(site / "locales/es/LC_MESSAGES/journal.po")
    po = pofile.read_po(site / "locales/es/LC_MESSAGES/rest-and-sleep.po")
    title = next(e for e in po if e.msgid == "Rest and sleep")
    title.msgstr = "Descanso y sueño (nuevo)"
    pofile.write_po(site / "locales/es/LC_MESSAGES/rest-and-sleep.po", po)

    result = twp("--site", site, "--quiet", "build")
    assert result.code == 1, result
    assert f"locales/es/LC_MESSAGES/journal.po:{line}:" in result.err
    assert "Traceback" not in result.err
    assert page.read_bytes() == before  # the previously published page stays as it was
    assert "Descanso y sueño (nuevo)" in other.read_text(encoding="utf-8")  # the rest is built
    assert (site / "dist/ar/rest-and-sleep/index.html").exists()
    # a rebuild with nothing changed still says so, and still keeps the page
    again = twp("--site", site, "--quiet", "build")
    assert again.code == 1 and f"journal.po:{line}:" in again.err
    assert page.read_bytes() == before

    # never published before: not published at all
    fresh = site.parent / "fresh"
    result = twp("--site", site, "--quiet", "build", "--out", fresh)
    assert result.code == 1
    assert not (fresh / "es/journal").exists()
    assert (fresh / "es/rest-and-sleep/index.html").exists()

    # fixed: published again, exit 0
    shutil.copy(MINIMAL / "locales/es/LC_MESSAGES/journal.po",
                site / "locales/es/LC_MESSAGES/journal.po")
    assert twp("--site", site, "--quiet", "build").code == 0
    assert page.read_bytes() == before


def test_a_broken_catalog_is_not_published_even_when_every_share_is(site, twp):
    # With min_percent = 0 every article is published, translated or not; one whose catalog
    # cannot be read still is not (the build says so, and keeps its previous page, if any).
    toml = site / "twp.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("min_percent = 70", "min_percent = 0"),
                    encoding="utf-8")
    break_catalog(site / "locales/es/LC_MESSAGES/journal.po")
    result = twp("--site", site, "--quiet", "build")
    assert result.code == 1 and "'journal' is not published again in es" in result.err
    assert not (site / "dist/es/journal").exists()
    assert (site / "dist/es/rest-and-sleep/index.html").exists()
    assert "journal/" not in (site / "dist/es/index.html").read_text(encoding="utf-8")


def unprivileged() -> list[str]:
    """A command prefix that runs without root's right to read any file (the tests may run
    as root, to whom a file's mode means nothing)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv (util-linux) to give up reading rights")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}", "--"]


def test_a_catalog_nobody_may_read_is_left_out_and_the_rest_is_built(site):
    path = site / "locales/es/LC_MESSAGES/journal.po"
    path.chmod(0)
    try:
        run = subprocess.run([*unprivileged(), sys.executable, "-m", "twp_i18n", "--site",
                              str(site), "--quiet", "build"], capture_output=True, text=True,
                             cwd=REPO, timeout=300)
    finally:
        path.chmod(0o644)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert "locales/es/LC_MESSAGES/journal.po" in run.stderr
    assert "Permission denied" in run.stderr
    assert (site / "dist/es/rest-and-sleep/index.html").exists()
    assert not (site / "dist/es/journal").exists()
    assert (site / "dist/en/journal/index.html").exists()


def test_conflict_markers_in_a_catalog_are_reported_with_the_line(site, twp):
    path = site / "locales/ar/LC_MESSAGES/rest-and-sleep.po"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n<<<<<<< HEAD\nmsgid \"x\"\nmsgstr \"y\"\n=======\n>>>>>>> b\n",
                    encoding="utf-8")
    result = twp("--site", site, "--quiet", "build")
    assert result.code == 1
    assert f"locales/ar/LC_MESSAGES/rest-and-sleep.po:{text.count(chr(10)) + 2}:" in result.err
    assert (site / "dist/es/rest-and-sleep/index.html").exists()


def test_a_broken_site_po_falls_back_to_english_interface(site, twp):
    assert twp("--site", site, "--quiet", "build").code == 0
    translated = (site / "dist/es/index.html").read_text(encoding="utf-8")
    line = break_catalog(site / "locales/es/LC_MESSAGES/site.po")
    result = twp("--site", site, "--quiet", "build")
    assert result.code == 1, result
    assert f"locales/es/LC_MESSAGES/site.po:{line}:" in result.err
    index = (site / "dist/es/index.html").read_text(encoding="utf-8")
    assert index != translated
    po = polib.pofile(str(MINIMAL / "locales/es/LC_MESSAGES/site.po"))
    english = [e.msgid for e in po if e.msgstr and e.msgstr in translated and e.msgid in index
               and not e.msgid_plural and e.msgid != e.msgstr]
    assert english  # the interface strings are the English ones now
    assert (site / "dist/es/rest-and-sleep/index.html").exists()


def test_build_progress_totals_are_right(site):
    seen: list[tuple[int, int]] = []
    build(load_config(site), progress=lambda done, total: seen.append((done, total)))
    assert seen and all(done <= total for done, total in seen), seen
    assert seen[-1][0] == seen[-1][1]


def test_build_progress_moves_while_articles_are_read(site, monkeypatch):
    """The bar moves during the per-article pass (checks, coverage, localizing), the longest
    part of a clean build, not only once the pages are templated."""
    from twp_i18n.publish import planning

    seen: list[object] = []
    read = planning.read_articles

    def reading(*args, **kwargs):
        result = read(*args, **kwargs)
        seen.append("read")
        return result

    monkeypatch.setattr(planning, "read_articles", reading)
    build(load_config(site), progress=lambda done, total: seen.append((done, total)))
    before = seen[:seen.index("read")]
    assert any(isinstance(s, tuple) and 0 < s[0] < s[1] for s in before), seen
    reports = [s for s in seen if isinstance(s, tuple)]
    assert all(done <= total for done, total in reports), seen
    assert reports[-1][0] == reports[-1][1]


# --------------------------------------------------------------------------- doses

DOSE_ARTICLE = """---
title: "Small steps"
date: 2026-01-05
---

Many of us went down by small steps.

Take 2.5 mg a day for 2 weeks.
"""


def dose_site(make_site, twp, translation: str) -> Path:
    config = MINIMAL_CONFIG.replace('["es", "fr"]', '["de"]') + "[publish]\nmin_percent = 0\n"
    root = make_site({"content/en/steps.md": DOSE_ARTICLE}, config=config)
    for args in (["extract"], ["update"]):
        assert twp("--site", root, "--quiet", *args).code == 0
    path = root / "locales/de/LC_MESSAGES/steps.po"
    po = pofile.read_po(path)
    for entry in po:
        entry.msgstr = {"Small steps": "Kleine Schritte",
                        "Many of us went down by small steps.":
                            "Viele von uns sind in kleinen Schritten heruntergegangen.",
                        "Take 2.5 mg a day for 2 weeks.": translation}.get(entry.msgid, "")
    pofile.write_po(path, po)
    return root


def test_a_changed_dose_is_never_rendered(make_site, twp):
    root = dose_site(make_site, twp, "Nehmen Sie 2 Wochen lang 25 mg am Tag.")
    check = twp("--site", root, "check")
    assert check.code == 1 and "[dose-changed]" in check.out
    result = twp("--site", root, "--quiet", "build")
    assert result.code == 0
    page = (root / "dist/de/steps/index.html").read_text(encoding="utf-8")
    assert "25 mg" not in page
    assert '<p lang="en" class="untranslated">Take 2.5 mg a day for 2 weeks.</p>' in page
    assert "Viele von uns" in page
    for feed in ("rss.xml", "atom.xml", "feed.json"):
        assert "25 mg" not in (root / "dist/de" / feed).read_text(encoding="utf-8")


def test_a_dose_in_the_languages_own_writing_is_accepted(make_site, twp):
    root = dose_site(make_site, twp, "Nehmen Sie 2 Wochen lang 2,5 mg am Tag.")
    check = twp("--site", root, "check")
    assert check.code == 0, check.out
    assert twp("--site", root, "--quiet", "build").code == 0
    page = (root / "dist/de/steps/index.html").read_text(encoding="utf-8")
    assert "Nehmen Sie 2 Wochen lang 2,5 mg am Tag." in page


def test_dose_units_come_from_twp_toml(make_site, twp):
    root = dose_site(make_site, twp, "Nehmen Sie 3 Wochen lang 2,5 mg am Tag.")
    assert "[dose-changed]" in twp("--site", root, "check").out
    with open(root / "twp.toml", "a", encoding="utf-8") as toml:
        toml.write('\n[check]\ndose_units = ["mg"]\n')
    result = twp("--site", root, "check")
    assert result.code == 0 and "[number-changed]" in result.out
    with open(root / "twp.toml", "a", encoding="utf-8") as toml:
        toml.write('\n[glossary]\nmax_bytes = 0\n')
    bad = twp("--site", root, "check")
    assert bad.code == 2 and "twp.toml:" in bad.err


# --------------------------------------------------------------------------- command line

def test_twp_finds_twp_toml_in_a_parent_folder(site, twp, monkeypatch, tmp_path):
    monkeypatch.chdir(site / "locales/es/LC_MESSAGES")
    result = twp("status", "--format", "json")
    assert result.code == 0, result
    assert '"language": "es"' in result.out
    # --site still wins
    elsewhere = tmp_path / "empty"
    elsewhere.mkdir()
    result = twp("--site", elsewhere, "status")
    assert result.code == 2 and "no site configuration found" in result.err


def test_an_unknown_language_gets_a_suggestion(site, twp):
    result = twp("--site", site, "status", "--lang", "sp")
    assert result.code == 2
    assert "is not in [site] languages; did you mean 'es'?" in result.err
    result = twp("--site", site, "build", "--lang", "arr")
    assert "did you mean 'ar'?" in result.err
    assert "did you mean" not in twp("--site", site, "status", "--lang", "zz_QQ").err


def test_status_counts_a_changed_dose_as_not_translated(make_site, twp):
    import json

    good = dose_site(make_site, twp, "Nehmen Sie 2 Wochen lang 2,5 mg am Tag.")
    def untranslated() -> int:
        counts = json.loads(twp("--site", good, "status", "--format", "json").out)
        [steps] = [c for c in counts["languages"][0]["catalogs"] if c["article"] == "steps"]
        return steps["untranslated_words"]

    assert untranslated() == 0
    po = good / "locales/de/LC_MESSAGES/steps.po"
    po.write_text(po.read_text(encoding="utf-8").replace("2,5 mg", "25 mg"), encoding="utf-8")
    assert untranslated() == 8  # "Take 2.5 mg a day for 2 weeks."
