"""twp.toml values the fuzz suite broke: each is a ConfigError naming twp.toml (and the line)."""

from __future__ import annotations

import pytest

from twp_i18n.config import load_config
from twp_i18n.errors import ConfigError

from .conftest import MINIMAL_CONFIG

FETCH = '[fetch]\ntype = "drupal"\nurl = "https://cms.example.org/"\n'


def refused(make_site, config: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(make_site(config=config))
    assert info.value.path == "twp.toml"
    return info.value


@pytest.mark.parametrize("config, line", [
    (MINIMAL_CONFIG + '[paths]\ncontent = "a\\u0000b"\n', 7),       # was ValueError: embedded null byte
    (MINIMAL_CONFIG.replace('"Test Site"', '"Test\\u0000Site"'), 2),  # site.pot could not be written
    (MINIMAL_CONFIG + '[feeds]\nrights = "\\u001b[2J"\n', 7),
    (MINIMAL_CONFIG + FETCH + 'redirect_hosts = ["a\\u0004b"]\n', 9),
], ids=["path-nul", "title-nul", "rights-escape", "host-u0004"])
def test_control_character_in_a_string_names_its_line(make_site, config, line):
    error = refused(make_site, config)
    assert "control character" in error.message and error.line == line


@pytest.mark.parametrize("config, key", [
    (MINIMAL_CONFIG.replace("https://example.org/", "http://[::1"), "base_url"),
    (MINIMAL_CONFIG + '[feeds]\nwebsub_hub = "https://[x"\n', "websub_hub"),
    (MINIMAL_CONFIG + '[fetch]\ntype = "drupal"\nurl = "https://[x"\n', "url"),
    (MINIMAL_CONFIG + FETCH + 'sitemap = "https://[x/sitemap.xml"\n', "sitemap"),
], ids=["base_url", "websub_hub", "fetch-url", "sitemap"])
def test_malformed_url_names_its_key(make_site, config, key):
    # urlsplit raised ValueError('Invalid IPv6 URL') out of load_config.
    error = refused(make_site, config)
    assert key in error.message and "URL" in error.message and error.line is not None


def test_integer_of_5000_digits_names_its_line(make_site):
    # tomllib raises ValueError (not TOMLDecodeError) past Python's 4300-digit limit.
    error = refused(make_site, MINIMAL_CONFIG + "[feeds]\nitems = " + "9" * 5000 + "\n")
    assert "digits" in error.message and error.line == 7


@pytest.mark.parametrize("value", ["[" * 5000 + "]" * 5000, "{a = " * 3000 + "1" + "}" * 3000],
                         ids=["arrays", "tables"])
def test_deep_nesting_is_a_config_error(make_site, value):
    # tomllib recursed until RecursionError.
    error = refused(make_site, MINIMAL_CONFIG + "[feeds]\nrights = " + value + "\n")
    assert "nested too deeply" in error.message


@pytest.mark.parametrize("config, key", [
    (MINIMAL_CONFIG + "[publish]\nmin_percent = " + "9" * 400 + "\n", "min_percent"),  # OverflowError
    (MINIMAL_CONFIG + "[feeds]\nitems = 99999999999999999999\n", "items"),
    (MINIMAL_CONFIG + FETCH + "max_bytes = 99999999999999999999\n", "max_bytes"),  # read() overflowed
    (MINIMAL_CONFIG + "[limits]\nmax_nesting = 99999999999999999999\n", "max_nesting"),
], ids=["min_percent", "items", "max_bytes", "max_nesting"])
def test_huge_integer_names_its_key(make_site, config, key):
    error = refused(make_site, config)
    assert key in error.message and "at most" in error.message and error.line is not None


@pytest.mark.parametrize("key", ["timeout", "deadline", "max_retry_after"])
@pytest.mark.parametrize("value", ["nan", "inf", "1e10"])
def test_fetch_durations_must_be_finite_and_sane(make_site, key, value):
    # nan and inf were accepted; 1e10 seconds overflowed the socket and wait calls of a fetch.
    error = refused(make_site, MINIMAL_CONFIG + FETCH + f"{key} = {value}\n")
    assert key in error.message and error.line == 9


def test_path_component_too_long_names_its_line(make_site):
    # Accepted, then reading the articles raised OSError: File name too long.
    error = refused(make_site, MINIMAL_CONFIG + '[paths]\ncontent = "' + "a" * 300 + '"\n')
    assert "too long" in error.message and error.line == 7
