"""A language's glossary: the terms its translators agreed on, ``locales/<lang>/glossary.csv``.

One row per term, with a header naming the columns (others, such as ``notes``, are
ignored; Weblate's glossary CSV export has ``source`` and ``target`` too)::

    source,target,do_not_translate
    tapering,Ausschleichen,
    sertraline,Sertralin,yes
    prescriber,verschreibende Person,no

``twp check`` warns (``glossary``) when a source term occurs and its agreed
translation does not, and errs (``do-not-translate``) when a term that must stay
as written (a drug name) is altered or missing.  Such a term may be written as
the English, or in the form the row gives (a transliteration: ``سيرترالين``,
``セルトラリン``).  The site's ``[glossary] do_not_translate`` terms apply to every
language; a row of the language's glossary gives them its own accepted form.

The same terms may come as ``locales/<lang>/glossary.tbx``, the TermBase eXchange
file Weblate's glossaries export (TBX 2 ``termEntry``/``langSet`` or TBX 3
``conceptEntry``/``langSec``; ``<descrip type="Translation needed">No</descrip>`` marks a
term not to translate, as Weblate writes it); both files may exist.

The files lie beside ``LC_MESSAGES/``, not in it, and are not ``.po`` files: Weblate's
component discovery (``locales/*/LC_MESSAGES/*.po``) never takes them for catalogs.
Its size is bounded (``[glossary] max_bytes``); a bad row is reported with its line
(the warning ``glossary-row``) and left out, the others stay in force; a file that cannot be
used at all (unreadable, too large, not UTF-8, no header, not XML) is the error
``glossary-unreadable``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from ..config import Config
from ..diagnostics import Diagnostic
from ..errors import control_character
from ..machinery.fsutil import read_regular, write_if_changed

__all__ = ["GLOSSARY_NAME", "Glossary", "Term", "glossary_path", "load_glossary",
           "start_glossary"]

GLOSSARY_NAME = "glossary.csv"
TBX_NAME = "glossary.tbx"
MAX_TERM_CHARS = 200
"""The longest term accepted, in characters."""
MAX_TERMS = 10_000
"""The most rows a glossary may hold."""

_YES = frozenset({"yes", "y", "true", "1", "x", "read-only", "readonly"})
_NO = frozenset({"", "no", "n", "false", "0"})
_HEADER = "source,target,do_not_translate\n"


@dataclass(frozen=True)
class Term:
    """One agreed term."""

    source: str
    target: str
    """The agreed translation, or for a term kept as written, its accepted local form."""
    keep: bool
    """Do not translate: the translation must hold the term as written (or ``target``)."""
    line: int | None = None

    @property
    def forms(self) -> tuple[str, ...]:
        """What the translation may hold for the term."""
        if self.keep:
            return tuple(dict.fromkeys(f for f in (self.source, self.target) if f))
        return (self.target,) if self.target else ()


@dataclass(frozen=True)
class Glossary:
    """The terms in force for one language (its file's rows over the site's own terms)."""

    terms: tuple[Term, ...] = ()
    path: str = ""
    """The glossary file, relative to the site root (for messages)."""
    problems: tuple[Diagnostic, ...] = ()
    """Each row left out (``glossary-row``, a warning) and each file not used
    (``glossary-unreadable``, an error), with its path and line."""

    def reported(self) -> tuple[list[Diagnostic], list[Diagnostic]]:
        """``(errors, warnings)`` as the commands that use the glossary print them: each
        file not used, and each row left out (saying the other rows are used)."""
        errors = [p for p in self.problems if p.severity == "error"]
        warnings = [replace(p, message=f"{p.message} (the glossary's other rows are used)")
                    for p in self.problems if p.severity != "error"]
        return errors, warnings

    @cached_property
    def by_first_word(self) -> dict[str, list[tuple[str, Term]]]:
        """Terms by the first word of their source (case-folded), longest term first."""
        index: dict[str, list[tuple[str, Term]]] = {}
        for term in self.terms:
            folded = term.source.casefold()
            first = _WORD.match(folded)
            index.setdefault(first.group(0) if first else "", []).append((folded, term))
        for candidates in index.values():
            candidates.sort(key=lambda item: -len(item[0]))
        return index

    @cached_property
    def key(self) -> str:
        """What the checks' verdicts depend on."""
        return repr([(t.source, t.target, t.keep) for t in self.terms])

    def found(self, text: str) -> list[Term]:
        """The terms occurring in ``text`` as whole words (any case), once per occurrence.

        Linear in the text: each word of it is looked up among the terms starting with
        that word (a term that does not start with a letter or digit is searched for
        plainly).
        """
        if not self.terms:
            return []
        index = self.by_first_word
        folded = text.casefold()
        result: list[Term] = []
        end_of_last = 0
        for word in _WORD.finditer(folded):
            if word.start() < end_of_last:
                continue
            for term_folded, term in index.get(word.group(0), ()):
                end = word.start() + len(term_folded)
                if folded.startswith(term_folded, word.start()) and not _word_char(folded, end):
                    result.append(term)
                    end_of_last = end
                    break
        for term_folded, term in index.get("", ()):
            result.extend(term for _ in range(folded.count(term_folded)))
        return result


