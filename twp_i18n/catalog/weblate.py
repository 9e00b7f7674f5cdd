"""The settings that connect a site to Weblate: ``twp weblate-config``.

Weblate's component-discovery add-on (``weblate.discovery.discovery``) makes one component
per article from a regular expression over the repository's files (applied to each path
relative to the repository root, anchored at both ends); each component's new
translations start from the article's template.  See ``docs/weblate.md``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from ..config import Config

__all__ = ["discovery_settings"]

ADDON = "weblate.discovery.discovery"


def _repository_root(root: Path) -> Path:
    """The top of the git repository holding the site, or the site itself."""
    try:
        run = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=root,
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return root
    return Path(run.stdout.strip()) if run.returncode == 0 and run.stdout.strip() else root


def discovery_settings(config: Config) -> dict[str, object]:
    """The discovery add-on's name and configuration for this site, as Weblate's API takes
    them (``POST /api/components/<project>/<component>/addons/``)."""
    top = _repository_root(config.root).resolve()
    try:
        locales = config.locales_dir.resolve().relative_to(top).as_posix()
    except ValueError:
        locales = config.rel(config.locales_dir)
    prefix = "" if locales == "." else locales + "/"
    templates = config.templates_po_dir.resolve()
    try:
        pot_prefix = templates.relative_to(top).as_posix()
    except ValueError:
        pot_prefix = config.rel(templates)
    pot_prefix = "" if pot_prefix == "." else pot_prefix + "/"
    languages = "|".join(re.escape(lang) for lang in sorted(config.languages))
    return {
        "name": ADDON,
        "configuration": {
            "match": (f"{re.escape(prefix)}(?P<language>[^/.]+)/LC_MESSAGES/"
                      r"(?P<component>[^/]+)\.po"),
            "file_format": "po",
            "name_template": "{{ component }}",
            "base_file_template": "",
            "new_base_template": pot_prefix + "{{ component }}.pot",
            "intermediate_template": "",
            "language_regex": f"^({languages})$" if languages else "^$",
            "copy_addons": True,
            "remove": False,
            "confirm": False,
        },
    }
