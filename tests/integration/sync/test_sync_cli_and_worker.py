"""The CLI contracts of issue 8 and the background worker, against a real PostgreSQL center."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from shipstation_desktop.cli import main
from shipstation_desktop.services import central
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.sync_worker import make_worker
from shipstation_desktop.sync.syncer import read_status
from shipstation_desktop.sync.worker import WorkerState
from tests.fakes.orders import add_order

pytestmark = pytest.mark.postgres


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cli_contracts(tmp_path: Path, center: str, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    assert main(["central", "init", "--url", center]) == 0  # again: harmless
    capsys.readouterr()
    reg = _json(capsys, ["--data-dir", a, "bench", "register", "--central", center, "--name", "Bench A", "--json"])
    assert isinstance(reg, dict) and set(reg) == {"bench_id"}
    _json(capsys, ["--data-dir", b, "bench", "register", "--central", center, "--name", "Bench B", "--json"])
    seeded = _json(capsys, ["--data-dir", a, "demo", "seed", "--json"])
    assert isinstance(seeded, dict) and seeded["orders"] == 200
    ran = _json(capsys, ["--data-dir", b, "sync", "run", "--once", "--json"])
    assert isinstance(ran, dict) and set(ran) == {"pushed", "pulled", "rejected"} and ran["pulled"] > 200
    orders = _json(capsys, ["--data-dir", b, "orders", "list", "--json"])
    assert isinstance(orders, list) and len(orders) == 200
    st = _json(capsys, ["--data-dir", b, "sync", "status", "--json"])
    assert isinstance(st, dict) and set(st) == {"online", "pending", "last_sync", "last_error"}
    assert st["online"] is True and st["pending"] == 0 and st["last_error"] is None and st["last_sync"]
    # A second bench's `demo seed` finds the center's orders and seeds nothing more.
    again = _json(capsys, ["--data-dir", b, "demo", "seed", "--json"])
    assert isinstance(again, dict) and again["skipped"] is True
    resync = _json(capsys, ["--data-dir", b, "sync", "resync", "--json"])
    assert isinstance(resync, dict) and resync["rejected"] == 0


def test_unreachable_center_is_one_line_and_loses_nothing(
    tmp_path: Path, bench: Bench, center: str, capsys: pytest.CaptureFixture[str]
) -> None:
    central.register(bench, center, "A")
    add_order(bench, "OFF-1")
    pending = read_status(bench.store).pending
    bench.settings.central.url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/nowhere"
    bench.save_settings()
    data_dir = str(bench.paths.data_dir)
    assert main(["--data-dir", data_dir, "sync", "run", "--once", "--json"]) == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.count("\n") == 1 and "cannot reach the center" in out.err
    assert read_status(bench.store).pending == pending
    st = _json(capsys, ["--data-dir", data_dir, "sync", "status", "--json"])
    assert isinstance(st, dict) and st["online"] is False and st["pending"] == pending and st["last_error"]


def test_worker_syncs_after_local_commits_and_backs_off_offline(
    make_bench: Callable[[str], Bench], center: str
) -> None:
    a = make_bench("a")
    states: list[WorkerState] = []
    synced = threading.Event()
    offline = threading.Event()

    def on_state(st: WorkerState) -> None:
        states.append(st)
        if st.online and st.pending == 0 and st.pushed > 0:
            synced.set()
        if st.online is False:
            offline.set()

    worker = make_worker(a, on_state=on_state, interval_s=3600)
    worker.start()
    try:
        add_order(a, "W-1")
        a.changed("orders")  # what every service does after a commit: nudges the worker
        assert synced.wait(20)
        assert read_status(a.store).pending == 0
        worker.pause()
        assert worker.state.paused
        worker.resume()
    finally:
        worker.stop()
    assert not worker.is_alive()

    a.settings.central.url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/nowhere"
    down = make_worker(a, on_state=on_state, interval_s=3600)
    down.start()
    try:
        assert offline.wait(20)
        st = down.state
        assert st.online is False and st.retry_in_s == 1.0 and "cannot reach" in (st.last_error or "")
    finally:
        down.stop()
