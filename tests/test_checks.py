"""QA checks of translations: one test per finding, both ways, plus hostile input."""

from __future__ import annotations

from collections import Counter

import polib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twp_i18n.catalog.checks import (
    Context,
    Finding,
    Verdicts,
    check_catalog,
    check_entry,
    finding_from_error,
    placeholders,
    unsafe_entry,
    url_scheme,
)
from twp_i18n.errors import CatalogError
from twp_i18n.languages import plural_forms

PATH = "locales/fr/LC_MESSAGES/sleep.po"


def entry(msgid: str, msgstr: str = "", *, line: int = 10, **kwargs: object) -> polib.POEntry:
    made = polib.POEntry(msgid=msgid, msgstr=msgstr, **kwargs)
    made.linenum = line
    return made


def findings(msgid: str, msgstr: str, kind: str = "article", **kwargs: object) -> list[Finding]:
    item = entry(msgid, msgstr, **kwargs)
    return check_entry(item, path=PATH, kind=kind)  # type: ignore[arg-type]


def codes(msgid: str, msgstr: str, kind: str = "article", **kwargs: object) -> set[str]:
    return {f.code for f in findings(msgid, msgstr, kind, **kwargs)}


def catalog(lang: str, entries: list[polib.POEntry], plural: str | None = None) -> polib.POFile:
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": lang}
    if plural is not None:
        po.metadata["Plural-Forms"] = plural
    po.extend(entries)
    return po


# --------------------------------------------------------------------------- Finding

def test_finding_str_is_gcc_style() -> None:
    finding = Finding(PATH, 12, "error", "unsafe-link", "link with a forbidden scheme",
                      "use an https link", "Read [this](https://x.org).")
    assert str(finding) == f"{PATH}:12: error: link with a forbidden scheme [unsafe-link]"
    no_line = Finding(PATH, None, "warning", "whitespace", "differs", "fix it", None)
    assert str(no_line) == f"{PATH}: warning: differs [whitespace]"


def test_finding_from_catalog_error() -> None:
    exc = CatalogError("unterminated string", path=PATH, line=4, hint="close the quote")
    finding = finding_from_error(exc)
    assert (finding.code, finding.severity, finding.line) == ("syntax", "error", 4)
    assert finding.path == PATH
    assert str(finding) == f"{PATH}:4: error: unterminated string [syntax]"
    assert finding.hint == "close the quote"
    assert finding_from_error(CatalogError("not UTF-8", path=PATH)).hint  # a default hint


def test_every_finding_has_a_hint_and_the_entry_line() -> None:
    found = findings("See [x](https://a.org) on 3 days.", " Voir [x](javascript:x) 4 jours <b>",
                     line=42)
    assert found and all(f.hint and f.line == 42 and f.msgid for f in found)
    assert [f.severity for f in found] == sorted((f.severity for f in found),
                                                 key=lambda s: s != "error")


# --------------------------------------------------------------------------- clean translations

SOURCE = ("Read **the guide** first, then *ask* on [our forum](https://example.org/forum) "
          "or run `twp check` before <abbr title=\"as soon as possible\">ASAP</abbr> 2 weeks.")


@pytest.mark.parametrize("translation", [
    # markup moved around inside the sentence, link text translated
    "Lancez `twp check` ou *demandez* sur [notre forum](https://example.org/forum) après "
    "avoir lu **le guide**, <abbr title=\"as soon as possible\">ASAP</abbr> 2 semaines.",
    # right to left, same markup
    "اقرأ **الدليل** أولاً، ثم *اسأل* في [منتدانا](https://example.org/forum) أو شغّل "
    "`twp check` قبل <abbr title=\"as soon as possible\">ASAP</abbr> خلال ٢ أسابيع.",
    "קראו את **המדריך** קודם, ואז *שאלו* ב[פורום שלנו](https://example.org/forum) או הריצו "
    "`twp check` <abbr title=\"as soon as possible\">ASAP</abbr> 2 שבועות.",
])
def test_correct_translations_give_no_finding(translation: str) -> None:
    assert findings(SOURCE, translation) == []


def test_unchecked_entries() -> None:
    hostile = "<script>alert(1)</script>"
    fuzzy = entry("Hello world.", hostile, flags=["fuzzy"])
    obsolete = entry("Hello world.", hostile, obsolete=True)
    untranslated = entry("Hello world.", "")
    for item in (fuzzy, obsolete, untranslated):
        assert check_entry(item, path=PATH, kind="article") == []
        assert not unsafe_entry(item)


# --------------------------------------------------------------------------- markup-mismatch

@pytest.mark.parametrize(("source", "broken", "fixed"), [
    ("Go *slowly*.", "Allez lentement.", "Allez *lentement*."),
    ("Go **slowly**.", "Allez *lentement*.", "Allez **lentement**."),
    ("Run `twp`.", "Lancez twp.", "Lancez `twp`."),
    ("See [the FAQ](/faq).", "Voir [la FAQ] (/faq).", "Voir [la FAQ](/faq)."),
    ("See [the FAQ](/faq).", "Voir la FAQ.", "Voir [la FAQ](/faq)."),
    ("A ![chart](c.png) here", "Un graphique ici", "Un ![graphique](c.png) ici"),
    ("Press <kbd>Enter</kbd>.", "Appuyez sur Entrée.", "Appuyez sur <kbd>Entrée</kbd>."),
    ("Press <kbd>Enter</kbd>.", "Appuyez sur <kbd>Entrée.", "Appuyez sur <kbd>Entrée</kbd>."),
    ("Plain text.", "Texte **simple**.", "Texte simple."),
    ("Visit <https://example.org>.", "Visitez example.org.", "Visitez <https://example.org>."),
])
def test_markup_mismatch(source: str, broken: str, fixed: str) -> None:
    found = findings(source, broken)
    assert "markup-mismatch" in {f.code for f in found}
    assert all(f.severity == "error" for f in found if f.code == "markup-mismatch")
    assert "markup-mismatch" not in codes(source, fixed)


