"""Size and nesting bounds of articles, and work that stays linear under them.

Linearity is tested without wall-clock thresholds: either by counting the calls
of the operation that would repeat (a 10x input may cost at most 15x the
operations), or, where the work happens inside one regular-expression call, by
the ratio of the CPU time of a 10x input to that of a 1x input (at most 25x).
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twp_i18n.config import LimitsConfig, load_config
from twp_i18n.errors import ContentError
from twp_i18n.source.content import load_articles, parse_article
from twp_i18n.source.segments import _code_spans, article_units, normalize_inline

from .conftest import MINIMAL_CONFIG, article

LIMITS = "\n[limits]\n"


def config_with(**limits: int) -> str:
    return MINIMAL_CONFIG + LIMITS + "".join(f"{key} = {value}\n" for key, value in limits.items())


def units_of(root: Path) -> list[str]:
    return [unit.text for a in load_articles(load_config(root)) for unit in article_units(a)]


def nested_list(depth: int, last: str = "deepest item") -> str:
    lines = [f"{'  ' * level}- item {level + 1}" for level in range(depth - 1)]
    return "\n".join([*lines, f"{'  ' * (depth - 1)}- {last}"]) + "\n"


# --------------------------------------------------------------------------- article size

def test_article_over_the_size_bound_is_refused_before_it_is_read(make_site, twp):
    # Not even front matter: the size alone refuses it, before any parsing.
    big = b"\xff" * 5000
    root = make_site({"content/en/big.md": big, "content/en/ok.md": article()},
                     config=config_with(max_article_bytes=4096))
    result = twp("--site", root, "extract")
    assert result.code == 2
    assert "content/en/big.md:" in result.err
    assert "5000 bytes" in result.err and "4096" in result.err
    assert "[limits] max_article_bytes" in result.err
    assert "Traceback" not in result.err
    assert not (root / "locales/ok.pot").exists()  # a hard error: nothing written


@pytest.mark.parametrize("kind", ["fifo", "device"])
@pytest.mark.parametrize("command, what", [("extract", "article"), ("build", "article"),
                                           ("status", "article"), ("build", "dates"),
                                           ("build", "glossary")])
def test_an_input_that_is_no_regular_file_is_an_error_not_a_hang(
        make_site, twp, kind, command, what):
    # A named pipe blocks whoever opens it; /dev/zero never ends.  Through a symbolic link
    # either may stand where an article or a catalog should be.
    import os
    import threading

    root = make_site({"content/en/a.md": article()})
    assert twp("--site", root, "--quiet", "sync").code == 0
    if command == "status":
        target = next((root / "locales").rglob("a.po"))
        target.unlink()
    else:
        target = root / "content/en/z.md"
    if what != "article":  # the record of dates, a language's glossary: read by every build
        command = "build"
        lang = next(p.name for p in (root / "locales").iterdir() if (p / "LC_MESSAGES").is_dir())
        target = root / "locales" / ("dates.json" if what == "dates" else f"{lang}/glossary.csv")
        target.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/zero")
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(twp("--site", root, command)), daemon=True)
    worker.start()
    worker.join(60)
    if not done:  # unblock the reader, or the test run would hang too
        with open(target, "wb", buffering=0) if kind == "fifo" else open(os.devnull, "wb"):
            pass
        worker.join(10)
        pytest.fail(f"twp {command} still waits on a {kind}")
    result = done[0]
    if command == "status" and result.code == 0:
        return  # status lists only regular files: that catalog is missing, as if deleted
    assert "Traceback" not in result.err, result.err
    # (a link to /dev/zero is a link outside the site too)
    assert "not a regular file" in result.err or "outside the site" in result.err, result.err
    assert result.code == (2 if what == "article" else 1), result  # else: left out, said


def test_article_at_the_size_bound_is_accepted(make_site):
    text = article(body="x" * 10 + "\n")
    size = len(text.encode("utf-8"))
    root = make_site({"content/en/a.md": text}, config=config_with(max_article_bytes=size))
    assert "x" * 10 in units_of(root)


def test_default_bound_refuses_a_10_mb_article(make_site):
    root = make_site({"content/en/big.md": article(body="word " * 2_000_000)})
    with pytest.raises(ContentError) as caught:
        load_articles(load_config(root))
    assert caught.value.path == "content/en/big.md"
    assert "2097152" in str(caught.value)


def test_fetched_article_bytes_are_bounded_too():
    limits = LimitsConfig(max_article_bytes=100)
    with pytest.raises(ContentError, match="max_article_bytes"):
        parse_article(article(body="y" * 200).encode(), Path("a.md"), "content/en/a.md", limits)


# --------------------------------------------------------------------------- unit size

def test_paragraph_over_the_entry_bound_is_refused_with_its_line(make_site, twp):
    body = "Short one.\n\n" + "long " * 300 + "\n\nAfter.\n"
    root = make_site({"content/en/a.md": article(body=body)},
                     config=config_with(max_entry_bytes=1000))
    result = twp("--site", root, "extract")
    assert result.code == 2
    # Front matter is 4 lines: the long paragraph is on line 7.
    assert "content/en/a.md:7:" in result.err
    assert "[limits] max_entry_bytes" in result.err and "1000" in result.err


def test_title_over_the_entry_bound_is_refused(make_site):
    root = make_site({"content/en/a.md": article(title="T" * 200)},
                     config=config_with(max_entry_bytes=100))
    with pytest.raises(ContentError) as caught:
        units_of(root)
    assert caught.value.line == 2 and "max_entry_bytes" in str(caught.value)


def test_a_long_code_block_is_not_a_unit_and_not_bounded(make_site):
    body = "Text.\n\n```\n" + "code line\n" * 200 + "```\n"
    root = make_site({"content/en/a.md": article(body=body)},
                     config=config_with(max_entry_bytes=100))
    assert units_of(root)[-1] == "Text."


def test_entry_bound_counts_utf8_bytes(make_site):
    root = make_site({"content/en/a.md": article(body="é" * 60 + "\n")},  # 120 bytes
                     config=config_with(max_entry_bytes=100))
    with pytest.raises(ContentError, match="120 bytes"):
        units_of(root)


# --------------------------------------------------------------------------- nesting

def test_list_nested_to_the_bound_is_extracted_whole(make_site):
    root = make_site({"content/en/a.md": article(body=nested_list(32))})
    found = units_of(root)
    assert "deepest item" in found  # markdown-it's own maxNesting used to drop it silently
    assert len([u for u in found if u.startswith("item ")]) == 31


def test_list_nested_deeper_than_the_bound_is_refused_with_its_line(make_site, twp):
    root = make_site({"content/en/a.md": article(body="Intro.\n\n" + nested_list(33))})
    result = twp("--site", root, "extract")
    assert result.code == 2
    assert "content/en/a.md:39:" in result.err  # line of the 33rd list (5 + 2 + 32)
    assert "33" in result.err and "[limits] max_nesting" in result.err


@pytest.mark.parametrize("body", [
    "> " * 9 + "deep\n",                                    # one line, nine quotes
    "- " * 9 + "deep\n",                                    # one line, nine lists
    "".join(">" * (n + 1) + f" quote {n}\n\n" for n in range(9)),
    "- > - > - > - > - deep\n",
])
def test_block_quotes_and_lists_count_together(make_site, body):
    root = make_site({"content/en/a.md": article(body=body)}, config=config_with(max_nesting=8))
    with pytest.raises(ContentError, match="nested 9 deep"):
        units_of(root)
    root = make_site({"content/en/a.md": article(body=body)}, config=config_with(max_nesting=9))
    assert units_of(root)


def test_raw_html_nesting_is_bounded_too(make_site):
    deep = "<div>" * 40 + "x" + "</div>" * 40
    flat = "<div><p>a</p><br><img src=x.png><p>b</div>\n" * 40
    root = make_site({"content/en/a.md": article(body=f"Text.\n\n{flat}\n")})
    assert units_of(root) == ["A title", "Text.", *["a", "b"] * 40]  # text in HTML: units
    root = make_site({"content/en/a.md": article(body=f"Text.\n\n{deep}\n")})
    with pytest.raises(ContentError, match="HTML elements nested 33 deep"):
        units_of(root)


def test_nesting_beyond_what_the_parser_reads_is_refused_not_dropped(make_site):
    root = make_site({"content/en/a.md": article(body="- " * 400 + "lost?\n")},
                     config=config_with(max_nesting=100_000))
    with pytest.raises(ContentError, match="nested 101 deep") as caught:
        units_of(root)
    assert "twp reads at most 100 levels" in str(caught.value)


def test_extract_of_a_bad_article_among_many_names_it(make_site, twp):
    files = {f"content/en/a{n:03}.md": article() for n in range(3)}
    files["content/en/a001.md"] = article(body="> " * 40 + "deep\n")
    root = make_site(files)
    result = twp("--site", root, "extract")
    assert result.code == 2 and "content/en/a001.md:5:" in result.err


# --------------------------------------------------------------------------- linear work

def cpu(function: Callable[[], object]) -> float:
    """CPU seconds of one call (repeated until measurable), the garbage collector off: its
    passes grow with everything the process holds, not with the work measured."""
    gc.collect()
    gc.disable()
    try:
        calls, start = 0, time.process_time()
        while True:
            function()
            calls += 1
            spent = time.process_time() - start
            if spent >= 0.02:
                return spent / calls
    finally:
        gc.enable()


def assert_linear(make_input: Callable[[int], object], function: Callable[[object], object],
                  size: int) -> None:
    """10x the input costs at most 25x the CPU time (the best of five, taken in turns).

    Linear work gives about 10x; the bound is generous because caches and other
    processes on the machine make CPU time noisy.  The super-linear steps these
    tests guard against gave 90x to 600x.
    """
    small, big = make_input(size), make_input(10 * size)
    times = [(cpu(lambda: function(small)), cpu(lambda: function(big))) for _ in range(5)]
    ratio = min(b for _, b in times) / min(s for s, _ in times)
    assert ratio <= 25, f"10x input took {ratio:.0f}x the work"


@pytest.mark.parametrize("make_input", [
    lambda n: "`" * n + " a",                                    # one unclosed run
    lambda n: "".join("`" * k + " a " for k in range(1, int((2 * n) ** 0.5))),  # all different
    lambda n: "``a` " * (n // 5),
    lambda n: "a  `b  c`  " * (n // 11),
], ids=["one-run", "distinct-runs", "mismatched", "spans"])
def test_normalizing_code_spans_is_linear(make_input):
    assert_linear(make_input, normalize_inline, 2000)


def _catalog_with_references(count: int) -> str:
    """One entry whose unit occurs ``count`` times (a table cell repeated down an article):
    that many references, on as many '#:' lines as msgcat would wrap them on."""
    refs = " ".join(f"content/en/a.md:{n}" for n in range(1, count + 1))
    lines, line = [], "#:"
    for ref in refs.split(" "):
        if len(line) + 1 + len(ref) > 79:
            lines.append(line)
            line = "#:"
        line += " " + ref
    lines.append(line)
    return ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            + "\n".join(lines) + '\nmsgid "Yes"\nmsgstr "Sí"\n')


@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "general-path"])
def test_reading_an_entry_of_many_references_is_linear(fast):
    # 40 000 repeats of a table row took 72 s to update: every '#:' line looked again at
    # every reference read before it.
    from twp_i18n.catalog.poread import _Parser

    assert_linear(_catalog_with_references, lambda text: _Parser(text, "a.po", fast=fast).run(),
                  2000)


_OLD_CODE_SPAN = re.compile(r"(`+)(?:.+?)(?<!`)\1(?!`)", re.DOTALL)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="`` a\t\n\\*", max_size=40))
def test_linear_code_spans_are_those_of_the_regular_expression(text):
    assert _code_spans(text) == [m.span() for m in _OLD_CODE_SPAN.finditer(text)]


def test_html_in_comments_and_scripts_does_not_nest(make_site):
    body = ("<!-- " + "<div>" * 50 + " -->\n\n<script>" + "'<div>'" * 50 + "</script>\n\n"
            "<svg>" + "<path d='m0'/>" * 50 + "</svg>\n\nText.\n")
    root = make_site({"content/en/a.md": article(body=body)})
    assert units_of(root)[-1] == "Text."


def _edited_paragraph(size: int) -> tuple[str, list[str]]:
    words = ("taper", "dose", "sleep", "weeks", "slowly", "support", "notes")
    text = " ".join(words[(i * 7 + i // 3) % len(words)] for i in range(size // 6))
    return text[: len(text) // 2] + " changed " + text[len(text) // 2:], [text, "unrelated text"]


def test_fuzzy_matching_a_small_edit_in_a_long_paragraph_is_linear() -> None:
    from twp_i18n.catalog.similarity import most_similar, similar

    query, choices = _edited_paragraph(300_000)
    assert most_similar(query, choices) == 0 and [p for _, p in similar(query, choices)] == [0]
    assert_linear(_edited_paragraph, lambda pair: most_similar(*pair), 20_000)  # type: ignore[misc]
