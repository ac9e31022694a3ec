"""The job worker for the GUI: runs queued jobs on its own thread and tells the GUI (by signal)
that the queue changed. Handlers come from services.job_handlers (sync only when this bench has a center)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from shipstation_desktop.services import jobs as job_service
from shipstation_desktop.services import notifications, tracking_poller
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.job_handlers import all_handlers

from .sync_events import SyncEvents


class JobEvents(QObject):
    changed = Signal()  # a job ran, failed or was requeued; delivered on the GUI thread

    def __init__(self, bench: Bench, sync: SyncEvents, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bench = bench
        handlers = all_handlers(bench, sync.worker)
        self.worker = job_service.make_job_worker(bench, handlers, on_change=self.changed.emit)
        self._listener = self._on_bench_changed
        bench.on_change.append(self._listener)

    def _on_bench_changed(self, what: str) -> None:
        if what == "jobs":  # queued or requeued on the GUI thread: run it now, not at the next idle tick
            self.worker.wake()
            self.changed.emit()

    def start(self) -> None:
        tracking_poller.ensure_scheduled(self.bench)  # the poller re-queues itself from then on
        notifications.ensure_center_watch(self.bench)  # a notifier bench only
        self.worker.start()

    def request_sync(self) -> None:
        """ "Sync now": a persisted urgent job (retried, dead-lettered) run on the sync worker's thread."""
        job_service.request_sync(self.bench)

    def stop(self) -> None:
        if self._listener in self.bench.on_change:
            self.bench.on_change.remove(self._listener)
        self.worker.stop()
