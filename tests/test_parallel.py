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
