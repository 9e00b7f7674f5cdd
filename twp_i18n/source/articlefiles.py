"""Which files under the source-language folder are articles: every ``*.md`` file, in
folders not reached through symbolic links; other Markdown names are said, not read."""

from __future__ import annotations

import os
from pathlib import Path

from ..config import Config
from ..diagnostics import Diagnostic, warning

_OTHER_MARKDOWN = (".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn", ".mdtxt", ".mdtext")


def unread_markdown(config: Config) -> list[Diagnostic]:
    """A warning for each Markdown file under the source-language folder that is no article
    because of its name (``index.markdown``, as Jekyll names them, or ``A.MD``): articles
    are ``*.md`` files, and these would be left out without a word."""
    found = []
    for top, dirs, names in os.walk(config.source_dir):
        dirs.sort()
        for name in sorted(names):
            lower = name.lower()
            if (lower.endswith(_OTHER_MARKDOWN) or lower.endswith(".md")) \
                    and not name.endswith(".md"):
                found.append(warning(
                    "not-an-article", "a Markdown file whose name does not end in '.md' is "
                    "not read: rename it to '.md' to have it translated",
                    config.rel(Path(top) / name)))
    return found


def article_files(source_dir: Path) -> list[tuple[Path, str]]:
    """Every ``*.md`` file under ``source_dir`` with its folder below it (``""`` or
    ``about/help``), sorted; symbolic links to folders are not followed."""
    found: list[tuple[Path, str]] = []
    for top, dirs, names in os.walk(source_dir):
        dirs.sort()
        folder = Path(top).relative_to(source_dir).as_posix()
        folder = "" if folder == "." else folder
        found.extend((Path(top) / name, folder) for name in names if name.endswith(".md"))
    return sorted(found, key=lambda item: item[0].relative_to(source_dir).as_posix())
