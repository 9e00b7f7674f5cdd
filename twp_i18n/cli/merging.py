"""How ``twp merge-po`` runs: as git's merge driver, or on git's copies of an unfinished merge."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ..errors import ConfigError, TwpError

if TYPE_CHECKING:
    from ..config import LimitsConfig
    from .console import Console

__all__ = ["merge_driver", "merge_from_git"]


def merge_from_git(console: Console, files: list[str], limits: LimitsConfig) -> int:
    """``merge-po --from-git``: resolve ``files`` (or every unmerged catalog); the entries in
    conflict."""
    from ..catalog.gitmerge import is_dates, merge_dates_from_git, merge_from_git, unmerged

    paths = files or unmerged()
    if not paths:
        console.say("merge-po: git lists no unmerged catalog")
    conflicts = 0
    for path in paths:
        if is_dates(path):
            merge_dates_from_git(path, limits=limits)
            console.say(f"merge-po: {path}: merged; 'git add' it to mark it resolved")
            continue
        result = merge_from_git(path, limits=limits)
        conflicts += len(result.conflicts)
        console.say(f"merge-po: {path}: merged"
                    + (f", {len(result.conflicts)} entries in conflict (see 'twp check')"
                       if result.conflicts else "; 'git add' it to mark it resolved"))
    return conflicts


def merge_driver(files: list[str], limits: LimitsConfig) -> int:
    """``merge-po BASE OURS THEIRS [PATH]``, as git's merge driver; the entries in conflict."""
    from ..catalog.gitmerge import is_dates, merge_dates_files, merge_files, text_merge

    if len(files) not in (3, 4):
        raise ConfigError("merge-po takes BASE OURS THEIRS [PATH] (git's %O %A %B %P)",
                          hint="or --from-git PATH... during an unfinished merge; "
                               "'twp git-setup' configures git to call it")
    base, ours, theirs = (Path(name) for name in files[:3])
    shown = files[3] if len(files) == 4 else files[1]
    try:
        if is_dates(shown):
            merge_dates_files(base, ours, theirs, shown)
            return 0
        result = merge_files(base, ours, theirs, shown, limits)
    except TwpError:
        text_merge(base, ours, theirs)  # git's line merge, markers and all
        raise
    conflicts = len(result.conflicts)
    if conflicts:
        typer.echo(f"merge-po: {shown}: {conflicts} entries changed differently on both "
                   "branches: both versions are in the file, see 'twp check'", err=True)
    return conflicts
