#!/usr/bin/env python3
"""Deterministic benchmark corpus for twp: articles, catalogs and an edited second version.

    python benchmarks/corpus.py --articles N --languages K --edit-percent P --seed S OUT_DIR

writes two complete twp sites:

``OUT_DIR/``
    ``twp.toml`` with K target languages, ``content/en/<slug>.md`` (N articles of
    realistic Markdown with YAML front matter), ``locales/*.pot`` made by
    the real ``twp extract``, and ``locales/<lang>/LC_MESSAGES/*.po`` made by the
    real ``twp update`` and then filled in: ~90% of units translated, ~2% fuzzy,
    ~8% empty (title and summary always translated), then ``twp update`` once more
    (as a maintainer would have run it since).  Fake translations keep every piece
    of Markdown markup, link target, inline code, number and placeholder, so
    ``twp check`` passes.
``OUT_DIR-edited/``
    the same site with P% of the paragraphs edited (a few words changed), about
    P/5% more added and P/5% deleted; its catalogs (and twp's ``.twp/`` cache) are
    the *old* ones and its templates were re-extracted: the state in which a
    maintainer runs ``twp update``.

``OUT_DIR/corpus.json`` records the parameters and what was generated.  The same
arguments always give the same bytes.

The generator uses the standard library only.  The catalogs are produced by the
``twp`` command and filled in with the project's own gettext-canonical PO
reader/writer (``twp_i18n.catalog.pofile``), so they are byte-for-byte what twp writes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

#: Target languages in the order they are taken (K = 5: es ar ja de fr: Latin, RTL, CJK).
LANGUAGES = ["es", "ar", "ja", "de", "fr", "pt_BR", "it", "nl", "pl", "ru"]

TRANSLATED = 90   # percent of units with a translation
FUZZY = 2         # percent of units with a fuzzy translation (the rest are empty)

# --------------------------------------------------------------------------- vocabulary

_NOUNS = """
taper dose week month day night morning evening sleep dream journal note page diary habit
routine walk friend family partner sister brother parent doctor prescriber pharmacist
nurse counsellor group member forum thread message letter story experience feeling mood
anxiety worry fear hope patience rest body mind head stomach muscle skin heart breath
energy appetite meal kitchen garden window chair bed pillow blanket light noise silence
music book library article question answer plan step change pause symptom wave window
calendar list record pattern reason choice decision schedule reduction amount pill tablet
liquid scale spoon cup water tea coffee walk bicycle park river tree season winter spring
summer autumn holiday weekend work job office colleague manager school class teacher
neighbour town street house room door phone screen computer email appointment visit
conversation support volunteer translation language word sentence paragraph summary
community library collection folder memory habit comfort kindness boundary trust moment
hour minute afternoon weather rain sun wind cloud path hill beach sea lake road car
train bus ticket map guide notebook pen pencil drawing picture photo camera song voice
""".split()

_VERBS = """
notice write read keep share tell ask answer try wait rest sleep walk plan change reduce
hold pause slow start stop remember forget learn teach help listen speak call visit
carry bring find lose miss follow lead open close feel seem become stay leave return
describe explain prepare gather check record track measure compare choose decide
agree disagree trust doubt hope expect allow manage settle recover adjust continue
""".split()

_ADJECTIVES = """
small slow gentle quiet careful steady calm hard easy long short early late new old
good bad better worse kind honest simple clear strange familiar usual rare common
tired restless patient anxious hopeful grateful useful helpful difficult possible
whole partial daily weekly monthly private shared local online personal practical
""".split()

_FUNCTION = """
the a an and but or so because when while after before during with without for from to
of in on at by about into over under between through again also often sometimes never
always still just only even very quite rather then there here this that these those
it we you they he she our your their my his her its some many few each every
is was were are be been have had has do did can could would should may might will
""".split()

_ADVERBS = "slowly gently carefully quietly honestly clearly together alone later sooner".split()

_HEADING_WORDS = _NOUNS + _ADJECTIVES + _VERBS
_CODE_SPANS = ["journal.md", "--dry-run", "notes.txt", "Ctrl+F", "TODO", "mood: 3/5",
               "sleep.csv", "git pull", "README", "#support", "2 x 5 mg", "<br>",
               "{name}", "%s", "@volunteers", "tag:sleep"]
_EXTERNAL = ["https://example.org/library/contact", "https://example.org/peer-support",
             "https://forum.example.net/t/tapering-journal", "https://example.com/guides/sleep",
             "https://www.example.org/about?lang=en", "mailto:volunteers@example.org"]
_AUTHORS = ["The volunteer team", "A member in Lisbon", "Sam, a volunteer", "The reading group",
            "Anonymous member", "Two members of the forum"]
_TAGS = ["sleep", "journal", "support", "family", "work", "community", "about", "tapering",
         "prescriber", "routine", "food", "exercise", "translation"]


# --------------------------------------------------------------------------- article model

@dataclass
class Tok:
    """A piece of a paragraph: a plain word (editable) or a markup span, plus what follows it."""

    kind: str          # "w" plain word, "m" markup span, "n" number
    text: str
    suffix: str = ""   # punctuation glued after the token


@dataclass
class Block:
    kind: str                       # para, h2, h3, ul, ol, quote, code, table, image
    toks: list[Tok] = field(default_factory=list)          # para, heading, image alt
    items: list[list[Tok]] = field(default_factory=list)   # ul, ol, quote paragraphs
    rows: list[list[str]] = field(default_factory=list)    # table (first row is the header)
    code: list[str] = field(default_factory=list)          # code lines
    src: str = ""                                          # image source


@dataclass
class ArticleModel:
    index: int
    slug: str
    title: str
    summary: str
    date: dt.date
    updated: dt.date | None
    author: str
    tags: list[str]
    notes: str | None
    blocks: list[Block]


def _render_toks(toks: list[Tok]) -> str:
    return " ".join(t.text + t.suffix for t in toks)


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


class Writer:
    """Random Markdown prose from one seeded generator."""

    def __init__(self, rng: random.Random, slugs: list[str], index: int) -> None:
        self.rng = rng
        self.slugs = slugs
        self.index = index

    def word(self) -> str:
        r = self.rng.random()
        if r < 0.42:
            return self.rng.choice(_FUNCTION)
        if r < 0.72:
            return self.rng.choice(_NOUNS)
        if r < 0.87:
            return self.rng.choice(_VERBS)
        if r < 0.97:
            return self.rng.choice(_ADJECTIVES)
        return self.rng.choice(_ADVERBS)

    def words(self, count: int) -> list[str]:
        return [self.word() for _ in range(count)]

    def link_target(self) -> str:
        if self.rng.random() < 0.6 and len(self.slugs) > 1:
            other = self.rng.choice(self.slugs)
            return f"../{other}/"
        return self.rng.choice(_EXTERNAL)

    def sentence(self, length: int, markup: bool) -> list[Tok]:
        toks = [Tok("w", w) for w in self.words(length)]
        toks[0].text = _cap(toks[0].text)
        if markup and length >= 6:
            r = self.rng.random()
            pos = self.rng.randrange(1, length - 3)
            span = self.rng.randint(1, 3)
            inner = " ".join(t.text for t in toks[pos:pos + span])
            if r < 0.30:
                text = f"**{inner}**"
            elif r < 0.52:
                text = f"*{inner}*"
            elif r < 0.82:
                text = f"[{inner}]({self.link_target()})"
            elif r < 0.94:
                text = f"`{self.rng.choice(_CODE_SPANS)}`"
            else:
                text = str(self.rng.choice([2, 3, 5, 10, 14, 25, 50, 2019, 2024]))
                toks[pos:pos + span] = [Tok("n", text)]
                text = None
            if text is not None:
                toks[pos:pos + span] = [Tok("m", text)]
        if self.rng.random() < 0.15 and len(toks) > 4:
            toks[self.rng.randrange(1, len(toks) - 2)].suffix = ","
        toks[-1].suffix = self.rng.choice([".", ".", ".", ".", "?", "!", ";"]) \
            if toks[-1].kind == "w" else "."
        if toks[-1].suffix == ";":
            toks[-1].suffix = "."
        return toks

    def paragraph(self, low: int = 40, high: int = 120) -> list[Tok]:
        target = self.rng.randint(low, high)
        toks: list[Tok] = []
        while len(toks) < target:
            length = min(self.rng.randint(7, 22), max(4, target - len(toks)))
            toks += self.sentence(length, markup=self.rng.random() < 0.45)
        return toks

    def heading(self) -> list[Tok]:
        words = [self.rng.choice(_HEADING_WORDS) for _ in range(self.rng.randint(2, 6))]
        words[0] = _cap(words[0])
        return [Tok("w", w) for w in words]

    def list_item(self) -> list[Tok]:
        toks = self.sentence(self.rng.randint(4, 20), markup=self.rng.random() < 0.3)
        if self.rng.random() < 0.3:
            lead = " ".join(self.words(self.rng.randint(1, 3)))
            toks.insert(0, Tok("m", f"**{_cap(lead)}**", ":"))
            toks[1].text = toks[1].text.lower()
        return toks

    def table(self) -> list[list[str]]:
        cols = self.rng.randint(2, 4)
        header = [_cap(" ".join(self.words(self.rng.randint(1, 2)))) for _ in range(cols)]
        rows = [header]
        for _ in range(self.rng.randint(2, 6)):
            row = []
            for c in range(cols):
                if c > 0 and self.rng.random() < 0.3:
                    row.append(str(self.rng.randint(1, 60)))
                else:
                    row.append(_cap(" ".join(self.words(self.rng.randint(1, 4)))))
            rows.append(row)
        return rows

    def code(self) -> list[str]:
        return [f"{d:%Y-%m-%d}  {self.rng.choice(_NOUNS)}: {self.rng.randint(1, 5)}/5"
                for d in (dt.date(2024, 1, 1) + dt.timedelta(days=i)
                          for i in range(self.rng.randint(3, 8)))]

    def blocks(self) -> list[Block]:
        rng = self.rng
        out = [Block("para", toks=self.paragraph()) for _ in range(rng.randint(1, 2))]
        for section in range(rng.randint(2, 5)):
            out.append(Block("h2", toks=self.heading()))
            for _ in range(rng.randint(1, 3)):
                out.append(Block("para", toks=self.paragraph()))
                r = rng.random()
                if r < 0.18:
                    kind = rng.choice(["ul", "ul", "ol"])
                    out.append(Block(kind, items=[self.list_item()
                                                  for _ in range(rng.randint(3, 6))]))
                elif r < 0.26:
                    paras = [self.paragraph(20, 60) for _ in range(rng.randint(1, 2))]
                    paras.append([Tok("w", "—"), Tok("w", "a"), Tok("w", "member"),
                                  Tok("w", "of"), Tok("w", "the"), Tok("w", rng.choice(_NOUNS))])
                    out.append(Block("quote", items=paras))
            if rng.random() < 0.25:
                out.append(Block("h3", toks=self.heading()))
                out.append(Block("para", toks=self.paragraph()))
            r = rng.random()
            if r < 0.08:
                out.append(Block("code", code=self.code()))
            elif r < 0.16:
                out.append(Block("table", rows=self.table()))
            elif r < 0.28:
                alt = self.words(rng.randint(3, 8))
                alt[0] = _cap(alt[0])
                out.append(Block("image", toks=[Tok("w", w) for w in alt],
                                 src=f"images/{self.slugs[self.index]}-{section}.png"))
        return out


def make_slugs(count: int, seed: int) -> list[str]:
    rng = random.Random(f"{seed}:slugs")
    slugs = []
    for i in range(count):
        words = [rng.choice(_NOUNS + _ADJECTIVES) for _ in range(rng.randint(2, 4))]
        slugs.append("-".join(words) + f"-{i:05d}")
    return slugs


def make_article(index: int, slugs: list[str], seed: int) -> ArticleModel:
    rng = random.Random(f"{seed}:article:{index}")
    writer = Writer(rng, slugs, index)
    title = " ".join(w.text for w in writer.heading())
    summary_toks = writer.sentence(rng.randint(8, 20), markup=False)
    summary = _render_toks(summary_toks)
    date = dt.date(2016, 1, 1) + dt.timedelta(days=index * 3 // 2 + rng.randint(0, 1))
    updated = date + dt.timedelta(days=rng.randint(10, 400)) if rng.random() < 0.3 else None
    notes = None
    if rng.random() < 0.2:
        notes = "Keep '" + rng.choice(_NOUNS) + "' as the usual local term."
    return ArticleModel(index, slugs[index], title, summary, date, updated,
                        rng.choice(_AUTHORS), sorted(set(rng.sample(_TAGS, rng.randint(1, 3)))),
                        notes, writer.blocks())


def _yaml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def render_markdown(a: ArticleModel) -> str:
    """The article file: every block on one line, so it can be re-translated line by line."""
    lines = ["---", f"title: {_yaml(a.title)}", f"date: {a.date.isoformat()}"]
    if a.updated:
        lines.append(f"updated: {a.updated.isoformat()}")
    lines.append(f"summary: {_yaml(a.summary)}")
    lines.append(f"author: {_yaml(a.author)}")
    lines.append("tags: [" + ", ".join(a.tags) + "]")
    if a.notes:
        lines.append(f"translator_notes: {_yaml(a.notes)}")
    lines += ["---", ""]
    for b in a.blocks:
        if b.kind == "para":
            lines.append(_render_toks(b.toks))
        elif b.kind in ("h2", "h3"):
            lines.append("#" * int(b.kind[1]) + " " + _render_toks(b.toks))
        elif b.kind == "ul":
            lines += ["- " + _render_toks(item) for item in b.items]
        elif b.kind == "ol":
            lines += [f"{n}. " + _render_toks(item) for n, item in enumerate(b.items, 1)]
        elif b.kind == "quote":
            for n, para in enumerate(b.items):
                if n:
                    lines.append(">")
                lines.append("> " + _render_toks(para))
        elif b.kind == "code":
            lines += ["```text", *b.code, "```"]
        elif b.kind == "table":
            lines.append("| " + " | ".join(b.rows[0]) + " |")
            lines.append("|" + "|".join("---" for _ in b.rows[0]) + "|")
            lines += ["| " + " | ".join(row) + " |" for row in b.rows[1:]]
        elif b.kind == "image":
            lines.append(f"![{_render_toks(b.toks)}]({b.src})")
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- edits

@dataclass
class EditStats:
    paragraphs: int = 0
    edited: int = 0
    added: int = 0
    deleted: int = 0


def edit_article(a: ArticleModel, slugs: list[str], seed: int, percent: float,
                 stats: EditStats) -> ArticleModel:
    """The second version: percent% of paragraphs get 1-3 words changed; ~percent/5% are
    added after an existing paragraph and ~percent/5% deleted."""
    rng = random.Random(f"{seed}:edit:{a.index}")
    writer = Writer(rng, slugs, a.index)
    blocks: list[Block] = []
    for b in a.blocks:
        if b.kind != "para":
            blocks.append(b)
            continue
        stats.paragraphs += 1
        r = rng.random() * 100
        if r < percent / 5:
            stats.deleted += 1
            continue
        if r < percent / 5 + percent:
            toks = [Tok(t.kind, t.text, t.suffix) for t in b.toks]
            plain = [i for i, t in enumerate(toks) if t.kind == "w"]
            for i in rng.sample(plain, min(len(plain), rng.randint(1, 3))):
                new = writer.word()
                toks[i].text = _cap(new) if toks[i].text[:1].isupper() else new
            b = Block("para", toks=toks)
            stats.edited += 1
        blocks.append(b)
        if rng.random() * 100 < percent / 5:
            blocks.append(Block("para", toks=writer.paragraph()))
            stats.added += 1
    return ArticleModel(a.index, a.slug, a.title, a.summary, a.date, a.updated, a.author,
                        a.tags, a.notes, blocks)


# --------------------------------------------------------------------------- fake translation

_SYLLABLES = {
    "es": "la lo de ra ri to ta ci on es mi ca que ma pa sa ne ño ía ción ue dad ven por ten",
    "fr": "le la de ré tion eu ou ai au mé pro con eau ment re vé qu ch on tê ça lè ui",
    "de": "ge be ver un ein sch ung lich ke ten heit ach ich zu ier auf mit der die ä ü ö ß",
    "pt_BR": "ção de que ra nh lh ão o a me ta vi po sa ve ções mu ru não ê ó",
    "it": "la lo ri to ta ci on mi ca che ma pa sa ne gli zio ne ven per ten tà",
    "nl": "de het van een ij oe ui ge ver aa ee oo sch en lijk te",
    "pl": "prz szcz cz sz rz ż ś ć ł ą ę ó wa no ko ni je",
    "ru": "ра ло де ри то та ни ко ве сть ен ов ый ая ие ть ль жи щ",
    "ar": "ال ب ت ث ج ح خ د ر س ش ص ع ف ق ك ل م ن ه و ي",
    "ja": "あ い う か き く さ し す た ち つ な に の ま み る れ を ん 日 本 人 気 時 間 心",
}
_PROTECTED = re.compile(
    r"`[^`]*`"                   # inline code
    r"|\]\([^)]*\)"              # link destination
    r"|<[^>\s]+>"                # autolink / html tag
    r"|https?://\S+|mailto:\S+"  # bare URLs
    r"|%\(\w+\)[sd]|%%|%[sd]"    # python-format placeholders
    r"|\{\w*\}"                  # brace placeholders
    r"|&\w+;")                   # entities
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")


def _digest(*parts: object) -> int:
    data = "|".join(map(str, parts)).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


class FakeTranslator:
    """Word-by-word pseudo-translation that keeps every piece of markup in place."""

    def __init__(self, lang: str, seed: int) -> None:
        self.lang = lang
        self.seed = seed
        self.syllables = _SYLLABLES.get(lang, _SYLLABLES["es"]).split()
        self.cache: dict[str, str] = {}

    def word(self, word: str) -> str:
        got = self.cache.get(word)
        if got is not None:
            return got
        h = _digest(self.seed, self.lang, word.lower())
        wanted = max(2, round(len(word) * (1.1 + (h % 5) / 10)))
        out = ""
        while len(out) < wanted:
            out += self.syllables[h % len(self.syllables)]
            h //= len(self.syllables)
            if h == 0:
                h = _digest(self.seed, self.lang, word, len(out))
        if word[:1].isupper():
            out = out[:1].upper() + out[1:]
        if out.lower() == word.lower():
            out += self.syllables[0]
        self.cache[word] = out
        return out

    def text(self, text: str) -> str:
        out = []
        last = 0
        for m in _PROTECTED.finditer(text):
            out.append(_WORD.sub(lambda w: self.word(w.group(0)), text[last:m.start()]))
            out.append(m.group(0))
            last = m.end()
        out.append(_WORD.sub(lambda w: self.word(w.group(0)), text[last:]))
        return "".join(out)


def unit_state(seed: int, lang: str, domain: str, msgid: str, always: bool = False) -> str:
    """'translated', 'fuzzy' or 'empty' for one unit of one language, from a hash."""
    if always:
        return "translated"
    r = _digest(seed, "state", lang, domain, msgid) % 100
    if r < TRANSLATED:
        return "translated"
    if r < TRANSLATED + FUZZY:
        return "fuzzy"
    return "empty"


def _unquote(lines: list[str]) -> str:
    """The value of a PO keyword's quoted lines."""
    body = "".join(line[line.index('"') + 1:line.rindex('"')] for line in lines)
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
        .replace("\t", "\\t") + '"'