def test_markup_mismatch_message_names_what_differs() -> None:
    [finding] = [f for f in findings("Go *slowly*.", "Allez **lentement**.")
                 if f.code == "markup-mismatch"]
    assert "missing emphasis" in finding.message and "added strong" in finding.message


# --------------------------------------------------------------------------- unsafe-link

@pytest.mark.parametrize("hostile", [
    "Voir [x](javascript:alert(1)).",
    "Voir [x](JaVaScRiPt:alert(1)).",
    "Voir [x](   javascript:alert(1)).",
    "Voir [x](\x01javascript:alert(1)).",
    "Voir [x]( \x0bjavascript:alert(1)).",
    "Voir [x](&#106;avascript:alert(1)).",
    "Voir [x](&#x6A;avascript:alert(1)).",
    "Voir [x](javascript&colon;alert(1)).",
    "Voir [x](<java script:alert(1)>).",
    "Voir [x](java%73cript:alert(1)).",
    "Voir [x](vbscript:msgbox(1)).",
    "Voir [x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==).",
    "Voir [x](file:///etc/passwd).",
    "Voir [x](https://example.org \"t\") ![y](javascript:alert(1)).",
    "Voir <a href=\"javascript:alert(1)\">x</a>.",
    "Voir <a href=\"&#106;avascript:alert(1)\">x</a>.",
    "Voir <a href=' jAvAsCrIpT:alert(1)'>x</a>.",
    "Voir <javascript:alert(1)>.",
])
def test_unsafe_link(hostile: str) -> None:
    source = "See [x](https://example.org)."
    found = [f for f in findings(source, hostile) if f.code == "unsafe-link"]
    assert found and all(f.severity == "error" for f in found)
    assert unsafe_entry(entry(source, hostile))


@pytest.mark.parametrize("url", [
    "https://example.org/fr/", "http://example.org", "mailto:team@example.org", "/fr/about",
    "../sleep", "#notes", "sleep.md", "//cdn.example.org/x.png", "?page=2",
])
def test_safe_links(url: str) -> None:
    assert "unsafe-link" not in codes("See [x](https://example.org).", f"Voir [x]({url}).")
    assert url_scheme(url) in (None, "http", "https", "mailto")


def test_a_link_the_author_wrote_may_be_kept() -> None:
    source = "Call [the helpline](tel:+15551234)."
    assert "unsafe-link" not in codes(source, "Appelez [la ligne d'écoute](tel:+15551234).")
    assert "unsafe-link" in codes(source, "Appelez [la ligne](tel:+15559999).")


def test_url_scheme_sees_through_disguises() -> None:
    for disguised in ("JAVASCRIPT:x", " \t\njavascript:x", "\x00javascript:x", "java\tscript:x",
                      "&#106;&#97;vascript:x", "&#0000106avascript:x", "javascript&#58;x",
                      "%6Aavascript:x", "\u200bjavascript:x", "ｊavascript:x"):
        assert url_scheme(disguised) == "javascript", disguised


# --------------------------------------------------------------------------- unsafe-html

@pytest.mark.parametrize(("hostile", "what"), [
    ("Bonjour <script>alert(1)</script>.", "<script>"),
    ("Bonjour <iframe src=\"https://evil.example\"></iframe>.", "<iframe>"),
    ("Bonjour <img src=x onerror=alert(1)>.", "<img>"),
    ("Bonjour <span class=\"n\" onmouseover=\"alert(1)\">monde</span>.", "'onmouseover'"),
    ("Bonjour <span class=\"n\" style=\"position:fixed;top:0\">monde</span>.", "'style'"),
    ("Bonjour <span class=\"n\" id=\"x\">monde</span>.", "'id'"),
    ("Bonjour <span class=\"n\">monde</span><meta http-equiv=\"refresh\" content=\"0\">.",
     "<meta>"),
    ("Bonjour <span class=\"n\">monde</span><!-- caché -->.", "HTML comment"),
])
def test_unsafe_html(hostile: str, what: str) -> None:
    source = "Hello <span class=\"n\">world</span>."
    found = [f for f in findings(source, hostile) if f.code == "unsafe-html"]
    assert found and all(f.severity == "error" for f in found)
    assert any(what in f.message for f in found), found


def test_html_of_the_source_may_stay_and_move() -> None:
    source = "Hello <span class=\"n\" style=\"color:red\">world</span>, <br> friends."
    moved = "<br> Bonjour, amis du <span class=\"n\" style=\"color:red\">monde</span>."
    assert findings(source, moved) == []
    # a source attribute keeps its value when it could restyle the page
    assert "unsafe-html" in codes(
        source, "<br> Bonjour, amis du <span class=\"n\" style=\"position:fixed\">monde</span>.")


# --------------------------------------------------------------------------- placeholders

@pytest.mark.parametrize(("source", "bad", "good"), [
    ("Hello, {name}!", "Bonjour !", "Bonjour, {name} !"),
    ("Hello, {name}!", "Bonjour {name} et {other} !", "{name}, bonjour !"),
    ("%(count)s comments", "commentaires", "%(count)s commentaires"),
    ("Page %d of %d", "Page %d", "Page %d sur %d"),
    ("By %s", "Par %s, %d", "Par %s"),
    ("100%% done, {{literal}}", "fait à 100%% {x}", "fait à 100%%, {{littéral}}"),
])
def test_placeholder(source: str, bad: str, good: str) -> None:
    found = [f for f in findings(source, bad, kind="site") if f.code == "placeholder"]
    assert found and all(f.severity == "error" for f in found)
    assert "placeholder" not in codes(source, good, kind="site")


