"""How alike two texts are, for fuzzy matches and the translation memory: rapidfuzz's
Indel ratio (``fuzz.ratio``, 0-100), in linear time for a small edit in a long text."""

from __future__ import annotations

from rapidfuzz import fuzz, process

FUZZY_THRESHOLD = 60.0
"""Minimum similarity (0-100) for a fuzzy match; msgmerge uses 0.6."""

LONG_TEXT = 2048
"""Texts at least this long are scored one by one: rapidfuzz's ``process`` functions skip
the common prefix and suffix that make ``fuzz.ratio`` fast (linear) on a small edit in a
long paragraph, and take time quadratic in its length."""


def similar(query: str, choices: list[str]) -> list[tuple[float, int]]:
    """``(score, index)`` of every choice whose ``fuzz.ratio`` with ``query`` reaches
    :data:`FUZZY_THRESHOLD`, in the order of ``choices``.

    >>> similar("one small edit", ["one small edit!", "unrelated"])
    [(96.55172413793103, 0)]
    """
    if len(query) < LONG_TEXT:
        found = process.extract(query, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD,
                                limit=None)
        return sorted(((score, position) for _, score, position in found), key=lambda f: f[1])
    scores = ((fuzz.ratio(query, choice, score_cutoff=FUZZY_THRESHOLD), position)
              for position, choice in enumerate(choices))
    return [(score, position) for score, position in scores if score >= FUZZY_THRESHOLD]


def most_similar(query: str, choices: list[str]) -> int | None:
    """The index of the choice most similar to ``query`` (the first of equals), if any
    reaches :data:`FUZZY_THRESHOLD`: what ``process.extractOne`` gives, in linear time for a
    small edit in a long text."""
    if len(query) < LONG_TEXT:
        found = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
        return None if found is None else found[2]
    best: tuple[float, int] | None = None
    for score, position in similar(query, choices):
        if best is None or score > best[0]:
            best = (score, position)
    return None if best is None else best[1]
