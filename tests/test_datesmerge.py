"""Two branches that both ran ``twp sync``: ``locales/dates.json`` merges article by article
(git's merge driver after ``twp git-setup``; ``twp update`` for a file git's line merge left
with conflict markers).  With real git in temporary repositories."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twp_i18n.catalog import pofile
from twp_i18n.catalog.dates import TranslationDates, dump_dates, parse_dates, resolve_markers
from twp_i18n.catalog.dates import merge_dates as merge_records
from twp_i18n.catalog.datesmerge import split_markers

from .test_feed_dates import dated_site, translate
from .test_mergedriver import need_git, run_git

DATES = "locales/dates.json"
CONFIG = """\
[site]
title = "Test Site"
base_url = "https://example.org/"
source_language = "en"
languages = ["es", "fr"]

[publish]
min_percent = 80
"""


@pytest.fixture
def repo(make_site) -> Path:
    """A site in git whose record holds es/new; branch ``other`` forks from there."""
    need_git()
    root = dated_site(make_site, CONFIG)
    (root / ".gitignore").write_text(".twp/\ndist/\n", encoding="utf-8")
    run_git(root, "init", "-q", "-b", "main")
    run_git(root, "add", "-A")
    run_git(root, "commit", "-q", "-m", "site")
    return root


def two_syncs(repo: Path, twp) -> None:
    """Branch ``other`` publishes es/old; main revises es/new and publishes fr/new."""
    run_git(repo, "checkout", "-q", "-b", "other")
    translate(repo, "old", "2026-05-20 18:30+0200")
    assert twp("--site", repo, "sync").code == 0
    run_git(repo, "commit", "-q", "-am", "es: old")
    run_git(repo, "checkout", "-q", "main")
    translate(repo, "new", "2026-06-02 09:00+0000", suffix=" (revisado)")
    translate_fr(repo)
    assert twp("--site", repo, "sync").code == 0
    run_git(repo, "commit", "-q", "-am", "es: new revised; fr: new")


def translate_fr(repo: Path) -> None:
    path = repo / "locales/fr/LC_MESSAGES/new.po"
    po = pofile.read_po(path)
    for entry in po:
        entry.msgstr = f"FR {entry.msgid}"
    po.metadata["PO-Revision-Date"] = "2026-07-01 12:00+0000"
    pofile.write_po(path, po)


def check_merged(repo: Path) -> None:
    text = (repo / DATES).read_text(encoding="utf-8")
    record = json.loads(text)
    assert text == json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert sorted(record["es"]) == ["new", "old"] and sorted(record["fr"]) == ["new"]
    assert record["es"]["new"]["published"] == "2026-04-10T08:00:00+00:00"
    assert record["es"]["new"]["changed"] == "2026-06-02T09:00:00+00:00"  # main's revision
    assert record["es"]["old"]["published"] == "2026-05-20T16:30:00+00:00"
    assert record["fr"]["new"]["published"] == "2026-07-01T12:00:00+00:00"


def test_two_branches_that_synced_merge_with_no_conflict(repo: Path, twp) -> None:
    result = twp("--site", repo, "git-setup")
    assert result.code == 0 and f"{DATES} merge=twp-po" in result.out
    check = run_git(repo, "check-attr", "merge", DATES).stdout
    assert check.strip().endswith("merge: twp-po")
    run_git(repo, "add", ".gitattributes")
    run_git(repo, "commit", "-q", "-m", "merge catalogs by entry")
    two_syncs(repo, twp)
    merge = run_git(repo, "merge", "--no-edit", "other", check=False)
    assert merge.returncode == 0, merge.stdout + merge.stderr
    assert run_git(repo, "status", "--porcelain").stdout == ""
    check_merged(repo)
    # the merge is what a sync of the merged catalogs keeps: it changes nothing
    before = (repo / DATES).read_bytes()
    assert twp("--site", repo, "sync").code == 0
    assert (repo / DATES).read_bytes() == before


def test_without_the_driver_update_merges_the_conflict_markers(repo: Path, twp) -> None:
    two_syncs(repo, twp)
    run_git(repo, "config", "merge.conflictStyle", "diff3")
    merge = run_git(repo, "merge", "--no-edit", "other", check=False)
    assert merge.returncode != 0  # git's line merge stops on the record
    assert "<<<<<<<" in (repo / DATES).read_text(encoding="utf-8")
    result = twp("--site", repo, "update")
    assert result.code == 0, result
    assert "merged both versions" in result.out and DATES in result.out
    check_merged(repo)


def test_merge_po_from_git_resolves_the_record(repo: Path, twp, monkeypatch) -> None:
    two_syncs(repo, twp)
    assert run_git(repo, "merge", "--no-edit", "other", check=False).returncode != 0
    monkeypatch.chdir(repo)
    result = twp("merge-po", "--from-git")
    assert result.code == 0, result
    assert f"merge-po: {DATES}: merged" in result.out
    check_merged(repo)


def test_unreadable_versions_in_the_markers_are_left_for_a_person() -> None:
    good = '{\n  "es": {}\n}\n'
    assert resolve_markers(good, DATES) is None  # no markers
    broken = '{\n<<<<<<< ours\n  "es": {\n=======\n>>>>>>> theirs\n}\n'
    assert resolve_markers(broken, DATES) is None
    assert split_markers("a\n=======\nb\n") is None  # not git's order


# --------------------------------------------------------------------------- the merge rule

MOMENTS = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1),
                       timezones=st.just(dt.UTC)).map(lambda d: d.replace(microsecond=0))


@st.composite
def dates(draw: st.DrawFn) -> TranslationDates:
    first, second = sorted((draw(MOMENTS), draw(MOMENTS)))
    return TranslationDates(first, second, draw(st.sampled_from(["t1", "t2", "t3"])))


RECORDS = st.dictionaries(st.sampled_from(["es", "fr"]),
                          st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), dates(),
                                          max_size=4), max_size=2)


@given(RECORDS, RECORDS)
def test_nothing_is_lost_and_published_never_moves_later(ours, theirs) -> None:
    merged = merge_records(None, ours, theirs)
    for side in (ours, theirs):
        for lang, articles in side.items():
            for slug, item in articles.items():
                assert merged[lang][slug].published <= item.published
                assert merged[lang][slug].changed >= item.changed
    for lang, articles in merged.items():
        for slug, item in articles.items():
            sides = [s[lang][slug] for s in (ours, theirs) if slug in s.get(lang, {})]
            assert item.published == min(s.published for s in sides)
            assert (item.changed, item.text) in {(s.changed, s.text) for s in sides}
    swapped = merge_records(None, theirs, ours)
    assert dump_dates(swapped) == dump_dates(merged)  # ties broken the same either way
    assert parse_dates(dump_dates(merged), DATES) == merged


@given(RECORDS, RECORDS, RECORDS)
def test_with_an_ancestor_only_articles_removed_on_one_side_go(base, ours, theirs) -> None:
    merged = merge_records(base, ours, theirs)
    for lang in set(ours) | set(theirs):
        for slug in set(ours.get(lang, {})) | set(theirs.get(lang, {})):
            mine, other = ours.get(lang, {}).get(slug), theirs.get(lang, {}).get(slug)
            old = base.get(lang, {}).get(slug)
            removed = (mine is None or other is None) and old is not None and old in (mine, other)
            assert (slug in merged.get(lang, {})) != removed


def test_the_driver_on_files(tmp_path: Path, twp) -> None:
    day = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    one = TranslationDates(day, day, "x")
    later = TranslationDates(day + dt.timedelta(days=2), day + dt.timedelta(days=3), "y")
    files = {"base": {"es": {"gone": one}}, "ours": {"es": {"gone": one, "a": later}},
             "theirs": {"es": {"a": one}, "fr": {"b": one}}}
    for name, record in files.items():
        (tmp_path / name).write_text(dump_dates(record), encoding="utf-8")
    result = twp("merge-po", tmp_path / "base", tmp_path / "ours", tmp_path / "theirs", DATES)
    assert result.code == 0, result
    merged = parse_dates((tmp_path / "ours").read_bytes(), DATES)
    assert merged == {"es": {"a": TranslationDates(day, later.changed, "y")}, "fr": {"b": one}}
    (tmp_path / "theirs").write_text("{oops", encoding="utf-8")
    result = twp("merge-po", tmp_path / "base", tmp_path / "ours", tmp_path / "theirs", DATES)
    assert result.code == 2 and "Traceback" not in result.err
    assert f"{DATES} (theirs)" in result.err


def test_git_markers_of_a_real_line_merge_split_back(tmp_path: Path) -> None:
    day = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    base = {"es": {"a": TranslationDates(day, day, "x")}}
    ours = {"es": {"a": TranslationDates(day, day + dt.timedelta(days=1), "y")}}
    theirs = {"es": {"a": TranslationDates(day, day, "x"),
                     "b": TranslationDates(day, day, "z")}}
    for name, record in (("base", base), ("ours", ours), ("theirs", theirs)):
        (tmp_path / name).write_text(dump_dates(record), encoding="utf-8")
    subprocess.run(["git", "merge-file", "--diff3", "ours", "base", "theirs"], cwd=tmp_path,
                   check=False, capture_output=True)
    text = (tmp_path / "ours").read_text(encoding="utf-8")
    assert "<<<<<<<" in text
    assert resolve_markers(text, DATES) == {"es": {**ours["es"], "b": theirs["es"]["b"]}}
