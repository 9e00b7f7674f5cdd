"""The catalog merge driver: ``twp merge-po`` (three-way, by entry), ``twp git-setup``, and
conflict markers when git merged without it.  With real git in temporary repositories."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twp_i18n.catalog import pofile
from twp_i18n.catalog.merge3 import conflict_versions, merge_catalogs
from twp_i18n.errors import CatalogError

CATALOG = "locales/fr/LC_MESSAGES/coping-with-sleep-problems.po"
ARTICLE = "content/en/coping-with-sleep-problems.md"

HEADER = """\
msgid ""
msgstr ""
"Project-Id-Version: Test\\n"
"PO-Revision-Date: {date}\\n"
"Last-Translator: {who}\\n"
"Language: fr\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"
"""


def catalog(*entries: str, date: str = "2026-01-01 10:00+0000", who: str = "A <a@x>") -> str:
    return HEADER.format(date=date, who=who) + "".join("\n" + e.strip("\n") + "\n" for e in entries)


def entries(text: str) -> dict[str, polib.POEntry]:
    return {e.msgid: e for e in pofile.parse_po(text)}


# --------------------------------------------------------------------------- the merge itself

def test_different_entries_and_same_change_merge_silently():
    base = catalog('msgid "One"\nmsgstr ""', 'msgid "Two"\nmsgstr ""', 'msgid "Three"\nmsgstr "Trois"')
    ours = catalog('msgid "One"\nmsgstr "Un"', 'msgid "Two"\nmsgstr ""', 'msgid "Three"\nmsgstr "Trois !"')
    theirs = catalog('msgid "One"\nmsgstr ""', 'msgid "Two"\nmsgstr "Deux"',
                     'msgid "Three"\nmsgstr "Trois !"')
    result = merge_catalogs(base, ours, theirs)
    assert result.conflicts == []
    merged = entries(result.text)
    assert [merged[k].msgstr for k in ("One", "Two", "Three")] == ["Un", "Deux", "Trois !"]
    assert not any(e.fuzzy for e in merged.values())


def test_wrapping_and_references_alone_are_never_a_conflict():
    long = "A long sentence " * 8
    base = catalog(f'#: a.md:3\nmsgid "{long}"\nmsgstr "Une phrase"')
    # ours: the same entry wrapped the other way (another editor), a new reference
    ours = catalog(f'#: a.md:4\nmsgid ""\n"{long[:40]}"\n"{long[40:]}"\nmsgstr ""\n"Une phrase"')
    theirs = catalog(f'#: a.md\nmsgid "{long}"\nmsgstr "Une phrase"')
    result = merge_catalogs(base, ours, theirs)
    assert result.conflicts == []
    (entry,) = entries(result.text).values()
    assert entry.msgstr == "Une phrase" and not entry.fuzzy


def test_source_change_on_one_side_keeps_the_translation_changed_on_the_other():
    base = catalog('#: a.md:1\nmsgid "Sleep came."\nmsgstr "Le sommeil vint."')
    # the maintainer's twp sync: the English changed, the old translation moved to the new
    # entry (fuzzy, previous source), the old entry is gone
    maintainer = catalog('#, fuzzy\n#| msgid "Sleep came."\nmsgid "Sleep came back."\n'
                         'msgstr "Le sommeil vint."')
    translator = catalog('# better wording\nmsgid "Sleep came."\nmsgstr "Le sommeil est venu."',
                         date="2026-02-01 09:00+0000", who="Translator <t@x>")
    for ours, theirs in ((maintainer, translator), (translator, maintainer)):
        result = merge_catalogs(base, ours, theirs)
        assert result.conflicts == []
        merged = entries(result.text)
        assert list(merged) == ["Sleep came back."], result.text
        entry = merged["Sleep came back."]
        assert entry.msgstr == "Le sommeil est venu."
        assert entry.fuzzy and entry.previous_msgid == "Sleep came."
        assert entry.tcomment == "better wording"
        header = pofile.parse_po(result.text).metadata
        assert header["PO-Revision-Date"] == "2026-02-01 09:00+0000"
        assert header["Last-Translator"] == "Translator <t@x>"


def test_a_real_conflict_keeps_both_versions_in_a_valid_catalog():
    base = catalog('msgid "Rest."\nmsgstr "Repos."', 'msgid "N %d"\nmsgid_plural "Ns %d"\n'
                   'msgstr[0] "n"\nmsgstr[1] "ns"')
    ours = catalog('msgid "Rest."\nmsgstr "Du repos."', 'msgid "N %d"\nmsgid_plural "Ns %d"\n'
                   'msgstr[0] "un %d"\nmsgstr[1] "des %d"')
    theirs = catalog('msgid "Rest."\nmsgstr "Se reposer \\"vraiment\\".\\nBien."',
                     'msgid "N %d"\nmsgid_plural "Ns %d"\nmsgstr[0] "une %d"\nmsgstr[1] "ns"')
    result = merge_catalogs(base, ours, theirs)
    assert sorted(k[1] for k in result.conflicts) == ["N %d", "Rest."]
    assert "<<<<<<<" not in result.text and "=======" not in result.text
    merged = entries(result.text)  # a valid catalog
    rest, plural = merged["Rest."], merged["N %d"]
    assert rest.msgstr == "Du repos." and rest.fuzzy
    assert conflict_versions(rest) == [("msgstr", 'Se reposer "vraiment".\nBien.')]
    assert plural.fuzzy and plural.msgstr_plural == {0: "un %d", 1: "des %d"}
    assert conflict_versions(plural) == [("msgstr[0]", "une %d"), ("msgstr[1]", "ns")]


def test_removed_on_one_side_changed_on_the_other_is_kept_obsolete():
    base = catalog('msgid "Gone"\nmsgstr ""', 'msgid "Stay"\nmsgstr "Reste"')
    ours = catalog('msgid "Stay"\nmsgstr "Reste"')  # the unit left the English
    theirs = catalog('msgid "Gone"\nmsgstr "Parti"', 'msgid "Stay"\nmsgstr "Reste"')
    merged = entries(merge_catalogs(base, ours, theirs).text)
    assert merged["Gone"].obsolete and merged["Gone"].msgstr == "Parti"
    assert not merged["Stay"].obsolete


def test_an_entry_both_sides_added_live_on_one_is_live_whichever_side_is_ours():
    # One branch's sync moved "Rest" to "Rest again" and the unit was then made obsolete; the
    # other branch cleared the translation and its sync made "Rest again" anew.  The entry
    # is live on one side: the merge keeps it live (an obsolete entry without a translation
    # would vanish from the file), from either side.
    base = catalog('#: a.md:1\nmsgid "Rest"\nmsgstr "Repos"')
    moved = catalog('#: a.md:1\n#, fuzzy\n#~| msgid "Rest"\n#~ msgid "Rest again"\n#~ msgstr "Repos"')
    anew = catalog('#: a.md:1\nmsgid "Rest again"\nmsgstr ""')
    for ours, theirs in ((moved, anew), (anew, moved)):
        merged = entries(merge_catalogs(base, ours, theirs).text)
        assert list(merged) == ["Rest again"]
        assert not merged["Rest again"].obsolete
    kept = catalog('msgid "Walk"\nmsgstr ""')
    old = catalog('#~ msgid "Walk"\n#~ msgstr "Marche"')
    for ours, theirs in ((kept, old), (old, kept)):
        walk = entries(merge_catalogs(None, ours, theirs).text)["Walk"]
        assert (walk.msgstr, walk.obsolete) == ("Marche", False)


def test_a_version_that_cannot_be_read_is_an_error_naming_it():
    with pytest.raises(CatalogError, match=r"x\.po \(theirs\):2"):
        merge_catalogs(catalog(), catalog(), 'msgid ""\nmsgstr "\n', path="x.po")


# --------------------------------------------------------------------------- the property

WORDS = ["Rest", "Sleep", "Walk", "Tea", "Night", "Calm"]
TEXTS = ["Repos", "Sommeil", "Marche", "Thé", "Nuit", "Calme", "Repos !", "Bien", ""]


@st.composite
def concurrent_edits(draw: st.DrawFn) -> tuple[str, str, str]:
    keys = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5, unique=True))
    base = {k: {"msgstr": draw(st.sampled_from(TEXTS)), "comment": "", "obsolete": False,
                "fuzzy": False, "previous": None, "ref": "a.md:1"} for k in keys}

    def side() -> dict[str, dict]:
        mine = {k: dict(v) for k, v in base.items()}
        for _ in range(draw(st.integers(0, 4))):
            op = draw(st.sampled_from(["translate", "comment", "delete", "obsolete", "add",
                                       "move", "reference", "fuzzy"]))
            if op == "add":
                key = draw(st.sampled_from(WORDS + ["New " + w for w in WORDS]))
                mine.setdefault(key, {"msgstr": draw(st.sampled_from(TEXTS)), "comment": "",
                                      "obsolete": False, "fuzzy": False, "previous": None,
                                      "ref": "a.md:9"})
                continue
            if not mine:
                continue
            key = draw(st.sampled_from(sorted(mine)))
            entry = mine[key]
            if op == "translate":
                entry["msgstr"] = draw(st.sampled_from(TEXTS))
            elif op == "comment":
                entry["comment"] = draw(st.sampled_from(["note", "check this", ""]))
            elif op == "delete":
                del mine[key]
            elif op == "obsolete":
                entry["obsolete"] = True
            elif op == "reference":
                entry["ref"] = "a.md:" + str(draw(st.integers(1, 99)))
            elif op == "fuzzy":
                entry["fuzzy"] = not entry["fuzzy"]
            elif op == "move" and not entry["obsolete"] and key + " again" not in mine:
                # what twp sync does when the English of a unit changes
                del mine[key]
                chain = entry["previous"] if entry["fuzzy"] else None  # changed again
                mine[key + " again"] = dict(entry, fuzzy=bool(entry["msgstr"]),
                                            previous=(chain or key) if entry["msgstr"] else None)
        return mine

    def text(data: dict[str, dict]) -> str:
        po = polib.POFile()
        po.metadata = {"Content-Type": "text/plain; charset=UTF-8",
                       "Plural-Forms": "nplurals=2; plural=(n > 1);"}
        for key, e in data.items():
            po.append(polib.POEntry(msgid=key, msgstr=e["msgstr"], tcomment=e["comment"],
                                    obsolete=e["obsolete"], occurrences=[tuple(e["ref"].split(":"))],
                                    flags=["fuzzy"] if e["fuzzy"] else [],
                                    previous_msgid=e["previous"]))
        return pofile.format_po(po)

    ours, theirs = side(), side()
    return text(base), text(ours), text(theirs)


def changes(base: str, side: str) -> tuple[set[str], set[str]]:
    """Translations and translator comment lines ``side`` changed or added since ``base``."""
    old = entries(base)
    texts, comments = set(), set()
    for msgid, entry in entries(side).items():
        before = old.get(msgid)
        # twp sync moved it here: the entry its #| names, or one with the same #| (changed again)
        moved_from = [e for e in old.values() if entry.previous_msgid is not None and (
            e.msgid == entry.previous_msgid or e.previous_msgid == entry.previous_msgid)]
        if entry.msgstr and (before is None or before.msgstr != entry.msgstr) and not any(
                e.msgstr == entry.msgstr for e in moved_from):
            texts.add(entry.msgstr)
        known = set(before.tcomment.split("\n")) if before is not None else set()
        comments.update(line for line in entry.tcomment.split("\n") if line and line not in known)
    return texts, comments


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(concurrent_edits())
def test_concurrent_edits_never_lose_a_translation(edits):
    base, ours, theirs = edits
    result = merge_catalogs(base, ours, theirs)
    merged = pofile.parse_po(result.text)  # always a valid catalog
    kept_texts = {e.msgstr for e in merged} | {text for e in merged for _, text in
                                               conflict_versions(e)}
    kept_comments = {line for e in merged for line in e.tcomment.split("\n")}
    for side in (ours, theirs):
        texts, comments = changes(base, side)
        assert texts <= kept_texts, result.text
        assert comments <= kept_comments, result.text
    assert bool(result.conflicts) == any(conflict_versions(e) for e in merged)
    # the same merge from the other side holds the same entries
    swapped = entries(merge_catalogs(base, theirs, ours).text)
    assert set(swapped) == {e.msgid for e in merged}


# --------------------------------------------------------------------------- with real git

def need_git() -> None:
    if shutil.which("git") is None:
        if os.environ.get("CI"):
            pytest.fail("git is required in CI")
        pytest.skip("git is not installed")


def run_git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(root.parent),
           "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org"}
    run = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True)
    if check:
        assert run.returncode == 0, run.stderr + run.stdout
    return run


@pytest.fixture
def repo(demo_site: Path, twp) -> Path:
    need_git()
    run_git(demo_site, "init", "-q", "-b", "main")
    (demo_site / ".gitignore").write_text(".twp/\ndist/\n", encoding="utf-8")
    run_git(demo_site, "add", "-A")
    run_git(demo_site, "commit", "-q", "-m", "demo site")
    return demo_site


def set_up_driver(repo: Path, twp) -> None:
    result = twp("--site", repo, "git-setup")
    assert result.code == 0, result
    run_git(repo, "add", ".gitattributes")
    run_git(repo, "commit", "-q", "-m", "merge catalogs by entry")


def two_branches(repo: Path, twp) -> tuple[polib.POEntry, polib.POEntry]:
    """A translator branch (two translations rewritten) and, on main, a maintainer's edit of
    the English of one of those units (a paragraph inserted at the top too) and twp sync."""
    po = pofile.read_po(repo / CATALOG)
    plain = [e for e in po if e.translated() and not e.fuzzy and "paragraph" in e.comment
             and len(e.msgid) > 60]
    moved, retouched = copy.copy(plain[1]), copy.copy(plain[2])
    run_git(repo, "checkout", "-q", "-b", "translator")
    text = (repo / CATALOG).read_text(encoding="utf-8")
    for entry in (moved, retouched):
        po_entry = next(e for e in po if e.msgid == entry.msgid)
        po_entry.msgstr = "Traduction revue : " + entry.msgstr
    po.metadata["PO-Revision-Date"] = "2026-11-30 12:00+0000"
    po.metadata["Last-Translator"] = "Relectrice <r@example.org>"
    pofile.write_po(repo / CATALOG, po)
    assert (repo / CATALOG).read_text(encoding="utf-8") != text
    run_git(repo, "commit", "-q", "-am", "fr: review")
    run_git(repo, "checkout", "-q", "main")
    article = repo / ARTICLE
    source = article.read_text(encoding="utf-8")
    assert moved.msgid in source
    source = source.replace(moved.msgid, moved.msgid + " We added this sentence.")
    source = source.replace("\n---\n\n", "\n---\n\nA new first paragraph.\n\n", 1)
    article.write_text(source, encoding="utf-8")
    assert twp("--site", repo, "sync").code == 0
    run_git(repo, "commit", "-q", "-am", "edit the article; twp sync")
    return moved, retouched


def test_translator_and_maintainer_branches_merge_without_loss(repo, twp):
    set_up_driver(repo, twp)
    moved, retouched = two_branches(repo, twp)
    merge = run_git(repo, "merge", "--no-edit", "translator", check=False)
    assert merge.returncode == 0, merge.stdout + merge.stderr
    assert run_git(repo, "status", "--porcelain").stdout == ""
    merged = {e.msgid: e for e in pofile.read_po(repo / CATALOG)}
    new = merged[moved.msgid + " We added this sentence."]
    assert new.msgstr == "Traduction revue : " + moved.msgstr
    assert new.fuzzy and new.previous_msgid == moved.msgid
    assert moved.msgid not in merged  # no stale obsolete copy
    assert merged[retouched.msgid].msgstr == "Traduction revue : " + retouched.msgstr
    assert not merged[retouched.msgid].fuzzy
    assert "A new first paragraph." in merged
    header = pofile.read_po(repo / CATALOG).metadata
    assert header["Last-Translator"] == "Relectrice <r@example.org>"
    assert twp("--site", repo, "check").code == 0
    # and the merged catalogs are what twp sync makes of them: nothing left to redo but
    # recording that the reviewed translation changed (its feed entry is updated)
    assert twp("--site", repo, "sync").code == 0
    assert run_git(repo, "status", "--porcelain").stdout == " M locales/dates.json\n"
    run_git(repo, "commit", "-q", "-am", "dates")
    assert twp("--site", repo, "sync").code == 0
    assert run_git(repo, "status", "--porcelain").stdout == ""


def conflicting_branches(repo: Path) -> polib.POEntry:
    po = pofile.read_po(repo / CATALOG)
    target = next(e for e in po if e.translated() and not e.fuzzy and "paragraph" in e.comment)
    for branch, text in (("other", "Version de l’autre branche."), ("main", "Notre version.")):
        if branch != "main":
            run_git(repo, "checkout", "-q", "-b", branch)
        else:
            run_git(repo, "checkout", "-q", "main")
        po = pofile.read_po(repo / CATALOG)
        next(e for e in po if e.msgid == target.msgid).msgstr = text
        pofile.write_po(repo / CATALOG, po)
        run_git(repo, "commit", "-q", "-am", f"fr: {branch}")
    return target


def test_a_true_conflict_is_valid_visible_and_fails_check(repo, twp):
    set_up_driver(repo, twp)
    target = conflicting_branches(repo)
    merge = run_git(repo, "merge", "--no-edit", "other", check=False)
    assert merge.returncode != 0
    assert "UU " + CATALOG in run_git(repo, "status", "--porcelain").stdout
    text = (repo / CATALOG).read_text(encoding="utf-8")
    assert not re.search(r"^(<<<<<<<|=======|>>>>>>>)", text, re.MULTILINE)
    entry = next(e for e in pofile.read_po(repo / CATALOG) if e.msgid == target.msgid)
    assert entry.msgstr == "Notre version." and entry.fuzzy
    assert conflict_versions(entry) == [("msgstr", "Version de l’autre branche.")]
    check = twp("--site", repo, "check")
    assert check.code == 1
    assert f"{CATALOG}:{entry.linenum}: error: unresolved merge conflict" in check.out
    assert "[merge-conflict]" in check.out
    # choosing resolves it
    po = pofile.read_po(repo / CATALOG)
    chosen = next(e for e in po if e.msgid == target.msgid)
    chosen.msgstr, chosen.tcomment = conflict_versions(chosen)[0][1], ""
    chosen.flags.remove("fuzzy")
    pofile.write_po(repo / CATALOG, po)
    assert twp("--site", repo, "check").code == 0


def test_conflict_markers_without_the_driver_get_a_clear_error_and_a_way_out(repo, twp):
    target = conflicting_branches(repo)  # no git-setup: git's own line merge
    merge = run_git(repo, "merge", "--no-edit", "other", check=False)
    assert merge.returncode != 0
    text = (repo / CATALOG).read_text(encoding="utf-8")
    assert "<<<<<<<" in text
    line = text.splitlines().index(next(x for x in text.splitlines() if x.startswith("<<<<<<<"))) + 1
    # status cannot count it (exit 2); update and build do everything else (exit 1)
    for command, code in ((["status"], 2), (["update"], 1), (["build"], 1)):
        result = twp("--site", repo, *command)
        assert result.code == code, result
        where = f"{CATALOG}:{line}: " + ("error: " if command != ["status"] else "")  # a record
        assert f"{where}git conflict marker '<<<<<<<'" in result.err
        assert "unresolved git merge" in result.err and "twp merge-po --from-git" in result.err
        assert "Traceback" not in result.err
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        resolved = twp("merge-po", "--from-git", CATALOG)
    finally:
        os.chdir(cwd)
    assert resolved.code == 1, resolved  # the conflict stays, in the file, for check
    entry = next(e for e in pofile.read_po(repo / CATALOG) if e.msgid == target.msgid)
    assert entry.msgstr == "Notre version."
    assert conflict_versions(entry) == [("msgstr", "Version de l’autre branche.")]


def test_git_setup_says_what_it_changed_and_twice_changes_nothing(repo, twp):
    first = twp("--site", repo, "git-setup")
    assert first.code == 0
    assert "locales/**/*.po merge=twp-po" in first.out and "merge.twp-po.driver" in first.out
    attributes = (repo / ".gitattributes").read_text(encoding="utf-8")
    assert "locales/**/*.po merge=twp-po\n" in attributes
    assert "locales/**/*.pot merge=twp-po\n" in attributes
    config = run_git(repo, "config", "--local", "--get", "merge.twp-po.driver").stdout
    assert config.strip().endswith("-m twp_i18n merge-po %O %A %B %P")
    check = run_git(repo, "check-attr", "merge", CATALOG, "locales/site.pot").stdout
    assert check.count("merge: twp-po") == 2
    before = (attributes, (repo / ".git/config").read_bytes())
    second = twp("--site", repo, "git-setup")
    assert second.code == 0 and "nothing changed" in second.out
    assert ((repo / ".gitattributes").read_text(encoding="utf-8"),
            (repo / ".git/config").read_bytes()) == before


def test_git_setup_outside_a_repository_is_a_clear_error(demo_site, twp):
    need_git()
    result = twp("--site", demo_site, "git-setup")
    assert result.code == 2 and "Traceback" not in result.err
    assert "git rev-parse --git-dir" in result.err


def test_the_driver_given_an_unreadable_version_falls_back_to_gits_line_merge(tmp_path, twp):
    need_git()
    base, ours, theirs = (tmp_path / name for name in ("O", "A", "B"))
    base.write_text(catalog('msgid "Rest."\nmsgstr "Repos."'), encoding="utf-8")
    ours.write_text(catalog('msgid "Rest."\nmsgstr "Du repos."'), encoding="utf-8")
    theirs.write_text(catalog('msgid "Rest."\nmsgstr "Se reposer'), encoding="utf-8")
    result = twp("merge-po", base, ours, theirs, "locales/fr/LC_MESSAGES/a.po")
    assert result.code == 2 and "Traceback" not in result.err
    assert "locales/fr/LC_MESSAGES/a.po (theirs):" in result.err
    assert "<<<<<<<" in ours.read_text(encoding="utf-8")  # both sides there, for a person


def test_conflict_markers_in_a_version_point_to_the_file_itself():
    marked = catalog('<<<<<<< ours\nmsgid "Rest."\nmsgstr "Du repos."\n=======\n>>>>>>> theirs')
    with pytest.raises(CatalogError) as info:
        merge_catalogs(catalog(), catalog(), marked, path="locales/fr/LC_MESSAGES/a.po")
    assert "(theirs)" in str(info.value).split("\n")[0]
    assert "merge-po --from-git \"locales/fr/LC_MESSAGES/a.po\"'" in info.value.hint


@pytest.mark.parametrize("emptied", ["", "\n", "   \n\n"])
def test_a_version_emptied_on_one_branch_is_no_clean_deletion_of_every_entry(tmp_path, twp, emptied):
    # An editor that crashed, a tool that failed: a catalog truncated to nothing on one
    # branch must not merge as "that branch removed every entry and the header".
    need_git()
    base, ours, theirs = (tmp_path / name for name in ("O", "A", "B"))
    base.write_text(catalog('msgid "Rest."\nmsgstr "Repos."', 'msgid "Walk."\nmsgstr "Marche."'),
                    encoding="utf-8")
    ours.write_text(catalog('msgid "Rest."\nmsgstr "Du repos."', 'msgid "Walk."\nmsgstr "Marche."'),
                    encoding="utf-8")
    theirs.write_text(emptied, encoding="utf-8")
    with pytest.raises(CatalogError, match=r"a\.po \(theirs\): the catalog is empty"):
        merge_catalogs(base.read_text(encoding="utf-8"), ours.read_text(encoding="utf-8"),
                       emptied, path="locales/fr/LC_MESSAGES/a.po")
    result = twp("merge-po", base, ours, theirs, "locales/fr/LC_MESSAGES/a.po")
    assert result.code == 2 and "Traceback" not in result.err
    assert "is empty" in result.err
    text = ours.read_text(encoding="utf-8")
    assert "Du repos." in text and "Marche." in text and "<<<<<<<" in text
    # the other way round too, and a catalog added empty on both sides merges quietly
    with pytest.raises(CatalogError, match=r"\(ours\): the catalog is empty"):
        merge_catalogs(base.read_text(encoding="utf-8"), emptied, catalog(), path="a.po")
    assert merge_catalogs(None, emptied, emptied).conflicts == []


def test_merge_po_writes_the_merge_into_ours(tmp_path, twp):
    base, ours, theirs = (tmp_path / name for name in ("O", "A", "B"))
    base.write_text(catalog('msgid "One"\nmsgstr ""', 'msgid "Two"\nmsgstr ""'), encoding="utf-8")
    ours.write_text(catalog('msgid "One"\nmsgstr "Un"', 'msgid "Two"\nmsgstr ""'), encoding="utf-8")
    theirs.write_text(catalog('msgid "One"\nmsgstr ""', 'msgid "Two"\nmsgstr "Deux"'),
                      encoding="utf-8")
    result = twp("merge-po", base, ours, theirs)
    assert result.code == 0, result
    merged = entries(ours.read_text(encoding="utf-8"))
    assert merged["One"].msgstr == "Un" and merged["Two"].msgstr == "Deux"


def test_a_reviewed_fuzzy_entry_merges_with_a_sync_that_moved_its_reference():
    base = catalog('#: a.md:39\n#, fuzzy\n#| msgid "Old text."\nmsgid "New text."\nmsgstr "Vieux texte."')
    maintainer = catalog('#: a.md:40\n#, fuzzy\n#| msgid "Old text."\nmsgid "New text."\n'
                         'msgstr "Vieux texte."')
    translator = catalog('#: a.md:39\nmsgid "New text."\nmsgstr "Nouveau texte."')
    for ours, theirs in ((maintainer, translator), (translator, maintainer)):
        result = merge_catalogs(base, ours, theirs)
        assert result.conflicts == []
        (entry,) = entries(result.text).values()
        assert entry.msgstr == "Nouveau texte." and not entry.fuzzy
        assert entry.previous_msgid is None and entry.occurrences == [("a.md", "40")]


@st.composite
def plural_edits(draw: st.DrawFn) -> tuple[str, str, str]:
    forms = st.tuples(st.sampled_from(TEXTS), st.sampled_from(TEXTS))
    keys = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4, unique=True))
    base = {k: {"forms": draw(forms), "ctxt": draw(st.sampled_from([None, "heading"])),
                "obsolete": False} for k in keys}

    def side() -> dict[str, dict]:
        mine = {k: dict(v) for k, v in base.items()}
        for _ in range(draw(st.integers(0, 3))):
            op = draw(st.sampled_from(["translate", "delete", "obsolete", "add"]))
            key = draw(st.sampled_from(WORDS))
            if op == "add":
                mine.setdefault(key, {"forms": draw(forms), "ctxt": None, "obsolete": False})
            elif key in mine and op == "translate":
                mine[key]["forms"] = draw(forms)
            elif key in mine and op == "delete":
                del mine[key]
            elif key in mine:
                mine[key]["obsolete"] = True
        return mine

    def text(data: dict[str, dict]) -> str:
        po = polib.POFile()
        po.metadata = {"Content-Type": "text/plain; charset=UTF-8",
                       "Plural-Forms": "nplurals=2; plural=(n > 1);"}
        for key, e in data.items():
            entry = polib.POEntry(msgid=f"{key} %d", msgid_plural=f"{key}s %d", msgctxt=e["ctxt"],
                                  obsolete=e["obsolete"])
            entry.msgstr_plural = dict(enumerate(e["forms"]))
            po.append(entry)
        return pofile.format_po(po)

    return text(base), text(side()), text(side())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plural_edits())
def test_concurrent_edits_of_plural_forms_never_lose_one(edits):
    base, ours, theirs = edits
    result = merge_catalogs(base, ours, theirs)
    merged = pofile.parse_po(result.text)
    kept = {text for e in merged for text in e.msgstr_plural.values()} | {
        text for e in merged for _, text in conflict_versions(e)}
    old = {(e.msgctxt, e.msgid): e for e in pofile.parse_po(base)}
    for side in (ours, theirs):
        for entry in pofile.parse_po(side):
            before = old.get((entry.msgctxt, entry.msgid))
            if before is None or before.msgstr_plural != entry.msgstr_plural:
                assert {t for t in entry.msgstr_plural.values() if t} <= kept, result.text
