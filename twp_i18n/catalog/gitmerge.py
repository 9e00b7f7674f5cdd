"""Catalogs in git: the merge driver (``twp merge-po``), its setup (``twp git-setup``), and
resolving a merge git left with conflict markers from git's own copies of both sides.

Git calls a merge driver with three temporary files (``%O`` the common ancestor, ``%A``
ours, ``%B`` theirs) and the file's path (``%P``); the driver writes the result into
``%A`` and exits non-zero when conflicts remain.  :func:`merge_files` is that, with
:func:`~twp_i18n.catalog.merge3.merge_catalogs` doing the merge.  During an unfinished
merge, git keeps the three versions in its index as stages 1, 2 and 3
(``git show :1:PATH``): :func:`merge_from_git` merges those.  The same driver merges the
record of translation dates (``locales/dates.json``, :mod:`.datesmerge`) article by article.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config, LimitsConfig
from ..errors import CatalogError, TwpError
from ..machinery.fsutil import atomic_write
from . import pofile
from .dates import DATES_NAME, Record, dump_dates, merge_dates, parse_dates
from .merge3 import MergeResult, merge_catalogs

__all__ = ["DRIVER", "SetupReport", "git_setup", "is_dates", "merge_dates_files", "merge_dates_from_git",
           "merge_files", "merge_from_git", "unmerged"]

DRIVER = "twp-po"
"""The merge driver's name in ``.gitattributes`` and git's config."""
DRIVER_NAME = "twp: merge gettext catalogs entry by entry"
_MAX_DATES = 16 * 1024 * 1024


class GitError(TwpError):
    """git is missing, or refused what twp asked of it."""


def _git(args: list[str], cwd: Path, *, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    try:
        run = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except FileNotFoundError as exc:
        raise GitError("git is not installed", hint="install git, or run this inside a "
                       "repository on a machine that has it") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"'git {' '.join(args)}' did not finish in 60 seconds") from exc
    if check and run.returncode != 0:
        message = run.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"'git {' '.join(args)}' failed: {message[0] if message else run.returncode}",
                       path=str(cwd), hint="run it inside the site's git repository")
    return run


def _read(path: Path, shown: str, limits: LimitsConfig) -> str:
    try:
        data = pofile.read_bytes(path, shown, limits)
    except FileNotFoundError as exc:
        raise CatalogError(f"cannot read: {exc.strerror or exc}", path=shown) from exc
    return pofile.decode(data, shown)


def merge_files(base: Path, ours: Path, theirs: Path, shown: str,
                limits: LimitsConfig | None = None) -> MergeResult:
    """Git's merge driver: merge the catalog versions in ``base``, ``ours`` and ``theirs``
    (git's ``%O %A %B``) and write the result into ``ours``, atomically.  ``shown`` (git's
    ``%P``) names the file in messages."""
    limits = limits or LimitsConfig()
    texts = [_read(path, f"{shown} ({what})", limits)
             for path, what in ((base, "base"), (ours, "ours"), (theirs, "theirs"))]
    result = merge_catalogs(texts[0], texts[1], texts[2], path=shown, limits=limits)
    atomic_write(ours, result.text.encode("utf-8"))
    return result


def merge_dates_files(base: Path, ours: Path, theirs: Path, shown: str) -> Record:
    """The merge driver for a record of translation dates (:mod:`.datesmerge`): merge
    ``base``, ``ours`` and ``theirs`` article by article and write the result into ``ours``,
    atomically.  An empty ``base`` (the file is new on both branches) is no common ancestor."""
    texts = [_read_dates(path, f"{shown} ({what})")
             for path, what in ((base, "base"), (ours, "ours"), (theirs, "theirs"))]
    old = parse_dates(texts[0], f"{shown} (base)") if texts[0].strip() else None
    merged = merge_dates(old, parse_dates(texts[1], f"{shown} (ours)"),
                         parse_dates(texts[2], f"{shown} (theirs)"))
    atomic_write(ours, dump_dates(merged).encode("utf-8"))
    return merged


def _read_dates(path: Path, shown: str) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_MAX_DATES + 1)  # parse_dates refuses a larger one
    except OSError as exc:
        raise CatalogError(f"cannot read: {exc.strerror or exc}", path=shown) from None


def text_merge(base: Path, ours: Path, theirs: Path) -> None:
    """git's own line merge into ``ours`` (conflict markers and all): what git does when
    the driver cannot read a version; the PO reader then explains the markers."""
    _git(["merge-file", "-L", "ours", "-L", "base", "-L", "theirs", str(ours), str(base),
          str(theirs)], Path.cwd(), check=False)


def _stage(cwd: Path, stage: int, path: str, limits: LimitsConfig) -> str | None:
    run = _git(["show", f":{stage}:./{path}"], cwd, check=False)
    if run.returncode != 0:
        return None
    if len(run.stdout) > limits.max_catalog_bytes:
        raise CatalogError("the file is larger than [limits] max_catalog_bytes",
                           path=f"{path} (stage {stage})")
    return pofile.decode(run.stdout, f"{path} (git stage {stage})")


def merge_from_git(path: str, cwd: Path | None = None,
                   limits: LimitsConfig | None = None) -> MergeResult:
    """Resolve ``path`` (relative to ``cwd``) during an unfinished git merge: merge git's
    copies of the base, ours and theirs (index stages 1, 2, 3) and write the result to
    ``path``.  The file itself (with conflict markers, say) is not read."""
    cwd = cwd or Path.cwd()
    limits = limits or LimitsConfig()
    base, ours, theirs = (_stage(cwd, n, path, limits) for n in (1, 2, 3))
    if ours is None or theirs is None:
        if base is None and ours is None and theirs is None:
            raise GitError("git has no unmerged copies of this file", path=path,
                           hint="merge-po --from-git resolves a file during a merge that "
                                "stopped on it ('git status' lists them as 'both modified')")
        raise GitError("one branch deleted this file and the other changed it", path=path,
                       hint="keep it ('git checkout --theirs' or '--ours', whichever kept it, "
                            "then 'git add'), or delete it with 'git rm'")
    result = merge_catalogs(base, ours, theirs, path=path, limits=limits)
    atomic_write(cwd / path, result.text.encode("utf-8"))
    return result


def is_dates(path: str) -> bool:
    """Whether git's ``%P`` names a record of translation dates rather than a catalog."""
    return Path(path).name == DATES_NAME


