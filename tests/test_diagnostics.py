"""Warnings as records: the library returns them and never logs them, so each is printed once."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from twp_i18n.diagnostics import from_error
from twp_i18n.errors import CatalogError

from .conftest import REPO

_LOUD = frozenset({"warning", "warn", "info", "error", "exception", "critical"})


def _second_channel(path: Path) -> list[str]:
    """Where a module logs above debug (``log.warning(...)``) or calls ``warnings.warn``:
    a second road for what its reports already carry."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in _LOUD and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("log", "logger", "logging", "warnings", "LOG")):
            found.append(f"{node.lineno}: {node.func.value.id}.{node.func.attr}")
    return found


def test_the_library_logs_no_warning_it_reports() -> None:
    package = REPO / "twp_i18n"
    offenders = {str(path.relative_to(package)): found for path in sorted(package.rglob("*.py"))
                 if path.relative_to(package).parts[0] != "cli" and (found := _second_channel(path))}
    assert offenders == {}, "return a Diagnostic in the report instead (the CLI prints it once)"


@pytest.mark.parametrize("forbidden", [
    "import logging\nlogging.getLogger(__name__)\nlog.warning('page skipped')",
    "import warnings\nwarnings.warn('glossary row left out')",
])
def test_the_rule_fails_on_a_logged_warning(tmp_path: Path, forbidden: str) -> None:
    module = tmp_path / "glossary.py"
    module.write_text((REPO / "twp_i18n/catalog/glossary.py").read_text(encoding="utf-8")
                      + "\n" + forbidden + "\n", encoding="utf-8")
    assert _second_channel(module) != []


def test_an_error_becomes_a_record_with_its_place_and_hint() -> None:
    error = CatalogError("missing msgstr", path="locales/de/LC_MESSAGES/a.po", line=7,
                         hint="fix line 7")
    record = from_error(error, "catalog-unreadable")
    assert str(record) == "locales/de/LC_MESSAGES/a.po:7: error: missing msgstr [catalog-unreadable]"
    assert record.hint == "fix line 7"
