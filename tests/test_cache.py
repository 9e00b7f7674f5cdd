"""The memo every cache goes through: its entries hold for the code that saved them only."""

from __future__ import annotations

import json

import pytest

from twp_i18n.config import load_config
from twp_i18n.machinery import cache


def test_a_memo_is_empty_for_other_code_and_saves_with_its_own(make_site,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(make_site({}))
    cache.Memo(config, "example").save(entries={"a": 1})
    assert cache.Memo(config, "example").get("entries") == {"a": 1}
    stored = json.loads((config.root / cache.CACHE_DIR / "example.json").read_text(encoding="utf-8"))
    assert stored["code"] == cache.code_digest() and stored["entries"] == {"a": 1}
    monkeypatch.setattr(cache, "code_digest", lambda: "another version of the code")
    assert cache.Memo(config, "example").get("entries", {}) == {}


def test_an_update_after_a_code_change_merges_every_catalog_again(demo_site,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   twp) -> None:
    assert twp("--site", demo_site, "update", "-v").code == 0
    again = twp("--site", demo_site, "update", "-v")
    stamp = (demo_site / cache.CACHE_DIR / "update.json").read_bytes()
    monkeypatch.setattr(cache, "code_digest", lambda: "another version of the code")
    merged = twp("--site", demo_site, "update", "-v")
    assert merged.code == again.code == 0 and merged.out == again.out  # the same result, merged anew
    assert (demo_site / cache.CACHE_DIR / "update.json").read_bytes() != stamp