def test_placeholders_are_only_checked_in_interface_strings() -> None:
    assert "placeholder" not in codes("Use {braces} like this.", "Utilisez des accolades.")


def test_placeholders_in_every_plural_form() -> None:
    def plural(forms: dict[int, str]) -> set[str]:
        item = polib.POEntry(msgid="One comment", msgid_plural="%(num)s comments",
                             msgstr_plural=forms)
        return {f.code for f in check_entry(item, path=PATH, kind="site", nplurals=3)}

    assert plural({0: "%(num)s komentarz", 1: "%(num)s komentarze",
                   2: "%(num)s komentarzy"}) == set()
    assert plural({0: "jeden komentarz", 1: "%(num)s komentarze", 2: "%(num)s komentarzy"}) == set()
    assert plural({0: "komentarz", 1: "%(num)s komentarze", 2: "komentarzy"}) == {"placeholder"}
    assert plural({0: "komentarz %(n)s", 1: "%(num)s komentarze",
                   2: "%(num)s x"}) == {"placeholder"}


# --------------------------------------------------------------------------- plural-forms

def test_wrong_number_of_plural_forms() -> None:
    item = polib.POEntry(msgid="one day", msgid_plural="%d days",
                         msgstr_plural={0: "%d dzień", 1: "%d dni"})
    item.linenum = 30
    [finding] = check_entry(item, path=PATH, kind="site", nplurals=3)
    assert (finding.code, finding.severity, finding.line) == ("plural-forms", "error", 30)
    assert "2 plural forms" in finding.message and "3" in finding.message
    assert check_entry(item, path=PATH, kind="site", nplurals=2) == []
    # the count is checked even before the entry is translated
    empty = polib.POEntry(msgid="one day", msgid_plural="%d days", msgstr_plural={0: "", 1: ""})
    found = check_entry(empty, path=PATH, kind="site", nplurals=6)
    assert [f.code for f in found] == ["plural-forms"]


@pytest.mark.parametrize(("lang", "header", "ok"), [
    ("fr", plural_forms("fr"), True),
    ("fr", "nplurals=2; plural=n>1;", True),                       # same formula, other spelling
    ("fr", "nplurals=2; plural=(n != 1);", False),                 # 0 is singular in French
    ("fr", "nplurals=3; plural=(n==1 ? 0 : n==0 ? 1 : 2);", False),  # Babel-style third form
    ("fr", None, False),
    ("fr", "nplurals=INTEGER; plural=EXPRESSION;", False),
    ("fr", "nplurals=2; plural=(n > 1 ? 0 : 5);", False),         # form outside 0..1
    ("pl", plural_forms("pl"), True),
    ("pl", plural_forms("ru"), False),
    ("ar", "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 "
           ": n%100>=11 ? 4 : 5;", True),
    ("ja", "nplurals=1; plural=0;", True),
    ("ja", "nplurals=2; plural=(n != 1);", False),
])
def test_header_plural_forms(lang: str, header: str | None, ok: bool) -> None:
    found = check_catalog(catalog(lang, [], header), path=PATH, lang=lang, kind="site")
    if ok:
        assert found == []
    else:
        [finding] = found
        assert (finding.code, finding.severity) == ("plural-forms", "error")
        assert plural_forms(lang) in finding.hint


# --------------------------------------------------------------------------- warnings

def test_link_changed() -> None:
    source = "See [one](https://a.org/1) and [two](https://a.org/2)."
    [finding] = findings(source, "Voir [un](https://a.org/1) et [deux](https://a.org/fr/2).")
    assert (finding.code, finding.severity) == ("link-changed", "warning")
    assert "https://a.org/fr/2" in finding.message
    # another site is an error that no comment can silence: readers would be redirected
    found = findings(source, "Voir [un](https://a.org/1) et [deux](https://evil.example/2).")
    assert ("foreign-link", "error") in {(f.code, f.severity) for f in found}
    moved = entry(source, "Voir [un](https://a.org/1) et [deux](//evil.example/2).")
    moved.tcomment = "twp-ignore: link-changed, foreign-link"
    assert unsafe_entry(moved)
    # swapping the order of the links is fine
    assert findings(source, "Voir [deux](https://a.org/2) puis [un](https://a.org/1).") == []


def test_number_changed() -> None:
    [finding] = findings("About 20 people came, 3 of them twice.",
                         "Environ 25 personnes sont venues, 3 deux fois.")
    assert (finding.code, finding.severity) == ("number-changed", "warning")
    assert "20" in finding.message and "25" in finding.message
    assert findings("Take 20 mg for 3 weeks.", "خذ ٢٠ ملغ لمدة ٣ أسابيع.") == []
    assert findings("About 1,000 people, 2.5%", "Environ 1 000 personnes, 2,5 %") == []
    assert findings("About 1,000 people", "Ungefähr 1.000 Menschen") == []


def checked(msgid: str, msgstr: str, lang: str) -> set[tuple[str, str]]:
    item = entry(msgid, msgstr)
    return {(f.code, f.severity)
            for f in check_entry(item, path=PATH, kind="article", context=Context(lang))}