_WORD = re.compile(r"[^\W_]+")


def _word_char(text: str, at: int) -> bool:
    return at < len(text) and text[at].isalnum()


ROW_HINT = "fix the row on that line of the glossary (columns: source, target, do_not_translate)"


def _row(path: str, line: int | None, message: str) -> Diagnostic:
    """A row (or the rows from one on) left out; the others are used."""
    return Diagnostic(path, line, "warning", "glossary-row", message, ROW_HINT)


def _unreadable(path: str, line: int | None, message: str) -> Diagnostic:
    """A glossary file that is not used at all."""
    return Diagnostic(path, line, "error", "glossary-unreadable", message)


def glossary_path(config: Config, lang: str) -> Path:
    return config.locales_dir / lang / GLOSSARY_NAME


def load_glossary(config: Config, lang: str) -> Glossary:
    """The glossary in force for ``lang``: the site's do-not-translate terms, then the rows
    of ``locales/<lang>/glossary.csv`` (a row for the same term replaces the site's)."""
    terms: dict[str, Term] = {t.casefold(): Term(t, "", True) for t in config.glossary.do_not_translate}
    path = glossary_path(config, lang)
    display = config.rel(path)
    problems: list[Diagnostic] = []
    rows = [(display, term) for term in _read(path, display, config.glossary.max_bytes, problems)]
    tbx = path.with_name(TBX_NAME)
    if tbx.is_file():
        rows += [(config.rel(tbx), term) for term in
                 _read_tbx(tbx, config.rel(tbx), config.glossary.max_bytes, problems,
                           config.source_language, lang)]
    seen: dict[str, str] = {}
    for where, term in rows:
        key = term.source.casefold()
        if key in seen:
            problems.append(_row(where, term.line, f"'{term.source}' is already in the glossary "
                                 f"({seen[key]}); this one is left out"))
            continue
        seen[key] = f"{where}:{term.line}"
        terms[key] = term
    return Glossary(tuple(terms.values()), display, tuple(problems))


def _language_matches(value: str, lang: str) -> bool:
    """``xml:lang="pt-BR"`` names ``pt_BR``; a bare ``de`` names ``de_CH`` too."""
    value = value.replace("_", "-").lower()
    wanted = lang.replace("_", "-").split("@")[0].lower()
    return value == wanted or wanted.startswith(value + "-") or value.startswith(wanted + "-")


def _read_tbx(path: Path, display: str, max_bytes: int, problems: list[Diagnostic],
              source_lang: str, lang: str) -> list[Term]:
    """The terms of a TBX file: each entry's term in the source language and in ``lang``."""
    from lxml import etree

    data = _read_bounded(path, display, max_bytes, problems)
    if data is None:
        return []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        problems.append(_unreadable(display, line or 1,
                                    f"XML syntax error: {exc.msg}; the file is not used"))
        return []
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"

    def local(element: Any) -> str:
        tag = element.tag
        return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""

    result: list[Term] = []
    for entry in root.iter():
        if local(entry) not in ("termEntry", "conceptEntry"):
            continue
        if len(result) >= MAX_TERMS:
            problems.append(_row(display, entry.sourceline,
                                 f"more than {MAX_TERMS} terms; the rest is left out"))
            break
        source = target = ""
        keep = False
        for node in entry.iter():
            name = local(node)
            if name == "descrip" and (node.get("type") or "").lower() == "translation needed":
                keep = (node.text or "").strip().lower() == "no"
            if name not in ("langSet", "langSec"):
                continue
            terms = [t for t in node.iter() if local(t) == "term"]
            text = "".join(terms[0].itertext()).strip() if terms else ""
            code = node.get(xml_lang) or ""
            if _language_matches(code, source_lang) and not source:
                source = text
            elif _language_matches(code, lang) and not target:
                target = text
        row = [source, target, "yes" if keep else "no"]
        term, problem = _term(row, 0, 1, 2, None, entry.sourceline or 0)
        if problem:
            problems.append(_row(display, entry.sourceline, f"{problem}; this entry is left out"))
        elif term is not None:
            result.append(term)
    return result


