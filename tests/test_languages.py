"""Language facts, with plural forms checked against the real GNU ``msginit``."""

from __future__ import annotations

import gettext
import os
import subprocess
from functools import cache
from pathlib import Path

import polib
import pytest
from babel import Locale
from babel.localedata import locale_identifiers

from twp_i18n.languages import (
    GETTEXT_PLURALS,
    bcp47_tag,
    native_name,
    nplurals,
    plural_forms,
    text_direction,
)

from .conftest import gettext_tool

POT = """\
# SOME DESCRIPTIVE TITLE.
#, fuzzy
msgid ""
msgstr ""
"Project-Id-Version: PACKAGE VERSION\\n"
"Report-Msgid-Bugs-To: \\n"
"POT-Creation-Date: 2026-01-01 00:00+0000\\n"
"PO-Revision-Date: YEAR-MO-DA HO:MI+ZONE\\n"
"Last-Translator: FULL NAME <EMAIL@ADDRESS>\\n"
"Language-Team: LANGUAGE <LL@li.org>\\n"
"Language: \\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\n"

msgid "one article"
msgid_plural "%d articles"
msgstr[0] ""
msgstr[1] ""
"""

PLACEHOLDER = "nplurals=INTEGER; plural=EXPRESSION;"

#: Languages compared with msginit: the brief's twelve and more.
LANGUAGES = ["ar", "pl", "ja", "pt_BR", "fr", "es", "de", "ru", "cs", "ga", "zh_CN", "ckb",
             "pt", "pt_PT", "it", "uk", "be", "sl", "lv", "lt", "ro", "sk", "hr", "sr", "bg",
             "nl", "sv", "da", "nb", "nn", "no", "fo", "fi", "et", "hu", "el", "he", "tr", "eo",
             "ko", "vi", "en", "en_GB", "fr_CA", "de_AT", "ca", "fa", "hi", "sw", "id", "ur"]


def msginit_environment() -> dict[str, str]:
    """The environment minus what changes msginit's choice (a CLDR directory, the locale)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("GETTEXTCLDRDIR", "LANGUAGE") and not k.startswith("LC_")}
    env["LC_ALL"] = "C"
    return env


@cache
def msginit_plural_forms(lang: str, workdir: str) -> str:
    """The Plural-Forms value the real ``msginit`` writes for ``lang``."""
    msginit = gettext_tool("msginit")
    pot = Path(workdir) / "t.pot"
    if not pot.exists():
        pot.write_text(POT, encoding="utf-8")
    out = Path(workdir) / f"{lang}.po"
    subprocess.run([msginit, "--no-translator", "-l", lang, "-i", str(pot), "-o", str(out)],
                   check=True, capture_output=True, text=True, env=msginit_environment())
    value: str = polib.pofile(str(out)).metadata["Plural-Forms"]
    return value


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("msginit"))


def msgfmt_accepts(plural_forms_value: str, count: int,
                   directory: Path) -> subprocess.CompletedProcess[str]:
    """Run ``msgfmt -c`` on a catalog with this header and one plural entry of ``count`` forms."""
    msgfmt = gettext_tool("msgfmt")
    po = directory / "check.po"
    forms = "".join(f'msgstr[{i}] "%d x{i}"\n' for i in range(count))
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        f'"Plural-Forms: {plural_forms_value}\\n"\n\n'
        f'#, c-format\nmsgid "one article"\nmsgid_plural "%d articles"\n{forms}',
        encoding="utf-8")
    return subprocess.run([msgfmt, "-c", "-o", str(directory / "check.mo"), str(po)],
                          capture_output=True, text=True)


def cldr_index(locale: Locale, n: int) -> int:
    """The gettext form index of ``n``: CLDR categories in CLDR order (zero, one, ..., other)."""
    used = locale.plural_form.tags | {"other"}
    order: list[str] = [tag for tag in ("zero", "one", "two", "few", "many", "other")
                        if tag in used]
    return order.index(locale.plural_form(n))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_forms_match_msginit(lang: str, workdir: str, tmp_path: Path) -> None:
    expected = msginit_plural_forms(lang, workdir)
    ours = plural_forms(lang)
    if expected != PLACEHOLDER:
        assert ours == expected
        return
    # msginit does not know the language (it writes the placeholder): our CLDR fallback, or
    # gettext's newer table (Catalan), must be a formula msgfmt accepts with that many forms.
    result = msgfmt_accepts(ours, nplurals(lang), tmp_path)
    assert result.returncode == 0, result.stderr
    if lang.split("_")[0] not in GETTEXT_PLURALS:
        locale = Locale.parse(lang)
        plural = gettext.c2py(ours.split("plural=", 1)[1].rstrip(";"))
        assert [plural(n) for n in range(300)] == [cldr_index(locale, n) for n in range(300)]


def test_msginit_knows_the_required_languages(workdir: str) -> None:
    """The comparison above is real for at least twelve of them, including the tricky ones."""
    known = [lang for lang in LANGUAGES if msginit_plural_forms(lang, workdir) != PLACEHOLDER]
    assert len(known) >= 12
    for lang in ("pl", "ja", "pt_BR", "fr", "es", "de", "ru", "cs", "ga"):
        assert lang in known


def test_gettext_rather_than_cldr_for_romance_languages() -> None:
    # Babel/CLDR gives these a third "many" form; gettext (and PO editors) expect two.
    for lang in ("fr", "es", "it", "pt", "pt_BR", "ca"):
        assert len(Locale.parse(lang).plural_form.tags | {"other"}) == 3
        assert nplurals(lang) == 2
    assert plural_forms("fr") == "nplurals=2; plural=(n > 1);"
    assert plural_forms("es") == plural_forms("pt") == "nplurals=2; plural=(n != 1);"
    assert plural_forms("pt_BR") == plural_forms("pt-BR") == "nplurals=2; plural=(n > 1);"


def test_arabic_has_six_forms_like_the_gettext_manual() -> None:
    assert nplurals("ar") == 6
    ours = gettext.c2py(plural_forms("ar").split("plural=", 1)[1].rstrip(";"))
    manual = gettext.c2py("n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 "
                          ": n%100>=11 ? 4 : 5")
    assert [ours(n) for n in range(3000)] == [manual(n) for n in range(3000)]


def test_nplurals() -> None:
    assert [nplurals(lang) for lang in ("ja", "zh_CN", "de", "fr", "pl", "ru", "sl", "ar")] == \
        [1, 1, 2, 2, 3, 3, 4, 6]


def test_fallback_is_valid_for_every_babel_locale(tmp_path: Path) -> None:
    """Every formula Babel's data leads to compiles with msgfmt and follows CLDR on integers."""
    seen: dict[str, str] = {}
    for ident in locale_identifiers():
        value = plural_forms(ident)
        seen.setdefault(value, ident)
        base = ident.split("_")[0]
        if base not in GETTEXT_PLURALS and ident not in GETTEXT_PLURALS:
            locale = Locale.parse(ident)
            plural = gettext.c2py(value.split("plural=", 1)[1].rstrip(";"))
            assert [plural(n) for n in (*range(120), 1000, 1000000)] == \
                [cldr_index(locale, n) for n in (*range(120), 1000, 1000000)], ident
    for value, ident in seen.items():
        result = msgfmt_accepts(value, nplurals(ident), tmp_path)
        assert result.returncode == 0, (ident, value, result.stderr)