def fill_po_text(text: str, lang: str, domain: str, seed: int, tr: FakeTranslator,
                 counts: list[int]) -> str:
    """Fill the empty msgstrs of a catalog that ``twp update`` just created.

    Text level (standard library only); the result is not wrapped canonically:
    :func:`canonicalize` does that."""
    chunks = text.rstrip("\n").split("\n\n")
    out = [chunks[0]]
    for chunk in chunks[1:]:
        lines = chunk.split("\n")
        if lines[0].startswith("#~") or all(ln.startswith("#") for ln in lines):
            out.append(chunk)
            continue
        head: list[str] = []      # comments, references, flags
        keys: dict[str, list[str]] = {}
        order: list[str] = []
        current = None
        for line in lines:
            if line.startswith("#"):
                head.append(line)
            elif line.startswith('"'):
                keys[current].append(line)
            else:
                current = line.split(" ", 1)[0]
                keys[current] = [line]
                order.append(current)
        msgid = _unquote(keys["msgid"])
        extracted = " ".join(ln for ln in head if ln.startswith("#."))
        always = domain == "site" or "type: title" in extracted or "type: summary" in extracted
        state = unit_state(seed, lang, domain, msgid, always)
        if state == "empty":
            counts[2] += 1
            out.append(chunk)
            continue
        counts[0 if state == "translated" else 1] += 1
        if "msgid_plural" in keys:
            translation = tr.text(_unquote(keys["msgid_plural"]))
        else:
            translation = tr.text(msgid)
        for key in order:
            if key.startswith("msgstr"):
                keys[key] = [f"{key} {_quote(translation)}"]
        if state == "fuzzy":
            flags = [i for i, ln in enumerate(head) if ln.startswith("#,")]
            if flags:
                names = [f.strip() for f in head[flags[0]][2:].split(",")]
                head[flags[0]] = "#, " + ", ".join(["fuzzy", *names])
            else:
                at = len([ln for ln in head if not ln.startswith("#|")])
                head.insert(at, "#, fuzzy")
        out.append("\n".join(head + [ln for key in order for ln in keys[key]]))
    return "\n\n".join(out) + "\n"


