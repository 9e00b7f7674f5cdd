"""Sizes a newcomer can read: no function over 60 lines, no module over 500, no CLI command
over 25, except the ones CONTRIBUTING.md names with the reason (listed here too)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "twp_i18n"
FUNCTION_LINES, MODULE_LINES, COMMAND_LINES = 60, 500, 25

LONG_MODULES = {
    "catalog/checks.py", "catalog/merge3.py", "catalog/poread.py",
    "config.py", "render/epub.py", "render/pages.py", "source/segments.py",
}
LONG_FUNCTIONS = {
    ("catalog/merge3.py", "entry"),
}


def _modules() -> dict[str, tuple[str, ast.Module]]:
    return {path.relative_to(PACKAGE).as_posix(): (text, ast.parse(text))
            for path in sorted(PACKAGE.rglob("*.py")) if (text := path.read_text(encoding="utf-8"))}


def _functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _lines(node: ast.AST) -> int:
    assert node.end_lineno is not None
    return node.end_lineno - node.lineno + 1


def test_no_function_is_over_60_lines_but_the_named_ones() -> None:
    long = {(rel, node.name): _lines(node) for rel, (_, tree) in _modules().items()
            for node in _functions(tree) if _lines(node) > FUNCTION_LINES}
    assert {key: n for key, n in long.items() if key not in LONG_FUNCTIONS} == {}
    assert LONG_FUNCTIONS - set(long) == set(), "shorter now: take it off the lists"


def test_no_module_is_over_500_lines_but_the_named_ones() -> None:
    long = {rel: text.count("\n") for rel, (text, _) in _modules().items()
            if text.count("\n") > MODULE_LINES}
    assert {rel: n for rel, n in long.items() if rel not in LONG_MODULES} == {}
    assert LONG_MODULES - set(long) == set(), "shorter now: take it off the lists"


def test_contributing_names_every_exception() -> None:
    text = " ".join((ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8").split())
    named = LONG_MODULES | {f"{rel}` `{name}" for rel, name in LONG_FUNCTIONS}
    assert [item for item in sorted(named) if f"`{item}`" not in text] == []


def test_every_cli_command_is_at_most_25_lines() -> None:
    _, tree = _modules()["cli/app.py"]
    commands = [node for node in tree.body if isinstance(node, ast.FunctionDef)
                and any("app.command" in ast.unparse(d) or "app.callback" in ast.unparse(d)
                        for d in node.decorator_list)]
    assert len(commands) >= 10
    assert {node.name: _lines(node) for node in commands if _lines(node) > COMMAND_LINES} == {}


def test_the_rules_see_a_long_function() -> None:
    body = "\n".join(f"    x{n} = {n}" for n in range(FUNCTION_LINES))
    node = ast.parse(f"def long():\n{body}\n").body[0]
    assert _lines(node) == FUNCTION_LINES + 1 > FUNCTION_LINES
