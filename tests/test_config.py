from __future__ import annotations

from pathlib import Path

import pytest

from twp_i18n.config import load_config
from twp_i18n.errors import ConfigError
from twp_i18n.languages import bcp47_tag

from .conftest import MINIMAL_CONFIG


def test_defaults_and_paths(make_site):
    root = make_site()
    config = load_config(root)
    assert config.title == "Test Site"
    assert config.languages == ("es", "fr")
    assert config.content_dir == root / "content"
    assert config.locales_dir == root / "locales"
    assert config.templates_dir == root / "templates"
    assert config.output_dir == root / "dist"
    assert config.min_percent == 80
    assert config.fetch is None
    assert config.po_dir("fr") == root / "locales" / "fr" / "LC_MESSAGES"


def test_base_url_gets_trailing_slash(make_site):
    root = make_site(config=MINIMAL_CONFIG.replace("https://example.org/", "https://example.org/lib"))
    assert load_config(root).base_url == "https://example.org/lib/"


def test_missing_config_says_what_to_do(tmp_path: Path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert "twp.toml" in str(info.value)
    assert "--site" in str(info.value)


def test_toml_syntax_error_names_line(make_site):
    root = make_site(config=MINIMAL_CONFIG + "[feeds\nitems = 3\n")
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert info.value.path == "twp.toml"
    assert info.value.line == 6


def test_unknown_key_names_key_and_line(make_site):
    root = make_site(config=MINIMAL_CONFIG + "\n[paths]\ncontnet = \"src\"\n")
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert "unknown key 'contnet' in [paths]" in str(info.value)
    assert info.value.line == 8


def test_unknown_section(make_site):
    root = make_site(config=MINIMAL_CONFIG + "\n[publsh]\nmin_percent = 3\n")
    with pytest.raises(ConfigError, match=r"unknown section \[publsh\]"):
        load_config(root)


def test_wrong_type_names_key(make_site):
    root = make_site(config=MINIMAL_CONFIG + "\n[feeds]\nitems = \"ten\"\n")
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert "[feeds] items must be an integer, not a string" in str(info.value)
    assert info.value.line == 8


@pytest.mark.parametrize("code, message", [
    ("xx", "unknown language 'xx'"),
    ("pt_br", "did you mean 'pt_BR'"),
    ("en US", "not a POSIX locale id"),
])
def test_bad_language_is_named(make_site, code, message):
    root = make_site(config=MINIMAL_CONFIG.replace('"fr"', f'"{code}"'))
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert message in str(info.value)
    assert info.value.line == 5


def test_valid_languages_accepted(make_site):
    langs = '["es", "fr", "de", "pt_BR", "ar", "ja", "ckb", "zh_Hant", "zh_CN", "sr_Latn"]'
    root = make_site(config=MINIMAL_CONFIG.replace('["es", "fr"]', langs))
    config = load_config(root)
    assert "ckb" in config.languages and "zh_CN" in config.languages
    assert bcp47_tag("pt_BR") == "pt-BR"


def test_all_problems_reported_at_once(make_site):
    config = MINIMAL_CONFIG.replace("https://example.org/", "ftp://x") + "\n[feeds]\nitems = 0\n"
    with pytest.raises(ConfigError) as info:
        load_config(make_site(config=config))
    text = str(info.value)
    assert "2 problems" in text
    assert "base_url must be an http(s) URL" in text
    assert "items must be at least 1" in text


def test_required_keys(make_site):
    root = make_site(config='[site]\ntitle = "T"\n')
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert "[site] base_url is required" in str(info.value)
    assert "[site] source_language is required" in str(info.value)


def test_fetch_section(make_site):
    root = make_site(config=MINIMAL_CONFIG + '\n[fetch]\ntype = "wordpress"\nurl = "https://cms.example.org"\n')
    fetch = load_config(root).fetch
    assert fetch is not None and fetch.type == "wordpress" and fetch.timeout == 30.0
    root = make_site(config=MINIMAL_CONFIG + '\n[fetch]\ntype = "joomla"\nurl = "https://x"\n')
    with pytest.raises(ConfigError, match="type must be one of drupal, wordpress, sitemap"):
        load_config(root)


def test_bool_is_not_a_number(make_site):
    root = make_site(config=MINIMAL_CONFIG + "\n[publish]\nmin_percent = true\n")
    with pytest.raises(ConfigError, match="min_percent must be a number"):
        load_config(root)


def test_limits_have_defaults_and_can_be_set(make_site):
    config = load_config(make_site())
    assert config.limits.max_article_bytes == 2 * 1024 * 1024
    assert config.limits.max_catalog_bytes == 32 * 1024 * 1024
    root = make_site(config=MINIMAL_CONFIG + "[limits]\nmax_article_bytes = 1000\nmax_nesting = 8\n")
    config = load_config(root)
    assert (config.limits.max_article_bytes, config.limits.max_nesting) == (1000, 8)


def test_limits_must_be_positive(make_site):
    root = make_site(config=MINIMAL_CONFIG + "[limits]\nmax_entry_bytes = 0\n")
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert "max_entry_bytes must be greater than 0" in str(info.value)
    assert info.value.line is not None


def test_fetch_bounds(make_site):
    root = make_site(config=MINIMAL_CONFIG + '[fetch]\ntype = "wordpress"\nurl = "https://cms.example.org/"\n'
                     'deadline = 60\nmax_pages = 10\nredirect_hosts = ["CDN.example.net"]\n')
    fetch = load_config(root).fetch
    assert fetch is not None
    assert (fetch.deadline, fetch.max_pages, fetch.max_retry_after) == (60.0, 10, 60.0)
    assert fetch.redirect_hosts == ("cdn.example.net",)
