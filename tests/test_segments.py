"""Cutting articles into units: what translators see in each msgid."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twp_i18n.source.content import Article
from twp_i18n.source.segments import article_units, markdown, translate_tokens


def make(body: str, summary: str | None = None) -> Article:
    return Article(slug="a", path=Path("a.md"), rel_path="content/en/a.md", title="The title",
                   date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), updated=None,
                   body=body, body_line=5, summary=summary, field_lines={"title": 2, "summary": 4})


def units(body: str) -> list[tuple[str, str]]:
    return [(u.kind, u.text) for u in article_units(make(body))][1:]


def test_blocks_and_kinds():
    body = """# Heading one

A paragraph with **bold**, *emphasis*, `code` and [a link](https://example.org/x).

## Second level

- first item
- second item
  1. nested item

> Quoted words.
> - quoted item

| Day | Notes |
|-----|-------|
| Mon | Slept **well** |
"""
    assert units(body) == [
        ("heading 1", "Heading one"),
        ("paragraph", "A paragraph with **bold**, *emphasis*, `code` and [a link](https://example.org/x)."),
        ("heading 2", "Second level"),
        ("list item", "first item"),
        ("list item", "second item"),
        ("list item", "nested item"),
        ("block quote", "Quoted words."),
        ("list item", "quoted item"),
        ("table header", "Day"),
        ("table header", "Notes"),
        ("table cell", "Mon"),
        ("table cell", "Slept **well**"),
    ]


def test_code_comments_and_empty_cells_are_not_units():
    body = """Text before.

```python
print("not for translators")
```

    indented code

<!-- a note for editors -->

<div class="box"><pre>raw html block</pre><!-- c --></div>

<div class="box">text of an html block</div>

| A | |
|---|---|
| 3 | 4 |
"""
    assert units(body) == [("paragraph", "Text before."), ("html div", "text of an html block"),
                           ("table header", "A")]


def test_soft_breaks_join_and_hard_breaks_survive():
    body = "First line\nsecond line  \nafter two spaces\\\nafter backslash\n"
    assert units(body) == [
        ("paragraph", "First line second line\\\nafter two spaces\\\nafter backslash"),
    ]


def test_whitespace_normalised_outside_code_spans_only():
    assert units("Two  spaces\tand `keep  these` here.\n") == [
        ("paragraph", "Two spaces and `keep  these` here."),
    ]


def test_image_alone_is_alt_text_inline_image_stays_in_paragraph():
    body = "![A *quiet* room](room.png \"Room\")\n\nSee ![icon](i.png) here.\n"
    assert units(body) == [
        ("image alt text", "A *quiet* room"),
        ("paragraph", "See ![icon](i.png) here."),
    ]


def test_title_summary_and_lines():
    found = article_units(make("Para.\n\n## Head\n", summary="A  short\nsummary."))
    assert [(u.kind, u.text, u.line) for u in found] == [
        ("title", "The title", 2),
        ("summary", "A short summary.", 4),
        ("paragraph", "Para.", 5),
        ("heading 2", "Head", 7),
    ]


def test_translations_applied_to_the_same_units():
    source = "# Hello\n\nA [link](https://example.org/) here.\n\n![Alt text](a.png)\n\n```\ncode\n```\n"
    table = {"Hello": "Hola", "Alt text": "Texto [alternativo]"}
    env: dict[str, object] = {}
    tokens = markdown().parse(source, env)
    marks = translate_tokens(tokens, lambda unit: table.get(unit.text), env)
    html = markdown().renderer.render(tokens, markdown().options, env)
    assert "<h1>Hola</h1>" in html
    assert 'alt="Texto [alternativo]"' in html
    assert '<a href="https://example.org/">link</a>' in html
    assert "<code>code\n</code>" in html
    assert [(kind, done) for _, kind, done in marks] == [
        ("heading 1", True), ("paragraph", False), ("image alt text", True)]


MARKDOWN_BITS = st.sampled_from([
    "# ", "## ", "- ", "1. ", "> ", "```", "    ", "|", "---", "*", "**", "`", "[", "](", ")",
    "![", "<b>", "</b>", "<!--", "-->", "\\", "  \n", "\n", "\n\n", "word ", "é", "日本", "\t",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(MARKDOWN_BITS, st.text(max_size=8)), max_size=40))
def test_random_markdown_never_crashes(pieces):
    body = "".join(pieces)
    found = article_units(make(body))
    assert found[0].kind == "title"
    for unit in found:
        assert unit.text == unit.text.strip(" ")
        assert unit.line >= 1
    env: dict[str, object] = {}
    tokens = markdown().parse(body, env)
    translate_tokens(tokens, lambda unit: unit.text.upper(), env)
    markdown().renderer.render(tokens, markdown().options, env)


def render_with(source: str, table: dict[str, str]) -> tuple[str, list[str]]:
    env: dict[str, object] = {}
    tokens = markdown().parse(source, env)
    rejected: list[str] = []
    translate_tokens(tokens, lambda unit: table.get(unit.text), env,
                     lambda token, unit: rejected.append(unit.text))
    return markdown().renderer.render(tokens, markdown().options, env), rejected


def test_translation_cannot_reach_another_site_through_reference_links():
    source = "Read the notes.\n\n[donate]: https://cms.example.net/donate\n"
    html, rejected = render_with(source, {"Read the notes.": "Lisez [les notes][donate]."})
    assert "cms.example.net" not in html and "<p>Read the notes.</p>" in html
    assert rejected == ["Read the notes."]
    same_site = "See [the notes](https://example.org/notes).\n"
    html, rejected = render_with(same_site, {"See [the notes](https://example.org/notes).":
                                             "Voir [les notes](https://example.org/fr/notes)."})
    assert 'href="https://example.org/fr/notes"' in html and rejected == []


def test_alt_text_translation_is_text_not_markdown():
    source = "![A notebook](journal.png)\n"
    hostile = "Un carnet\\](https://evil.example/p.png) \\[Clic\\](https://evil.example/x) \\![x"
    html, _ = render_with(source, {"A notebook": hostile})
    assert html.count("<img") == 1 and "<a " not in html and 'src="journal.png"' in html