@pytest.mark.parametrize("target", [
    "http:evil.example/guide", "https:evil.example/guide", "https:///evil.example/forum",
    "http:/evil.example", "HTTP:evil.example", "https:////evil.example", "https:\\\\evil.example/",
    "https:/\\evil.example", " https:evil.example", "https://%65vil.example/",
    "https://user@evil.example/", "https://evil.example:443/",
])
def test_a_web_address_a_browser_reads_as_another_site_is_a_foreign_link(target: str) -> None:
    # Browsers read "http:evil.example" or "https:///evil.example" as the host evil.example
    # (slashes and backslashes after a web scheme are skipped), whatever urlsplit says.
    found = checked("Read [our guide](https://demo.example.org/guide).",
                    f"Lea [nuestra guía]({target}).", "es")
    assert ("foreign-link", "error") in found, target


def test_relative_and_same_site_links_stay_fine() -> None:
    for target in ("../guide/", "/es/guide/", "https://demo.example.org/es/guide",
                   "https:demo.example.org/es/guide"):
        found = checked("Read [our guide](https://demo.example.org/guide).",
                        f"Lea [nuestra guía]({target}).", "es")
        assert ("foreign-link", "error") not in found, target


def test_a_changed_dose_is_an_error() -> None:
    assert checked("Take 2.5 mg daily.", "Nehmen Sie täglich 25 mg.", "de") \
        == {("dose-changed", "error")}
    assert unsafe_entry(entry("Take 2.5 mg daily.", "Nehmen Sie täglich 25 mg."),
                        context=Context("de"))
    [finding] = findings("Take 20 mg for 3 weeks.", "Prenez 25 mg pendant 3 semaines.")
    assert (finding.code, finding.severity) == ("dose-changed", "error")
    assert "20 mg" in finding.message and "25" in finding.message
    # every kind of unit: dose, volume, proportion, time; also in a range
    for source, translation, lang in [
            ("Reduce by 10% a month.", "Reduzieren Sie um 15 % im Monat.", "de"),
            ("Use 1.5 ml of the liquid.", "Utilisez 15 ml du liquide.", "fr"),
            ("Wait 2 weeks.", "Attendez deux semaines.", "fr"),
            ("Every 2-4 weeks.", "Toutes les 3-4 semaines.", "fr"),
            ("Hold for 10 days.", "Warten Sie 100 Tage.", "de")]:
        assert ("dose-changed", "error") in checked(source, translation, lang), translation
    # a dose the translation adds is one too
    assert ("dose-changed", "error") in checked("Take it slowly.", "Nehmen Sie 5 mg.", "de")
    # a dose-changed error cannot be silenced
    silenced = entry("Take 2.5 mg.", "Nehmen Sie 25 mg.", tcomment="twp-ignore: dose-changed")
    assert unsafe_entry(silenced, context=Context("de"))


def test_doses_are_compared_as_numbers_in_either_language() -> None:
    for source, translation, lang in [
            ("Take 2.5 mg daily.", "Nehmen Sie täglich 2,5 mg.", "de"),
            ("Take 2.5 mg daily.", "Nehmen Sie täglich 2.5 mg.", "de"),  # the English reading
            ("Reduce by 10% every 2 weeks.", "Réduire de 10\u202f% toutes les 2 semaines.", "fr"),
            ("Reduce by 10% every 2 weeks.", "Réduire de 10 % toutes les 2 semaines.", "fr"),
            ("Take 2.5 mg daily.", "خذ ٢٫٥ ملغ يوميا.", "ar"),
            ("Take 0.25 mg.", "تناول ٠٫٢٥ ملغ.", "ar"),
            ("Take 2.5 mg.", "2.5 mgを飲みます。", "ja"),
            ("Take 2.5 mg.", "２．５ｍｇを飲みます。", "ja"),
            ("Reduce by 10%.", "１０％減らします。", "ja"),
            ("A 1,000 mg tablet.", "Eine Tablette mit 1.000 mg.", "de"),
            ("Take 2.50 mg.", "Nehmen Sie 2,5 mg.", "de")]:
        assert checked(source, translation, lang) == set(), (translation, lang)
    # a German "2,5" is not the English "25"
    assert ("dose-changed", "error") in checked("Take 25 mg.", "Nehmen Sie 2,5 mg.", "de")


def test_a_dose_its_readers_would_read_otherwise_is_a_changed_dose() -> None:
    # "17.500 mg" is 17.5 the English way, but a Spanish or German reader takes it for
    # 17 500: a dose is read the way the translation's language writes numbers, when that
    # language reads it at all ("2.5" is no German number: the English reading stands).
    for source, translation, lang in [
            ("Go from 20 mg to 17.5 mg.", "Pasar de 20 mg a 17.500 mg.", "es"),
            ("A 1,000 mg tablet.", "Eine Tablette mit 1,000 mg.", "de"),
            ("Take 17.5 mg.", "Nehmen Sie 17.500 mg.", "de")]:
        assert ("dose-changed", "error") in checked(source, translation, lang), translation
    assert checked("Take 17.5 mg.", "Nehmen Sie 17.5 mg.", "de") == set()
    for lang, translation in (("de", "Nehmen Sie 0.125 mg."), ("es", "Tome 0.125 mg."),
                              ("it", "Prendi 0.125 mg."), ("pt_BR", "Tome 0.125 mg.")):
        assert checked("Take 0.125 mg.", translation, lang) == set(), translation  # no 125
    assert checked("Take 17.5 mg.", "Tome 17,5 mg.", "es") == set()
    # a plain number keeps both readings (a warning at most, never an error)
    assert ("dose-changed", "error") not in checked("Page 1.500 of it.", "Seite 1.500.", "de")


