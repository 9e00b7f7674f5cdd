"""``twp update`` hands the status and the dates what they would read in the catalogs it
wrote: the record, the status and the caches it leaves are those of reading them again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polib
import pytest

import twp_i18n.catalog.dates as dates_module
import twp_i18n.catalog.status as status_module
import twp_i18n.catalog.update as update_module
from twp_i18n.catalog.extract import extract
from twp_i18n.catalog.status import site_status
from twp_i18n.catalog.workflow import update_catalogs
from twp_i18n.config import load_config
from twp_i18n.machinery.cache import CACHE_DIR

from .conftest import snapshot


def _edited_elsewhere(root: Path) -> None:
    """The state before an update: articles edited (templates extracted again), and every
    catalog saved by another tool, some entries translated, made fuzzy or commented there."""
    _edit_an_article(root)
    for n, path in enumerate(sorted((root / "locales").glob("*/LC_MESSAGES/*.po"))):
        po = polib.pofile(str(path), wrapwidth=78)
        for i, entry in enumerate(po):
            if (i + n) % 7 == 0 and not entry.msgstr:
                entry.msgstr = f"Traducido {i}: {entry.msgid[:30]}"
            elif (i + n) % 11 == 0 and entry.msgstr:
                entry.flags.append("fuzzy")
            elif (i + n) % 13 == 0:
                entry.tcomment = "twp-import: from another site (score 90)"
        po.metadata["PO-Revision-Date"] = f"2026-03-{1 + n % 28:02d} 10:00+0000"
        po.save(str(path))


def _edit_an_article(root: Path) -> None:
    """A paragraph of one article edited, and the templates extracted again."""
    config = load_config(root)
    article = root / "content/en/our-values.md"
    text = article.read_text(encoding="utf-8")
    body = text.index("\n---\n", 4)
    paragraph = next(line for line in text[body:].splitlines() if len(line.split()) > 12)
    article.write_text(text[:body] + text[body:].replace(paragraph, paragraph + " One more."),
                       encoding="utf-8")
    extract(config)


def _update_twice(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """An update (whose caches the next one starts from), the edit, the update looked at;
    the catalogs its status and dates steps read again."""
    config = load_config(root)
    extract(config)
    update_catalogs(config)
    _edited_elsewhere(root)
    read: list[str] = []
    with monkeypatch.context() as patched:
        count, load = status_module._count_catalogs, dates_module.load_catalog
        patched.setattr(status_module, "_count_catalogs",
                        lambda todo, *args: read.extend(todo) or count(todo, *args))
        patched.setattr(dates_module, "load_catalog",
                        lambda *args: read.append(args[2]) or load(*args))
        update_catalogs(load_config(root))
    return read


def _without_handover(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(update_module, "hand_over_language", lambda *args: None)


def _caches(root: Path) -> dict[str, object]:
    """The caches' fields, but for the code digest (and the word counts only update keeps);
    not the record of file signatures a warm status answers from (the site's own)."""
    found = {}
    for path in sorted((root / CACHE_DIR).glob("*.json")):
        if path.stem == "status-quick":
            continue
        data = json.loads(path.read_bytes())
        data.pop("code", None)
        if path.stem == "update":
            data.pop("words", None)
        found[path.stem] = data
    return found


@pytest.mark.parametrize("workers", [1, 2])
def test_update_leaves_the_status_dates_and_caches_of_reading_the_catalogs_again(
        demo_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: workers)
    monkeypatch.setattr(update_module, "PARALLEL_MERGE_MIN", 0)  # the demo site is small
    plain = tmp_path / "plain"
    shutil.copytree(demo_site, plain)
    assert _update_twice(demo_site, monkeypatch) == []  # nothing read again after the merge
    with monkeypatch.context() as patched:
        _without_handover(patched)
        assert _update_twice(plain, patched) != []
    assert snapshot(demo_site / "locales") == snapshot(plain / "locales")
    assert _caches(demo_site) == _caches(plain)
    # The first status after update counts nothing: the cache update left answers it.
    counted: list[object] = []
    real = status_module._count_catalogs
    monkeypatch.setattr(status_module, "_count_catalogs",
                        lambda todo, *args: counted.extend(todo) or real(todo, *args))
    warm = [s.as_dict() for s in site_status(load_config(demo_site))]
    assert counted == []
    shutil.rmtree(demo_site / CACHE_DIR)
    assert [s.as_dict() for s in site_status(load_config(demo_site))] == warm
    assert len(counted) > 0


def test_a_catalog_written_again_byte_for_byte_is_handed_over_from_its_first_reading(
        demo_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Catalogs whose merged text is the bytes already on disk (saved by another tool, their
    template unchanged: update keeps their lines) were parsed once, before the merge: the
    hand-over counts that parse instead of reading the same bytes again.  The caches it
    leaves are those of reading every catalog again (the test above)."""
    import twp_i18n.catalog.handover as handover_module

    monkeypatch.setattr("os.cpu_count", lambda: 1)
    config = load_config(demo_site)
    extract(config)
    update_catalogs(config)
    for n, path in enumerate(sorted((demo_site / "locales").glob("*/LC_MESSAGES/*.po"))):
        po = polib.pofile(str(path), wrapwidth=60)  # another tool's line wrapping
        po.metadata["PO-Revision-Date"] = f"2026-03-{1 + n % 28:02d} 10:00+0000"
        po.save(str(path))
    _edit_an_article(demo_site)
    plain = tmp_path / "plain"
    shutil.copytree(demo_site, plain)
    before = {path: path.read_bytes() for path in (demo_site / "locales").glob("*/LC_MESSAGES/*.po")}
    parsed: list[str] = []
    load = handover_module.load_catalog
    monkeypatch.setattr(handover_module, "load_catalog",
                        lambda config, lang, domain, data: parsed.append(f"{lang}/{domain}")
                        or load(config, lang, domain, data))
    update_catalogs(load_config(demo_site))
    same = {f"{path.parent.parent.name}/{path.stem}" for path, data in before.items()
            if path.read_bytes() == data}
    changed = {f"{path.parent.parent.name}/{path.stem}" for path in before} - same
    assert same and changed  # both kinds are there
    assert not same & set(parsed)
    assert changed <= set(parsed)
    with monkeypatch.context() as patched:
        _without_handover(patched)
        update_catalogs(load_config(plain))
    assert snapshot(demo_site / "locales") == snapshot(plain / "locales")
    assert _caches(demo_site) == _caches(plain)
