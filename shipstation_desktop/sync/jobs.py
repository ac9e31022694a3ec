"""The persistent priority job queue (SecureDrop's queue, kept in the bench's SQLite).

Background work that must survive a restart or a network outage is a `jobs` row first: a sync
request, later a tracking poll, a notification, a print. A worker thread claims the most urgent due
job and runs the handler registered under its name. A failure is retried after 1 s, 5 s, 15 s; after
`max_attempts` it becomes a dead letter that a supervisor inspects and requeues (GUI or CLI).

States: PENDING (waits for run_after) → RUNNING (claimed) → DONE | PENDING (retry) | DEAD.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.persistence.store import Store
from shipstation_desktop.persistence.tables import JobRow

from .loop_thread import LoopThread

log = logging.getLogger(__name__)

BACKOFF_S = (1.0, 5.0, 15.0)
MAX_ATTEMPTS = 4  # the first try and three retries


class Priority(IntEnum):
    URGENT = 0
    HIGH = 1
    MEDIUM = 2
    LOW = 3


class JobState(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    DEAD = "DEAD"


class PermanentJobError(UserError):
    """A handler's failure that no retry can fix (bad payload): straight to the dead letters."""


Handler = Callable[[dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    name: str
    payload: dict[str, Any]
    priority: Priority
    state: JobState
    attempts: int
    max_attempts: int
    run_after: datetime
    last_error: str
    created_at: datetime
    finished_at: datetime | None
    dedupe_key: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "priority": self.priority.name.lower(),
            "state": self.state.value.lower(),
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
            "run_after": self.run_after.isoformat(),
            "last_error": self.last_error or None,
            "created_at": self.created_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "payload": self.payload,
        }


@dataclass(frozen=True, slots=True)
class JobStats:
    by_state: dict[str, int]
    by_priority: dict[str, int]  # jobs still to run (pending + running)
    oldest_pending_age_s: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "by_state": self.by_state,
            "by_priority": self.by_priority,
            "oldest_pending_age_s": self.oldest_pending_age_s,
        }


def _job(r: JobRow) -> Job:
    return Job(
        r.id,
        r.name,
        dict(r.payload),
        Priority(r.priority),
        JobState(r.state),
        r.attempts,
        r.max_attempts,
        r.run_after,
        r.last_error,
        r.created_at,
        r.finished_at,
        r.dedupe_key,
    )


def backoff_s(attempts: int) -> float:
    """The wait before retry number `attempts` (1-based)."""
    return BACKOFF_S[min(attempts, len(BACKOFF_S)) - 1]


def enqueue_in(
    s: Session,
    now: datetime,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    priority: Priority = Priority.MEDIUM,
    max_attempts: int = MAX_ATTEMPTS,
    dedupe_key: str | None = None,
    delay_s: float = 0.0,
) -> str:
    """JobQueue.enqueue inside the caller's transaction, so the job exists exactly when the caller's
    own rows do (a print job and its dispatch). A waiting job under dedupe_key is reused; there is no
    retry on a race for the key (the caller's transaction fails), so give keys that are new."""
    due = now + timedelta(seconds=delay_s)
    if dedupe_key is not None:
        row = s.scalars(select(JobRow).where(JobRow.dedupe_key == dedupe_key, JobRow.state == JobState.PENDING)).first()
        if row is not None:
            row.priority = min(row.priority, int(priority))
            row.run_after = min(row.run_after, due)
            row.updated_at = now
            return row.id
    row = JobRow(
        name=name,
        payload=payload or {},
        priority=int(priority),
        state=JobState.PENDING.value,
        dedupe_key=dedupe_key,
        attempts=0,
        max_attempts=max_attempts,
        run_after=due,
        last_error="",
        created_at=now,
        updated_at=now,
    )
    s.add(row)
    s.flush()
    return row.id


