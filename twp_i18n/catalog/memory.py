"""The translation memory of one language (:class:`Memory`): for a new unit of one catalog,
the translated entries of its other catalogs with the same text, or the most similar one.
:mod:`.merge` asks it when a unit's own catalog has no earlier version of the unit."""

from __future__ import annotations

import bisect
import itertools
from typing import TYPE_CHECKING

import polib

from .similarity import FUZZY_THRESHOLD, similar

if TYPE_CHECKING:
    import numpy as np

MEMORY_CANDIDATES = 8
"""The translation memory proposes the best of this many most similar entries that is
from another catalog (an entry of the unit's own catalog was already tried)."""
SHORTLIST_MIN_LENGTH = 100
"""Units at least this long are compared only with the entries sharing distinctive words..."""
SHORTLIST_MIN_WORDS = 3
"""...if they have at least this many distinctive words (else: the whole length window)."""
SHORTLIST_SHARE = 10
"""...and share at least a tenth of them (rounded up) with the unit."""
SHORTLIST_MAX = 64
"""...and of those, only this many are compared: the ones sharing the most of them (an entry
similar enough shares most of the unit's words, so it is among the first)."""
COMMON_WORD_SHARE = 0.02
"""A word found in more than this share of a language's entries is not distinctive..."""
COMMON_WORD_MIN = 20
"""...unless in this many entries or fewer (small memories)."""


def unit_types(entry: polib.POEntry) -> tuple[str, ...]:
    """The ``type: ...`` lines of an entry's extracted comments."""
    return tuple(line for line in entry.comment.split("\n") if line.startswith("type: "))