def test_a_dose_with_another_unit_of_mass_or_volume_is_a_changed_dose() -> None:
    for translation in ("Tome 20 mcg al día.", "Tome 20 g al día.", "Tome 20 ml al día."):
        found = checked("Take 20 mg a day.", translation, "es")
        assert ("dose-changed", "error") in found, translation
    assert checked("Take 20 mg a day.", "Tome 20 mg al día.", "es") == set()
    assert checked("20 mg, then 20 mcg.", "20 mcg, luego 20 mg.", "es") == set()  # both kept
    assert checked("Take 20 mcg a day.", "Tome 20 μg al día.", "es") == set()  # the same unit
    assert checked("Take 2.5 mg daily.", "خذ ٢٫٥ ملغ يوميا.", "ar") == set()  # its own word
    # a minus sign is part of a dose; a range's dash is not
    assert ("dose-changed", "error") in checked("Take 0.5 mg.", "Tome -0,5 mg.", "es")
    assert checked("Reduce by -0.5 mg.", "Reducir en -0,5 mg.", "es") == set()
    assert checked("Take 2-4 mg.", "Tome 2-4 mg.", "es") == set()
    # the translation's own unit names (CLDR's short and long ones)
    assert ("dose-changed", "error") in checked("Take 20 mg.", "Примите 20 мкг.", "ru")
    assert ("dose-changed", "error") in checked("Take 20 mg.", "Tome 20 microgramos.", "es")
    for translation, lang in (("Примите 2,5 мг.", "ru"), ("Tome 2,5 miligramos.", "es"),
                              ("Прийміть 20 мкг.", "uk")):
        source = "Take 20 mcg." if lang == "uk" else "Take 2.5 mg."
        assert checked(source, translation, lang) == set(), translation


def test_a_duration_in_another_unit_of_time_is_a_changed_dose() -> None:
    # The translation's own words for days, weeks and months (CLDR's, in every plural form):
    # "2 weeks" is never "2 meses".
    for source, translation, lang in [
            ("Reduce every 2 weeks.", "Reducir cada 2 meses.", "es"),
            ("Wait 3 days between steps.", "Warten Sie 3 Wochen zwischen den Schritten.", "de"),
            ("Hold for 1 month.", "Gardez-la 1 an.", "fr"),
            ("After 4 weeks, reduce by 10%.", "Через 4 месяца снизьте на 10%.", "ru")]:
        assert ("dose-changed", "error") in checked(source, translation, lang), translation
    for source, translation, lang in [
            ("Reduce every 2 weeks.", "Reducir cada 2 semanas.", "es"),
            ("Reduce every 2-4 weeks.", "Reducir cada 2-4 semanas.", "es"),
            ("Wait 1 week.", "Warten Sie 1 Woche.", "de"),
            ("Hold for 6 months.", "Gardez-la 6\u00a0mois.", "fr"),
            ("After 4 weeks.", "Через 4 недели.", "ru"),
            ("Reduce every 2 weeks.", "Reducir cada 2 weeks.", "es"),  # the English word kept
            ("Reduce every 2 weeks.", "2週間ごとに減らします。", "ja")]:
        assert checked(source, translation, lang) == set(), translation
    # a duration the English spells out, written in digits as the guide asks: no error
    for source, translation, lang in [("Rest for two weeks.", "Descanse 2 semanas.", "es"),
                                      ("Rest for a week.", "休息1周。", "zh")]:
        assert ("dose-changed", "error") not in checked(source, translation, lang), translation


def test_dose_units_are_configurable() -> None:
    plain = Context("de", dose_units=("mg",))
    item = entry("Wait 2 weeks.", "Warten Sie 3 Wochen.")
    assert {f.code for f in check_entry(item, path=PATH, kind="article", context=plain)} \
        == {"number-changed"}
    drops = Context("de", dose_units=("gouttes", "drops"))
    item = entry("Take 3 drops.", "Nehmen Sie 4 Tropfen.")
    assert {f.code for f in check_entry(item, path=PATH, kind="article", context=drops)} \
        == {"dose-changed"}


def test_many_numbers_stay_linear() -> None:
    # thousands of numbers in one translation: paired greedily above a bound, no blow-up
    source = " ".join(f"{n} mg" for n in range(1000))
    item = entry(source, " ".join(f"{n} mg" for n in reversed(range(1000))))
    assert check_entry(item, path=PATH, kind="article", context=Context("de")) == []
    # the same number thousands of times: each is paired once, never searched again
    item = entry("1 mg " * 10_000, "1 mg " * 9_999 + "2 mg ")
    [finding] = check_entry(item, path=PATH, kind="article", context=Context("de"))
    assert finding.code == "dose-changed" and "missing 1 mg" in finding.message


def test_untranslated_copy() -> None:
    [finding] = findings("Tapering is a slow process.", "Tapering is a slow process.")
    assert (finding.code, finding.severity) == ("untranslated-copy", "warning")
    for same in ("2026", "`twp check --all`", "<https://example.org/>", "https://example.org/x",
                 "RSS", "`pip install twp-i18n` ok", "— 42 —"):
        assert findings(same, same) == [], same
    assert findings("Tapering is slow.", "Le sevrage est lent.") == []


def test_whitespace() -> None:
    found = findings("Hello world.", " Bonjour le monde.\n")
    assert [(f.code, f.severity) for f in found] == [("whitespace", "warning")] * 2
    assert findings(" Hello. ", " Bonjour. ") == []
    assert "whitespace" in codes("Hello.\n", "Bonjour.")


# --------------------------------------------------------------------------- twp-ignore

def test_translator_comment_silences_a_warning() -> None:
    source, translation = "See [the FAQ](https://a.org/faq) for 3 tips.", \
        "Voir [la FAQ](https://a.org/fr/faq) pour 5 conseils."
    assert codes(source, translation) == {"link-changed", "number-changed"}
    assert codes(source, translation, tcomment="twp-ignore: link-changed") == {"number-changed"}
    assert codes(source, translation,
                 tcomment="reviewed by Ana\ntwp-ignore: link-changed, number-changed") == set()


