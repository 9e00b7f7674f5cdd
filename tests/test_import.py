"""``twp import``: existing translated articles into fuzzy catalog entries, safely."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

from .conftest import MINIMAL_CONFIG, snapshot
from .import_fixtures import (
    BASE,
    Fixture,
    english_article,
    fixtures,
    spanish_article,
)

FIXTURES = {fixture.name: fixture for fixture in fixtures()}
CATALOG = "locales/es/LC_MESSAGES/walking.po"


def _site(make_site, twp, fixture: Fixture, files: dict[str, str] | None = None) -> Path:
    root = make_site({"content/en/walking.md": english_article(fixture), **(files or {})})
    assert twp("--site", root, "sync").code == 0
    return root


def _entries(root: Path) -> dict[str, polib.POEntry]:
    return {e.msgid: e for e in polib.pofile(str(root / CATALOG)) if not e.obsolete}


def _score(fixture: Fixture, entries: dict[str, polib.POEntry]) -> tuple[list[str], float]:
    """Wrong pairs, and the share of units with a counterpart that were filled."""
    wrong = [msgid for msgid, e in entries.items()
             if e.msgstr and fixture.expected.get(msgid) != e.msgstr]
    wanted = [msgid for msgid in entries if msgid not in fixture.counterpart_less]
    filled = [msgid for msgid in wanted if entries[msgid].msgstr
              and fixture.expected.get(msgid) == entries[msgid].msgstr]
    return wrong, len(filled) / len(wanted)


def test_an_article_assembled_from_known_translations_imports_whole_by_structure(
        make_site, twp) -> None:
    fixture = FIXTURES["exact"]
    root = _site(make_site, twp, fixture, {"es/walking.md": spanish_article(fixture)})
    result = twp("--site", root, "import", "es", root / "es/walking.md")
    assert result.code == 0, result
    assert "(structure)" in result.out and f"{len(BASE) + 2} imported as fuzzy, 0 left" in result.out
    entries = _entries(root)
    wrong, recall = _score(fixture, entries)
    assert wrong == [] and recall == 1.0
    assert all(e.fuzzy for e in entries.values())
    title = entries["Walking as a daily anchor"]
    assert title.msgstr == "Caminar como ancla diaria"
    assert "twp-import: es/walking.md, score 1.00" in title.tcomment


@pytest.mark.parametrize("name", [name for name in FIXTURES if name != "exact"])
def test_damaged_translations_make_no_wrong_pair(make_site, twp, name: str, record_property) -> None:
    fixture = FIXTURES[name]
    root = _site(make_site, twp, fixture, {"es/walking.md": spanish_article(fixture)})
    result = twp("--site", root, "import", "es", root / "es")
    assert result.code == 0, result
    wrong, recall = _score(fixture, _entries(root))
    record_property("recall", round(recall, 3))
    print(f"{name}: recall {recall:.0%}")
    assert wrong == []
    assert recall >= 0.8