class JobQueue:
    """Short transactions on the store; safe from several threads, each with its own Store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _now(self) -> datetime:
        return self.store.clock.now()

    def enqueue(
        self,
        name: str,
        payload: dict[str, Any] | None = None,
        *,
        priority: Priority = Priority.MEDIUM,
        max_attempts: int = MAX_ATTEMPTS,
        dedupe_key: str | None = None,
        delay_s: float = 0.0,
    ) -> str:
        """Adds a job; with dedupe_key, a job already waiting under that key is reused (made at least
        as urgent and due as soon) instead: ten "Sync now" clicks are one sync."""
        now = self._now()
        due = now + timedelta(seconds=delay_s)
        for _ in range(2):  # a race on the dedupe index: the second look finds the winner
            with self.store.session() as s:
                if dedupe_key is not None:
                    row = s.scalars(
                        select(JobRow).where(JobRow.dedupe_key == dedupe_key, JobRow.state == JobState.PENDING)
                    ).first()
                    if row is not None:
                        row.priority = min(row.priority, int(priority))
                        row.run_after = min(row.run_after, due)
                        row.updated_at = now
                        return row.id
                row = JobRow(
                    name=name,
                    payload=payload or {},
                    priority=int(priority),
                    state=JobState.PENDING.value,
                    dedupe_key=dedupe_key,
                    attempts=0,
                    max_attempts=max_attempts,
                    run_after=due,
                    last_error="",
                    created_at=now,
                    updated_at=now,
                )
                s.add(row)
                try:
                    s.flush()
                except IntegrityError:
                    s.rollback()
                    continue
                return row.id
        raise UserError(f"could not queue job {name!r}")

    def claim(self) -> Job | None:
        """The most urgent due job, now RUNNING and owned by the caller; None when nothing is due."""
        now = self._now()
        with self.store.session() as s:
            while True:
                row = s.scalars(
                    select(JobRow)
                    .where(JobRow.state == JobState.PENDING, JobRow.run_after <= now)
                    .order_by(JobRow.priority, JobRow.run_after, JobRow.created_at)
                    .limit(1)
                ).first()
                if row is None:
                    return None
                taken = _rowcount(
                    s.execute(
                        update(JobRow)
                        .where(JobRow.id == row.id, JobRow.state == JobState.PENDING)
                        .values(state=JobState.RUNNING.value, attempts=JobRow.attempts + 1, updated_at=now)
                        .execution_options(synchronize_session=False)
                    )
                )
                if taken:
                    s.refresh(row)
                    return _job(row)

    def complete(self, job_id: str) -> None:
        now = self._now()
        with self.store.session() as s:
            s.execute(
                update(JobRow)
                .where(JobRow.id == job_id)
                .values(state=JobState.DONE.value, finished_at=now, updated_at=now, last_error="")
            )

    def fail(self, job_id: str, error: str, *, permanent: bool = False) -> Job:
        """A failed attempt: retried after its backoff, or a dead letter once out of attempts."""
        now = self._now()
        with self.store.session() as s:
            row = s.get(JobRow, job_id)
            if row is None:
                raise UserError(f"no job {job_id}")
            row.last_error = error
            row.updated_at = now
            twin = row.dedupe_key is not None and s.scalar(
                select(JobRow.id).where(JobRow.dedupe_key == row.dedupe_key, JobRow.state == JobState.PENDING)
            )
            if permanent or row.attempts >= row.max_attempts:
                row.state = JobState.DEAD.value
                row.finished_at = now
            elif twin:
                # A newer request for the same work waits already: it is this job's retry.
                row.state = JobState.DONE.value
                row.finished_at = now
                row.last_error = f"{error} (retried as job {twin})"
            else:
                row.state = JobState.PENDING.value
                row.run_after = now + timedelta(seconds=backoff_s(row.attempts))
            s.flush()
            return _job(row)

    def requeue(self, job_id: str) -> Job:
        """A supervisor's "try again" on a dead letter: a fresh set of attempts, due now."""
        now = self._now()
        with self.store.session() as s:
            row = s.get(JobRow, job_id) or _by_prefix(s, job_id)
            if row.state != JobState.DEAD:
                raise UserError(f"job {row.id} is {row.state.lower()}, not a dead letter; nothing to requeue")
            if row.dedupe_key is not None and s.scalar(
                select(JobRow.id).where(JobRow.dedupe_key == row.dedupe_key, JobRow.state == JobState.PENDING)
            ):
                row.dedupe_key = None  # the waiting twin keeps the key; this one still runs once more
            row.state = JobState.PENDING.value
            row.attempts = 0
            row.run_after = now
            row.finished_at = None
            row.updated_at = now
            s.flush()
            return _job(row)

    def recover(self) -> int:
        """At worker start: jobs left RUNNING by a crash run again (handlers are idempotent)."""
        with self.store.session() as s:
            return _rowcount(
                s.execute(
                    update(JobRow)
                    .where(JobRow.state == JobState.RUNNING)
                    .values(state=JobState.PENDING.value, run_after=self._now())
                )
            )

    def get(self, job_id: str) -> Job:
        with self.store.session() as s:
            return _job(s.get(JobRow, job_id) or _by_prefix(s, job_id))

    def list(self, state: JobState | None = None, limit: int = 500) -> list[Job]:
        """Newest first; dead letters and waiting jobs are what a supervisor looks at."""
        query = select(JobRow).order_by(JobRow.created_at.desc(), JobRow.id.desc()).limit(limit)
        if state is not None:
            query = query.where(JobRow.state == state)
        with self.store.session() as s:
            return [_job(r) for r in s.scalars(query)]

    def next_due(self) -> datetime | None:
        with self.store.session() as s:
            return s.scalar(select(func.min(JobRow.run_after)).where(JobRow.state == JobState.PENDING))

    def stats(self) -> JobStats:
        now = self._now()
        with self.store.session() as s:
            by_state = {st.value.lower(): 0 for st in JobState}
            for state, n in s.execute(select(JobRow.state, func.count()).group_by(JobRow.state)):
                by_state[state.lower()] = n
            by_priority = {p.name.lower(): 0 for p in Priority}
            for prio, n in s.execute(
                select(JobRow.priority, func.count())
                .where(JobRow.state.in_((JobState.PENDING, JobState.RUNNING)))
                .group_by(JobRow.priority)
            ):
                by_priority[Priority(prio).name.lower()] = n
            oldest = s.scalar(select(func.min(JobRow.created_at)).where(JobRow.state == JobState.PENDING))
        age = None if oldest is None else round(max(0.0, (now - oldest).total_seconds()), 3)
        return JobStats(by_state, by_priority, age)

    def cleanup(self, older_than: timedelta) -> int:
        """Deletes DONE jobs finished before the cut-off. Dead letters stay until someone requeues them."""
        cutoff = self._now() - older_than
        with self.store.session() as s:
            return _rowcount(
                s.execute(delete(JobRow).where(JobRow.state == JobState.DONE, JobRow.finished_at < cutoff))
            )


