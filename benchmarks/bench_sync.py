"""Sync figures against the local PostgreSQL (a throwaway database per run). Prints, never asserts.

    .venv/bin/python benchmarks/bench_sync.py [--n 5000] [--benches 20] [--per-bench 250]

1. push and pull throughput, mutations/s (target >= 1,000/s);
2. 20 simulated benches pushing concurrently, then all pulling: total time and convergence;
3. the GUI event loop's longest stall while the sync worker syncs 10k records (a 5 ms QTimer
   measuring lateness; target <= 50 ms).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text

from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services import central
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.bootstrap import open_bench
from shipstation_desktop.settings.secrets import SecretStore
from shipstation_desktop.sync import central_schema
from tests.fakes.keyring_backend import MemoryKeyring

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def center() -> Iterator[str]:
    name = f"ssd_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        engine = central_schema.engine_for(url)
        central_schema.upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_at(root: Path, name: str, url: str) -> Bench:
    b = open_bench(root / name, secrets=SecretStore(MemoryKeyring()))
    central.register(b, url, name)
    return b


def add_customers(b: Bench, n: int, tag: str) -> None:
    with b.store.session() as s:
        for i in range(n):
            email = f"{tag}-{i}@example.com"
            s.add(t.Customer(email=email, email_normalized=email, name=f"{tag} {i}", tags=[], custom_fields={}))


def count(b: Bench) -> int:
    with b.store.session() as s:
        return int(s.scalar(select(func.count()).select_from(t.Customer)) or 0)


def throughput(root: Path, url: str, n: int) -> None:
    a, b = bench_at(root, "tp-a", url), bench_at(root, "tp-b", url)
    add_customers(a, n, "tp")
    syncer = central._syncer(a)
    started = time.perf_counter()
    pushed, _ = syncer.push_all()
    push_s = time.perf_counter() - started
    syncer.port.close()
    other = central._syncer(b)
    started = time.perf_counter()
    pulled = other.pull_all()
    pull_s = time.perf_counter() - started
    other.port.close()
    print(f"push: {pushed} mutations in {push_s:.2f} s = {pushed / push_s:,.0f} mutations/s (target >= 1,000/s)")
    print(f"pull: {pulled} changes in {pull_s:.2f} s = {pulled / pull_s:,.0f} mutations/s (target >= 1,000/s)")
    a.close()
    b.close()


def many_benches(root: Path, url: str, benches: int, per_bench: int) -> None:
    fleet = [bench_at(root, f"fleet-{i}", url) for i in range(benches)]
    for i, b in enumerate(fleet):
        add_customers(b, per_bench, f"fleet{i}")
    errors: list[BaseException] = []

    def sync(b: Bench) -> None:
        try:
            central.sync_once(b)
        except BaseException as exc:
            errors.append(exc)

    started = time.perf_counter()
    threads = [threading.Thread(target=sync, args=(b,)) for b in fleet]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    push_s = time.perf_counter() - started
    started = time.perf_counter()
    threads = [threading.Thread(target=sync, args=(b,)) for b in fleet]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    pull_s = time.perf_counter() - started
    total = benches * per_bench
    counts = {count(b) for b in fleet}
    print(
        f"{benches} benches x {per_bench} mutations: concurrent push+pull {push_s:.2f} s, "
        f"then all pulling {pull_s:.2f} s, total {push_s + pull_s:.2f} s; errors: {len(errors)}; "
        f"converged: {counts == {total}} (customers per bench: {sorted(counts)})"
    )
    for b in fleet:
        b.close()


def gui_stall(root: Path, url: str, n: int) -> None:
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from shipstation_desktop.services.sync_worker import make_worker

    app = QApplication.instance() or QApplication([])
    b = bench_at(root, "gui", url)
    add_customers(b, n, "gui")
    done = threading.Event()
    worker = make_worker(b, on_state=lambda st: done.set() if st.online and st.pending == 0 else None)
    clock = QElapsedTimer()
    last = [0]
    worst = [0]
    ticks = [0]

    def tick() -> None:
        now = clock.elapsed()
        worst[0] = max(worst[0], now - last[0] - 5)
        last[0] = now
        ticks[0] += 1
        if done.is_set():
            app.quit()

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    clock.start()
    timer.start()
    started = time.perf_counter()
    worker.start()
    app.exec()
    took = time.perf_counter() - started
    worker.stop()
    print(
        f"GUI: {n} records synced by the worker in {took:.2f} s; longest event-loop stall {worst[0]} ms "
        f"over {ticks[0]} ticks of 5 ms (target <= 50 ms)"
    )
    b.close()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=5000)
    p.add_argument("--benches", type=int, default=20)
    p.add_argument("--per-bench", type=int, default=250)
    p.add_argument("--gui-records", type=int, default=10_000)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with center() as url:
            throughput(root, url, args.n)
        with center() as url:
            many_benches(root, url, args.benches, args.per_bench)
        with center() as url:
            gui_stall(root, url, args.gui_records)


if __name__ == "__main__":
    main()
