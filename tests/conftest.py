"""Shared fixtures: small throw-away sites and a CLI runner."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from twp_i18n.cli import main

REPO = Path(__file__).resolve().parent.parent

# Hypothesis: in CI (``CI`` set) every property test draws the same examples on every run
# and prints a reproduction blob, so a failure there reproduces anywhere.  Tests keep
# their own ``max_examples``; the fuzz suite (tests/test_fuzz.py) starts from the "fuzz"
# profile, bounded so the whole file runs in about half a minute.
_CI = bool(os.environ.get("CI"))
settings.register_profile("twp", derandomize=_CI, print_blob=_CI)
settings.register_profile(
    "fuzz",
    settings.get_profile("twp"),
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much, HealthCheck.large_base_example],
)
settings.load_profile("twp")

MINIMAL_CONFIG = """\
[site]
title = "Test Site"
base_url = "https://example.org/"
source_language = "en"
languages = ["es", "fr"]
"""


def article(title: str = "A title", date: str = "2026-01-15", body: str = "Some text.\n",
            **extra: str) -> str:
    """The text of an article file with front matter."""
    lines = ["---", f'title: "{title}"', f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in extra.items()]
    lines += ["---", ""]
    return "\n".join(lines) + textwrap.dedent(body)


SiteFactory = Callable[..., Path]


@pytest.fixture
def make_site(tmp_path: Path) -> SiteFactory:
    """Create a site from ``{relative path: text}``; twp.toml defaults to a minimal one."""

    def make(files: dict[str, str | bytes] | None = None, config: str = MINIMAL_CONFIG) -> Path:
        root = tmp_path / "site"
        root.mkdir(exist_ok=True)
        (root / "twp.toml").write_text(config, encoding="utf-8")
        for rel, data in (files or {}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8")
        return root

    return make


@pytest.fixture
def demo_site(tmp_path: Path) -> Path:
    """A copy of the demo site shipped in this repository."""
    root = tmp_path / "demo"
    root.mkdir()
    shutil.copy(REPO / "twp.toml", root / "twp.toml")
    shutil.copytree(REPO / "content", root / "content")
    if (REPO / "locales").is_dir():
        shutil.copytree(REPO / "locales", root / "locales")
    return root


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"Result(code={self.code}, out={self.out!r}, err={self.err!r})"


@pytest.fixture
def twp(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run the real ``twp`` entry point in-process and capture what it prints."""

    def run(*args: str | Path) -> Result:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        else:  # pragma: no cover - main always exits
            code = 0
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run



def fill_catalog(path: Path, table: dict[str, str]) -> None:
    """Give the entries of the catalog at ``path`` whose msgid is in ``table`` that
    translation, and save it as a translator's tool (polib) would."""
    import polib

    po = polib.pofile(str(path))
    for entry in po:
        if entry.msgid in table:
            entry.msgstr = table[entry.msgid]
    po.save(str(path))

def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, for 'nothing changed' assertions (the site
    lock's empty file, which any writing command creates before it reads anything, left out)."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and p.relative_to(root).as_posix() != ".twp/lock"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/ from the current output (review the diff!)")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, Path], None]:
    """Compare a directory of generated files with ``tests/golden/<case>/``."""
    import difflib

    update = request.config.getoption("--update-golden")

    def check(case: str, produced: Path) -> None:
        expected_dir = REPO / "tests" / "golden" / case
        got = snapshot(produced)
        if update:
            shutil.rmtree(expected_dir, ignore_errors=True)
            for rel, data in got.items():
                (expected_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                (expected_dir / rel).write_bytes(data)
        want = snapshot(expected_dir)
        assert sorted(got) == sorted(want), "different files; run pytest --update-golden and review"
        for rel in want:
            if got[rel] != want[rel]:
                diff = "".join(difflib.unified_diff(
                    want[rel].decode().splitlines(True), got[rel].decode().splitlines(True),
                    f"golden/{rel}", f"produced/{rel}"))
                pytest.fail(f"{rel} differs from the golden file:\n{diff}")

    return check


def gettext_tool(name: str) -> str:
    """Path of a GNU gettext program; CI must have it, elsewhere the test is skipped."""
    import os

    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} (GNU gettext) is required in CI")
        pytest.skip(f"{name} (GNU gettext) is not installed")
    return found
