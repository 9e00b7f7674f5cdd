"""The ``twp`` command line: thin commands over the library (on top of every stage).

:func:`main` is the entry point; the typer application is ``twp_i18n.cli.app.app``, loaded
only when a command needs it (see :mod:`.quick`).
"""

from .quick import main

__all__ = ["main"]
