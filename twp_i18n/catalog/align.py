"""Pairing a translated article's blocks with the English units (pure: no files, no catalog).

Two passes, as the translation allows:

1. **Structure.**  When both have the same sequence of block kinds (headings by level,
   paragraphs, list items, quotes, table cells, image alts), block *n* pairs with unit *n*.
2. **Dynamic programming** otherwise (a paragraph split or merged, one added or missing,
   a list item inserted): the cheapest path through the moves 1-1, 1-0, 0-1, 2-1 and
   1-2, where a 1-1 move costs by block kind, by length ratio (Gale and Church's model:
   the translation's length is about ``c`` times the source's, with a variance growing
   with the length) and by the *anchors* that survive translation: numbers, URLs and
   link targets, code spans, the count of emphasis.  Merges and splits are stepped over
   (their text cannot be cut back into units safely), so only 1-1 moves become pairs.

Every pair gets a score between 0 and 1 from the same features; pairs under
:data:`THRESHOLD` are dropped.  Text is compared after normalisation (HTML entities,
Unicode compatibility forms, typographic quotes, dashes and spaces); the pairs carry
the translator's text as written.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..source.segments import markdown

__all__ = ["THRESHOLD", "Alignment", "Pair", "align", "normalise", "pair_score"]

THRESHOLD = 0.5
"""Pairs scoring less stay untranslated."""
MIN_COVERAGE = 0.6
"""A translation whose :attr:`Alignment.coverage` is lower is not taken for one of the
source at all (on the test sets a damaged translation covers 85% or more, one of another
article 45% at most)."""

#: Gale and Church's variance of the length difference per source character.
VARIANCE = 6.8
#: Cost (minus log probability) of each move before its content is looked at.
MOVE_COST = {(1, 1): -math.log(0.89), (1, 0): -math.log(0.01), (0, 1): -math.log(0.01),
             (2, 1): -math.log(0.045), (1, 2): -math.log(0.045)}
#: The widest band of the dynamic programming around the diagonal (bounds its time).
BAND = 60
#: A score is exp(-cost / SCORE_SCALE) of the pair's content cost.
SCORE_SCALE = 6.0


@dataclass(frozen=True)
class Pair:
    """English unit ``source`` and translated block ``target`` (indexes), with a score."""

    source: int
    target: int
    score: float


@dataclass(frozen=True)
class Alignment:
    pairs: tuple[Pair, ...]
    """Pairs at or above the threshold, in document order."""
    structural: bool
    """True when the structure matched block for block."""
    dropped: tuple[Pair, ...] = ()
    """Pairs the path made that scored under the threshold."""
    merged: tuple[int, ...] = ()
    """English units whose translation is merged with another's or split (left)."""
    sizes: tuple[int, int] = (0, 0)
    """How many source units and target blocks there were."""

    @property
    def coverage(self) -> float:
        """Pairs made over the blocks of the shorter side: a translation of another article
        pairs a few blocks by chance, a damaged one of this article most of them."""
        shorter = min(self.sizes)
        return 1.0 if shorter == 0 else len(self.pairs) / shorter


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
                         "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
                         "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
                         "\u2014": "-", "\u2015": "-", "\u2212": "-",
                         "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u200b": ""})
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Text as compared: entities decoded, compatibility forms folded, typography plain.

    >>> normalise("&laquo;\u00a0Caf&eacute;\u00a0&raquo; \u2014 l\u2019aide\u2026")
    '" Café " - l\\'aide...'
    """
    text = unicodedata.normalize("NFKC", html.unescape(text)).translate(_QUOTES)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class _Features:
    kind: str
    length: int
    anchors: Counter[str]
    emphasis: int


_NUMBER = re.compile(r"\d+")
_LANG_PREFIX = re.compile(r"^/[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?(?=/)")


def _target(url: str) -> str:
    """A link target as an anchor: without scheme, ``www.``, a leading language segment
    (``/es/``) or a trailing slash, so a localised link still matches."""
    url = re.sub(r"^[a-z][a-z0-9+.-]*://(www\.)?", "", url.strip(), flags=re.IGNORECASE)
    host, slash, path = url.partition("/")
    path = _LANG_PREFIX.sub("", "/" + path) if slash else ""
    return (host + path).rstrip("/").lower()


@lru_cache(maxsize=4096)
def _features(kind: str, text: str) -> _Features:
    tokens = markdown().parseInline(normalise(text), {})
    plain: list[str] = []
    anchors: Counter[str] = Counter()
    emphasis = 0
    stack = list(reversed(tokens[0].children or [])) if tokens else []
    while stack:
        token = stack.pop()
        if token.type in ("text", "code_inline"):
            plain.append(token.content)
            if token.type == "code_inline":
                anchors["code:" + token.content.strip()] += 1
        elif token.type == "link_open":
            anchors["link:" + _target(str(token.attrs.get("href", "")))] += 1
        elif token.type == "image":
            anchors["link:" + _target(str(token.attrs.get("src", "")))] += 1
            stack.extend(reversed(token.children or []))
        elif token.type in ("em_open", "strong_open"):
            emphasis += 1
        elif token.type in ("softbreak", "hardbreak"):
            plain.append(" ")
    words = "".join(plain)
    for number in _NUMBER.findall(re.sub(r"(?<=\d)[.,'\u066b\u066c ](?=\d)", "", words)):
        anchors["number:" + number.lstrip("0")] += 1
    return _Features(kind, len(words.strip()), anchors, emphasis)


def _kind_cost(source: str, target: str) -> float | None:
    """None when the kinds cannot pair; a heading of another level costs a little."""
    if source == target:
        return 0.0
    if source.startswith("heading") and target.startswith("heading"):
        return 1.5
    return None


def _length_cost(source_length: int, target_length: int, ratio: float) -> float:
    """Minus the log of Gale and Church's probability of this length difference."""
    mean = max(source_length, 1) * ratio
    delta = (target_length - mean) / math.sqrt(max(source_length, 1) * ratio * VARIANCE)
    probability = math.erfc(abs(delta) / math.sqrt(2))  # 2 * (1 - Phi(|delta|))
    return -math.log(max(probability, 1e-12))


