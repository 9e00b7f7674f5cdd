"""ruff and mypy over the package, as configured in pyproject.toml.

Both come with the test extras; without them the tests are skipped, unless ``CI`` is set:
then a missing tool is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec(module) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is required in CI (pip install -e '.[test]')", pytrace=False)
        pytest.skip(f"{module} is not installed")
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing_in_the_package_and_the_tests() -> None:
    result = _run("ruff", "check", "--no-cache", "twp_i18n", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing_in_the_package() -> None:
    result = _run("mypy", "--cache-dir", os.devnull, "twp_i18n")
    assert result.returncode == 0, result.stdout + result.stderr