def test_errors_cannot_be_silenced() -> None:
    hostile = "Voir [x](javascript:alert(1)) <script>x</script>"
    item = entry("See [x](https://a.org).", hostile,
                 tcomment="twp-ignore: unsafe-link unsafe-html markup-mismatch")
    found = {f.code for f in check_entry(item, path=PATH, kind="article")}
    assert {"unsafe-link", "unsafe-html", "markup-mismatch"} <= found
    assert unsafe_entry(item)


def test_unsafe_entry_only_for_errors() -> None:
    assert not unsafe_entry(entry("Chapter 20.", "Chapitre 25."))  # a warning only
    assert unsafe_entry(entry("Take *20* mg.", "Prenez 20 mg."))
    assert not unsafe_entry(entry("Take *20* mg.", "Prenez *20* mg."))


# --------------------------------------------------------------------------- robustness

PIECES = list("ab1 *_`[]()<>!\\/:=\"'&#;%{}-\n\x00\x01") + [
    "javascript:", "<a href=", "<script>", "](", "&#106;", "%(x)s", "{name}", "<!--", "-->",
    "<![CDATA[", "<!", "<?", "é", "٣", "\u202e", "**", "<span class=x>", "</span>", "onclick="]
#: Text made of markup-like pieces, more likely than random text to reach every check.
MARKUPISH = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(msgid=st.one_of(st.text(min_size=1), MARKUPISH.filter(bool)),
       msgstr=st.one_of(st.text(), MARKUPISH),
       kind=st.sampled_from(["article", "site"]))
def test_check_entry_never_crashes(msgid: str, msgstr: str, kind: str) -> None:
    result = check_entry(entry(msgid, msgstr), path=PATH, kind=kind)  # type: ignore[arg-type]
    assert all(isinstance(f, Finding) and f.code and f.hint for f in result)
    plural = polib.POEntry(msgid=msgid, msgid_plural=msgid + "s",
                           msgstr_plural={0: msgstr, 1: msgstr + msgid})
    check_entry(plural, path=PATH, kind=kind, nplurals=2)  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(header=st.text(max_size=60))
def test_check_catalog_never_crashes_on_headers(header: str) -> None:
    check_catalog(catalog("ru", [], "nplurals=3; plural=" + header), path=PATH, lang="ru",
                  kind="site")


def test_hostile_catalog() -> None:
    """A seeded set of hostile entries gives the expected errors at the right lines."""
    def at(line: int, msgid: str, msgstr: str = "", **kwargs: object) -> polib.POEntry:
        return entry(msgid, msgstr, line=line, **kwargs)

    plural = polib.POEntry(msgid="one reply", msgid_plural="%(num)s replies",
                           msgstr_plural={0: "%(num)s réponse", 1: "%(num)s réponses",
                                          2: "%(num)s réponses"})
    plural.linenum = 70
    entries = [
        at(20, "Hello world.", "Bonjour <script>document.location='https://evil.example'</script>"),
        at(24, "See [the FAQ](https://example.org/faq).", "Voir [la FAQ](javascript:alert(1))."),
        at(28, "Hello <span class=\"n\">world</span>.",
           "Bonjour <span class=\"n\" onclick=\"steal()\">monde</span>."),
        at(32, "Go **slowly** and *carefully*.", "Allez **lentement et *prudemment."),
        at(36, "Read <a href=\"https://example.org\">this</a>.",
           "Lisez <a href=\"&#106;avascript:alert(1)\">ceci</a>."),
        at(40, "Fine text.", "Texte correct."),
        at(44, "Fuzzy text.", "<iframe src=x></iframe>", flags=["fuzzy"]),
        at(48, "Take 20 mg.", "Prenez 20 mg <img src=x onerror=alert(1)>."),
        at(52, "Plain.", "Simple <JaVaScRiPt:alert(1)>."),
        plural,
    ]
    po = catalog("fr", entries, "nplurals=3; plural=(n != 1);")
    found = check_catalog(po, path=PATH, lang="fr", kind="article")
    errors = {(f.line, f.code) for f in found if f.severity == "error"}
    assert errors == {
        (None, "plural-forms"),
        (20, "unsafe-html"), (20, "markup-mismatch"),
        (24, "unsafe-link"),
        (28, "unsafe-html"),
        (32, "markup-mismatch"),
        (36, "unsafe-link"),
        (48, "unsafe-html"), (48, "markup-mismatch"),
        (52, "unsafe-link"), (52, "markup-mismatch"),
        (70, "plural-forms"),
    }
    assert [str(f) for f in found if f.line == 24 and f.code == "unsafe-link"] == [
        f"{PATH}:24: error: link with a forbidden scheme 'javascript:': "
        "'javascript:alert(1)' [unsafe-link]"]
    flagged = {e.linenum for e in entries if unsafe_entry(e, nplurals=2)}
    assert flagged == {20, 24, 28, 32, 36, 48, 52, 70}


def test_forms_for_one_count_may_leave_the_number_out():
    """Arabic's 'one' and 'two' forms say the count in words, as gettext allows."""
    from twp_i18n.catalog.checks import check_catalog
    from twp_i18n.languages import plural_forms

    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": plural_forms("ar")}
    entry = polib.POEntry(msgid="One part is not translated.",
                          msgid_plural="%(count)s parts are not translated.",
                          msgstr_plural={0: "لا أجزاء", 1: "جزء واحد غير مترجم.", 2: "جزءان غير مترجمين.",
                                         3: "%(count)s أجزاء", 4: "%(count)s جزءًا", 5: "%(count)s جزء"})
    po.append(entry)
    assert [f.code for f in check_catalog(po, path=PATH, lang="ar", kind="site")] == []
    entry.msgstr_plural[4] = "أجزاء كثيرة"  # form 4 covers 11..99: the number is needed
    assert [f.code for f in check_catalog(po, path=PATH, lang="ar", kind="site")] == ["placeholder"]


