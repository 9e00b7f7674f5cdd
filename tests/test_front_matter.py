"""Front matter the fuzz suite broke: each case names the file and line, or loads as written."""

from __future__ import annotations

import pytest

from twp_i18n.config import load_config
from twp_i18n.errors import ContentError
from twp_i18n.source.content import load_articles

from .conftest import article


def load(make_site, text: str | bytes):
    return load_articles(load_config(make_site({"content/en/x.md": text})))


def refused(make_site, text: str | bytes) -> ContentError:
    with pytest.raises(ContentError) as info:
        load(make_site, text)
    assert info.value.path == "content/en/x.md"
    return info.value


@pytest.mark.parametrize("key", ["title", "summary", "author", "translator_notes", "source_id"])
@pytest.mark.parametrize("escape", ["\\0", "\\x04", "\\e", "\\x7f", "\\r"])
def test_control_character_escape_in_a_text_field_names_its_line(make_site, key, escape):
    # YAML refuses a raw control character but makes one from an escape; a NUL or U+0004
    # then stopped `twp extract` with an error naming no file.
    extra = {} if key == "title" else {key: f'"a{escape}b"'}
    title = f"a{escape}b" if key == "title" else "A title"
    error = refused(make_site, article(title, **extra))
    assert f"'{key}' contains a control character" in error.message
    assert error.line == (2 if key == "title" else 4)


def test_control_character_in_tags_names_its_line(make_site):
    error = refused(make_site, article(tags='[ok, "a\\0b"]'))
    assert "'tags' contains a control character" in error.message and error.line == 4


def test_control_character_in_the_body_names_its_line(make_site):
    # U+0004 separates msgctxt from msgid inside a MO file, so no PO file can hold it.
    error = refused(make_site, article(body="Fine.\n\nBad \x04 here.\n"))
    assert "U+0004" in error.message and error.line == 7


def test_raw_control_character_names_its_line(make_site):
    error = refused(make_site, "---\ntitle: ok\ndate: 2026-01-01\nsummary: caf\u00e9 \x07\n---\n")
    assert "not valid YAML" in error.message and error.line == 4


@pytest.mark.parametrize("value", ["!!int abc", "!!float x", "!!bool maybe", "!!int " + "9" * 5000])
def test_bad_explicit_yaml_tag_names_its_line(make_site, value):
    error = refused(make_site, f"---\ntitle: ok\ndate: 2026-01-01\nsummary: {value}\n---\n")
    assert "not valid YAML" in error.message and error.line == 4


@pytest.mark.parametrize("title", ["9" * 5000, "0x" + "f" * 5000, "12:30", "010", "1_000", "1.50", ".inf"])
def test_number_like_title_is_kept_as_written(make_site, title):
    # YAML 1.1 reads these as numbers: 12:30 is 750 and 010 is 8, and a number of more
    # than 4300 digits raised ValueError.  No front-matter field is a number.
    [loaded] = load(make_site, f"---\ntitle: {title}\ndate: 2026-01-01\nsource_id: {title}\n---\n")
    assert loaded.title == title and loaded.source_id == title


LAUGHS = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
          + "".join(f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n"
                    for p, n in zip("abcdefgh", "bcdefghi", strict=True)))


@pytest.mark.parametrize("key", ["date", "updated"])
def test_billion_laughs_gives_a_short_error(make_site, key):
    # The error message used to spell out all 9**9 strings the aliases stand for.
    date = "*i" if key == "date" else "2026-01-01\nupdated: *i"
    error = refused(make_site, f"---\n{LAUGHS}title: x\ndate: {date}\n---\n")
    assert f"'{key}' is not a date" in error.message and len(str(error)) < 500
    assert error.line == (12 if key == "date" else 13)


def test_long_bad_date_is_shortened_in_the_message(make_site):
    error = refused(make_site, article(date="9" * 5000))
    assert "'date' is not a date" in error.message and len(error.message) < 200 and error.line == 3


def test_translator_notes_line_ending_in_backslash_names_its_line(make_site):
    # gettext joins a comment line ending in '\' with the next one, so the PO writer refused
    # it (naming no file) once `twp extract` got that far.
    error = refused(make_site, article(translator_notes='"Keep \\\\"'))
    assert "'translator_notes'" in error.message and "backslash" in error.message
    assert error.line == 4


def test_title_on_two_lines_names_its_line(make_site):
    # The title goes into the template's header comment too, where a line ending in '\' is fatal.
    error = refused(make_site, '---\ntitle: "a\\\\\\nb"\ndate: 2026-01-01\n---\n')
    assert "'title' must be one line" in error.message and error.line == 2


def test_cli_names_the_file_for_a_nul_title(make_site, twp):
    root = make_site({"content/en/x.md": '---\ntitle: "\\0"\ndate: 2026-01-01\n---\nText.\n'})
    result = twp("--site", root, "extract")
    assert result.code == 2, result
    assert "content/en/x.md:2:" in result.err and "Traceback" not in result.err
    assert not (root / "locales").exists()


def test_a_key_given_twice_is_an_error_naming_both_lines(make_site, twp):
    # YAML readers keep the last value silently: the CMS's first one would be lost unseen.
    root = make_site({"content/en/a.md": '---\ntitle: "T"\ndate: 2026-01-05\ntitle: "U"\n---\n\nText.\n'})
    result = twp("--site", root, "extract")
    assert result.code == 2 and "Traceback" not in result.err
    assert "content/en/a.md:4:" in result.err and "'title'" in result.err and "line 2" in result.err
