"""Order status updates through the status engine (services/order_status.change_status). Prints, never asserts.

    .venv/bin/python benchmarks/bench_status_updates.py [--updates 10000] [--no-notify]

1. N updates as service calls on one bench, each its own transaction writing the order, its history
   row, the outbox mutations and (notifications enabled, the default here) the notification rows and
   "notify" jobs: total time and updates/s;
2. the same N updates run on the GUI's ops runner (the single writer thread) as ops of --per-op updates
   (each update still its own transaction) while a 5 ms QTimer on the GUI thread measures how late it
   fires: the event loop's longest stall. Not one op per update: PySide6 6.12 drops a reference to
   `True` on every Signal.emit(True, ...) (the runner's busy_changed), and ~10k such emits abort the
   interpreter ("bool_dealloc: deallocating True").

Orders walk confirmed -> processing -> shipped -> out_for_delivery -> delayed -> delivered (5 updates
each; 4 of them are statuses customers are e-mailed about by default).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from shipstation_desktop.domain.enums import OrderStatus
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.notification_tables import Notification
from shipstation_desktop.services import order_status
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.bootstrap import open_bench
from shipstation_desktop.settings.secrets import SecretStore
from shipstation_desktop.sync.worker import freeze_startup_heap
from tests.fakes.keyring_backend import MemoryKeyring

WALK = (
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
    OrderStatus.OUT_FOR_DELIVERY,
    OrderStatus.DELAYED,
    OrderStatus.DELIVERED,
)
TICK_MS = 5


def make_bench(root: Path, name: str, orders: int, notify: bool) -> tuple[Bench, list[str]]:
    bench = open_bench(root / name, secrets=SecretStore(MemoryKeyring()), reconcile=False)
    bench.settings.notifications.enabled = notify
    numbers = [f"SO-{name.upper()}-{i:05d}" for i in range(orders)]
    with bench.store.session() as s:
        for number in numbers:
            email = f"{number.lower()}@example.com"
            customer = t.Customer(email=email, email_normalized=email, name=number, tags=[], custom_fields={})
            s.add(customer)
            s.flush()
            s.add(
                t.Order(
                    order_number=number,
                    status=OrderStatus.CONFIRMED.value,
                    customer_id=customer.id,
                    ship_to={"name": number, "line1": "1 Main St", "city": "Austin", "country": "US"},
                    total_amount=Decimal("10.00"),
                    order_date=bench.clock.now(),
                )
            )
    return bench, numbers


def plan(numbers: list[str], updates: int) -> list[tuple[str, OrderStatus]]:
    return [(n, target) for target in WALK for n in numbers][:updates]


def counts(bench: Bench) -> str:
    with bench.store.session() as s:
        hist = s.scalar(select(func.count()).select_from(t.OrderStatusHistory))
        out = s.scalar(select(func.count()).select_from(t.Outbox))
        notes = s.scalar(select(func.count()).select_from(Notification))
        jobs = s.scalar(select(func.count()).select_from(t.JobRow).where(t.JobRow.name == "notify"))
    return f"{hist} history rows, {out} outbox mutations, {notes} notifications, {jobs} notify jobs"


def service_calls(root: Path, updates: int, notify: bool) -> None:
    bench, numbers = make_bench(root, "svc", -(-updates // len(WALK)), notify)
    steps = plan(numbers, updates)
    started = time.perf_counter()
    for number, target in steps:
        order_status.change_status(bench, number, target, "benchmark", "bench-user")
    took = time.perf_counter() - started
    print(
        f"service: {len(steps)} status updates in {took:.2f} s = {len(steps) / took:,.0f} updates/s "
        f"({took / len(steps) * 1000:.2f} ms each; notifications {'on' if notify else 'off'})"
    )
    print(f"         wrote {counts(bench)}")
    bench.close()


def gui_stall(root: Path, updates: int, notify: bool, per_op: int) -> None:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from shipstation_desktop.ui.ops import Op, OpContext, OpRunner

    app = QApplication.instance() or QApplication([])
    bench, numbers = make_bench(root, "gui", -(-updates // len(WALK)), notify)
    steps = plan(numbers, updates)
    runner = OpRunner()
    done = [0]
    failures: list[str] = []
    late: list[float] = []
    last = [0.0]

    def tick() -> None:
        now = time.perf_counter()
        late.append(max(0.0, (now - last[0]) * 1000 - TICK_MS))
        last[0] = now

    def finished() -> None:
        done[0] += 1
        if done[0] == len(chunks):
            app.quit()

    def chunk(part: list[tuple[str, OrderStatus]]) -> Op[object]:
        def fn(ctx: OpContext) -> object:
            for number, target in part:
                ctx.check_cancelled()
                order_status.change_status(bench, number, target, "benchmark", "bench-user")
            return len(part)

        return Op(fn, label="status", writes=True, on_failure=lambda f: failures.append(f.message), on_done=finished)

    gc_pauses: list[float] = []
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        # A full collection stops every thread (the GIL): the likeliest cause of a rare long stall.
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            gc_pauses.append((time.perf_counter() - gc_started[0]) * 1000)

    freeze_startup_heap()  # as the app does once its window is up (ui/app.run_gui)
    gc.callbacks.append(on_gc)
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    last[0] = time.perf_counter()
    timer.start(TICK_MS)
    started = time.perf_counter()
    chunks = [steps[i : i + per_op] for i in range(0, len(steps), per_op)]
    for part in chunks:
        runner.run(chunk(part))
    submitted = time.perf_counter() - started
    app.exec()
    took = time.perf_counter() - started
    timer.stop()
    gc.callbacks.remove(on_gc)
    runner.shutdown()
    del runner, timer  # before the QApplication goes: PySide tears down in the wrong order otherwise
    ordered = sorted(late)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] if ordered else 0.0
    print(
        f"GUI: {len(steps)} updates as {len(chunks)} ops on the ops runner in {took:.2f} s "
        f"= {len(steps) / took:,.0f} updates/s "
        f"(submitting them took {submitted * 1000:.0f} ms on the GUI thread); failures: {len(failures)}"
    )
    print(
        f"     longest event-loop stall {max(late, default=0.0):.1f} ms over {len(late)} ticks of {TICK_MS} ms "
        f"(p99 lateness {p99:.1f} ms, ticks late > 50 ms: {sum(1 for v in late if v > 50)}; target <= 50 ms)"
    )
    print(f"     garbage collections meanwhile: {len(gc_pauses)}, longest {max(gc_pauses, default=0.0):.1f} ms")
    bench.close()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--updates", type=int, default=10_000)
    p.add_argument("--per-op", type=int, default=100, help="updates per op on the ops runner")
    p.add_argument("--gui-only", action="store_true", help="skip the plain service-call run")
    p.add_argument("--no-notify", action="store_true", help="notifications off (no notification rows or jobs)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.gui_only:
            service_calls(Path(tmp), args.updates, not args.no_notify)
        gui_stall(Path(tmp), args.updates, not args.no_notify, args.per_op)


if __name__ == "__main__":
    main()
    # The PySide6 `True` refcount bug (see the docstring) would abort the interpreter at exit, after the
    # figures are printed; leave without the teardown.
    sys.stdout.flush()
    os._exit(0)
