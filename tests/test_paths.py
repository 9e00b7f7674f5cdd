"""Slugs and paths: one slug rule everywhere, output kept inside its folder, no leftovers."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twp_i18n.config import load_config
from twp_i18n.errors import ConfigError, ContentError
from twp_i18n.paths import Folder, check_slug, inside
from twp_i18n.publish.build import build
from twp_i18n.render.feeds import make_item_id

from .conftest import MINIMAL_CONFIG, REPO, article

MINIMAL = REPO / "tests" / "data" / "minimal"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "minimal"
    shutil.copytree(MINIMAL, root)
    return root


# --- the slug rule --------------------------------------------------------------------------

BAD_SLUGS = {
    "a b": "whitespace (U+0020 SPACE)",
    "a\u00a0b": "whitespace (U+00A0 NO-BREAK SPACE)",
    "a\u3000b": "whitespace (U+3000 IDEOGRAPHIC SPACE)",
    "a\tb": "whitespace",
    "a\u2028b": "whitespace",
    "a\x1bb": "control character (U+001B)",
    "a\x00b": "control character (U+0000)",
    "a\x85b": "whitespace (U+0085)",
    "a\ud800b": "surrogate character (U+D800)",
    "a\u202eb": "format (invisible or bidi) character (U+202E RIGHT-TO-LEFT OVERRIDE)",
    "a\u2066b": "format (invisible or bidi) character (U+2066 LEFT-TO-RIGHT ISOLATE)",
    "a\u200fb": "format (invisible or bidi) character (U+200F RIGHT-TO-LEFT MARK)",
    "a\u200bb": "format (invisible or bidi) character (U+200B ZERO WIDTH SPACE)",
    "%2e%2e": "percent-encoding",
    "a%2fb": "percent-encoding",
    "a%5Cb": "percent-encoding",
    "a%00": "percent-encoding",
    "CON": "reserved on Windows",
    "nul": "reserved on Windows",
    "con.txt": "reserved on Windows",
    "Com1": "reserved on Windows",
    "lpt9.md": "reserved on Windows",
    "aux.": "ends with '.'",
    "notes.": "ends with '.'",
    "..": "is '..'",
    ".": "is '.'",
    ".hidden": "starts with '.'",
    "a/b": "contains '/'",
    "a\\b": "contains '\\'",
    "a:b": "contains ':'",
    "a?b": "contains '?'",
    "a#b": "contains '#'",
    'a"b': "contains '\"'",
    "a<b": "contains '<'",
    "": "is empty",
    "site": "reserved",
    "Bundles": "reserved",
    "status": "reserved",
    "index.html": "reserved",
    "x" * 201: "longer than 200 bytes",
    "e\u0301" * 2: "not in Unicode NFC form; write it as '\u00e9\u00e9'",
}


@pytest.mark.parametrize("slug", sorted(BAD_SLUGS))
def test_check_slug_refuses(slug: str) -> None:
    problem = check_slug(slug)
    assert problem is not None and BAD_SLUGS[slug] in problem


@pytest.mark.parametrize("slug", ["finding-peer-support", "sueño-y-descanso", "café", "4",
                                  "a.b", "日本語の記事", "it's", "x" * 200, "con-tips", "nullify",
                                  "com10", "v1.2"])
def test_check_slug_accepts(slug: str) -> None:
    assert check_slug(slug) is None


def test_nested_slugs_check_every_segment() -> None:
    assert check_slug("guides/sleep", nested=True) is None
    for slug in ("guides//sleep", "/guides", "guides/", "guides/../x", "guides/CON", "a b/c",
                 "guides/.git", "guides/%2e%2e"):
        assert check_slug(slug, nested=True) is not None, slug


def test_language_folders_are_reserved_when_named() -> None:
    assert check_slug("es") is None
    assert "folder of a language" in (check_slug("PT-br", reserved={"es", "pt-br"}) or "")


SPACED = {"a b": "U+0020", "a\u00a0b": "U+00A0", "a\u3000b": "U+3000"}


@pytest.mark.parametrize("slug", sorted(SPACED))
@pytest.mark.parametrize("command", ["extract", "sync", "build"])
def test_a_slug_with_a_space_is_refused_by_every_command(make_site, twp, slug: str,
                                                         command: str) -> None:
    yaml_slug = json.dumps(slug)  # a JSON string is a YAML double-quoted scalar
    root = make_site({"content/en/x.md": article(slug=yaml_slug)})
    result = twp("--site", root, command)
    assert result.code == 2, result
    assert f"content/en/x.md:4: slug '{slug}' contains whitespace ({SPACED[slug]}" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("name", ["a b", "a\u00a0b", "CON", "a%2fb"])
def test_a_file_name_that_is_no_slug_is_refused(make_site, twp, name: str) -> None:
    root = make_site({f"content/en/{name}.md": article()})
    result = twp("--site", root, "build")
    assert result.code == 2, result
    assert f"content/en/{name}.md:1: slug '{name}'" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("slug", ["%2e%2e", "a%2fb", "CON", "nul", "con.txt", "a:b"])
def test_front_matter_slugs_fetch_would_refuse_are_refused(make_site, slug: str) -> None:
    root = make_site({"content/en/x.md": article(slug=f'"{slug}"')})
    with pytest.raises(ContentError) as info:
        from twp_i18n.source.content import load_articles
        load_articles(load_config(root))
    assert info.value.path == "content/en/x.md" and info.value.line == 4


def test_non_nfc_slug_message_gives_the_nfc_form(make_site, twp) -> None:
    root = make_site({"content/en/x.md": article(slug='"cafe\\u0301"')})
    result = twp("--site", root, "extract")
    assert result.code == 2
    assert "write it as 'café'" in result.err


def test_a_language_folder_is_no_slug(make_site, twp) -> None:
    root = make_site({"content/en/x.md": article(slug="es")})
    result = twp("--site", root, "extract")
    assert result.code == 2
    assert "content/en/x.md:4: slug 'es'" in result.err and "folder of a language" in result.err


def test_feed_ids_use_the_same_rule() -> None:
    for slug in ("a b", "CON", "%2e%2e", "a\u202eb"):
        with pytest.raises(ValueError, match="bad slug"):
            make_item_id("https://example.org/", "es", slug)
    assert make_item_id("https://example.org/", "es", "guides/sleep") == \
        "tag:example.org,2026:es/guides/sleep"


def test_fetch_skips_an_article_whose_slug_is_a_language_folder(make_site) -> None:
    from twp_i18n.source.fetch import FetchReport, _apply, _Files, _State
    from twp_i18n.source.fetch_sources import Harvest, Item

    root = make_site()
    config = load_config(root)
    item = Item(slug="fr", title="T", body="x\n", date="2024-01-01", updated=None, summary=None,
                source_url="https://x/fr", source_id="1")
    report = FetchReport()
    _apply(config, Harvest(items=[item], seen={"fr": "https://x/fr"}), _State({}), _Files(config),
           report, force=False, prune=False)
    assert report.written == [] and not (root / "content" / "en" / "fr.md").exists()
    assert "folder of a language" in report.page_problems[0]


def test_fetch_never_writes_outside_the_content_folder(make_site) -> None:
    from twp_i18n.errors import FetchError
    from twp_i18n.source.fetch import _Files

    files = _Files(load_config(make_site()))
    for slug in ("../evil", "../../twp", "/etc/passwd", "a/../../b"):
        with pytest.raises(FetchError, match="outside"):
            files.path(slug)
    assert files.path("ok").name == "ok.md"


# --- paths inside their folder --------------------------------------------------------------

def test_inside(tmp_path: Path) -> None:
    base = tmp_path / "dist"
    (base / "es").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (base / "link").symlink_to(tmp_path / "elsewhere")
    (base / "es" / "file-link").symlink_to(tmp_path / "elsewhere" / "x")
    assert inside(base, "es/index.html") == base / "es" / "index.html"
    for rel in ("", "/etc/passwd", "../x", "es/../../x", "es//x", "./x", "a\\b", "C:x",
                "a\x00b", "link/x"):
        assert inside(base, rel) is None, rel
    assert inside(base, "es/file-link") is not None  # the link itself is inside
    assert inside(base, "es/file-link", follow=True) is None  # what it leads to is not
    folder = Folder(base)  # folders not made yet, and a file in the place of a folder
    (base / "es" / "page.html").write_text("x")
    assert folder.inside("new/deeper/index.html") == base / "new" / "deeper" / "index.html"
    assert folder.inside("es/page.html/x") == base / "es" / "page.html" / "x"
    assert folder.inside("link/x") is None and folder.inside("new/../x") is None


def test_build_does_not_write_through_a_symlink_leading_outside(site: Path, tmp_path: Path,
                                                                twp) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (site / "dist").mkdir()
    (site / "dist" / "es").symlink_to(outside)
    result = twp("--site", site, "build")
    assert result.code == 2, result
    assert "outside the output folder" in result.err and "Traceback" not in result.err
    assert list(outside.iterdir()) == []


def test_stale_removal_stays_inside_the_output_folder(site: Path, tmp_path: Path) -> None:
    config = load_config(site)
    build(config)
    dist = site / "dist"
    victim = site / "content" / "en" / "rest-and-sleep.md"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.md").write_text("keep me")
    listed = json.loads((dist / ".twp-build.json").read_text())
    (dist / "link").symlink_to(outside)
    listed += ["../content/en/rest-and-sleep.md", "link/x.md", str(victim), "es/../../twp.toml"]
    (dist / ".twp-build.json").write_text(json.dumps(listed))
    (dist / "es" / "rest-and-sleep" / "index.html").write_text("tampered")  # forces a real build
    build(config)
    assert victim.exists() and (outside / "x.md").read_text() == "keep me"
    assert (site / "twp.toml").exists()


# --- [paths] output -------------------------------------------------------------------------

@pytest.mark.parametrize("output, why", [
    ("content", "is the content folder"),
    ("content/en", "is inside the content folder"),
    ("locales", "is the locales folder"),
    ("templates", "is the templates folder"),
    (".twp", "is the tool's own folder"),
    ("../outside", "lies outside the site"),
    ("/srv/elsewhere", "lies outside the site"),
    ("..", "site folder"),
    (".", "site folder"),
])
def test_output_folder_must_be_its_own_folder_inside_the_site(make_site, output: str,
                                                              why: str) -> None:
    root = make_site(config=MINIMAL_CONFIG + f'\n[paths]\noutput = "{output}"\n')
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert why in str(info.value)
    assert str(info.value).startswith("twp.toml:8: [paths] output")


def test_output_folder_may_not_contain_a_folder_the_build_reads(make_site) -> None:
    root = make_site(config=MINIMAL_CONFIG + '\n[paths]\ncontent = "dist/articles"\n')
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert "contains the content folder" in str(info.value)
    assert str(info.value).startswith("twp.toml:8: ")


def test_out_outside_the_site_is_explicit_consent(site: Path, tmp_path: Path, twp) -> None:
    assert twp("--site", site, "build", "--out", tmp_path / "elsewhere").code == 0
    assert (tmp_path / "elsewhere" / "index.html").exists()
    result = twp("--site", site, "build", "--out", site / "locales")
    assert result.code == 2 and "is the locales folder" in result.err, result
    assert not (site / "locales" / "index.html").exists()


def test_missing_content_folder_cites_its_key_in_twp_toml(make_site, twp) -> None:
    root = make_site(config=MINIMAL_CONFIG + '\n[paths]\ncontent = "articles"\n')
    result = twp("--site", root, "extract")
    assert result.code == 2
    assert "twp.toml:8: " in result.err and "articles/en" in result.err, result


# --- images ---------------------------------------------------------------------------------

def test_image_symlinks_leading_outside_the_site_are_not_copied(site: Path, tmp_path: Path,
                                                                twp) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET KEY")
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "more.txt").write_text("MORE SECRETS")
    images = site / "content" / "images"
    images.mkdir(parents=True, exist_ok=True)
    (images / "ok.png").write_bytes(b"\x89PNG ok")
    (images / "leak.png").symlink_to(secret)
    (images / "dir").symlink_to(tmp_path / "secrets")
    (images / "alias.png").symlink_to(images / "ok.png")  # inside the site: fine
    result = twp("--site", site, "build")
    assert result.code == 0, result
    assert "content/images/leak.png" in result.err and "outside the site" in result.err
    dist = site / "dist"
    copied = {p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file()}
    assert "en/images/ok.png" in copied and "en/images/alias.png" in copied
    assert not [name for name in copied if "leak" in name or "more.txt" in name]
    for path in dist.rglob("*"):
        if path.is_file():
            assert b"SECRET" not in path.read_bytes(), path
    with zipfile.ZipFile(io.BytesIO((dist / "bundles" / "en.zip").read_bytes())) as bundle:
        assert "en/images/ok.png" in bundle.namelist()
        assert not [n for n in bundle.namelist() if "leak" in n or "more" in n]
        assert all(b"SECRET" not in bundle.read(n) for n in bundle.namelist())


# --- temporary files ------------------------------------------------------------------------

def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


TEMP_NAME = re.compile(r"\.(?P<name>.+)\.twp-(?P<pid>\d+)-[a-z0-9_]+\.tmp")


def test_temporary_files_carry_a_recognisable_name(tmp_path: Path, monkeypatch) -> None:
    from twp_i18n.machinery import fsutil
    seen: list[str] = []
    replace = os.replace
    monkeypatch.setattr(fsutil.os, "replace", lambda src, dst: seen.append(src) or replace(src, dst))
    fsutil.atomic_write(tmp_path / "es.zip", b"data")
    [name] = seen
    match = TEMP_NAME.fullmatch(Path(name).name)
    assert match and match["name"] == "es.zip" and int(match["pid"]) == os.getpid()


def test_build_removes_temporary_files_of_dead_writers_only(site: Path) -> None:
    config = load_config(site)
    build(config)
    dead, alive = dead_pid(), os.getpid()
    stale = [site / "dist" / "bundles" / f".es.zip.twp-{dead}-k2j4h5g6.tmp",
             site / "dist" / f".index.html.twp-{dead}-abcdefgh.tmp",
             site / ".twp" / "cache" / f".verdicts.json.twp-{dead}-zzzz1234.tmp"]
    live = [site / "dist" / "bundles" / f".ar.zip.twp-{alive}-k2j4h5g6.tmp",
            site / ".twp" / "cache" / f".verdicts.json.twp-{alive}-zzzz1234.tmp"]
    others = [site / "dist" / "bundles" / "notes.tmp", site / "dist" / ".keep"]
    for path in stale + live + others:
        path.write_bytes(b"partial")
    build(config)
    assert [p for p in stale if p.exists()] == []
    assert all(p.exists() for p in live + others)


def test_a_build_killed_while_writing_leaves_nothing_the_next_build_keeps(site: Path) -> None:
    """A real SIGKILL in the middle of writing an article page, then a build."""
    config = load_config(site)
    build(config)
    (site / "dist" / "es" / "rest-and-sleep" / "index.html").write_text("tampered")
    script = (
        "import os, signal, sys\n"
        "from twp_i18n.machinery import fsutil\n"
        "from twp_i18n.publish.build import build\n"
        "from twp_i18n.config import load_config\n"
        "def replace(src, dst):\n"
        "    if str(dst).endswith('index.html') and '/es/' in str(dst):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    os.rename(src, dst)\n"
        "fsutil.os.replace = replace\n"
        "build(load_config(sys.argv[1]), jobs=1)\n"
    )
    killed = subprocess.run([sys.executable, "-c", script, str(site)], cwd=REPO)
    assert killed.returncode == -9
    leftovers = [p for p in (site / "dist").rglob("*.tmp")]
    assert leftovers and all(TEMP_NAME.fullmatch(p.name) for p in leftovers)
    build(config)
    assert [p for p in site.rglob("*.tmp")] == []


def test_a_build_that_writes_removes_leftovers_of_killed_updates_and_fetches(site: Path) -> None:
    config = load_config(site)
    build(config)
    dead = dead_pid()
    stale = [site / "locales" / "es" / "LC_MESSAGES" / f".journal.po.twp-{dead}-abcdefgh.tmp",
             site / "locales" / f".journal.pot.twp-{dead}-abcdefgh.tmp",
             site / "content" / "en" / f".journal.md.twp-{dead}-abcdefgh.tmp",
             site / "dist" / "es" / "journal" / f".index.html.twp-{dead}-abcdefgh.tmp"]
    live = site / "locales" / "es" / "LC_MESSAGES" / f".journal.po.twp-{os.getpid()}-abcdefgh.tmp"
    for path in [*stale, live]:
        path.write_bytes(b"partial")
    (site / "dist" / "es" / "index.html").write_text("tampered")  # this build has work to do
    build(config)
    assert [p for p in stale if p.exists()] == [] and live.exists()


def test_fetch_removes_leftovers_of_a_killed_fetch(make_site) -> None:
    from twp_i18n.source.fetch import fetch

    from .fetch_server import FakeSite, Running

    running = Running(FakeSite())
    try:
        root = make_site(config=MINIMAL_CONFIG + f'\n[fetch]\ntype = "wordpress"\n'
                                                 f'url = "{running.url}/wp"\ntimeout = 2\n')
        leftover = root / "content" / "en" / f".about.md.twp-{dead_pid()}-abcdefgh.tmp"
        leftover.parent.mkdir(parents=True)
        leftover.write_bytes(b"partial")
        fetch(load_config(root))
    finally:
        running.close()
    assert not leftover.exists() and (root / "content" / "en" / "about.md").exists()


@settings(max_examples=400, deadline=None)
@given(st.text(min_size=1, max_size=12) | st.sampled_from(sorted(BAD_SLUGS)))
def test_every_accepted_slug_is_a_safe_file_name_url_and_feed_id(slug: str) -> None:
    if check_slug(slug) is not None:
        return
    assert unicodedata.normalize("NFC", slug) == slug
    assert not any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zs", "Zl", "Zp")
                   for ch in slug)
    assert unquote(slug) == slug  # no percent-escape a server or browser would decode
    base = Path("/srv/site/dist")
    for name in (slug, f"{slug}.md", f"{slug}.po", f"es/{slug}/index.html"):
        assert inside(base, name) is not None
    assert not slug.startswith(".") and not slug.endswith(".")
    feed_id = make_item_id("https://example.org/", "es", slug)
    assert feed_id.isascii() and unquote(feed_id.rsplit("/", 1)[1]) == slug


def test_an_image_whose_name_holds_a_control_character_is_skipped_with_a_warning(site: Path) -> None:
    images = site / "content" / "images"
    images.mkdir(parents=True, exist_ok=True)
    (images / "bad\x1bname.png").write_bytes(b"x")
    (images / "fine name.png").write_bytes(b"y")
    report = build(load_config(site))
    [warning] = [w for w in report.warnings if w.code == "image-name"]
    assert warning.path == "content/images/bad\x1bname.png"
    assert str(warning).startswith("content/images/bad\\x1bname.png: warning: the file name holds a "
                                   "control character")  # escaped when printed
    assert (site / "dist" / "en" / "images" / "fine name.png").exists()
    assert not [p for p in (site / "dist").rglob("*") if "\x1b" in p.name]