def read_translations(path: Path) -> dict[str, str]:
    """msgid -> msgstr of the finished (translated, not fuzzy, not obsolete) entries of a
    catalog; plural entries give their first form.  Standard library only."""
    found: dict[str, str] = {}
    for chunk in path.read_text(encoding="utf-8").split("\n\n")[1:]:
        lines = chunk.split("\n")
        if any(ln.startswith("#,") and "fuzzy" in ln for ln in lines):
            continue
        keys: dict[str, list[str]] = {}
        current = None
        for line in lines:
            if line.startswith("#"):
                continue
            if line.startswith('"'):
                keys[current].append(line)
            else:
                current = line.split(" ", 1)[0]
                keys[current] = [line]
        if "msgid" not in keys:
            continue
        msgstr = keys.get("msgstr") or keys.get("msgstr[0]")
        value = _unquote(msgstr) if msgstr else ""
        if value:
            found[_unquote(keys["msgid"])] = value
    return found


def _fill_language(job: tuple[str, list[str], int]) -> tuple[int, int, int]:
    lang, paths, seed = job
    tr = FakeTranslator(lang, seed)
    counts = [0, 0, 0]
    for name in paths:
        path = Path(name)
        text = path.read_text(encoding="utf-8")
        path.write_text(fill_po_text(text, lang, path.stem, seed, tr, counts), encoding="utf-8")
    return counts[0], counts[1], counts[2]


