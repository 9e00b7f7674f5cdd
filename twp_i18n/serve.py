"""``twp serve``: a preview server bound to 127.0.0.1 only."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import TwpError


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map,
                      ".json": "application/feed+json", ".xml": "application/xml",
                      ".opml": "text/x-opml"}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def serve(directory: Path, port: int = 8000) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1:``port`` (0 picks a free port) while the block runs."""
    handler = functools.partial(_Quiet, directory=str(directory))
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise TwpError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}",
                       hint="choose another port with --port") from None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
