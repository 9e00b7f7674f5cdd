"""``twp serve``: a preview server bound to 127.0.0.1 only.

It serves the files of a build and nothing else: no directory listings (a folder
without ``index.html`` is a 404), no dotfiles or dot-folders (the build's file
list, temporary files, anything hidden), nothing a symbolic link leads to outside
the folder.  A request path that is not a plain percent-encoded UTF-8 path
(``..`` segments, NUL or other control characters, backslashes, broken escapes,
an over-long path) gets a 400; no request produces a traceback.
"""

from __future__ import annotations

import email.utils
import functools
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from ..errors import TwpError
from ..machinery.fsutil import temp_writer
from ..paths import is_within

MAX_PATH_BYTES = 2048
"""The longest request path (before its query) the server looks at."""

_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")


def _decode(raw: str) -> str | None:
    """The request path percent-decoded and read as UTF-8, or None when it is malformed."""
    data = raw.encode("latin-1", "replace")  # http.server read the request line as latin-1
    if b"%" in _ESCAPE.sub(b"", data):
        return None  # a '%' that starts no escape
    try:
        return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data).decode("utf-8")
    except UnicodeDecodeError:
        return None


def locate(root: Path, target: str) -> Path | str | HTTPStatus:
    """What a request for ``target`` (the raw request target) gets from the folder ``root``.

    A file to send, a location to redirect to (a folder asked for without its
    trailing ``/``), or an error status.
    """
    raw = target.split("#", 1)[0]
    raw, _, query = raw.partition("?")
    if len(raw) > MAX_PATH_BYTES or not raw.startswith("/"):
        return HTTPStatus.BAD_REQUEST
    path = _decode(raw)
    if path is None or "\\" in path or any(unicodedata.category(ch) in ("Cc", "Cf", "Cs")
                                           for ch in path):
        return HTTPStatus.BAD_REQUEST
    segments = path.split("/")[1:]
    if any(segment in (".", "..") for segment in segments):
        return HTTPStatus.BAD_REQUEST
    wants_folder = segments[-1] == ""
    if wants_folder:
        segments.pop()
    if any(segment == "" or segment.startswith(".") or temp_writer(segment) is not None
           for segment in segments):
        return HTTPStatus.NOT_FOUND  # hidden files and folders, temporary files, '//'
    try:
        base = root.resolve()
        real = base.joinpath(*segments).resolve()
        if not is_within(real, base):
            return HTTPStatus.NOT_FOUND  # a symbolic link leading out of the folder
        if real.is_dir():
            real = (real / "index.html").resolve()
            if not is_within(real, base) or not real.is_file():
                return HTTPStatus.NOT_FOUND  # no directory listings
            if not wants_folder:
                return quote(path + "/") + (f"?{query}" if query else "")
        elif wants_folder:
            return HTTPStatus.NOT_FOUND
        return real if real.is_file() else HTTPStatus.NOT_FOUND
    except (OSError, RuntimeError, ValueError):
        return HTTPStatus.NOT_FOUND


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map,
                      ".json": "application/feed+json", ".xml": "application/xml",
                      ".opml": "text/x-opml"}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def send_head(self) -> BinaryIO | None:
        found = locate(Path(self.directory), self.path)
        if isinstance(found, HTTPStatus):
            self.send_error(found)
            return None
        if isinstance(found, str):
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", found)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        try:
            handle = found.open("rb")
            size = found.stat().st_size
            modified = found.stat().st_mtime
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND)
            return None
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(str(found)))
        self.send_header("Content-Length", str(size))
        self.send_header("Last-Modified", email.utils.formatdate(modified, usegmt=True))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        return handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that went away, say: nothing to tell the person previewing


@contextmanager
def serve(directory: Path, port: int = 8000) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1:``port`` (0 picks a free port) while the block runs."""
    handler = functools.partial(_Handler, directory=str(directory))
    try:
        server = _Server(("127.0.0.1", port), handler)
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
