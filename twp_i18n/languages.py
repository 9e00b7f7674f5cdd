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
from collections import Counter
from functools import lru_cache
from typing import Any, Literal

from babel import Locale, UnknownLocaleError
from babel.plural import PluralRule, _GettextCompiler

__all__ = [
    "GETTEXT_PLURALS",
    "PLURAL_SAMPLES",
    "bcp47_tag",
    "native_name",
    "nplurals",
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


def _locale(lang: str) -> Locale:
    """Parse a POSIX (``pt_BR``, ``sr@latin``) or BCP 47 (``pt-BR``) id; ValueError if unknown."""
    tag = bcp47_tag(lang)
    for candidate in (tag, tag.rsplit("-", 1)[0]):
        try:
            return Locale.parse(candidate, sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    raise ValueError(f"unknown language '{lang}'")


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
        condition: str = compile_(ast)  # type: ignore[no-untyped-call]
        parts.append(f"{condition} ? {order.index(tag)} : ")
    parts.append(f"{order.index('other')});")
    return "".join(parts)


@lru_cache(maxsize=None)
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


def text_direction(lang: str) -> Literal["ltr", "rtl"]:
    """``"rtl"`` for scripts written right to left (Arabic, Hebrew, ...), else ``"ltr"``."""
    return "rtl" if _locale(lang).character_order == "right-to-left" else "ltr"


def native_name(lang: str) -> str:
    """The language's name in itself, for a language menu: ``Français``, ``Português (Brasil)``.

    CLDR's name is kept as it is except for its first letter, which is put in
    title case (CLDR writes ``français`` mid-sentence; a menu starts with a
    capital).  Scripts without case are unchanged.
    """
    locale = _locale(lang)
    name = locale.get_display_name(locale) or lang
    return name[:1].title() + name[1:]


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


_PLURAL_FORMS = re.compile(r"^\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?)\s*;?\s*$", re.S)
#: The counts at which two plural formulas are compared.
PLURAL_SAMPLES = (*range(0, 1001), 1001, 1011, 1100, 10_000, 10_001, 100_000, 1_000_000, 1_000_001,
            2_000_000, 1_000_000_000)


def plural_function(value: str) -> tuple[int, list[int]] | None:
    """``(nplurals, [form of n for n in PLURAL_SAMPLES])`` for a Plural-Forms value, or None
    when it is malformed or fails on some count (a division by zero, say)."""
    match = _PLURAL_FORMS.match(value)
    if not match:
        return None
    count = int(match.group(1))
    try:
        function = gettext.c2py(match.group(2))
        forms = [int(function(n)) for n in PLURAL_SAMPLES]
    except (ValueError, SyntaxError, RecursionError, ZeroDivisionError, TypeError,
            OverflowError, MemoryError):
        return None
    return count, forms


def single_count_forms(plural_forms_value: str) -> frozenset[int]:
    """Plural forms that serve exactly one count (n == 1, n == 2 in Arabic, ...)."""
    parsed = plural_function(plural_forms_value)
    if parsed is None:
        return frozenset()
    _count, forms = parsed
    hits = Counter(forms)
    return frozenset(form for form, times in hits.items() if times == 1)
