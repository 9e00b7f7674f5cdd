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


def _copy(tmp_path: Path) -> Path:
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(REPO / "twp_i18n", tmp_path / "twp_i18n",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "twp_i18n"


@pytest.mark.parametrize(("module", "forbidden", "reported"), [
    ("source/content.py", "from ..render import localize",
     "twp_i18n.source.content -> twp_i18n.render.localize"),
    ("catalog/merge.py", "from ..cli import app", "twp_i18n.catalog.merge -> twp_i18n.cli.app"),
    ("source/segments.py", "from ..catalog import pofile",
     "twp_i18n.source.segments -> twp_i18n.catalog.pofile"),
    ("catalog/pofile.py", "from . import merge", "twp_i18n.catalog.pofile -> twp_i18n.catalog.merge"),
    ("catalog/poread.py", "from . import powrite", "twp_i18n.catalog.poread -> twp_i18n.catalog.powrite"),
])
def test_the_contract_fails_on_an_import_from_a_later_stage(tmp_path: Path, module: str, forbidden: str,
                                                            reported: str) -> None:
    package = _copy(tmp_path)
    path = package / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{forbidden}  # noqa\n", encoding="utf-8")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert reported in result.stdout


def test_every_module_has_a_place_in_the_contract() -> None:
    import tomllib

    contracts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set()
    for contract in contracts["tool"]["importlinter"]["contracts"]:
        for container in contract["containers"]:
            for layer in contract["layers"]:
                listed.update(f"{container}.{name.strip()}" for name in layer.split(":"))
    package = REPO / "twp_i18n"
    stages = {f"twp_i18n.{path.parent.name}" for path in package.glob("*/__init__.py")}
    modules = set()
    for path in package.rglob("*.py"):
        if path.stem.startswith("__"):
            continue
        dotted = "twp_i18n." + ".".join(path.relative_to(package).with_suffix("").parts)
        modules.add(dotted)
    # a stage's modules are placed by their stage's own contract (publish and cli have one layer)
    unplaced = {m for m in modules if m not in listed and m.rsplit(".", 1)[0] not in listed - stages
                and m.rsplit(".", 1)[0] not in ("twp_i18n.publish", "twp_i18n.cli")}
    assert unplaced == set(), "add these modules to a layer in pyproject.toml"


# --------------------------------------------------------------------------- PO text has one owner

PO_OWNERS = {"catalog/pofile.py", "catalog/poread.py", "catalog/powrite.py", "catalog/poguard.py"}
_PO_SYNTAX = __import__("re").compile(r'^(msgctxt|msgid|msgid_plural|msgstr(\[\d+\])?) "|^#[~|,.:] ')


def _po_text_handling(path: Path) -> list[str]:
    """Where a module parses or formats PO text itself: PO syntax in a string, or a PO
    reader/writer of another library."""
    import ast

    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _PO_SYNTAX.search(node.value):
            found.append(f"{node.lineno}: PO syntax {node.value[:30]!r}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "polib" and node.attr in ("pofile", "mofile"):
            found.append(f"{node.lineno}: polib.{node.attr}")
        elif (isinstance(node, ast.ImportFrom)
              and node.module in ("babel.messages.pofile", "babel.messages.mofile")):
            found.append(f"{node.lineno}: from {node.module}")
        elif isinstance(node, ast.ImportFrom) and node.module == "polib" \
                and any(alias.name in ("pofile", "mofile") for alias in node.names):
            found.append(f"{node.lineno}: from polib import pofile")
    return found


def test_only_the_po_modules_parse_or_format_po_text() -> None:
    package = REPO / "twp_i18n"
    offenders = {str(path.relative_to(package)): found for path in sorted(package.rglob("*.py"))
                 if str(path.relative_to(package)) not in PO_OWNERS
                 and (found := _po_text_handling(path))}
    assert offenders == {}, \
        "PO text is read and written by the PO modules only (pofile, poread, powrite, poguard)"


@pytest.mark.parametrize("forbidden", [
    'line = f\'msgid "{text}"\\n\'',
    "import polib\ncatalog = polib.pofile('x.po')",
    "from babel.messages.pofile import read_po",
])
def test_the_po_rule_fails_on_po_text_elsewhere(tmp_path: Path, forbidden: str) -> None:
    module = tmp_path / "status.py"
    module.write_text((REPO / "twp_i18n" / "catalog" / "status.py").read_text(encoding="utf-8")
                      + "\n" + forbidden + "\n", encoding="utf-8")
    assert _po_text_handling(module) != []
