"""The site's rights statement and title as each language's outputs show them: the
translation from ``site.po`` where there is one, English marked as English where not."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from twp_i18n.catalog import pofile
from twp_i18n.catalog.extract import extract
from twp_i18n.catalog.workflow import update_catalogs
from twp_i18n.config import load_config
from twp_i18n.publish.build import build

from .conftest import REPO

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RIGHTS_DE = "Von der Gemeinschaft geteilt unter CC BY-SA 4.0"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with the German rights statement translated and the German site title
    left untranslated."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copy(REPO / "twp.toml", root / "twp.toml")
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "locales", root / "locales")
    config = load_config(root)
    extract(config)
    update_catalogs(config)
    path = root / "locales/de/LC_MESSAGES/site.po"
    po = pofile.read_po(path)
    rights = po.find(config.feeds.rights)
    assert rights is not None, "update brought the rights statement into site.po"
    rights.msgstr = RIGHTS_DE
    title = po.find(config.title)
    assert title is not None
    title.msgstr = ""
    pofile.write_po(path, po)
    build(config)
    return root


def test_a_translated_rights_statement_is_in_every_german_output(demo: Path) -> None:
    dist = demo / "dist"
    for path in sorted((dist / "de").rglob("*.html")):
        tree = lxml_html.fromstring(path.read_bytes())
        [statement] = tree.xpath("//footer//p[@class='rights']")
        assert statement.text_content() == RIGHTS_DE and statement.get("lang") is None, path
    atom = etree.parse(str(dist / "de/atom.xml")).getroot()
    rights = atom.find(f"{{{ATOM}}}rights")
    assert rights is not None and rights.text == RIGHTS_DE
    assert rights.get(XML_LANG) in (None, "de")
    rss = etree.parse(str(dist / "de/rss.xml")).getroot()
    assert rss.findtext("channel/copyright") == RIGHTS_DE
    feed = json.loads((dist / "de/feed.json").read_text(encoding="utf-8"))
    assert RIGHTS_DE in feed["description"]
    assert all(item["content_html"].endswith(f'<p class="rights" dir="auto">{RIGHTS_DE}</p>\n')
               for item in feed["items"])
    with zipfile.ZipFile(dist / "bundles/de.epub") as book:
        opf = etree.fromstring(book.read("EPUB/package.opf"))
        about = book.read("EPUB/about.xhtml").decode("utf-8")
    [dc_rights] = opf.iter("{http://purl.org/dc/elements/1.1/}rights")
    assert (dc_rights.text, dc_rights.get(XML_LANG)) == (RIGHTS_DE, "de")
    assert RIGHTS_DE in about and 'lang="en"' not in about.split(RIGHTS_DE)[0].rsplit("<p", 1)[-1]


def test_an_untranslated_rights_statement_stays_marked_english(demo: Path) -> None:
    rights = load_config(demo).feeds.rights
    dist = demo / "dist"
    tree = lxml_html.fromstring((dist / "fr/index.html").read_bytes())
    [statement] = tree.xpath("//footer//p[@class='rights']")
    assert (statement.text_content(), statement.get("lang")) == (rights, "en")
    atom = etree.parse(str(dist / "fr/atom.xml")).getroot()
    assert atom.find(f"{{{ATOM}}}rights").get(XML_LANG) == "en"  # type: ignore[union-attr]
    with zipfile.ZipFile(dist / "bundles/fr.epub") as book:
        opf = etree.fromstring(book.read("EPUB/package.opf"))
    [dc_rights] = opf.iter("{http://purl.org/dc/elements/1.1/}rights")
    assert (dc_rights.text, dc_rights.get(XML_LANG)) == (rights, "en")


def test_an_untranslated_feed_title_is_marked_english(demo: Path) -> None:
    config = load_config(demo)
    dist = demo / "dist"
    atom = etree.parse(str(dist / "de/atom.xml")).getroot()
    assert atom.get(XML_LANG) == "de"
    title = atom.find(f"{{{ATOM}}}title")
    assert title is not None and (title.text, title.get(XML_LANG)) == (config.title, "en")
    spanish = etree.parse(str(dist / "es/atom.xml")).getroot().find(f"{{{ATOM}}}title")
    assert spanish is not None and spanish.get(XML_LANG) is None  # translated