def test_single_form_language_is_checked_against_the_plural():
    entry = polib.POEntry(msgid="One part", msgid_plural="%(count)s parts",
                          msgstr_plural={0: "部分"})
    assert {f.code for f in check_entry(entry, path=PATH, kind="site", nplurals=1)} == {"placeholder"}
    entry.msgstr_plural = {0: "%(count)s 部分"}
    assert check_entry(entry, path=PATH, kind="site", nplurals=1) == []


def test_lost_hard_line_break_is_a_warning():
    entry = polib.POEntry(msgid="First line\\\nsecond line", msgstr="Première ligne deuxième ligne")
    findings = check_entry(entry, path=PATH, kind="article")
    assert [(f.code, f.severity) for f in findings] == [("line-break", "warning")]
    entry.msgstr = "Première ligne\\\ndeuxième ligne"
    assert check_entry(entry, path=PATH, kind="article") == []


def test_verdicts_are_remembered_by_text_and_checked_again_when_it_changes(make_site, monkeypatch):
    import twp_i18n.catalog.checks as checks_module
    from twp_i18n.config import load_config

    root = make_site()
    config = load_config(root)
    entry = polib.POEntry(msgid="Read [this](https://example.org/a) **now**.",
                          msgstr="Lee [esto](https://example.org/a) **ya**.")
    first = Verdicts(config)
    assert first.unsafe(entry) is False
    first.save()
    calls: list[str] = []
    real = checks_module.unsafe_entry
    monkeypatch.setattr(checks_module, "unsafe_entry",
                        lambda e, **kw: calls.append(e.msgstr) or real(e, **kw))
    again = Verdicts(config)
    assert again.unsafe(entry) is False and calls == []  # remembered
    entry.msgstr = "Lee [esto](javascript:alert(1)) **ya**."
    assert again.unsafe(entry) is True and calls == [entry.msgstr]
    assert again.unsafe(entry, kind="site") is True and len(calls) == 2  # another kind: checked
    again.save()
    assert Verdicts(config).unsafe(entry) is True and len(calls) == 2
    (root / ".twp/cache/verdicts.json").write_text("{not json", encoding="utf-8")
    assert Verdicts(config).unsafe(entry) is True and len(calls) == 3  # a broken cache is ignored


def test_check_in_parallel_processes_reports_the_same_in_the_same_order(demo_site, monkeypatch):
    import twp_i18n.catalog.checks as checks_module
    from twp_i18n.catalog.checks import check_site
    from twp_i18n.config import load_config

    config = load_config(demo_site)
    broken = demo_site / "locales/fr/LC_MESSAGES/site.po"
    broken.write_text(broken.read_text(encoding="utf-8") + '\nmsgid "x"\n', encoding="utf-8")
    serial, count = check_site(config, jobs=1)
    monkeypatch.setattr(checks_module, "PARALLEL_CHECK_MIN", 0)
    parallel, parallel_count = check_site(config, jobs=2)
    assert parallel == serial and parallel_count == count
    assert [f.path for f in serial] == sorted((f.path for f in serial),
                                              key=lambda p: (config.languages.index(p.split("/")[1]), p))
    assert any(f.code == "syntax" and f.path.endswith("fr/LC_MESSAGES/site.po") for f in serial)
    assert any(f.severity == "warning" for f in serial)


# --------------------------------------------------------------------------- bidi controls

BIDI_CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                 "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("char", BIDI_CONTROLS)
@pytest.mark.parametrize("kind", ["article", "site"])
def test_bidi_control_in_a_translation_is_an_error(char: str, kind: str) -> None:
    # Plain prose (no markup): the entry must not slip through as "nothing to check".
    item = entry("Stop taking it slowly.", f"Deja de tomarlo {char}despacio.")
    found = [f for f in check_entry(item, path=PATH, kind=kind)  # type: ignore[arg-type]
             if f.code == "bidi-control"]
    assert [f.severity for f in found] == ["error"]
    assert f"U+{ord(char):04X}" in found[0].message
    assert unsafe_entry(item, kind=kind)  # type: ignore[arg-type]
    assert Verdicts().unsafe(item, kind=kind)  # type: ignore[arg-type]


def test_bidi_controls_of_the_source_may_be_kept_not_added() -> None:
    source = "The file \u2067\u05e9\u05dc\u05d5\u05dd\u2069.txt"
    assert "bidi-control" not in codes(source, "El archivo \u2067\u05e9\u05dc\u05d5\u05dd\u2069.txt")
    assert "bidi-control" not in codes(source, "El archivo \u05e9\u05dc\u05d5\u05dd.txt")
    found = findings(source, "El \u2067archivo \u2067\u05e9\u05dc\u05d5\u05dd\u2069\u2069.txt")
    assert [f.message for f in found if f.code == "bidi-control"] == [
        "invisible text-direction control U+2067 (RIGHT-TO-LEFT ISOLATE) ×1 and "
        "U+2069 (POP DIRECTIONAL ISOLATE) ×1 not in the source"]


def test_direction_marks_are_no_finding() -> None:
    # Arabic text needs U+200F/U+061C (and U+200E around Latin words) to read right.
    arabic = "\u062e\u0641\u0651\u0641 \u0627\u0644\u062c\u0631\u0639\u0629 \u200f10%\u200f " \
             "\u0645\u0646 \u200eSSRI\u200e \u061c\u0628\u0628\u0637\u0621."
    assert codes("Reduce the dose by 10% of the SSRI slowly.", arabic) <= {"number-changed"}


