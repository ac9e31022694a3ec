"""Turns the bench's change callbacks (fired in whatever thread a service ran) into one Qt signal.

Services call `bench.changed("shipments")` from worker threads; widgets must only be touched on the
GUI thread, so the callback only emits a signal (safe from any thread) and Qt queues it across.
Bursts (the demo seed commits dozens of shipments) are coalesced into one `changed` per ~quarter second.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from shipstation_desktop.services.bench import Bench

COALESCE_MS = 250


class BenchEvents(QObject):
    changed = Signal(frozenset)  # of str: "shipments", "exceptions", "orders", "settings", …
    _raw = Signal(str)

    def __init__(self, bench: Bench, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bench = bench
        self._pending: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COALESCE_MS)
        self._timer.timeout.connect(self._flush)
        self._raw.connect(self._collect)  # auto connection: queued when emitted from a worker
        bench.on_change.append(self._on_bench_change)

    def _on_bench_change(self, what: str) -> None:
        self._raw.emit(what)

    @Slot(str)
    def _collect(self, what: str) -> None:
        self._pending.add(what)
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def _flush(self) -> None:
        if self._pending:
            what, self._pending = frozenset(self._pending), set()
            self.changed.emit(what)

    def announce(self, what: str) -> None:
        """For changes made on the GUI thread that no service reports (e.g. settings saved)."""
        self._collect(what)

    def detach(self) -> None:
        if self._on_bench_change in self._bench.on_change:
            self._bench.on_change.remove(self._on_bench_change)
        self._timer.stop()
