"""twp-i18n: carry a community site's articles into many languages with gettext catalogs."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
