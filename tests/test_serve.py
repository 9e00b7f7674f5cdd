"""``twp serve`` against real HTTP requests on 127.0.0.1 (raw paths, no client-side cleaning)."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from twp_i18n.publish.serve import serve


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A server on a folder shaped like a build, with what must never be served in it."""
    tmp_path = tmp_path_factory.mktemp("serve")
    root = tmp_path / "dist"
    (root / "es" / "sleep").mkdir(parents=True)
    (root / "bundles").mkdir()
    (root / "empty").mkdir()
    (root / ".hidden").mkdir()
    (root / "index.html").write_text("<p>chooser</p>")
    (root / "es" / "index.html").write_text("<p>es</p>")
    (root / "es" / "sleep" / "index.html").write_text("<p>sleep</p>")
    (root / "es" / "feed.json").write_text("{}")
    (root / "bundles" / "es.zip").write_bytes(b"PK")
    (root / "bundles" / ".es.zip.twp-123-abcdefgh.tmp").write_bytes(b"partial")
    (root / "bundles" / ".es.zip.k2j4h5g6.tmp").write_bytes(b"partial")
    (root / ".twp-build.json").write_text("[]")
    (root / ".hidden" / "index.html").write_text("secret")
    (root / "empty" / "notes.txt").write_text("x")
    (tmp_path / "secret.txt").write_text("SECRET")
    (root / "es" / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (root / "es" / "leakdir").symlink_to(tmp_path)
    with serve(root, 0) as url:
        yield urlsplit(url).port


@pytest.fixture
def get(port: int, capfd: pytest.CaptureFixture[str]) -> Iterator:
    def request(path: str, method: str = "GET") -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
            conn.endheaders()
            response = conn.getresponse()
            return response.status, response.msg, response.read()
        finally:
            conn.close()

    yield request
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err and "Error" not in out + err, err


def test_serves_pages_and_index_files(get) -> None:
    assert get("/")[::2] == (200, b"<p>chooser</p>")
    assert get("/es/sleep/")[::2] == (200, b"<p>sleep</p>")
    assert get("/es/sleep/index.html?utm=1#x")[::2] == (200, b"<p>sleep</p>")
    status, headers, body = get("/es/feed.json")
    assert status == 200 and headers["Content-Type"].startswith("application/feed+json")
    assert get("/es/sleep/", "HEAD")[0] == 200
    status, headers, _ = get("/es/sleep")
    assert status == 301 and headers["Location"] == "/es/sleep/"
    assert get("/%65s/")[::2] == (200, b"<p>es</p>")  # plain percent-encoding is fine


@pytest.mark.parametrize("path", [
    "/.twp-build.json", "/bundles/.es.zip.twp-123-abcdefgh.tmp", "/bundles/.es.zip.k2j4h5g6.tmp",
    "/.hidden/", "/.hidden/index.html", "/%2ehidden/index.html",
    "/empty/", "/empty", "/bundles/", "/nothing-here", "/es/leak.txt", "/es/leakdir/secret.txt",
])
def test_never_serves_dotfiles_temporary_files_listings_or_what_links_lead_to(get, path: str) -> None:
    status, _, body = get(path)
    assert status == 404, (path, status, body)
    assert b"partial" not in body and b"secret" not in body.lower() and b"notes.txt" not in body


@pytest.mark.parametrize("path", [
    "/%00", "/es/%00/index.html", "/index.html%00.png", "/../secret.txt", "/es/../../secret.txt",
    "/%2e%2e/secret.txt", "/es/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/es%5c..%5csecret.txt",
    "/%zz", "/%e2%82", "/%", "/a%1b", "/" + "a" * 5000, "es/index.html", "//etc/passwd",
])
def test_bad_paths_get_400_or_404_never_a_traceback(get, path: str) -> None:
    status, _, body = get(path)
    assert status in (400, 404), (path, status)
    assert b"SECRET" not in body
