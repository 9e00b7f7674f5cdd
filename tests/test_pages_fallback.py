"""What a reader meets on the pages: English fallbacks marked as English, the rights
statement in every footer, a language chooser that explains itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html

from twp_i18n.catalog import pofile
from twp_i18n.catalog.catalogs import load_catalog
from twp_i18n.config import load_config
from twp_i18n.publish.build import build
from twp_i18n.render.localize import Translations

from .conftest import REPO


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    shutil.copy(REPO / "twp.toml", root / "twp.toml")
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "locales", root / "locales")
    build(load_config(root))
    return root


def pages(dist: Path, folder: str = "") -> list[Path]:
    return sorted((dist / folder).rglob("*.html"))


def language_of(element: lxml_html.HtmlElement) -> str | None:
    """The ``lang`` in effect on an element (its own or its nearest ancestor's)."""
    node = element
    while node is not None:
        if node.get("lang"):
            return node.get("lang")
        node = node.getparent()
    return None


def test_every_untranslated_interface_string_is_marked_english(demo: Path) -> None:
    config = load_config(demo)
    translations = Translations(load_catalog(config, "de", "site"), "de")
    pot = pofile.read_po(demo / "locales/site.pot")
    untranslated = [e.msgid for e in pot if e.msgid and "%(" not in e.msgid and not e.msgid_plural
                    and not translations.translated(e.msgid) and len(e.msgid) > 3]
    assert config.disclaimer in untranslated  # fuzzy in the demo since its apostrophe changed
    seen = 0
    for path in pages(demo / "dist", "de"):
        tree = lxml_html.fromstring(path.read_bytes())
        body = tree.find("body")
        for element in body.iter():
            text = (element.text or "").strip()
            if text in untranslated:
                seen += 1
                assert language_of(element) == "en", (path, text)
    assert seen >= len(pages(demo / "dist", "de"))  # the disclaimer at least, on every page


def test_every_page_carries_the_rights_statement_in_its_footer(demo: Path) -> None:
    rights = load_config(demo).feeds.rights
    all_pages = pages(demo / "dist")
    assert len(all_pages) > 20
    for path in all_pages:
        tree = lxml_html.fromstring(path.read_bytes())
        statement = tree.xpath("//footer//p[@class='rights']")
        assert [p.text_content() for p in statement] == [rights], path
        page_lang = tree.get("lang")
        assert statement[0].get("lang") == (None if page_lang == "en" else "en"), path
    arabic = lxml_html.fromstring((demo / "dist/ar/index.html").read_bytes())
    assert arabic.xpath("//footer//p[@class='rights']/@dir") == ["ltr"]


def test_the_chooser_explains_a_language_with_nothing_published(demo: Path) -> None:
    tree = lxml_html.fromstring((demo / "dist/index.html").read_bytes())
    rows = tree.xpath("//ul[@class='chooser']/li")
    assert len(rows) == 7
    for row in rows:  # every name in the same cell, whatever its direction
        assert len(row.xpath("./span[@class='name']")) == 1
    arabic = tree.xpath("//span[@class='name']/a[@hreflang='ar']")[0]
    assert (arabic.get("lang"), arabic.get("dir")) == ("ar", "rtl")
    japanese = next(r for r in rows if r.xpath(".//span[@class='name']/span[@lang='ja']"))
    pending = japanese.xpath("./span[@class='pending']")[0]
    assert "Translation in progress (4%)" in pending.text_content()
    assert pending.xpath("./a/@href") == ["en/how-to-help-translate/index.html"]
    published = [r for r in rows if r.xpath(".//span[@class='name']/a")]
    assert len(published) == 6 and not any(r.xpath("./span[@class='pending']") for r in published)


def test_build_of_a_language_with_nothing_to_publish_says_so(tmp_path: Path, twp) -> None:
    root = tmp_path / "demo"
    root.mkdir()
    shutil.copy(REPO / "twp.toml", root / "twp.toml")
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "locales", root / "locales")
    result = twp("--site", root, "build", "--lang", "ja")
    assert result.code == 0
    assert result.err.count("[nothing-published]") == 1
    assert "nothing to publish in ja" in result.err
    assert not (root / "dist/ja").exists()
    assert "nothing-published" not in twp("--site", root, "build", "--lang", "de").err
