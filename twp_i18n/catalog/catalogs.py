"""Where catalogs live and how they are loaded: ``locales/<lang>/LC_MESSAGES/<domain>.po``.

A *domain* is an article's slug, or ``site`` for the interface strings.
Templates are ``locales/<domain>.pot``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import polib
from babel import Locale

from ..config import Config
from ..errors import CatalogError
from ..languages import nplurals, plural_forms
from ..paths import domain_files
from . import pofile

#: The header field of an article's template counting the words of the English that no
#: unit holds (prose inside raw HTML): written by extract, read by status.
UNTRANSLATABLE_HEADER = "X-Untranslatable-Words"


def template_path(config: Config, domain: str) -> Path:
    return config.templates_po_dir / f"{domain}.pot"


_UNTRANSLATABLE = re.compile(rb'^"' + UNTRANSLATABLE_HEADER.encode() + rb': (\d{1,9})\\n"$', re.M)


def untranslatable_words(config: Config, domain: str) -> int:
    """The words of an article's English no unit holds, from its template's header
    (read from the file's start only: the header comes first)."""
    try:
        with template_path(config, domain).open("rb") as handle:
            head = handle.read(8192)
    except OSError:
        return 0
    match = _UNTRANSLATABLE.search(head.split(b"\n\n", 1)[0])
    return int(match.group(1)) if match else 0


def catalog_path(config: Config, lang: str, domain: str) -> Path:
    return config.po_dir(lang) / f"{domain}.po"


def pot_files(config: Config) -> dict[str, Path]:
    """Every template file in ``locales/`` by domain (``about/governance`` for an article in a
    folder), sorted; none from the language folders or the old ``locales/templates/``."""
    skip = {config.legacy_templates_dir.name, *(
        config.po_dir(lang).relative_to(config.locales_dir).parts[0]
        for lang in (config.source_language, *config.languages))}
    return {domain: path for domain, path in domain_files(config.templates_po_dir, ".pot").items()
            if "/" not in domain or domain.split("/", 1)[0] not in skip}


def load_templates(config: Config) -> dict[str, polib.POFile]:
    """Every template, by domain (sorted).  Run ``twp extract`` first."""
    directory = config.templates_po_dir
    found = pot_files(config)
    if not found:
        moved = bool(domain_files(config.legacy_templates_dir, ".pot"))
        raise CatalogError(
            "no templates found" + (" (they are now in locales/, no longer in "
                                    "locales/templates/)" if moved else ""),
            path=config.rel(directory),
            hint="run 'twp extract' (or 'twp sync') " + ("once: it writes them there and "
                                                          "removes the old ones" if moved else "first"),
        )
    return {domain: pofile.read_po(path, config.rel(path), limits=config.limits)
            for domain, path in found.items()}


def load_catalog(config: Config, lang: str, domain: str, data: bytes | None = None
                 ) -> polib.POFile | None:
    """Read one catalog strictly, or None when it does not exist yet.

    ``data``: the file's bytes, when the caller has read them already.
    """
    path = catalog_path(config, lang, domain)
    display = config.rel(path)
    if data is not None:
        po = pofile.parse_po(pofile.decode(data, display), display, limits=config.limits)
        po.fpath = str(path)
    elif not path.exists():
        return None
    else:
        po = pofile.read_po(path, display, limits=config.limits)
    check_plural_counts(po, display)
    return po


def load_language(config: Config, lang: str,
                  data: Mapping[str, bytes] | None = None) -> dict[str, polib.POFile]:
    """Every existing catalog of a language, by domain.  Raises on the first broken one.

    ``data``: the bytes of the catalogs by domain, when the caller has read them already.
    """
    directory = config.po_dir(lang)
    result: dict[str, polib.POFile] = {}
    if directory.is_dir():
        for domain in domain_files(directory, ".po"):
            po = load_catalog(config, lang, domain, (data or {}).get(domain))
            assert po is not None
            result[domain] = po
    return result


_NPLURALS = re.compile(r"nplurals\s*=\s*(\d+)")


def header_nplurals(po: polib.POFile) -> int | None:
    """The ``nplurals`` a catalog's header declares, or None."""
    match = _NPLURALS.search(po.metadata.get("Plural-Forms", ""))
    return int(match.group(1)) if match else None


def check_plural_counts(po: polib.POFile, display: str) -> None:
    """Every plural entry must have as many msgstr[n] as the header's nplurals (obsolete ones
    need not: gettext ignores them, and update keeps them as they are; nor untranslated
    ones, whose first form is empty: msgfmt does not check those either, and update gives
    them the right count)."""
    expected = header_nplurals(po)
    if expected is None:
        return
    for entry in po:
        if entry.msgid_plural and len(entry.msgstr_plural) != expected and not entry.obsolete \
                and entry.msgstr_plural.get(0):
            raise CatalogError(
                f"entry has {len(entry.msgstr_plural)} plural forms but the header says "
                f"nplurals={expected}",
                path=display,
                line=getattr(entry, "linenum", None),
                hint="give the entry one msgstr[N] per plural form, or fix Plural-Forms in the header",
            )


TRANSLATOR_NOTE = ("Translators: edit this file in a PO editor (see docs/translating.md); "
                   "twp update keeps your work when the source changes.")


def translator_header(template_header: str, language_name: str) -> str:
    """The header comment of a new catalog: what it is, and that it is the translators' own."""
    first = template_header.split("\n", 1)[0]
    if first.startswith("Translation template for"):
        first = first.replace("Translation template for", f"{language_name} translation of", 1)
    else:
        first = f"{language_name} translation: {first[:1].lower()}{first[1:]}"
    return f"{first}\n{TRANSLATOR_NOTE}"


def new_catalog(template: polib.POFile, lang: str) -> polib.POFile:
    """A fresh catalog for ``lang`` from a template, as ``msginit`` would make it.

    The revision date is the template's creation date, never the clock, so the
    same template always gives the same file.
    """
    po = polib.POFile(wrapwidth=79)
    english = Locale.parse(lang).english_name or lang
    po.header = translator_header(template.header, english)
    po.metadata_is_fuzzy = False
    metadata = dict(template.metadata)
    created = metadata.get("POT-Creation-Date", "")
    metadata.update({
        "PO-Revision-Date": created,
        "Last-Translator": "",
        "Language-Team": english,
        "Language": lang,
        "Plural-Forms": plural_forms(lang),
    })
    order = ["Project-Id-Version", "Report-Msgid-Bugs-To", "POT-Creation-Date", "PO-Revision-Date",
             "Last-Translator", "Language-Team", "Language", "MIME-Version", "Content-Type",
             "Content-Transfer-Encoding", "Plural-Forms"]
    po.metadata = {key: metadata[key] for key in order if key in metadata}
    po.metadata.update({k: v for k, v in metadata.items() if k not in po.metadata})
    forms = nplurals(lang)
    for entry in template:
        copy = polib.POEntry(
            msgid=entry.msgid, msgctxt=entry.msgctxt, msgid_plural=entry.msgid_plural,
            occurrences=list(entry.occurrences), comment=entry.comment,
            flags=[f for f in entry.flags if f != "fuzzy"],
        )
        if entry.msgid_plural:
            copy.msgstr_plural = {i: "" for i in range(forms)}
        po.append(copy)
    return po