def _canonical_twp(paths: list[str]) -> None:
    from twp_i18n.catalog import pofile  # the project's own gettext-canonical writer

    for name in paths:
        pofile.write_po(Path(name), pofile.read_po(Path(name)))


def canonicalize(paths: list[str], jobs: int) -> str:
    """Rewrite the catalogs in GNU gettext's canonical form, the form twp writes:
    with ``msgcat`` when installed, else with ``twp_i18n.catalog.pofile``."""
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    msgcat = shutil.which("msgcat")
    if msgcat:
        def one(name: str) -> None:
            subprocess.run([msgcat, "-o", name, name], check=True)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(one, paths))
        return "msgcat"
    chunks = [paths[i::jobs] for i in range(jobs)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_canonical_twp, chunks))
    return "twp_i18n.catalog.pofile"


# --------------------------------------------------------------------------- Markdown re-translation

_FM_LINE = re.compile(r'^(title|summary): (".*")$')
_LINE = re.compile(r"^(#{1,6} |- |\d+\. |> |)(.*)$")
_IMAGE = re.compile(r"^!\[(.*)\](\(.*\))$")


def translate_markdown(markdown: str, lookup) -> str:
    """The article with every unit replaced by ``lookup(msgid)`` (None keeps the source).

    Works for the files this generator writes (one block per line)."""
    out = []
    lines = markdown.split("\n")
    in_fm = in_code = False
    for n, line in enumerate(lines):
        if n == 0 and line == "---":
            in_fm = True
            out.append(line)
            continue
        if in_fm:
            if line == "---":
                in_fm = False
            else:
                m = _FM_LINE.match(line)
                if m:
                    text = json.loads(m.group(2))
                    line = f"{m.group(1)}: {_yaml(lookup(text) or text)}"
            out.append(line)
            continue
        if line.startswith("```"):
            in_code = not in_code
            out.append(line)
            continue
        if in_code or not line.strip() or line == ">" or line.startswith("|---"):
            out.append(line)
            continue
        if line.startswith("| "):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            out.append("| " + " | ".join(lookup(c) or c for c in cells) + " |")
            continue
        m = _IMAGE.match(line)
        if m:
            out.append(f"![{lookup(m.group(1)) or m.group(1)}]{m.group(2)}")
            continue
        prefix, text = _LINE.match(line).groups()
        out.append(prefix + (lookup(text) or text))
    return "\n".join(out)


