"""Facts about languages: plural forms, writing direction, names and tags.

Plural forms follow GNU gettext, not CLDR.  ``msginit`` (and so Poedit,
Lokalize and every gettext user) gives French ``nplurals=2; plural=(n > 1);``
and Spanish, Italian and Portuguese ``nplurals=2; plural=(n != 1);``, while
Babel 2.19 (CLDR 46) gives those languages a third "many" form for millions,
which PO editors show translators as a puzzling extra field.  So the languages
gettext knows take their formula from :data:`GETTEXT_PLURALS`, a copy of
gettext-tools' ``plural-table.c``, looked up the way ``msginit`` does it (first
the whole locale id such as ``pt_BR``, then the bare language).  Only the
languages gettext does not know fall back to CLDR, through Babel, converted to
a C expression that ``msgfmt`` accepts.

>>> plural_forms("fr")
'nplurals=2; plural=(n > 1);'
>>> plural_forms("pt_BR"), plural_forms("pt-PT")
('nplurals=2; plural=(n > 1);', 'nplurals=2; plural=(n != 1);')
>>> nplurals("ar"), nplurals("ja")
(6, 1)
>>> text_direction("ar"), text_direction("de")
('rtl', 'ltr')
>>> native_name("pt_BR"), bcp47_tag("pt_BR")
('Português (Brasil)', 'pt-BR')
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from collections import Counter
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any, Literal

from babel import Locale, UnknownLocaleError
from babel.plural import PluralRule, _GettextCompiler

__all__ = [
    "GETTEXT_PLURALS",
    "PLURAL_SAMPLES",
    "bcp47_tag",
    "native_name",
    "nplurals",
    "number_symbols",
    "parse_number",
    "plural_forms",
    "plural_function",
    "single_count_forms",
    "text_direction",
]

#: gettext-tools' table of known plural formulas (``gettext-tools/src/plural-table.c``),
#: verbatim and in its order.  ``msginit`` writes these values into ``Plural-Forms``.
#: GNU gettext 0.21 has all of them but Catalan (added later with the same
#: formula as Spanish).
GETTEXT_PLURALS: dict[str, str] = {
    "ja": "nplurals=1; plural=0;",
    "vi": "nplurals=1; plural=0;",
    "ko": "nplurals=1; plural=0;",
    "en": "nplurals=2; plural=(n != 1);",
    "de": "nplurals=2; plural=(n != 1);",
    "nl": "nplurals=2; plural=(n != 1);",
    "sv": "nplurals=2; plural=(n != 1);",
    "da": "nplurals=2; plural=(n != 1);",
    "no": "nplurals=2; plural=(n != 1);",
    "nb": "nplurals=2; plural=(n != 1);",
    "nn": "nplurals=2; plural=(n != 1);",
    "fo": "nplurals=2; plural=(n != 1);",
    "es": "nplurals=2; plural=(n != 1);",
    "pt": "nplurals=2; plural=(n != 1);",
    "it": "nplurals=2; plural=(n != 1);",
    "bg": "nplurals=2; plural=(n != 1);",
    "el": "nplurals=2; plural=(n != 1);",
    "fi": "nplurals=2; plural=(n != 1);",
    "et": "nplurals=2; plural=(n != 1);",
    "he": "nplurals=2; plural=(n != 1);",
    "eo": "nplurals=2; plural=(n != 1);",
    "hu": "nplurals=2; plural=(n != 1);",
    "tr": "nplurals=2; plural=(n != 1);",
    "ca": "nplurals=2; plural=(n != 1);",
    "pt_BR": "nplurals=2; plural=(n > 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "lv": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2);",
    "ga": "nplurals=3; plural=n==1 ? 0 : n==2 ? 1 : 2;",
    "ro": "nplurals=3; plural=n==1 ? 0 : (n==0 || (n%100 > 0 && n%100 < 20)) ? 1 : 2;",
    "lt": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
          "n%10>=2 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
          "n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "uk": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
          "n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "be": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
          "n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "sr": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
          "n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "hr": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
          "n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "cs": "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;",
    "sk": "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;",
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "sl": "nplurals=4; plural=(n%100==1 ? 0 : n%100==2 ? 1 : n%100==3 || n%100==4 ? 2 : 3);",
}

#: CLDR's plural categories in the order gettext indices follow (as Babel orders them).
_PLURAL_TAGS = ("zero", "one", "two", "few", "many", "other")
_NPLURALS = re.compile(r"nplurals\s*=\s*(\d+)")
#: POSIX locale modifiers that name a script.
_MODIFIER_SCRIPTS = {"latin": "Latn", "cyrillic": "Cyrl"}


@lru_cache(maxsize=256)
def _locale(lang: str) -> Locale:
    """Parse a POSIX (``pt_BR``, ``sr@latin``) or BCP 47 (``pt-BR``) id; ValueError if unknown."""
    tag = bcp47_tag(lang)
    for candidate in (tag, tag.rsplit("-", 1)[0]):
        try:
            return Locale.parse(candidate, sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    raise ValueError(f"unknown language '{lang}'")


_TIME_UNITS = {"duration-minute": "minute", "duration-hour": "hour", "duration-day": "day",
               "duration-week": "week", "duration-month": "month", "duration-year": "year"}
#: Units of dose, by CLDR's name, as the checks name them; their short forms too ("мг").
_DOSE_UNITS = {"mass-milligram": "mg", "mass-microgram": "µg", "mass-gram": "g",
               "volume-milliliter": "ml"}
#: Counts that reach every plural category of the languages CLDR describes.
_SAMPLE_COUNTS = (0, 1, 2, 3, 5, 7, 11, 21, 100, 102, 1.5)


@lru_cache(maxsize=64)
def unit_words(lang: str | None) -> dict[str, str]:
    """The words ``lang`` writes after a number for a span of time or a dose, lower-cased,
    and the unit each means: ``{"semanas": "week", "meses": "month", "miligramos": "mg",
    ...}`` for Spanish (CLDR's unit names, through Babel, in every plural form: long ones
    for time, short and long ones for mass and volume); {} for a language CLDR does not
    know.  Words written before the number (Swahili ``wiki 2``) or with no number at all
    (Arabic's dual) are not listed.

    >>> unit_words("de")["wochen"], unit_words("es")["meses"], unit_words("ru")["мкг"]
    ('week', 'month', 'µg')
    """
    from babel.numbers import format_decimal
    from babel.units import format_unit

    if not lang:
        return {}
    try:
        locale = _locale(lang)
    except ValueError:
        return {}
    words: dict[str, str] = {}
    lengths: dict[str, tuple[Literal["short", "long"], ...]] = {
        **dict.fromkeys(_TIME_UNITS, ("long",)), **dict.fromkeys(_DOSE_UNITS, ("short", "long"))}
    forms = [(cldr, unit, length) for cldr, unit in {**_TIME_UNITS, **_DOSE_UNITS}.items()
             for length in lengths[cldr]]
    for cldr_unit, unit, length in forms:
        for count in _SAMPLE_COUNTS:
            try:
                text = format_unit(count, cldr_unit, length=length, locale=locale)
            except Exception:  # noqa: BLE001 - a locale without that unit: nothing to learn
                continue
            number = format_decimal(count, locale=locale)
            if not text.startswith(number):
                continue
            word = text[len(number):].strip(" \u00a0\u202f\u2009").lower()
            if word and not any(ch.isdigit() for ch in word):
                words.setdefault(word, unit)
    return words


def _catalog_names(lang: str) -> tuple[str, str]:
    """``(catalogname, language)`` as ``msginit`` derives them from a locale id."""
    name = lang.replace("-", "_").split(".", 1)[0].split("@", 1)[0]
    parts = name.split("_")
    language = parts[0].lower()
    rest = [p.upper() if len(p) == 2 and p.isalpha() else p for p in parts[1:]]
    return "_".join([language, *rest]), language


class _IntegerGettextCompiler(_GettextCompiler):
    """Babel's gettext compiler, also mapping CLDR's ``c``/``e`` operands to 0.

    Babel leaves the compact-decimal exponent as a bare ``e``, which is not a
    gettext variable (``msgfmt`` rejects it).  For the integer counts gettext
    deals with, the exponent is always 0.
    """

    def compile_e(self, *_: Any) -> str:
        return "0"

    def compile_c(self, *_: Any) -> str:
        return "0"


def _cldr_plural_forms(locale: Locale) -> str:
    """CLDR's plural rule of ``locale`` as a gettext ``Plural-Forms`` value."""
    rule: PluralRule = locale.plural_form
    used = set(rule.tags) | {"other"}
    order = [tag for tag in _PLURAL_TAGS if tag in used]
    if len(order) == 1:
        return "nplurals=1; plural=0;"
    compile_ = _IntegerGettextCompiler().compile
    parts = [f"nplurals={len(order)}; plural=("]
    for tag, ast in rule.abstract:
        condition: str = compile_(ast)
        parts.append(f"{condition} ? {order.index(tag)} : ")
    parts.append(f"{order.index('other')});")
    return "".join(parts)


@cache
def plural_forms(lang: str) -> str:
    """The ``Plural-Forms`` header value for ``lang``, as ``msginit`` writes it.

    Languages in gettext's own table get its formula verbatim; others get
    CLDR's rule (from Babel) as a C expression.  Raises ValueError for a
    language neither knows.

    >>> plural_forms("pl")
    'nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);'
    >>> plural_forms("zh_CN")
    'nplurals=1; plural=0;'
    """
    catalogname, language = _catalog_names(lang)
    for key in (catalogname, language):
        if key in GETTEXT_PLURALS:
            return GETTEXT_PLURALS[key]
    return _cldr_plural_forms(_locale(lang))


def nplurals(lang: str) -> int:
    """How many plural forms (``msgstr[n]`` per plural entry) ``lang`` has."""
    match = _NPLURALS.search(plural_forms(lang))
    assert match is not None
    return int(match.group(1))


@lru_cache(maxsize=256)
def text_direction(lang: str) -> Literal["ltr", "rtl"]:
    """``"rtl"`` for scripts written right to left (Arabic, Hebrew, ...), else ``"ltr"``."""
    return "rtl" if _locale(lang).character_order == "right-to-left" else "ltr"


@lru_cache(maxsize=256)
def native_name(lang: str) -> str:
    """The language's name in itself, for a language menu: ``Français``, ``Português (Brasil)``.

    CLDR's name is kept as it is except for its first letter, which is put in
    title case (CLDR writes ``français`` mid-sentence; a menu starts with a
    capital).  Scripts without case are unchanged.
    """
    locale = _locale(lang)
    name = locale.get_display_name(locale) or lang
    return name[:1].title() + name[1:]


@lru_cache(maxsize=256)  # asked for on every page, of a few languages
def bcp47_tag(lang: str) -> str:
    """The BCP 47 tag of a POSIX locale id, for ``lang``/``hreflang``: ``pt_BR`` → ``pt-BR``.

    >>> bcp47_tag("zh_Hant_TW"), bcp47_tag("sr@latin"), bcp47_tag("ckb")
    ('zh-Hant-TW', 'sr-Latn', 'ckb')
    """
    base, _, modifier = lang.split(".", 1)[0].partition("@")
    parts = base.replace("-", "_").split("_")
    tag = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            tag.append(part.title())
        elif len(part) in (2, 3) and (part.isalpha() or part.isdigit()):
            tag.append(part.upper())
        else:
            tag.append(part)
    script = _MODIFIER_SCRIPTS.get(modifier.lower())
    if script and not (len(tag) > 1 and len(tag[1]) == 4):
        tag.insert(1, script)
    elif not script and re.fullmatch(r"[A-Za-z0-9]{5,8}", modifier):
        tag.append(modifier.lower())  # a variant such as ca@valencia
    return "-".join(tag)


# The formula is what follows "plural=", less the spaces around it and one ';' at its end
# (cut in Python: a pattern that leaves them out takes cubic time on a run of spaces).
_PLURAL_FORMS = re.compile(r"\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=(.*)", re.S)
#: The counts at which two plural formulas are compared.
PLURAL_SAMPLES = (*range(0, 1001), 1001, 1011, 1100, 10_000, 10_001, 100_000, 1_000_000, 1_000_001,
            2_000_000, 1_000_000_000)


def plural_function(value: str) -> tuple[int, list[int]] | None:
    """``(nplurals, [form of n for n in PLURAL_SAMPLES])`` for a Plural-Forms value, or None
    when it is malformed or fails on some count (a division by zero, say)."""
    match = _PLURAL_FORMS.match(value)
    if not match:
        return None
    formula = match.group(2).strip().removesuffix(";").rstrip()
    if not formula:
        return None
    count = int(match.group(1))
    try:
        function = gettext.c2py(formula)
        forms = [int(function(n)) for n in PLURAL_SAMPLES]
    except (ValueError, SyntaxError, RecursionError, ZeroDivisionError, TypeError,
            OverflowError, MemoryError):
        return None
    return count, forms


@lru_cache(maxsize=256)
def single_count_forms(plural_forms_value: str) -> frozenset[int]:
    """Plural forms that serve exactly one count (n == 1, n == 2 in Arabic, ...).

    Remembered by value: every catalog of a language has the same header, and
    evaluating its formula over the sample counts costs more than reading an entry."""
    parsed = plural_function(plural_forms_value)
    if parsed is None:
        return frozenset()
    _count, forms = parsed
    hits = Counter(forms)
    return frozenset(form for form, times in hits.items() if times == 1)


# --------------------------------------------------------------------------- numbers

#: Characters that may separate the digit groups or the decimals of a number in some locale.
NUMBER_SEPARATORS = ".,\u066b\u066c\u00a0\u202f\u2009 '\u2019"
_SPACES = "\u00a0\u202f\u2009 "


@cache
def number_symbols(lang: str | None) -> tuple[str, str]:
    """``(decimal separators, group separators)`` of ``lang`` (CLDR, through Babel), as strings
    of characters.  The Arabic separators U+066B and U+066C are understood in every language,
    and where a locale groups with a space, any kind of space does; ``None`` (an unknown
    language) reads both ``.`` and ``,`` as either.

    >>> number_symbols("de"), number_symbols("en")
    ((',\u066b', '.\u066c'), ('.\u066b', ',\u066c'))
    """
    from babel.numbers import get_decimal_symbol, get_group_symbol

    if lang is None:
        return ".,\u066b", ".,\u066c" + _SPACES + "'\u2019"
    try:
        locale = _locale(lang)
        decimal = get_decimal_symbol(locale, numbering_system="latn")
        group = get_group_symbol(locale, numbering_system="latn")
    except (ValueError, KeyError, AttributeError):
        return number_symbols(None)
    decimal = "".join(ch for ch in decimal if ch in NUMBER_SEPARATORS) or "."
    group = "".join(ch for ch in group if ch in NUMBER_SEPARATORS) or ","
    if any(ch in _SPACES for ch in group):
        group = "".join(dict.fromkeys(group + _SPACES))
    return decimal + "\u066b", group + "\u066c"


def _digits(text: str) -> str:
    """Any script's decimal digits as ASCII ones (Arabic-Indic ``٢`` is ``2``)."""
    return "".join(str(unicodedata.digit(ch)) if not ch.isascii() else ch for ch in text)


@lru_cache(maxsize=8192)
def parse_number(token: str, lang: str | None) -> str | None:
    """The value of a number as ``lang`` writes it, in canonical form (``"2.5"``, ``"1000"``),
    or None when ``lang`` would not write it so.  Digits of any script count; groups of
    three digits may be separated by the language's group separators, and one decimal
    separator may follow them.

    >>> parse_number("2,5", "de"), parse_number("2.5", "en"), parse_number("1.000", "de")
    ('2.5', '2.5', '1000')
    >>> parse_number("2.5", "de") is None, parse_number("٢٫٥", "ar"), parse_number("10 000", "fr")
    (True, '2.5', '10000')
    """
    if token.isdigit():  # no separator: the same in every language
        digits = token if token.isascii() else _digits(token)
        return digits.lstrip("0") or "0"
    decimals, groups = number_symbols(lang)
    pieces = re.split(f"([{re.escape(NUMBER_SEPARATORS)}])", token)
    numbers_ = pieces[0::2]
    separators = pieces[1::2]
    if not all(numbers_):
        return None
    integer = numbers_[0]
    fraction = ""
    for index, separator in enumerate(separators):
        part = numbers_[index + 1]
        last = index == len(separators) - 1
        if separator in groups and len(part) == 3 and not fraction and len(numbers_[0]) <= 3 \
                and (last or separators[index + 1] in groups + decimals):
            integer += part
        elif separator in decimals and last:
            fraction = part
        else:
            return None
    try:
        value = Decimal(f"{_digits(integer)}.{_digits(fraction) or '0'}")
    except (InvalidOperation, ValueError):
        return None
    return format(value.normalize(), "f")
