"""Starts the background sync worker for an open bench: its own Store (engine) on the same file,
a CentralPort from settings + keyring, and local commits nudging it."""

from __future__ import annotations

from collections.abc import Callable

from shipstation_desktop.persistence.store import Store
from shipstation_desktop.sync import central_client
from shipstation_desktop.sync.syncer import Syncer
from shipstation_desktop.sync.worker import INTERVAL_S, SyncWorker, WorkerState

from . import numbers
from .bench import Bench


def make_worker(
    bench: Bench,
    *,
    on_state: Callable[[WorkerState], None] | None = None,
    on_applied: Callable[[set[str]], None] | None = None,
    interval_s: float = INTERVAL_S,
) -> SyncWorker:
    url = bench.settings.central.url
    bench_id = bench.store.bench_id
    path, clock = bench.store.path, bench.clock

    def make_syncer() -> Syncer:
        # Built on the worker thread: the worker's SQLite engine is its own, never the GUI's.
        port, login = central_client.connect(url, bench_id, bench.secrets)
        store = Store(path, clock, migrate=False)
        store.share_keys(bench.store)  # the same PII key as the bench's own engine, rotations included
        return Syncer(store, port, login.token, on_applied=on_applied)

    worker = SyncWorker(
        make_syncer,
        interval_s=interval_s,
        on_state=on_state,
        after_cycle=lambda: numbers.top_up(bench),  # keep shipment references in hand for offline buys
    )
    bench.on_change.append(lambda _what: worker.nudge())
    return worker


def start_worker(bench: Bench, **kwargs: object) -> SyncWorker:
    worker = make_worker(bench, **kwargs)  # type: ignore[arg-type]
    worker.start()
    return worker