# --------------------------------------------------------------------------- site

def twp_command() -> list[str]:
    """How to run twp: $TWP (split on spaces), else `twp` on PATH, else this Python's module."""
    if os.environ.get("TWP"):
        return os.environ["TWP"].split()
    found = shutil.which("twp")
    return [found] if found else [sys.executable, "-m", "twp_i18n"]


def run_twp(site: Path, *args: str) -> None:
    cmd = [*twp_command(), "--site", str(site), "--quiet", *args]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"corpus: {' '.join(cmd)} failed ({result.returncode}):\n"
                 f"{result.stdout}{result.stderr}")


def write_config(site: Path, languages: list[str]) -> None:
    site.mkdir(parents=True, exist_ok=True)
    langs = ", ".join(f'"{lang}"' for lang in languages)
    (site / "twp.toml").write_text(
        "# Generated by benchmarks/corpus.py\n"
        "[site]\n"
        'title = "Benchmark Commons"\n'
        'base_url = "https://bench.example.org/"\n'
        'source_language = "en"\n'
        f"languages = [{langs}]\n\n"
        "[publish]\nmin_percent = 80\n\n"
        "[feeds]\nitems = 20\nfull_content = true\n"
        'rights = "Shared by the community under CC BY-SA 4.0"\n', encoding="utf-8")