def test_bidi_control_in_a_plural_form_is_an_error() -> None:
    item = entry("%d day", msgid_plural="%d days",
                 msgstr_plural={0: "%d d\u00eda", 1: "%d d\u00edas\u202e"})
    found = [f for f in check_entry(item, path=PATH, kind="site") if f.code == "bidi-control"]
    assert len(found) == 1 and found[0].message.startswith("msgstr[1]: ")


# --------------------------------------------------------------------------- linear work

def test_many_findings_in_one_entry_take_linear_work(monkeypatch) -> None:
    # Findings were kept unique by a list scan: n findings made n * n / 2 comparisons.
    comparisons = [0]
    real_eq = Finding.__eq__

    def counting_eq(self: Finding, other: object) -> bool:
        comparisons[0] += 1
        return real_eq(self, other)

    monkeypatch.setattr(Finding, "__eq__", counting_eq)

    def work(n: int) -> int:
        comparisons[0] = 0
        bad = " ".join(f"[x](javascript:{i}) <x{i}>" for i in range(n))
        found = findings("Some text.", bad)
        assert len(found) >= 2 * n
        return max(comparisons[0], n)

    assert work(2000) <= 15 * work(200)


def test_long_whitespace_in_a_translation_takes_linear_work() -> None:
    from .test_bounds import assert_linear

    assert_linear(lambda n: entry("a b", "b" + " " * n + "c"),
                  lambda item: check_entry(item, path=PATH, kind="article"), 5000)


def test_a_check_shares_only_the_parses_the_site_parser_would_make() -> None:
    """The build renders a translation from its check's parse only when that parse is the
    site parser's own: not when a link the site's parser refuses was kept as written."""
    from twp_i18n.catalog.checks import sharing_parses
    from twp_i18n.source.segments import markdown

    kept = "Voir [x](file:notes.txt)."  # the author's own link: no check error
    plain = "Voir [les notes](https://example.org/a) et *ceci*."
    with sharing_parses() as parsed:
        assert not unsafe_entry(entry("See [x](file:notes.txt).", kept))
        assert not unsafe_entry(entry("See [the notes](https://example.org/a) and *this*.", plain))
    assert kept not in parsed
    assert [t.as_dict() for t in parsed[plain]] == \
        [t.as_dict() for t in markdown().parseInline(plain, {})[0].children or []]


@pytest.mark.parametrize("kind", ["site", "article"])
def test_many_unfinished_tags_are_refused_in_linear_time(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Python's HTML parser reads the rest of the text again at each '<' that starts no
    # complete tag: a translation of 60,000 of them took minutes.  It is refused unread.
    from html.parser import HTMLParser

    fed: list[int] = []
    feed = HTMLParser.feed
    monkeypatch.setattr(HTMLParser, "feed", lambda self, data: (fed.append(len(data)), feed(self, data))[1])
    source = "Hello <b>world</b>."
    hostile = source.replace("Hello", "Hola" + " <a" * 60_000)
    # an article's unit of an HTML block is read as the browser reads it
    found = {f.code for f in findings(source, hostile, kind, comment="type: html p")}
    assert "markup-mismatch" in found
    assert all(size < 10_000 for size in fed), fed


def test_a_percent_then_a_long_run_of_zeros_is_read_in_linear_time() -> None:
    # The flags and the width of '%05d' both take "0": after '%' and a long run of zeros
    # with no conversion, the zeros were handed back one by one (20 s for 20,000 of them).
    def hostile(zeros: str) -> str:
        return f"Hola %s %{zeros} %({zeros})x %(n){zeros} listo"

    assert placeholders(hostile("0" * 1_000_000)) == Counter({"%s": 1})
    assert placeholders("%0005d, %-#0+5.2f, %(n)005s") == \
        Counter({"%0005d": 1, "%-#0+5.2f": 1, "%(n)005s": 1})
    assert codes("Hello %s", hostile("0" * 1_000_000), "site") == \
        codes("Hello %s", hostile("000"), "site")


def test_a_control_character_or_noncharacter_the_source_lacks_is_a_warning():
    entry = polib.POEntry(msgid="Rest well tonight.", msgstr="Descansa\x85 bien\ufffe esta noche.")
    findings = check_entry(entry, path="x.po", kind="article")
    assert [(f.severity, f.code) for f in findings] == [("warning", "control-character")]
    assert "U+0085" in findings[0].message and "U+FFFE" in findings[0].message
    same = polib.POEntry(msgid="Rest\x85 well.", msgstr="Descansa\x85 bien.")
    assert check_entry(same, path="x.po", kind="article") == []


@pytest.mark.parametrize("target", ["/\\evil.example/guia/", "\\\\evil.example/guia/",
                                    "\\/evil.example/guia/", "///evil.example/guia/"])
def test_a_link_without_scheme_a_browser_reads_as_another_host_is_a_foreign_link(target):
    # In raw HTML (Markdown escapes the backslash): '/\evil.example' is '//evil.example'.
    found = checked('Read the <a href="https://demo.example.org/guide/">guide</a> now.',
                    f'Lea la <a href="{target}">guía</a> ahora.', "es")
    assert ("foreign-link", "error") in found, target


def test_many_numbers_are_paired_by_unit_too() -> None:
    # above the bound the pairing is greedy; it still skips a number of another unit
    filler = " ".join(str(n) for n in range(1000, 1101))
    source = f"{filler}. 20 mg of A and 20 mcg of B."
    translation = f"{filler}. 20 mcg de B y 20 mg de A."
    assert checked(source, translation, "es") == set()
