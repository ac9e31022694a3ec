"""The sync worker's callbacks (fired on its plain thread) as Qt signals, plus the controls the
status bar needs: Sync now, pause, resume. Nothing here touches the network or the database."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.sync_worker import make_worker
from shipstation_desktop.sync.worker import SyncWorker, WorkerState

from . import formatting as fmt
from .i18n import _, ngettext


class SyncEvents(QObject):
    state_changed = Signal(object)  # WorkerState, delivered on the GUI thread (queued)
    applied = Signal(object)  # set[str] of entities the pull changed

    def __init__(self, bench: Bench, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bench = bench
        self.worker: SyncWorker | None = None
        if bench.settings.central.url.strip():
            self.worker = make_worker(bench, on_state=self.state_changed.emit, on_applied=self._on_applied)

    def _on_applied(self, entities: set[str]) -> None:
        self.applied.emit(frozenset(entities))

    def start(self) -> None:
        if self.worker is not None:
            self.worker.start()

    def sync_now(self) -> None:
        if self.worker is not None:
            self.worker.sync_now()

    def set_paused(self, paused: bool) -> None:
        if self.worker is not None:
            (self.worker.pause if paused else self.worker.resume)()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()

    @staticmethod
    def describe(state: WorkerState) -> str:
        """`WorkerState.summary()` (the CLI's English) in the GUI language: "Sync: online · 3 pending"."""
        if state.paused:
            head = _("Sync: paused")
        elif state.syncing:
            head = _("Sync: syncing…")
        elif state.online is None:
            head = _("Sync: starting")
        else:
            head = _("Sync: online") if state.online else _("Sync: offline")
        pending = ngettext("{count} pending", "{count} pending", state.pending).format(count=fmt.count(state.pending))
        text = f"{head} · {pending}"
        if state.online is False and state.retry_in_s is not None and not state.paused:
            text += " · " + _("retry in {seconds} s").format(seconds=fmt.number(state.retry_in_s))
        return text
