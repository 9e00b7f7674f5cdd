"""A real site's own layout: articles in folders, front matter without ``date`` or with
other names for its fields."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from twp_i18n.catalog.extract import extract
from twp_i18n.config import load_config
from twp_i18n.errors import ConfigError, ContentError
from twp_i18n.source.content import load_articles

from .conftest import MINIMAL_CONFIG, article

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")

UNDATED = '---\ntitle: "Walking in the morning"\n---\nA walk before breakfast helped.\n'


def git(root: Path, *args: str, date: str = "2024-05-06T07:08:09+02:00") -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
           "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.org",
           "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}
    done = subprocess.run(["git", "-C", str(root), *args], env=env, capture_output=True,
                          text=True, check=True)
    return done.stdout


def with_content(config: str = "", extra: str = "") -> str:
    return MINIMAL_CONFIG + extra + ("\n[content]\n" + config if config else "")


# --------------------------------------------------------------------------- date fallback

def test_no_date_and_no_fallback_is_still_an_error(make_site):
    root = make_site({"content/en/walk.md": UNDATED})
    with pytest.raises(ContentError) as info:
        load_articles(load_config(root))
    assert "front matter has no 'date'" in info.value.message
    assert "date_fallback" in (info.value.hint or "")
    assert info.value.path == "content/en/walk.md"


def test_fixed_date_fallback(make_site):
    root = make_site({"content/en/walk.md": UNDATED,
                      "content/en/dated.md": article(date="2026-01-15")},
                     config=with_content('date_fallback = "2020-03-04"\n'))
    by_slug = {a.slug: a for a in load_articles(load_config(root))}
    assert by_slug["walk"].date.isoformat() == "2020-03-04T00:00:00+00:00"
    assert by_slug["dated"].date.isoformat() == "2026-01-15T00:00:00+00:00"


def test_a_fallback_that_is_neither_rule_nor_date_is_a_config_error(make_site):
    root = make_site(config=with_content('date_fallback = "yesterday"\n'))
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert "date_fallback" in info.value.message and info.value.line == 8


@needs_git
def test_git_first_commit_date(make_site):
    root = make_site({"content/en/walk.md": UNDATED},
                     config=with_content('date_fallback = "git-first-commit"\n'))
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    (root / "content/en/walk.md").write_text(UNDATED + "More.\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "second", date="2025-01-01T00:00:00+00:00")
    [walk] = load_articles(load_config(root))
    assert walk.date.isoformat() == "2024-05-06T07:08:09+02:00"  # the first commit, not the last
    extract(load_config(root))
    pot = (root / "locales/walk.pot").read_text(encoding="utf-8")
    assert '"POT-Creation-Date: 2024-05-06 07:08+0200\\n"' in pot  # the first commit's date


@needs_git
def test_git_fallback_refuses_an_uncommitted_file(make_site):
    root = make_site({"content/en/walk.md": article()},
                     config=with_content('date_fallback = "git-first-commit"\n'))
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    (root / "content/en/new.md").write_text(UNDATED, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_articles(load_config(root))
    assert info.value.path == "content/en/new.md"
    assert "git has no commit of this file" in info.value.message


@needs_git
def test_git_fallback_refuses_to_guess_in_a_shallow_clone(make_site, tmp_path):
    origin = make_site({"content/en/walk.md": UNDATED},
                       config=with_content('date_fallback = "git-first-commit"\n'))
    git(origin, "init", "-q")
    git(origin, "add", ".")
    git(origin, "commit", "-q", "-m", "first")
    (origin / "content/en/other.md").write_text(article(), encoding="utf-8")
    git(origin, "add", ".")
    git(origin, "commit", "-q", "-m", "second")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))
    with pytest.raises(ContentError) as info:
        load_articles(load_config(clone))
    assert "shallow clone" in info.value.message and info.value.path == "content/en/walk.md"


def test_git_fallback_outside_a_repository_is_an_error(make_site, monkeypatch):
    root = make_site({"content/en/dated.md": article(), "content/en/walk.md": UNDATED,
                      "content/en/zzz.md": UNDATED},
                     config=with_content('date_fallback = "git-first-commit"\n'))
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(root.parent))
    with pytest.raises(ContentError) as info:
        load_articles(load_config(root))
    assert "front matter has no 'date'" in info.value.message
    assert "not in a git repository" in info.value.message and info.value.path == "content/en/walk.md"


# --------------------------------------------------------------------------- other names

def test_description_is_the_summary_and_lastmod_the_update(make_site):
    text = article(description='"A short note."', lastmod="2026-02-01")
    [a] = load_articles(load_config(make_site({"content/en/x.md": text})))
    assert a.summary == "A short note."
    assert a.updated is not None and a.updated.isoformat() == "2026-02-01T00:00:00+00:00"
    assert a.warnings == ()


def test_summary_wins_over_description(make_site):
    text = article(summary='"Mine."', description='"Theirs."')
    [a] = load_articles(load_config(make_site({"content/en/x.md": text})))
    assert a.summary == "Mine." and a.warnings == ()


def test_a_bad_lastmod_is_named_as_written(make_site):
    with pytest.raises(ContentError) as info:
        load_articles(load_config(make_site({"content/en/x.md": article(lastmod="soon")})))
    assert "'lastmod' is not a date" in info.value.message and info.value.line == 4


def test_names_are_configurable(make_site):
    config = MINIMAL_CONFIG + ('\n[content.front_matter]\nsummary = ["excerpt"]\n'
                               'date = ["date", "published"]\n')
    text = '---\ntitle: "T"\npublished: 2021-07-08\nexcerpt: "In short."\n---\nText.\n'
    [a] = load_articles(load_config(make_site({"content/en/x.md": text}, config=config)))
    assert a.summary == "In short." and a.date.year == 2021 and a.warnings == ()


def test_a_name_read_for_two_fields_is_a_config_error(make_site):
    config = MINIMAL_CONFIG + '\n[content.front_matter]\nsummary = ["date"]\n'
    with pytest.raises(ConfigError) as info:
        load_config(make_site(config=config))
    assert "'date' is read for both" in info.value.message


def test_unknown_keys_are_warned_once_with_the_file(make_site, twp):
    text = article(layout="post", weight="3")
    root = make_site({"content/en/x.md": text})
    [a] = load_articles(load_config(root))
    assert [str(w) for w in a.warnings] == [
        "content/en/x.md:4: warning: front-matter keys not used by twp: 'layout', 'weight' (map it "
        "with [content.front_matter] in twp.toml, or list it in [content] ignore_keys) [front-matter-key]"]
    result = twp("--site", root, "sync")
    assert result.code == 0, result.err
    assert result.err.count("'layout', 'weight'") == 1
    again = twp("--site", root, "extract")  # nothing changed: the warning still says so
    assert again.err.count("'layout', 'weight'") == 1


def test_ignored_keys_are_not_warned(make_site):
    root = make_site({"content/en/x.md": article(layout="post")},
                     config=with_content('ignore_keys = ["layout"]\n'))
    [a] = load_articles(load_config(root))
    assert a.warnings == ()


# --------------------------------------------------------------------------- folders

NESTED = {
    "content/en/sleep.md": article("Sleep", body="Rest [about us](../about/).\n"),
    "content/en/about/index.md": article("About us", body="Who we are.\n"),
    "content/en/about/governance.md": article("Governance", body="How we decide.\n"),
    "content/en/about/team/people.md": article("People", body="Who does what.\n"),
}


def test_slugs_follow_the_folders(make_site):
    articles = load_articles(load_config(make_site(NESTED)))
    assert [(a.slug, a.rel_path) for a in articles] == [
        ("about", "content/en/about/index.md"),
        ("about/governance", "content/en/about/governance.md"),
        ("about/team/people", "content/en/about/team/people.md"),
        ("sleep", "content/en/sleep.md"),
    ]


def test_a_front_matter_slug_in_a_folder_names_the_last_segment(make_site):
    files = {"content/en/about/governance.md": article(slug="rules")}
    [a] = load_articles(load_config(make_site(files)))
    assert a.slug == "about/rules"


def test_a_file_beside_the_folder_index_is_an_error_naming_both(make_site):
    files = {"content/en/about.md": article(), "content/en/about/index.md": article()}
    with pytest.raises(ContentError) as info:
        load_articles(load_config(make_site(files)))
    text = str(info.value)
    assert "content/en/about/index.md" in text and "content/en/about.md" in text


@pytest.mark.parametrize("folder, why", [
    ("a b", "whitespace"), ("status", "reserved"), ("es", "folder of a language"),
    (".hidden", "starts with '.'"),
])
def test_unsafe_folder_names_are_refused(make_site, folder, why):
    with pytest.raises(ContentError) as info:
        load_articles(load_config(make_site({f"content/en/{folder}/x.md": article()})))
    assert why in info.value.message and info.value.path == f"content/en/{folder}/x.md"


def test_a_linked_folder_is_not_followed(make_site, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(article(), encoding="utf-8")
    root = make_site({"content/en/x.md": article()})
    (root / "content/en/linked").symlink_to(outside)
    assert [a.slug for a in load_articles(load_config(root))] == ["x"]


def test_folders_through_sync_and_build(make_site, twp):
    root = make_site(NESTED)
    result = twp("--site", root, "sync")
    assert result.code == 0, result.err
    assert (root / "locales/about/governance.pot").is_file()
    assert (root / "locales/about.pot").is_file()
    assert (root / "locales/es/LC_MESSAGES/about/team/people.po").is_file()
    po = root / "locales/es/LC_MESSAGES/about/governance.po"
    text = po.read_text(encoding="utf-8")
    for english, spanish in (("Governance", "Gobierno"), ("How we decide.", "Cómo decidimos.")):
        text = text.replace(f'msgid "{english}"\nmsgstr ""', f'msgid "{english}"\nmsgstr "{spanish}"')
    po.write_text(text, encoding="utf-8")
    status = twp("--site", root, "status", "--format", "json", "--article", "about/governance")
    assert status.code == 0, status.err
    assert '"article": "about/governance"' in status.out
    assert twp("--site", root, "check").code == 0
    result = twp("--site", root, "build")
    assert result.code == 0, result.err
    dist = root / "dist"
    page = (dist / "es/about/governance/index.html").read_text(encoding="utf-8")
    assert "Cómo decidimos." in page
    assert 'href="../../../style.css"' in page  # one folder deeper than a flat article
    assert 'href="../../../en/about/governance/index.html"' in page
    assert 'href="https://example.org/es/about/governance/"' in page  # canonical
    assert (dist / "en/about/index.html").is_file()
    assert (dist / "en/about/team/people/index.html").is_file()
    sitemap = (dist / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://example.org/es/about/governance/" in sitemap
    # An unchanged rebuild writes nothing, and a changed nested catalog is seen.
    again = twp("--site", root, "-v", "build")
    assert "wrote" not in again.out
    po.write_text(text.replace("Cómo decidimos.", "Así decidimos."), encoding="utf-8")
    twp("--site", root, "build")
    assert "Así decidimos." in (dist / "es/about/governance/index.html").read_text(encoding="utf-8")
    # Removing the article removes its template (its catalogs are the translators').
    (root / "content/en/about/governance.md").unlink()
    assert twp("--site", root, "sync").code == 0
    assert not (root / "locales/about/governance.pot").exists()
    assert po.exists()


# --------------------------------------------------------------------------- language versions

def _codes(msgid: str, msgstr: str, **kwargs) -> list[tuple[str, str]]:
    import polib

    from twp_i18n.catalog.checks import check_entry

    entry = polib.POEntry(msgid=msgid, msgstr=msgstr)
    return [(f.severity, f.code) for f in check_entry(entry, path="x.po", kind="article", **kwargs)]


SOURCE = "See [the article on sleep](https://en.wikipedia.org/wiki/Sleep)."


@pytest.mark.parametrize("target", [
    "https://es.wikipedia.org/wiki/Sue%C3%B1o", "https://pt-br.wikipedia.org/wiki/Sono",
    "https://wikipedia.org/wiki/Sleep",
])
def test_a_language_version_of_the_same_site_is_a_warning(target):
    codes = _codes(SOURCE, f"Vea [el artículo sobre el sueño]({target}).")
    assert codes == [("warning", "language-link")]


@pytest.mark.parametrize("target", [
    "https://evil.wikipedia.org/x", "https://es.evil.example/wiki/Sleep", "https://es.org/",
])
def test_another_site_is_still_a_foreign_link(target):
    assert ("error", "foreign-link") in _codes(SOURCE, f"Vea [el artículo]({target}).")


def test_www_is_the_same_site_without_any_warning():
    codes = _codes("Read [it](https://example.org/a).", "Lea [esto](https://www.example.org/es/a).")
    assert ("error", "foreign-link") not in codes and ("warning", "language-link") not in codes


def test_allowed_link_hosts():
    text = "Lea [esto](https://salud.example.net/a)."
    assert ("error", "foreign-link") in _codes("Read [it](https://example.org/a).", text)
    from twp_i18n.catalog.checks import Context

    assert _codes("Read [it](https://example.org/a).", text,
                  context=Context(allowed_hosts=("salud.example.net",))) == [("warning", "link-changed")]


LINKED = article("Sleep", body="Read [the article](https://en.wikipedia.org/wiki/Sleep).\n")


def _translated(root: Path, msgstr: str) -> None:
    po = root / "locales/es/LC_MESSAGES/sleep.po"
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgid "Sleep"\nmsgstr ""', 'msgid "Sleep"\nmsgstr "Sueño"')
    text = text.replace('wiki/Sleep)."\nmsgstr ""', f'wiki/Sleep)."\nmsgstr "{msgstr}"')
    po.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("target, config, shown", [
    ("https://es.wikipedia.org/wiki/Sue%C3%B1o", MINIMAL_CONFIG, True),
    ("https://salud.example.net/sueno", MINIMAL_CONFIG, False),
    ("https://salud.example.net/sueno",
     MINIMAL_CONFIG + '\n[check]\nallowed_link_hosts = ["Salud.Example.net"]\n', True),
])
def test_check_and_build_agree_on_other_sites(make_site, twp, target, config, shown):
    root = make_site({"content/en/sleep.md": LINKED},
                     config=config + "\n[publish]\nmin_percent = 0\n")
    assert twp("--site", root, "sync").code == 0
    _translated(root, f"Lea [el artículo]({target}).")
    checked = twp("--site", root, "check")
    assert checked.code == (0 if shown else 1), checked.out
    assert ("foreign-link" in checked.out) is not shown
    built = twp("--site", root, "build")
    assert built.code == 0, built.err
    page = (root / "dist/es/sleep/index.html").read_text(encoding="utf-8")
    assert (f'href="{target}"' in page) is shown
    assert ("sleep.po:" in built.err) is not shown  # the build names the rejected entry


# --------------------------------------------------------------------------- disclaimer

DEFAULT_WORDING = ("This site shares the lay experience of its community. It is not medical "
                   "advice. Changes to medication are best made with a prescriber\u2019s "
                   "involvement.")


def _footer(page: Path) -> list[str]:
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(page.read_bytes())
    return [p.text_content() for p in tree.xpath('//p[@class="disclaimer"]')]


def _translate_site_po(root: Path, msgid: str, msgstr: str) -> None:
    import polib

    po = polib.pofile(str(root / "locales/es/LC_MESSAGES/site.po"))
    entry = po.find(msgid)
    assert entry is not None
    entry.msgstr = msgstr
    po.save()


def test_the_sites_own_disclaimer_is_extracted_and_translated(make_site, twp):
    config = MINIMAL_CONFIG.replace(
        'languages = ["es", "fr"]\n',
        'languages = ["es", "fr"]\ndisclaimer = "Peer stories & notes, <not> advice."\n')
    root = make_site({"content/en/x.md": article()}, config=config + "[publish]\nmin_percent = 0\n")
    assert twp("--site", root, "sync").code == 0
    pot = (root / "locales/site.pot").read_text(encoding="utf-8")
    assert '#: twp.toml:6\nmsgid "Peer stories & notes, <not> advice."' in pot
    assert "It is not medical" not in pot
    _translate_site_po(root, "Peer stories & notes, <not> advice.",
                       "Relatos & notas <not>, no consejos.")
    assert twp("--site", root, "build").code == 0
    assert _footer(root / "dist/en/x/index.html") == ["Peer stories & notes, <not> advice."]
    es = root / "dist/es/x/index.html"
    assert _footer(es) == ["Relatos & notas <not>, no consejos."]  # text, never markup
    assert "Relatos &amp; notas &lt;not&gt;, no consejos." in es.read_text(encoding="utf-8")
    import zipfile

    with zipfile.ZipFile(root / "dist/bundles/es.epub") as book:
        assert "Relatos &amp; notas &lt;not&gt;" in book.read("EPUB/about.xhtml").decode("utf-8")


def test_without_a_disclaimer_the_current_wording_and_its_translations_stay(make_site, twp):
    root = make_site({"content/en/x.md": article()},
                     config=MINIMAL_CONFIG + "[publish]\nmin_percent = 0\n")
    assert twp("--site", root, "sync").code == 0
    _translate_site_po(root, DEFAULT_WORDING, "Experiencias de la comunidad, no consejo médico.")
    assert twp("--site", root, "build").code == 0
    assert _footer(root / "dist/en/x/index.html") == [DEFAULT_WORDING]
    assert _footer(root / "dist/es/x/index.html") == [
        "Experiencias de la comunidad, no consejo médico."]


def test_an_empty_disclaimer_leaves_the_footer_out(make_site, twp):
    config = MINIMAL_CONFIG.replace('languages = ["es", "fr"]\n',
                                    'languages = ["es", "fr"]\ndisclaimer = ""\n')
    root = make_site({"content/en/x.md": article()}, config=config)
    assert twp("--site", root, "sync").code == 0
    assert "It is not medical" not in (root / "locales/site.pot").read_text("utf-8")
    assert twp("--site", root, "build").code == 0
    assert _footer(root / "dist/en/x/index.html") == []


# --------------------------------------------------------------------------- a real site's layout

def test_a_site_laid_out_its_own_way_syncs_and_builds(make_site, twp):
    """Folders, no ``date`` (with a fallback), ``description``, a key twp does not know and a
    link to another language version of a site: ``twp sync && twp build``, no error."""
    config = MINIMAL_CONFIG + '[publish]\nmin_percent = 50\n[content]\ndate_fallback = "2023-09-10"\n'
    files = {
        "content/en/guides/index.md": (
            '---\ntitle: "Guides"\ndescription: "What the guides cover."\nlayout: list\n---\n'
            "Start with [the sleep guide](sleep/).\n"),
        "content/en/guides/sleep.md": (
            '---\ntitle: "Sleeping through"\nlastmod: 2024-02-03\n---\n'
            "Read [the encyclopedia](https://en.wikipedia.org/wiki/Sleep).\n"),
        "content/en/welcome.md": article("Welcome", body="See [the guides](../guides/).\n"),
    }
    root = make_site(files, config=config)
    synced = twp("--site", root, "sync")
    assert synced.code == 0, synced.err
    assert synced.err.count("warning:") == 1 and "content/en/guides/index.md:4" in synced.err
    po = root / "locales/es/LC_MESSAGES/guides/sleep.po"
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgid "Sleeping through"\nmsgstr ""',
                        'msgid "Sleeping through"\nmsgstr "Dormir de corrido"')
    spanish = "Lea [la enciclopedia](https://es.wikipedia.org/wiki/Sue%C3%B1o)."
    text = text.replace('wiki/Sleep)."\nmsgstr ""', f'wiki/Sleep)."\nmsgstr "{spanish}"')
    po.write_text(text, encoding="utf-8")
    checked = twp("--site", root, "check")
    assert checked.code == 0 and "[language-link]" in checked.out, checked.out
    built = twp("--site", root, "build")
    assert built.code == 0, built.err
    assert "warning" not in built.err
    page = (root / "dist/es/guides/sleep/index.html").read_text(encoding="utf-8")
    assert 'href="https://es.wikipedia.org/wiki/Sue%C3%B1o"' in page
    assert "Dormir de corrido" in page
    index = (root / "dist/en/guides/index.html").read_text(encoding="utf-8")
    assert 'content="What the guides cover."' in index
    assert "2023-09-10" in index  # the fallback date
    feed = (root / "dist/es/atom.xml").read_text(encoding="utf-8")
    assert "https://example.org/es/guides/sleep/" in feed and "2024-02-03" in feed


def test_links_to_unpublished_articles_in_folders_lead_to_the_english():
    from twp_i18n.render.pages import link_to_source_when_unpublished

    slugs = {"sleep", "about", "about/governance", "about/team"}
    html = ('<a href="../team/">t</a> <a href="../../sleep/#a">s</a> <a href="../">up</a> '
            '<a href="../../../fr/sleep/">f</a>')
    assert link_to_source_when_unpublished(html, {"about/governance"}, slugs, "en",
                                           "about/governance") == (
        '<a href="../../../en/about/team/" hreflang="en">t</a> '
        '<a href="../../../en/sleep/#a" hreflang="en">s</a> '
        '<a href="../../../en/about/" hreflang="en">up</a> <a href="../../../fr/sleep/">f</a>')
    flat = '<a href="../about/governance/">g</a> <a href="../sleep/">s</a>'
    assert link_to_source_when_unpublished(flat, {"sleep"}, slugs, "en") == (
        '<a href="../../en/about/governance/" hreflang="en">g</a> <a href="../sleep/">s</a>')


def test_a_field_of_its_own_cannot_be_mapped(make_site):
    config = MINIMAL_CONFIG + '\n[content.front_matter]\nsummary = ["slug"]\n'
    with pytest.raises(ConfigError) as info:
        load_config(make_site(config=config))
    assert "'slug' is read as itself" in info.value.message and info.value.line == 8
