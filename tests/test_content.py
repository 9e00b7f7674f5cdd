"""Loading articles: every bad-input case names the file (and line) and exits 2."""

from __future__ import annotations

import pytest

from twp_i18n.config import load_config
from twp_i18n.errors import ContentError
from twp_i18n.source.content import check_slug, load_articles

from .conftest import article


def load(make_site, files):
    return load_articles(load_config(make_site(files)))


def test_reads_front_matter_and_body(make_site):
    text = article("Sleep", "2026-02-01", "Para.\n", updated="2026-03-01", summary='"Short."',
                   tags="[sleep, rest]", translator_notes='"Keep it plain."')
    [a] = load(make_site, {"content/en/sleep.md": text})
    assert a.slug == "sleep" and a.title == "Sleep" and a.summary == "Short."
    assert a.tags == ("sleep", "rest")
    assert a.date.isoformat() == "2026-02-01T00:00:00+00:00"
    assert a.last_modified.isoformat() == "2026-03-01T00:00:00+00:00"
    assert a.body == "Para.\n"
    assert a.body_line == 9
    assert a.field_lines["title"] == 2
    assert a.rel_path == "content/en/sleep.md"


def test_slug_from_front_matter(make_site):
    [a] = load(make_site, {"content/en/x.md": article(slug="better-sleep")})
    assert a.slug == "better-sleep"


def test_bom_and_crlf_are_accepted(make_site):
    text = "\ufeff" + article("T", body="Line one\nline two\n").replace("\n", "\r\n")
    [a] = load(make_site, {"content/en/x.md": text.encode("utf-8")})
    assert a.title == "T"
    assert "\r" not in a.body


@pytest.mark.parametrize("slug, why", [
    ('".."', "is '..'"),
    ('"a/b"', "contains '/'"),
    ('"a\\\\b"', "contains '\\'"),
    ('"/etc/passwd"', "contains '/'"),
    ('"bad\\u0007slug"', "control character"),
    ('""', "is empty"),
    ('"site"', "reserved"),
])
def test_unsafe_slugs_are_refused(make_site, slug, why):
    with pytest.raises(ContentError) as info:
        load(make_site, {"content/en/x.md": article(slug=slug)})
    assert why in str(info.value)
    assert info.value.path == "content/en/x.md"
    assert info.value.line == 4


def test_duplicate_slug(make_site):
    files = {"content/en/a.md": article(slug="same"), "content/en/b.md": article(slug="same")}
    with pytest.raises(ContentError) as info:
        load(make_site, files)
    assert "slug 'same' is already used by content/en/a.md" in str(info.value)
    assert info.value.path == "content/en/b.md"


def test_invalid_utf8_names_line(make_site):
    data = article(body="fine\nbad \xff here\n").encode("utf-8").replace(b"\xc3\xbf", b"\xff")
    with pytest.raises(ContentError) as info:
        load(make_site, {"content/en/x.md": data})
    assert "not valid UTF-8" in str(info.value)
    assert info.value.line == 6


def test_broken_yaml_names_line(make_site):
    text = "---\ntitle: \"ok\"\ndate: 2026-01-01\ntags: [a, b\n---\nBody\n"
    with pytest.raises(ContentError) as info:
        load(make_site, {"content/en/x.md": text})
    assert "not valid YAML" in str(info.value)
    assert info.value.line in (4, 5)


@pytest.mark.parametrize("missing", ["title", "date"])
def test_missing_required_field(make_site, missing):
    text = article()
    text = "\n".join(line for line in text.split("\n") if not line.startswith(f"{missing}:"))
    with pytest.raises(ContentError, match=f"front matter has no '{missing}'"):
        load(make_site, {"content/en/x.md": text})


@pytest.mark.parametrize("date", ["2026-02-30", "yesterday", "2026/01/01"])
def test_bad_date_names_line(make_site, date):
    with pytest.raises(ContentError) as info:
        load(make_site, {"content/en/x.md": article(date=date)})
    assert "'date' is not a date" in str(info.value)
    assert info.value.line == 3


def test_no_front_matter(make_site):
    with pytest.raises(ContentError, match="missing front matter"):
        load(make_site, {"content/en/x.md": "# Just markdown\n"})


def test_unclosed_front_matter(make_site):
    with pytest.raises(ContentError, match="not closed"):
        load(make_site, {"content/en/x.md": "---\ntitle: x\n"})


def test_missing_source_dir(make_site):
    with pytest.raises(ContentError, match="does not exist"):
        load(make_site, {})


def test_check_slug_accepts_unicode_words():
    assert check_slug("sueño-y-descanso") is None
    assert check_slug(".hidden") is not None


BAD_INPUTS = {
    "unsafe slug": {"content/en/x.md": article(slug='"../../etc"')},
    "invalid utf-8": {"content/en/x.md": b"---\ntitle: \xff\ndate: 2026-01-01\n---\n"},
    "broken yaml": {"content/en/x.md": "---\ntitle: [\ndate: 2026-01-01\n---\n"},
    "missing title": {"content/en/x.md": "---\ndate: 2026-01-01\n---\nText\n"},
    "bad date": {"content/en/x.md": article(date="2026-13-01")},
    "duplicate slug": {"content/en/a.md": article(slug="s"), "content/en/b.md": article(slug="s")},
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_cli_bad_input_exit_2_names_file_no_traceback(make_site, twp, case):
    root = make_site(BAD_INPUTS[case])
    result = twp("--site", root, "extract")
    assert result.code == 2, result
    assert "content/en/" in result.err and ".md:" in result.err
    assert "Traceback" not in result.err + result.out
    assert not (root / "locales").exists()


def test_an_article_linked_from_outside_the_site_is_refused(make_site, twp, tmp_path):
    # Its text would be published (and a file that is no article quoted in the error).
    from .conftest import article

    outside = tmp_path / "elsewhere.md"
    outside.write_text(article(title="Secret"), encoding="utf-8")
    root = make_site({"content/en/a.md": article()})
    (root / "content/en/s.md").symlink_to(outside)
    result = twp("--site", root, "extract")
    assert result.code == 2 and "content/en/s.md" in result.err and "outside the site" in result.err
    (root / "content/en/s.md").unlink()
    shared = root / "shared"
    shared.mkdir()
    (shared / "t.md").write_text(article(title="Shared"), encoding="utf-8")
    (root / "content/en/t.md").symlink_to(shared / "t.md")  # a file of the site: read
    result = twp("--site", root, "extract")
    assert result.code == 0, result
    assert "Shared" in next(root.glob("locales/**/t.pot")).read_text(encoding="utf-8")
