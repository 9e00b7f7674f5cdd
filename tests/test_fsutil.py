"""Many files written with one sync: atomic as one at a time, durable together."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import article
from twp_i18n.machinery import fsutil


def _count_syncs(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    counts = {"fsync": 0, "sync": 0}
    real_fsync, real_sync = os.fsync, fsutil._sync

    def fsync(fd: int) -> None:
        counts["fsync"] += 1
        real_fsync(fd)

    def sync(paths: list[str]) -> None:
        counts["sync"] += 1
        real_sync(paths)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(fsutil, "_sync", sync)
    return counts


def test_files_written_in_one_sync_appear_together_when_the_block_ends(tmp_path, monkeypatch):
    counts = _count_syncs(monkeypatch)
    (tmp_path / "f0").write_bytes(b"old")
    with fsutil.one_sync():
        for i in range(50):
            assert fsutil.write_if_changed(tmp_path / f"f{i}", f"new {i}".encode()) is True
        assert (tmp_path / "f0").read_bytes() == b"old"  # not yet replaced
        assert not (tmp_path / "f1").exists()
    assert sorted(os.listdir(tmp_path)) == sorted(f"f{i}" for i in range(50))  # no temp file
    assert (tmp_path / "f0").read_bytes() == b"new 0" and (tmp_path / "f49").read_bytes() == b"new 49"
    # one sync before the renames, one after: not one per file
    assert counts == {"fsync": 0, "sync": 2}


def test_without_the_block_each_file_is_synced_before_its_rename(tmp_path, monkeypatch):
    counts = _count_syncs(monkeypatch)
    for i in range(3):
        fsutil.write_if_changed(tmp_path / f"f{i}", b"x")
    assert counts == {"fsync": 3, "sync": 0}


def test_an_error_inside_the_block_keeps_what_was_written_before_it(tmp_path):
    with pytest.raises(RuntimeError), fsutil.one_sync():
        fsutil.write_if_changed(tmp_path / "a.po", b"written")
        raise RuntimeError("stop")
    assert (tmp_path / "a.po").read_bytes() == b"written"
    assert os.listdir(tmp_path) == ["a.po"]


def test_an_all_or_nothing_block_that_fails_replaces_nothing(tmp_path):
    (tmp_path / "a.po").write_bytes(b"old")
    with pytest.raises(RuntimeError), fsutil.one_sync(all_or_nothing=True):
        fsutil.write_if_changed(tmp_path / "a.po", b"new")
        fsutil.write_if_changed(tmp_path / "b.po", b"new")
        fsutil.write_if_changed(tmp_path / "new/deeper/c.po", b"new")
        raise RuntimeError("stop")
    assert (tmp_path / "a.po").read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.po"]  # no temporary file, no new file or folder


def test_a_nested_block_belongs_to_the_outer_one(tmp_path):
    with fsutil.one_sync():
        with fsutil.one_sync():
            fsutil.write_if_changed(tmp_path / "a", b"1")
        assert not (tmp_path / "a").exists()
    assert (tmp_path / "a").read_bytes() == b"1"


def test_a_file_written_twice_in_one_block_holds_the_last_write(tmp_path, monkeypatch):
    # The renames run in threads: the first write must never land after the second, even
    # when its rename is the slow one.
    replace = os.replace

    def slow_for_the_first(src, dst):
        if Path(src).read_bytes() == b"first":
            time.sleep(0.2)
        replace(src, dst)

    monkeypatch.setattr(fsutil.os, "replace", slow_for_the_first)
    with fsutil.one_sync():
        fsutil.atomic_write(tmp_path / "a.po", b"first")
        fsutil.atomic_write(tmp_path / "b.po", b"other")
        fsutil.atomic_write(tmp_path / "a.po", b"second")
    assert (tmp_path / "a.po").read_bytes() == b"second"
    assert sorted(os.listdir(tmp_path)) == ["a.po", "b.po"]  # no temporary file left


def test_write_if_changed_inside_a_block_compares_with_the_write_still_pending(tmp_path):
    (tmp_path / "a.po").write_bytes(b"old")
    with fsutil.one_sync():
        assert fsutil.write_if_changed(tmp_path / "a.po", b"new")
        assert not fsutil.write_if_changed(tmp_path / "a.po", b"new")  # pending already
        assert fsutil.write_if_changed(tmp_path / "a.po", b"old")  # back to what the disk has
    assert (tmp_path / "a.po").read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.po"]


def test_a_process_killed_inside_the_block_leaves_every_target_as_it_was(tmp_path):
    for i in range(5):
        (tmp_path / f"f{i}.po").write_bytes(b"translated before")
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from twp_i18n.machinery import fsutil\n"
        "root = Path(sys.argv[1])\n"
        "with fsutil.one_sync():\n"
        "    for i in range(5):\n"
        "        fsutil.write_if_changed(root / f'f{i}.po', b'half of the new')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path)], timeout=60)
    assert run.returncode != 0
    assert all((tmp_path / f"f{i}.po").read_bytes() == b"translated before" for i in range(5))
    leftovers = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    assert len(leftovers) == 5
    assert len(fsutil.remove_stale_temp_files(tmp_path)) == 5
    assert sorted(os.listdir(tmp_path)) == [f"f{i}.po" for i in range(5)]


def test_update_and_build_sync_once_for_all_their_files(make_site, twp, monkeypatch):
    files = {f"content/en/post-{i}.md": article(title=f"Post {i}", body=f"Text {i}.\n")
             for i in range(6)}
    site = make_site(files)
    assert twp("--site", site, "extract").code == 0
    counts = _count_syncs(monkeypatch)
    assert twp("--site", site, "update").code == 0
    written = len(list(Path(site, "locales").glob("*/LC_MESSAGES/*.po")))
    assert written >= 12
    # the catalogs in one batch (two syncs), the update cache and the lock on their own
    assert counts["sync"] == 2 and counts["fsync"] < written
    counts.update(fsync=0, sync=0)
    assert twp("--site", site, "build").code == 0
    assert counts["sync"] == 2 and counts["fsync"] < 10


def test_a_folder_is_made_once_per_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a build writes thousands of files into a few hundred folders
    made: list[Path] = []
    mkdir = Path.mkdir
    monkeypatch.setattr(Path, "mkdir", lambda self, *a, **k: (made.append(self), mkdir(self, *a, **k))[1])
    with fsutil.one_sync():
        for n in range(50):
            fsutil.atomic_write(tmp_path / "es" / f"page-{n}" / "index.html", b"x")
            fsutil.atomic_write(tmp_path / "es" / f"page-{n}" / "index.json", b"y")
    assert len(made) < 60  # once per folder (its parent the first time), not once per file
    assert (tmp_path / "es" / "page-49" / "index.json").read_bytes() == b"y"
    # outside a batch the folder is checked every time (it may have gone meanwhile)
    made.clear()
    (tmp_path / "es" / "page-0" / "index.html").unlink()
    (tmp_path / "es" / "page-0" / "index.json").unlink()
    (tmp_path / "es" / "page-0").rmdir()
    fsutil.atomic_write(tmp_path / "es" / "page-0" / "index.html", b"z")
    assert made and (tmp_path / "es" / "page-0" / "index.html").read_bytes() == b"z"