def test_unknown_language() -> None:
    with pytest.raises(ValueError):
        plural_forms("xx")
    with pytest.raises(ValueError):
        text_direction("qq_ZZ")


@pytest.mark.parametrize(("lang", "direction"), [
    ("ar", "rtl"), ("he", "rtl"), ("fa", "rtl"), ("ckb", "rtl"), ("ur", "rtl"),
    ("en", "ltr"), ("fr", "ltr"), ("ja", "ltr"), ("zh_CN", "ltr"), ("pt_BR", "ltr"),
])
def test_text_direction(lang: str, direction: str) -> None:
    assert text_direction(lang) == direction


@pytest.mark.parametrize(("lang", "name"), [
    ("fr", "Français"), ("es", "Español"), ("de", "Deutsch"), ("pt_BR", "Português (Brasil)"),
    ("ja", "日本語"), ("ar", "العربية"), ("vi", "Tiếng Việt"), ("ru", "Русский"),
    ("sr@latin", "Srpski (latinica)"),
])
def test_native_name(lang: str, name: str) -> None:
    assert native_name(lang) == name


@pytest.mark.parametrize(("lang", "tag"), [
    ("pt_BR", "pt-BR"), ("pt-BR", "pt-BR"), ("en", "en"), ("ckb", "ckb"),
    ("zh_Hant_TW", "zh-Hant-TW"), ("sr@latin", "sr-Latn"), ("es_419", "es-419"),
    ("de_DE.UTF-8", "de-DE"),
])
def test_bcp47_tag(lang: str, tag: str) -> None:
    assert bcp47_tag(lang) == tag


def test_sr_latin_is_one_tag_everywhere(make_site, tmp_path):
    """A POSIX modifier locale gets the same BCP 47 tag in config, CLI, pages and feeds."""
    import json

    from typer.testing import CliRunner

    from twp_i18n.cli.app import app
    from twp_i18n.config import load_config

    from .conftest import MINIMAL_CONFIG

    root = make_site(config=MINIMAL_CONFIG.replace('languages = ["es", "fr"]',
                                                   'languages = ["es", "sr@latin"]'),
                     files={"content/en/sleep.md": '---\ntitle: "Sleep"\ndate: 2026-01-05\n---\n\nText.\n'})
    config = load_config(root)
    assert config.languages == ("es", "sr@latin")
    runner = CliRunner()
    for args in (["extract"], ["update"]):
        result = runner.invoke(app, ["--site", str(root), "--quiet", *args])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["--site", str(root), "status", "--lang", "sr-Latn", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [row["language"] for row in json.loads(result.output)["languages"]] == ["sr@latin"]
    result = runner.invoke(app, ["--site", str(root), "--quiet", "build"])
    assert result.exit_code == 0, result.output
    chooser = (root / "dist" / "index.html").read_text(encoding="utf-8")
    assert 'hreflang="sr-Latn"' in chooser or 'lang="sr-Latn"' in chooser
    assert "sr@latin" not in chooser and "sr-latin" not in chooser.lower()


def test_a_plural_forms_value_with_long_runs_of_spaces_is_read_in_linear_time() -> None:
    # '(.+?)\s*;?\s*$' took cubic time on the spaces: minutes for these
    from twp_i18n.languages import plural_function

    spaces = " " * 100_000
    parsed = plural_function(f"nplurals=2;{spaces}plural={spaces}(n != 1){spaces};{spaces}")
    assert parsed is not None and parsed[0] == 2 and parsed[1][:3] == [1, 0, 1]
    assert plural_function(f"nplurals=2; plural={spaces};") is None
    assert plural_function(f"nplurals=2; plural=n{spaces}x") is None