class Memory:
    """The translated entries of one language's catalogs, for reuse across articles.

    :meth:`closest` must find, among thousands of entries, the ones at least
    :data:`FUZZY_THRESHOLD` similar to a new unit; comparing the unit with every
    entry costs a long paragraph about 90 ms.  Two filters make it cheap:

    * Length: an Indel ratio of at least ``t`` needs ``min/max >= t / (2 - t)``
      (3/7 for 60%), so only entries in that length window can qualify.  This
      bound is exact.
    * Words, for long units (:data:`SHORTLIST_MIN_LENGTH` characters or more):
      an index of *distinctive* words (space-separated, lowercased, found in at
      most :data:`COMMON_WORD_SHARE` of the entries: not ``the`` or ``and``)
      shortlists the entries that share at least a tenth of the unit's
      distinctive words, and of those the :data:`SHORTLIST_MAX` sharing the most
      (on a large site hundreds of paragraphs share a tenth of a unit's words; the
      work per unit then stays the same whatever the site's size).  A paragraph at
      least 60% similar to another (moved and edited, say) shares most of its words
      with it, so in practice no such match is lost; what is given up are texts
      that share few of the unit's rare words yet reach 60% character by
      character: coincidences, not earlier versions of the same text.  Entries with too few distinctive
      words to be found that way are indexed by pairs of consecutive words
      instead (which a similar text shares too, however common its words), and
      a unit with too few (text without spaces, or only common words) is
      compared with the whole length window, as short units are, whose window
      is cheap.

    The score is always the exact rapidfuzz ratio and ties are broken as
    rapidfuzz's ``process.extract`` over all entries would: highest score, then
    first entry, among the best :data:`MEMORY_CANDIDATES`.
    """

    def __init__(self, catalogs: dict[str, polib.POFile]) -> None:
        self.exact: dict[str, list[tuple[str, polib.POEntry]]] = {}
        self.texts: list[str] = []
        self.entries: list[tuple[str, polib.POEntry]] = []
        for domain, po in sorted(catalogs.items()):
            for entry in po:
                if entry.obsolete or entry.msgid_plural or not entry.msgstr or entry.fuzzy:
                    continue
                self.exact.setdefault(entry.msgid, []).append((domain, entry))
                self.texts.append(entry.msgid)
                self.entries.append((domain, entry))
        self._by_length: list[int] | None = None  # entry indices, shortest first
        self._lengths: list[int] = []
        # Distinctive word -> the indices of its entries: flat[starts[n]:starts[n + 1]] for
        # the word numbered n (one array for all, made at once: a word's list grows with the site).
        self._words: dict[str, int] = {}
        self._flat: np.ndarray | None = None
        self._starts: np.ndarray | None = None
        self._length_of: np.ndarray | None = None  # entry index -> length of its text
        # Pairs of consecutive words -> entries with too few distinctive words to be found by them.
        self._plain_pairs: dict[tuple[str, str], list[int]] = {}

    def lookup(self, entry: polib.POEntry, domain: str) -> tuple[polib.POEntry, bool] | None:
        """An exact-text entry from another catalog; True when its role matches too."""
        candidates = [(d, e) for d, e in self.exact.get(entry.msgid, ()) if d != domain]
        for _, other in candidates:
            if other.msgctxt == entry.msgctxt and unit_types(other) == unit_types(entry):
                return other, True
        return (candidates[0][1], False) if candidates else None

    def closest(self, text: str, domain: str) -> polib.POEntry | None:
        """The most similar translated entry of another catalog, if similar enough."""
        candidates = self._candidates(text)
        found = similar(text, [self.texts[i] for i in candidates])
        ranked = sorted((-score, candidates[position]) for score, position in found)
        for _, index in ranked[:MEMORY_CANDIDATES]:
            if self.entries[index][0] != domain:
                return self.entries[index][1]
        return None

    def _candidates(self, text: str) -> list[int]:
        """Indices of the entries that may be similar enough to ``text``."""
        if self._by_length is None:
            self._index()
            assert self._by_length is not None
        # ratio >= t needs 2 * min(a, b) / (a + b) >= t; one character of slack each side.
        size = len(text)
        shortest = size * FUZZY_THRESHOLD / (200 - FUZZY_THRESHOLD) - 1
        longest = size * (200 - FUZZY_THRESHOLD) / FUZZY_THRESHOLD + 1
        if size >= SHORTLIST_MIN_LENGTH:
            words = text.lower().split()
            postings = [self.postings(w) for w in set(words) if w in self._words]
            if len(postings) >= SHORTLIST_MIN_WORDS:
                found = self._sharing(postings, -(-len(postings) // SHORTLIST_SHARE),  # rounded up
                                      shortest, longest)
                texts = self.texts
                pairs = {i for pair in zip(words, words[1:], strict=False)
                         for i in self._plain_pairs.get(pair, ())
                         if shortest <= len(texts[i]) <= longest}
                return sorted(pairs.union(found))
        low = bisect.bisect_left(self._lengths, shortest)
        return self._by_length[low:bisect.bisect_right(self._lengths, longest)]

    def postings(self, word: str) -> np.ndarray:
        """The indices of the entries holding ``word``, a distinctive word, in order."""
        assert self._flat is not None and self._starts is not None
        number = self._words[word]
        return self._flat[self._starts[number]:self._starts[number + 1]]

    def _sharing(self, postings: list[np.ndarray], need: int, shortest: float, longest: float
                 ) -> list[int]:
        """The entries in at least ``need`` of ``postings`` whose length is in the window,
        and of those the :data:`SHORTLIST_MAX` in the most (ties: the first); counted in
        arrays, since a word's postings grow with the site."""
        import numpy as np

        assert self._length_of is not None
        ids, counts = np.unique(np.concatenate(postings), return_counts=True)
        lengths = self._length_of[ids]
        keep = (counts >= need) & (lengths >= shortest) & (lengths <= longest)
        ids, counts = ids[keep], counts[keep]
        if len(ids) > SHORTLIST_MAX:  # most shared first, then the first entry
            ids = ids[np.lexsort((ids, -counts))[:SHORTLIST_MAX]]
        return [int(i) for i in ids]

    def _index(self) -> None:
        import numpy as np  # here: the commands that merge nothing need not load it

        self._by_length = sorted(range(len(self.texts)), key=lambda i: len(self.texts[i]))
        self._lengths = [len(self.texts[i]) for i in self._by_length]
        words: dict[str, list[int]] = {}
        for index, text in enumerate(self.texts):
            for word in set(text.lower().split()):
                posting = words.get(word)
                if posting is None:
                    words[word] = [index]
                else:
                    posting.append(index)
        common = max(COMMON_WORD_MIN, int(len(self.texts) * COMMON_WORD_SHARE))
        kept = [(w, p) for w, p in words.items() if len(p) <= common]
        self._words = {w: n for n, (w, _) in enumerate(kept)}
        distinctive = [p for _, p in kept]
        sizes = np.fromiter(map(len, distinctive), dtype=np.int64, count=len(distinctive))
        self._starts = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum(sizes)))
        self._flat = np.fromiter(itertools.chain.from_iterable(distinctive), dtype=np.int32,
                                 count=int(self._starts[-1]))
        self._length_of = np.fromiter(map(len, self.texts), dtype=np.int64, count=len(self.texts))
        counts = np.bincount(self._flat, minlength=len(self.texts)).tolist()
        pairs: dict[tuple[str, str], list[int]] = {}
        for index, text in enumerate(self.texts):
            if counts[index] < SHORTLIST_MIN_WORDS:
                tokens = text.lower().split()
                for pair in set(zip(tokens, tokens[1:], strict=False)):
                    pairs.setdefault(pair, []).append(index)
        self._plain_pairs = {pair: p for pair, p in pairs.items() if len(p) <= common}
