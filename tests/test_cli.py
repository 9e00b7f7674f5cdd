"""The command line as a user meets it."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from twp_i18n import __version__
from twp_i18n.catalog import pofile

from .conftest import REPO


def test_cli_shim_runs_from_a_checkout():
    result = subprocess.run([sys.executable, "cli.py", "--help"], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "extract" in result.stdout and "--site" in result.stdout


def test_version(twp):
    result = twp("--version")
    assert result.code == 0 and result.out.strip() == f"twp {__version__}"


def test_unknown_command_is_a_usage_error(twp):
    result = twp("frobnicate")
    assert result.code == 2
    assert "No such command" in result.err


def test_missing_config_exit_2(tmp_path, twp):
    result = twp("--site", tmp_path, "extract")
    assert result.code == 2
    assert "twp.toml: no site configuration found" in result.err
    assert "Traceback" not in result.err


def test_debug_shows_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "twp_i18n", "--site", str(tmp_path), "--debug",
                             "extract"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "ConfigError" in result.stderr


# --------------------------------------------------------------------------- warnings, --strict

def _image_link_outside(site: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(b"not for publishing")
    images = site / "content" / "images"
    images.mkdir(parents=True, exist_ok=True)
    (images / "leak.png").symlink_to(tmp_path / "secret.png")


def test_a_build_warning_is_printed_once_with_its_place_and_code(demo_site: Path, tmp_path: Path,
                                                                 twp) -> None:
    _image_link_outside(demo_site, tmp_path)
    result = twp("--site", demo_site, "build")
    assert result.code == 0, result
    lines = [line for line in result.err.splitlines() if "leak.png" in line]
    assert lines == ["content/images/leak.png: warning: a symbolic link leading outside the site; not "
                     "published (copy the file itself into content/images/) [image-outside]"]
    again = twp("--site", demo_site, "build")  # nothing changed: the same warning, once again
    assert [line for line in again.err.splitlines() if "leak.png" in line] == lines


def _unsafe_translation(site: Path) -> int:
    """Give one translation of the demo a forbidden link; the line of its entry."""
    path = site / "locales/es/LC_MESSAGES/our-values.po"
    po = pofile.read_po(path)
    entry = next(e for e in po if e.msgstr and not e.fuzzy and not e.msgid_plural)
    entry.msgstr = "[x](javascript:alert(1))"
    pofile.write_po(path, po)
    return next(e.linenum for e in pofile.read_po(path) if e.msgid == entry.msgid)


def test_a_catalog_warning_and_a_broken_catalog_are_printed_exactly_once(demo_site: Path, twp,
                                                                          caplog) -> None:
    line = _unsafe_translation(demo_site)
    broken = demo_site / "locales/fr/LC_MESSAGES/our-values.po"
    broken.write_text(broken.read_text(encoding="utf-8") + '\nmsgid "dangling"\n', encoding="utf-8")
    with caplog.at_level(logging.DEBUG, logger="twp_i18n"):
        result = twp("--site", demo_site, "build")
    assert result.code == 1, result
    warned = [printed for printed in result.err.splitlines() if "[check-error-shown]" in printed]
    assert warned == [f"locales/es/LC_MESSAGES/our-values.po:{line}: warning: translation has a "
                      "check error; the source text is shown instead (run 'twp check') "
                      "[check-error-shown]"]
    errors = [printed for printed in result.err.splitlines() if "fr/LC_MESSAGES/our-values.po" in printed]
    assert len(errors) == 1 and ": error: " in errors[0] and "[catalog-unreadable]" in errors[0]
    assert "'our-values' is not published again in fr" in errors[0]
    assert [r for r in caplog.records if r.name.startswith("twp_i18n")] == []  # reported, not logged
    again = twp("--site", demo_site, "build")  # planned from the cache: the same lines, once
    assert [p for p in again.err.splitlines() if "[check-error-shown]" in p] == warned
    assert [p for p in again.err.splitlines() if "fr/LC_MESSAGES/our-values.po" in p] == errors


@pytest.mark.parametrize("command", [["update"], ["sync"], ["sync", "--dry-run"]])
def test_a_catalog_update_leaves_untouched_is_printed_exactly_once(demo_site: Path, twp,
                                                                     command: list[str]) -> None:
    broken = demo_site / "locales/fr/LC_MESSAGES/our-values.po"
    broken.write_text(broken.read_text(encoding="utf-8") + '\nmsgid "dangling"\n', encoding="utf-8")
    before = broken.read_bytes()
    line = len(before.decode("utf-8").splitlines())
    result = twp("--site", demo_site, *command)
    assert result.code == 1, result
    lines = [printed for printed in result.err.splitlines() if "our-values.po" in printed]
    assert len(lines) == 1, result.err
    assert lines[0].startswith(f"locales/fr/LC_MESSAGES/our-values.po:{line}: error: ")
    assert lines[0].endswith(" [catalog-unreadable]")
    assert "1 broken file left untouched" in result.err
    assert broken.read_bytes() == before


def test_strict_fails_a_build_with_warnings_and_ignore_silences_a_code(demo_site: Path, tmp_path: Path,
                                                                         twp) -> None:
    assert twp("--site", demo_site, "build", "--strict").code == 0  # the demo has no warning
    _image_link_outside(demo_site, tmp_path)
    strict = twp("--site", demo_site, "build", "--strict")
    assert strict.code == 1 and "[image-outside]" in strict.err
    config = demo_site / "twp.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[warnings]\nignore = ["image-outside"]\n',
                      encoding="utf-8")
    quiet = twp("--site", demo_site, "build", "--strict")
    assert quiet.code == 0 and "leak.png" not in quiet.err


def test_a_warning_code_to_ignore_must_look_like_one(demo_site: Path, twp) -> None:
    config = demo_site / "twp.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[warnings]\nignore = ["Image Outside!"]\n',
                      encoding="utf-8")
    result = twp("--site", demo_site, "status")
    assert result.code == 2 and "twp.toml" in result.err and "not a warning code" in result.err


# --------------------------------------------------------------------------- the site lock

@pytest.mark.parametrize("command", [["extract"], ["update"], ["sync"], ["build"], ["add-language", "it"]])
def test_every_command_that_writes_waits_for_the_site_lock(demo_site: Path, twp,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          command: list[str]) -> None:
    from twp_i18n.machinery import lock

    monkeypatch.setattr(lock, "WAIT", 0.2)
    def files() -> dict[Path, bytes]:  # caches (.twp/) are written atomically and need no lock
        return {p: p.read_bytes() for p in demo_site.rglob("*") if p.is_file() and ".twp" not in p.parts}

    before = files()
    with lock.site_lock(demo_site):  # another run holds the site
        result = twp("--site", demo_site, *command)
        assert result.code == 2 and "another twp run is updating this site" in result.err, result
        assert twp("--site", demo_site, "status").code in (0, 1)  # reading needs no lock
        assert twp("--site", demo_site, "sync", "--dry-run").code in (0, 1)
    assert files() == before
def test_global_flags_after_the_command(tmp_path, make_site, twp):
    from .conftest import article

    site = make_site({"content/en/sleep.md": article()})
    result = twp("extract", "-q", "--site", site)
    assert result.code == 0, result.err
    assert result.out == ""
    assert (site / "locales" / "sleep.pot").is_file()
    result = twp("extract", f"--site={site}", "--verbose")
    assert result.code == 0, result.err
    assert "extract: 2 templates" in result.out  # the article and site.pot
    result = twp("status", "--format", "json", "--site", tmp_path / "nowhere")
    assert result.code == 2 and "no site configuration found" in result.err
