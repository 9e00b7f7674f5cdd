"""The package keeps its shape: stages import only earlier stages (import-linter)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if exe is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    return subprocess.run([exe, "--no-cache"], cwd=root, capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, timeout=300)


def test_the_import_contract_holds() -> None:
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contract_fails_on_an_import_from_a_later_stage(tmp_path: Path) -> None:
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(REPO / "twp_i18n", tmp_path / "twp_i18n",
                    ignore=shutil.ignore_patterns("__pycache__"))
    content = tmp_path / "twp_i18n" / "content.py"
    content.write_text(content.read_text(encoding="utf-8") + "\nfrom . import render  # noqa\n",
                       encoding="utf-8")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "twp_i18n.content -> twp_i18n.render" in result.stdout


def test_every_module_has_a_place_in_the_contract() -> None:
    import tomllib

    contract = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    layers = contract["tool"]["importlinter"]["contracts"][0]["layers"]
    listed = {name.strip() for layer in layers for name in layer.split(":")}
    modules = {path.stem for path in (REPO / "twp_i18n").glob("*.py") if not path.stem.startswith("__")}
    assert modules - listed == set(), "add these modules to a layer in pyproject.toml"