def _anchor_cost(one: _Features, other: _Features) -> float:
    cost = 0.8 * abs(one.emphasis - other.emphasis)
    total = sum(one.anchors.values()) + sum(other.anchors.values())
    if total:
        shared = sum((one.anchors & other.anchors).values())
        cost += 8.0 * (1 - 2 * shared / total)
    return cost


#: The kinds of block a translator merges or splits (never headings, list items or cells).
_PROSE = frozenset({"paragraph", "block quote"})


def _content_cost(sources: Sequence[_Features], target: _Features, ratio: float) -> float | None:
    """The cost of ``sources`` (one or two units) being translated by ``target``."""
    if len(sources) > 1 and target.kind not in _PROSE:
        return None
    kinds = [_kind_cost(s.kind, target.kind) for s in sources]
    if any(k is None for k in kinds):
        return None
    merged = _Features(sources[0].kind, sum(s.length for s in sources),
                       sum((s.anchors for s in sources), Counter()), sum(s.emphasis for s in sources))
    return (sum(k for k in kinds if k is not None)
            + _length_cost(merged.length, target.length, ratio) + _anchor_cost(merged, target))


def pair_score(source: tuple[str, str], target: tuple[str, str], ratio: float = 1.0) -> float:
    """The score (0 to 1) of ``target`` (kind, text) as the translation of ``source``."""
    cost = _content_cost([_features(*source)], _features(*target), ratio)
    return 0.0 if cost is None else math.exp(-cost / SCORE_SCALE)


