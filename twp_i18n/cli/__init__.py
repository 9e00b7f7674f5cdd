"""The ``twp`` command line: thin commands over the library (on top of every stage)."""

from .app import app, main

__all__ = ["app", "main"]