def _read_bounded(path: Path, display: str, max_bytes: int,
                  problems: list[Diagnostic]) -> bytes | None:
    """The bytes of a glossary file, or None (no file; or unreadable or over the bound, with
    the problem recorded)."""
    try:
        data = read_regular(path, max_bytes)
    except FileNotFoundError:
        return None
    except OSError as exc:
        problems.append(_unreadable(display, None, f"cannot read: {exc.strerror}"))
        return None
    if len(data) > max_bytes:
        problems.append(_unreadable(
            display, None, f"larger than [glossary] max_bytes ({max_bytes} bytes); the glossary "
            "is not used (raise the bound in twp.toml or split terms)"))
        return None
    return data


def _read(path: Path, display: str, max_bytes: int, problems: list[Diagnostic]) -> list[Term]:
    data = _read_bounded(path, display, max_bytes, problems)
    if data is None:
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(_unreadable(display, line, "not valid UTF-8; the glossary is not used "
                                    "(save it as UTF-8)"))
        return []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    result: list[Term] = []
    try:
        header = next(reader, None)
        if header is None:
            return []
        names = [name.strip().lower().replace(" ", "_").replace("-", "_") for name in header]
        columns = {name: index for index, name in reversed(list(enumerate(names)))}
        source_at = columns.get("source")
        target_at = columns.get("target", columns.get("translation"))
        keep_at = columns.get("do_not_translate")
        flags_at = None if keep_at is not None else columns.get("flags")
        if source_at is None or target_at is None:
            problems.append(_unreadable(
                display, 1, "the header must name the columns 'source' and 'target' (and "
                f"'do_not_translate'), e.g. {_HEADER.strip()!r}; the glossary is not used"))
            return []
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(result) >= MAX_TERMS:
                problems.append(_row(display, line,
                                     f"more than {MAX_TERMS} terms; the rest is left out"))
                break
            term, problem = _term(row, source_at, target_at, keep_at, flags_at, line)
            if problem:
                problems.append(_row(display, line, f"{problem}; this row is left out"))
            elif term is not None:
                result.append(term)
    except csv.Error as exc:
        problems.append(_row(display, reader.line_num,
                             f"CSV syntax error: {exc}; the rows from here on are left out"))
    return result


def _term(row: list[str], source_at: int, target_at: int, keep_at: int | None,
          flags_at: int | None, line: int) -> tuple[Term | None, str | None]:
    def cell(index: int | None) -> str:
        return row[index].strip() if index is not None and index < len(row) else ""

    source, target, flag = cell(source_at), cell(target_at), cell(keep_at).lower()
    for value in (source, target):
        if len(value) > MAX_TERM_CHARS:
            return None, f"a term longer than {MAX_TERM_CHARS} characters"
        control = control_character(value.replace("\t", " ").replace("\n", " "))
        if control or "\n" in value or "\t" in value:
            return None, f"a term holds a control character or line break ({control or 'U+000A'})"
    if not source:
        return None, "no source term"
    if flags_at is not None:  # Weblate's flags: "read-only" marks an untranslatable term
        keep = "read-only" in {part.strip() for part in cell(flags_at).lower().split(",")}
    elif flag in _YES:
        keep = True
    elif flag in _NO:
        keep = False
    else:
        return None, (f"do_not_translate must be 'yes' or 'no' (or empty), not {flag!r}")
    if not keep and not target:
        return None, "no target term (leave a term out, or mark it do_not_translate)"
    return Term(source, target, keep, line), None


def start_glossary(config: Config, lang: str) -> str | None:
    """Write ``locales/<lang>/glossary.csv`` with the site's do-not-translate terms, unless
    it exists; returns its path relative to the site root when written."""
    path = glossary_path(config, lang)
    if path.exists():
        return None
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["source", "target", "do_not_translate"])
    for term in config.glossary.do_not_translate:
        writer.writerow([term, "", "yes"])
    path.parent.mkdir(parents=True, exist_ok=True)
    write_if_changed(path, buffer.getvalue().encode("utf-8"))
    return config.rel(path)