def write_articles(site: Path, models: list[ArticleModel]) -> None:
    content = site / "content" / "en"
    if content.exists():
        shutil.rmtree(content)
    content.mkdir(parents=True)
    for a in models:
        (content / f"{a.slug}.md").write_text(render_markdown(a) + "\n", encoding="utf-8")


def generate(out: Path, articles: int, languages: int, edit_percent: float, seed: int,
             jobs: int = 2, log=print) -> dict:
    if not 1 <= languages <= len(LANGUAGES):
        raise SystemExit(f"--languages must be between 1 and {len(LANGUAGES)}")
    out = out.resolve()
    edited = out.with_name(out.name + "-edited")
    for path in (out, edited):
        if path.exists():
            shutil.rmtree(path)
    langs = LANGUAGES[:languages]
    started = time.perf_counter()

    slugs = make_slugs(articles, seed)
    models = [make_article(i, slugs, seed) for i in range(articles)]
    write_config(out, langs)
    write_articles(out, models)
    log(f"corpus: {articles} articles written ({time.perf_counter() - started:.1f} s)")

    run_twp(out, "extract")
    run_twp(out, "update")
    log(f"corpus: twp extract + update done ({time.perf_counter() - started:.1f} s)")

    jobs_list = []
    for lang in langs:
        paths = sorted(str(p) for p in (out / "locales" / lang / "LC_MESSAGES").glob("*.po"))
        jobs_list.append((lang, paths, seed))
    counts = [_fill_language(job) for job in jobs_list]
    writer = canonicalize([p for job in jobs_list for p in job[1]], max(1, jobs))
    log(f"corpus: catalogs translated, canonical form by {writer} "
        f"({time.perf_counter() - started:.1f} s)")
    # The state a maintainer has: update has run since the translators' work (this also
    # fills twp's own cache in .twp/, if it keeps one); it must find nothing to change.
    before = {p: p.stat().st_mtime_ns for p in (out / "locales").rglob("*.po")}
    run_twp(out, "update")
    rewritten = [p for p, m in before.items() if p.stat().st_mtime_ns != m]
    if rewritten:
        log(f"corpus: warning: twp update rewrote {len(rewritten)} filled catalogs "
            f"(e.g. {rewritten[0]}): they were not in twp's canonical form")

    # The edited version: new content, old catalogs, re-extracted templates.
    stats = EditStats()
    edited_models = [edit_article(a, slugs, seed, edit_percent, stats) for a in models]
    write_config(edited, langs)
    write_articles(edited, edited_models)
    shutil.copytree(out / "locales", edited / "locales")
    if (out / ".twp").is_dir():
        shutil.copytree(out / ".twp", edited / ".twp",
                        ignore=shutil.ignore_patterns("lock"))
    run_twp(edited, "extract")
    log(f"corpus: edited version written and extracted ({time.perf_counter() - started:.1f} s)")

    meta = {
        "articles": articles, "languages": langs, "edit_percent": edit_percent, "seed": seed,
        "site": str(out), "edited_site": str(edited),
        "units_per_language": counts[0][0] + counts[0][1] + counts[0][2],
        "catalog_units": {lang: {"translated": c[0], "fuzzy": c[1], "empty": c[2]}
                          for lang, c in zip(langs, counts, strict=True)},
        "words": sum(len(render_markdown(a).split()) for a in models),
        "edit": {"paragraphs": stats.paragraphs, "edited": stats.edited,
                 "added": stats.added, "deleted": stats.deleted},
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / "corpus.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, metavar="OUT_DIR")
    parser.add_argument("--articles", "-n", type=int, default=100)
    parser.add_argument("--languages", "-k", type=int, default=5)
    parser.add_argument("--edit-percent", "-p", type=float, default=10.0)
    parser.add_argument("--seed", "-s", type=int, default=1)
    parser.add_argument("--jobs", "-j", type=int, default=min(2, os.cpu_count() or 1),
                        help="processes filling the catalogs (default: 2)")
    args = parser.parse_args(argv)
    meta = generate(args.out, args.articles, args.languages, args.edit_percent, args.seed,
                    args.jobs, log=lambda m: print(m, file=sys.stderr))
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
