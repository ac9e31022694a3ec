"""Use cases of the job queue: queue a sync, inspect and requeue dead letters, stats, cleanup, and
the worker that runs jobs for an open bench (its own Store on the same file)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from shipstation_desktop.persistence.store import Store
from shipstation_desktop.sync.jobs import Handler, Job, JobQueue, JobState, JobStats, JobWorker, Priority, drain
from shipstation_desktop.sync.worker import SyncWorker

from .bench import Bench

SYNC_JOB = "sync"


def queue(bench: Bench) -> JobQueue:
    return JobQueue(bench.store)


def request_sync(bench: Bench, *, priority: Priority = Priority.URGENT) -> str:
    """ "Sync now" as a job: persisted, retried with backoff, a dead letter if the center stays away.
    Clicking it ten times queues one job."""
    job_id = queue(bench).enqueue(SYNC_JOB, priority=priority, dedupe_key=SYNC_JOB)
    bench.changed("jobs")
    return job_id


def sync_handler(worker: SyncWorker, timeout_s: float = 120.0) -> Handler:
    """Runs a cycle on the sync worker's thread (its engine, its state in the status bar) and waits."""

    def run(_payload: dict[str, Any]) -> None:
        worker.run_cycle(timeout_s)

    return run


def list_jobs(bench: Bench, state: JobState | None = None, limit: int = 500) -> list[Job]:
    return queue(bench).list(state, limit)


def requeue(bench: Bench, job_id: str) -> Job:
    job = queue(bench).requeue(job_id)
    bench.changed("jobs")
    return job


def stats(bench: Bench) -> JobStats:
    return queue(bench).stats()


def cleanup(bench: Bench, older_than_days: float) -> int:
    removed = queue(bench).cleanup(timedelta(days=older_than_days))
    if removed:
        bench.changed("jobs")
    return removed


def run_due(bench: Bench, handlers: Mapping[str, Handler]) -> int:
    """Runs the jobs due now on this thread (the CLI has no worker)."""
    return drain(queue(bench), handlers)


def make_job_worker(
    bench: Bench, handlers: Mapping[str, Handler], *, on_change: Callable[[], None] | None = None
) -> JobWorker:
    path, clock = bench.store.path, bench.clock

    def make_queue() -> JobQueue:
        return JobQueue(Store(path, clock, migrate=False))  # built on the worker thread

    return JobWorker(make_queue, handlers, on_change=on_change)
