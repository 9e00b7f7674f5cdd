"""Facts about the repository itself that a newcomer relies on."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

#: Absolute folders that exist on one machine only: a user's home, the root account's home,
#: scratch and work folders (written in pieces so this file does not match itself).
_MACHINE_PATH = re.compile("|".join([
    r"(?<![\w.~-])/" + "home/[A-Za-z0-9_.-]+",
    r"(?<![\w.~-])/" + "root/",
    r"(?<![\w.~-])/" + "Users/[A-Za-z0-9_.-]+",
    r"(?<![\w.~-])/" + "tmp/",
    r"(?<![\w.~-])/" + "work/",
    r"(?<![\w.~-])/" + "var/folders/",
    r"\b[A-Z]:\\" + r"\\?Users\\",
]))


def _tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [REPO / name for name in out.stdout.decode("utf-8").split("\0") if name]


def test_no_tracked_file_names_a_folder_of_one_machine() -> None:
    found = []
    for path in _tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if _MACHINE_PATH.search(line):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:100]}")
    assert not found, "absolute paths of one machine's folders:\n" + "\n".join(found)


def test_the_rule_catches_such_paths() -> None:
    for text in ("see /" + "home/alice/notes", "cd /" + "root/x", "default /" + "tmp/twp-bench",
                 "C:\\" + "Users\\bob\\site"):
        assert _MACHINE_PATH.search(text), text
    for text in ("https://example.org/tmp/x", "content/en/work/x.md", "~/tmp/"):
        assert not _MACHINE_PATH.search(text), text
