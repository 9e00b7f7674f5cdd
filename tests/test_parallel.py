"""Work spread over processes gives the same results as the serial path, forked or spawned."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from twp_i18n.config import load_config
from twp_i18n.machinery import parallel
from twp_i18n.publish.build import build


def _scaled(job: tuple[int, str], piece: int) -> str:
    factor, tag = job
    return f"{tag}{piece * factor}"


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_every_piece_gets_the_shared_work_as_an_argument(monkeypatch: pytest.MonkeyPatch,
                                                         method: str) -> None:
    monkeypatch.setenv(parallel.START_METHOD_ENV, method)
    done: list[None] = []
    got = parallel.fork_map(_scaled, list(range(7)), 3, (10, "n"), done=lambda: done.append(None))
    assert got == parallel.fork_map(_scaled, list(range(7)), 1, (10, "n")) == [f"n{i * 10}" for i in range(7)]
    assert len(done) == 7


@pytest.mark.parametrize(("count", "workers"), [(1000, 2), (5000, 2), (100, 4), (5, 2), (0, 3), (50, 1)])
def test_work_is_cut_in_order_with_short_last_pieces(count: int, workers: int) -> None:
    pieces = parallel.chunks(list(range(count)), workers)
    assert [i for piece in pieces for i in piece] == list(range(count))
    assert all(pieces)
    if count >= 1000:
        # a worker that takes the last piece keeps the other waiting for far less than a
        # full piece: here, under an eighth of the first piece
        assert len(pieces[-1]) * 8 <= len(pieces[0])
        assert len(pieces) <= workers * 8 * 2


def _output(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_build_in_worker_processes_writes_the_same_bytes_as_one_process(
        demo_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    config = load_config(demo_site)
    build(config, out=tmp_path / "serial", jobs=1)
    shutil.rmtree(demo_site / ".twp", ignore_errors=True)  # no cache: redo every step
    from twp_i18n.render import pages

    monkeypatch.setattr(pages, "PARALLEL_RENDER_MIN", 0)
    monkeypatch.setattr("twp_i18n.publish.planning.PARALLEL_READ_MIN", 0)
    monkeypatch.setenv(parallel.START_METHOD_ENV, method)
    build(load_config(demo_site), out=tmp_path / "workers", jobs=2)
    assert _output(tmp_path / "workers") == _output(tmp_path / "serial")