def _rowcount(result: object) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def _by_prefix(s: Session, job_id: str) -> JobRow:
    """`jobs requeue 0193a…`: a unique prefix of the id is enough, as with git."""
    rows = list(s.scalars(select(JobRow).where(JobRow.id.startswith(job_id, autoescape=True)).limit(2)))
    if len(rows) != 1 or not job_id:
        raise UserError(f"no job {job_id}" if not rows else f"job id {job_id} is ambiguous; give more of it")
    found: JobRow = rows[0]
    return found


class JobWorker(LoopThread):
    """A plain thread (no Qt) running due jobs by handler name, most urgent first, one at a time.

    `make_queue` is called on the worker thread: its Store (engine) is its own."""

    def __init__(
        self,
        make_queue: Callable[[], JobQueue],
        handlers: Mapping[str, Handler],
        *,
        on_change: Callable[[], None] | None = None,
        idle_s: float = 30.0,
    ) -> None:
        self._make_queue = make_queue
        self.handlers = dict(handlers)
        self._on_change = on_change
        self.idle_s = idle_s
        super().__init__("job-worker")
        self.ran = 0

    def _changed(self) -> None:
        if self._on_change is not None:
            try:
                self._on_change()
            except Exception:
                log.exception("job listener failed")

    def _run(self) -> None:
        queue = self._make_queue()
        try:
            if queue.recover():
                self._changed()
            while not self._stopping:
                if run_one(queue, self.handlers):
                    self.ran += 1
                    self._changed()
                    continue
                due = queue.next_due()
                wait = self.idle_s
                if due is not None:
                    wait = min(wait, max(0.0, (due - queue.store.clock.now()).total_seconds()))
                deadline = time.monotonic() + wait
                with self._cond:
                    while not self._stopping and not self._wake and (left := deadline - time.monotonic()) > 0:
                        self._cond.wait(left)
                    self._wake = False
        finally:
            queue.store.close()


def run_one(queue: JobQueue, handlers: Mapping[str, Handler]) -> Job | None:
    """Claims and runs one due job; returns it (as claimed) or None when nothing is due."""
    job = queue.claim()
    if job is None:
        return None
    handler = handlers.get(job.name)
    if handler is None:
        queue.fail(job.id, f"no handler named {job.name!r} on this bench", permanent=True)
        return job
    try:
        handler(job.payload)
    except PermanentJobError as exc:
        queue.fail(job.id, str(exc), permanent=True)
    except Exception as exc:
        if not isinstance(exc, UserError):
            log.exception("job %s (%s) failed", job.id, job.name)
        queue.fail(job.id, str(exc) or type(exc).__name__)
    else:
        queue.complete(job.id)
    return job


def drain(queue: JobQueue, handlers: Mapping[str, Handler]) -> int:
    """Runs every job that is due now (CLI, tests); retries scheduled later are left for later."""
    ran = 0
    while run_one(queue, handlers) is not None:
        ran += 1
    return ran
