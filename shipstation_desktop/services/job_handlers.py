"""Every background job the bench runs, by name: one place the GUI's job worker and the CLI's
`jobs run` take their handlers from, so a job queued by either is run the same way."""

from __future__ import annotations

from shipstation_desktop.sync.jobs import Handler
from shipstation_desktop.sync.worker import SyncWorker

from . import jobs, tracking_poller
from .bench import Bench


def all_handlers(bench: Bench, sync_worker: SyncWorker | None = None) -> dict[str, Handler]:
    handlers: dict[str, Handler] = {}
    if sync_worker is not None:
        handlers[jobs.SYNC_JOB] = jobs.sync_handler(sync_worker)
    handlers |= tracking_poller.handlers(bench)
    from . import notifications

    handlers |= notifications.handlers(bench)
    from . import printing

    handlers |= printing.handlers(bench)
    return handlers
