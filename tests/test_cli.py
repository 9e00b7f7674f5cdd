"""The command line as a user meets it."""

from __future__ import annotations

import subprocess
import sys

from twp_i18n import __version__

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


def test_global_flags_after_the_command(tmp_path, make_site, twp):
    from .conftest import article

    site = make_site({"content/en/sleep.md": article()})
    result = twp("extract", "-q", "--site", site)
    assert result.code == 0, result.err
    assert result.out == ""
    assert (site / "locales" / "templates" / "sleep.pot").is_file()
    result = twp("extract", f"--site={site}", "--verbose")
    assert result.code == 0, result.err
    assert "extract: 2 templates" in result.out  # the article and site.pot
    result = twp("status", "--format", "json", "--site", tmp_path / "nowhere")
    assert result.code == 2 and "no site configuration found" in result.err