def _ratio(sources: Sequence[_Features], targets: Sequence[_Features]) -> float:
    total = sum(f.length for f in sources)
    ratio = sum(f.length for f in targets) / total if total else 1.0
    return min(max(ratio, 0.25), 4.0)


def align(source: Sequence[tuple[str, str]], target: Sequence[tuple[str, str]],
          threshold: float = THRESHOLD) -> Alignment:
    """Pair ``target`` blocks (kind, Markdown) with ``source`` units (kind, Markdown).

    >>> a = align([("heading 2", "Sleep"), ("paragraph", "Rest **well**, 8 hours.")],
    ...           [("heading 2", "Sueño"), ("paragraph", "Descansa **bien**, 8 horas.")])
    >>> a.structural, [(p.source, p.target) for p in a.pairs]
    (True, [(0, 0), (1, 1)])
    """
    sources = [_features(kind, text) for kind, text in source]
    targets = [_features(kind, text) for kind, text in target]
    ratio = _ratio(sources, targets)
    moves = [(i, i, 1, 1) for i in range(len(sources))]
    structural = [f.kind for f in sources] == [f.kind for f in targets] and all(
        _pair(sources[i], targets[i], ratio).score >= threshold for i in range(len(sources)))
    if not structural:  # the same shape may still hide a block missing and another added
        moves = _path(sources, targets, ratio)
    kept: list[Pair] = []
    dropped: list[Pair] = []
    merged: list[int] = []
    for i, j, di, dj in moves:
        if (di, dj) != (1, 1):
            merged.extend(range(i, i + di) if dj else ())
            continue
        pair = _pair(sources[i], targets[j], ratio, i, j)
        (kept if pair.score >= threshold else dropped).append(pair)
    return Alignment(tuple(kept), structural, tuple(dropped), tuple(merged),
                     (len(sources), len(targets)))


def _pair(source: _Features, target: _Features, ratio: float, i: int = 0, j: int = 0) -> Pair:
    cost = _content_cost([source], target, ratio)
    return Pair(i, j, 0.0 if cost is None else math.exp(-cost / SCORE_SCALE))


def _path(sources: list[_Features], targets: list[_Features], ratio: float
          ) -> list[tuple[int, int, int, int]]:
    """The cheapest sequence of moves ``(i, j, di, dj)`` from (0, 0) to the end."""
    n, m = len(sources), len(targets)
    band = max(BAND, abs(n - m) + 10)
    inf = math.inf
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        centre = i * m / n if n else 0
        for j in range(max(0, int(centre) - band), min(m, int(centre) + band) + 1):
            here = cost[i][j]
            if here == inf:
                continue
            for (di, dj), prior in MOVE_COST.items():
                ni, nj = i + di, j + dj
                if ni > n or nj > m:
                    continue
                if di and dj:
                    step = (_content_cost(sources[i:ni], targets[j], ratio) if dj == 1 else
                            _split_cost(sources[i], targets[j:nj], ratio))
                    if step is None:
                        continue
                else:
                    step = 0.0
                if here + prior + step < cost[ni][nj]:
                    cost[ni][nj] = here + prior + step
                    back[ni][nj] = (di, dj)
    moves: list[tuple[int, int, int, int]] = []
    i, j = n, m
    while (i, j) != (0, 0):
        step_back = back[i][j]
        assert step_back is not None
        di, dj = step_back
        i, j = i - di, j - dj
        moves.append((i, j, di, dj))
    moves.reverse()
    return moves


def _split_cost(source: _Features, targets: Sequence[_Features], ratio: float) -> float | None:
    if source.kind not in _PROSE:
        return None
    kinds = [_kind_cost(source.kind, t.kind) for t in targets]
    if any(k is None for k in kinds):
        return None
    joined = _Features(targets[0].kind, sum(t.length for t in targets),
                       sum((t.anchors for t in targets), Counter()), sum(t.emphasis for t in targets))
    return _content_cost([source], joined, ratio)