def merge_dates_from_git(path: str, cwd: Path | None = None,
                         limits: LimitsConfig | None = None) -> None:
    """:func:`merge_from_git` for a record of translation dates: merged article by article;
    a branch that deleted it counts as an empty record."""
    cwd = cwd or Path.cwd()
    limits = limits or LimitsConfig()
    base, ours, theirs = (_stage(cwd, n, path, limits) for n in (1, 2, 3))
    if base is None and ours is None and theirs is None:
        raise GitError("git has no unmerged copies of this file", path=path,
                       hint="merge-po --from-git resolves a file during a merge that "
                            "stopped on it ('git status' lists them as 'both modified')")
    old = parse_dates(base, f"{path} (base)") if base and base.strip() else None
    merged = merge_dates(old, parse_dates(ours or "{}", f"{path} (ours)"),
                         parse_dates(theirs or "{}", f"{path} (theirs)"))
    atomic_write(cwd / path, dump_dates(merged).encode("utf-8"))


def unmerged(cwd: Path | None = None) -> list[str]:
    """The catalogs, templates and dates records git lists as unmerged, relative to ``cwd``."""
    cwd = cwd or Path.cwd()
    run = _git(["diff", "--name-only", "--relative", "--diff-filter=U", "-z"], cwd)
    names = [name for name in run.stdout.decode("utf-8", "surrogateescape").split("\0") if name]
    return [name for name in names if name.endswith((".po", ".pot")) or is_dates(name)]


@dataclass
class SetupReport:
    """What ``twp git-setup`` changed (empty when everything was in place)."""

    changed: list[str] = field(default_factory=list)
    attributes: str = ""


def driver_command() -> str:
    """The command git runs: this Python and this twp, whatever the PATH."""
    return f"{shlex.quote(sys.executable)} -m twp_i18n merge-po %O %A %B %P"


def git_setup(config: Config) -> SetupReport:
    """Make git merge the site's catalogs, templates and record of translation dates with
    ``twp merge-po``: lines in the
    site's ``.gitattributes`` and the driver in the repository's own config (``.git/config``,
    not shared by clones: each clone runs this once)."""
    report = SetupReport()
    _git(["rev-parse", "--git-dir"], config.root)
    try:
        locales = config.locales_dir.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        raise CatalogError("[paths] locales is outside the site", path="twp.toml",
                           hint="git-setup writes the site's .gitattributes; keep the catalogs "
                                "inside the site") from None
    prefix = "" if locales == "." else f"{locales}/"
    wanted = [f"{prefix}**/*.po merge={DRIVER}", f"{prefix}**/*.pot merge={DRIVER}",
              f"{prefix or '/'}{DATES_NAME} merge={DRIVER}"]
    attributes = config.root / ".gitattributes"
    report.attributes = config.rel(attributes)
    try:
        text = attributes.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    present = {" ".join(line.split()) for line in text.splitlines()}
    missing = [line for line in wanted if line not in present]
    if missing:
        body = text if not text or text.endswith("\n") else text + "\n"
        body += "# gettext catalogs: merged entry by entry (twp git-setup)\n" if not any(
            DRIVER in line for line in present) else ""
        body += "".join(line + "\n" for line in missing)
        atomic_write(attributes, body.encode("utf-8"))
        report.changed += [f"{config.rel(attributes)}: added '{line}'" for line in missing]
    for key, value in ((f"merge.{DRIVER}.name", DRIVER_NAME),
                       (f"merge.{DRIVER}.driver", driver_command())):
        run = _git(["config", "--local", "--get", key], config.root, check=False)
        if run.returncode == 0 and run.stdout.decode("utf-8", "replace").rstrip("\n") == value:
            continue
        _git(["config", "--local", key, value], config.root)
        report.changed.append(f"git config {key} = {value}")
    return report
