"""The persistent job queue: priorities, retries with backoff, dead letters, requeue, stats, cleanup."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.persistence.store import Store
from shipstation_desktop.sync.jobs import (
    BACKOFF_S,
    JobQueue,
    JobState,
    JobWorker,
    PermanentJobError,
    Priority,
    drain,
    run_one,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    s = Store(tmp_path / "bench.sqlite3", clock)
    yield s
    s.close()


def test_most_urgent_due_job_runs_first(store: Store) -> None:
    q = JobQueue(store)
    ran: list[str] = []
    for name, prio in (("low", Priority.LOW), ("medium", Priority.MEDIUM), ("urgent", Priority.URGENT)):
        q.enqueue(name, priority=prio)
    q.enqueue("high-later", priority=Priority.HIGH, delay_s=60)
    handlers = {n: (lambda p, n=n: ran.append(n)) for n in ("low", "medium", "urgent", "high-later")}
    assert drain(q, handlers) == 3
    assert ran == ["urgent", "medium", "low"]  # the delayed job is not due yet
    assert q.stats().by_state["done"] == 3 and q.stats().by_priority["high"] == 1


def test_retries_back_off_1_5_15_then_dead_letter_and_requeue(store: Store, clock: FakeClock) -> None:
    q = JobQueue(store)
    job_id = q.enqueue("flaky", {"n": 1})
    calls: list[dict[str, Any]] = []

    def flaky(payload: dict[str, Any]) -> None:
        calls.append(payload)
        raise UserError("printer unplugged")

    waits = []
    for _ in range(4):
        assert run_one(q, {"flaky": flaky}) is not None
        job = q.get(job_id)
        if job.state is JobState.PENDING:
            waits.append((job.run_after - clock.now()).total_seconds())
            assert run_one(q, {"flaky": flaky}) is None  # not due before its backoff
            clock.advance(waits[-1])
    assert waits == list(BACKOFF_S)
    dead = q.get(job_id)
    assert dead.state is JobState.DEAD and dead.attempts == 4 and dead.last_error == "printer unplugged"
    assert [j.id for j in q.list(JobState.DEAD)] == [job_id]
    assert q.stats().by_state["dead"] == 1

    with pytest.raises(UserError, match="not a dead letter"):
        q.requeue(q.enqueue("other"))
    again = q.requeue(job_id[:20])  # a unique prefix is enough
    assert again.state is JobState.PENDING and again.attempts == 0
    assert drain(q, {"flaky": lambda p: None}) == 2
    assert q.get(job_id).state is JobState.DONE
    assert len(calls) == 4


def test_unknown_handler_and_permanent_errors_go_straight_to_dead_letters(store: Store) -> None:
    q = JobQueue(store)
    a = q.enqueue("nobody-handles-this")

    def bad(_p: dict[str, Any]) -> None:
        raise PermanentJobError("payload names no shipment")

    b = q.enqueue("bad")
    drain(q, {"bad": bad})
    assert "no handler" in q.get(a).last_error and q.get(a).state is JobState.DEAD
    assert q.get(b).state is JobState.DEAD and q.get(b).attempts == 1


def test_dedupe_key_coalesces_waiting_jobs(store: Store) -> None:
    q = JobQueue(store)
    first = q.enqueue("sync", priority=Priority.LOW, dedupe_key="sync", delay_s=30)
    second = q.enqueue("sync", priority=Priority.URGENT, dedupe_key="sync")
    assert first == second
    job = q.get(first)
    assert job.priority is Priority.URGENT and job.run_after <= store.clock.now()
    assert drain(q, {"sync": lambda p: None}) == 1
    assert q.enqueue("sync", dedupe_key="sync") != first  # done: a new request is a new job


def test_stats_oldest_pending_and_cleanup(store: Store, clock: FakeClock) -> None:
    q = JobQueue(store)
    q.enqueue("a")
    q.enqueue("b", priority=Priority.HIGH)
    drain(q, {"a": lambda p: None})
    clock.advance(10 * 86400)
    st = q.stats()
    assert st.by_state == {"pending": 0, "running": 0, "done": 1, "dead": 1}  # b has no handler
    assert st.by_priority["medium"] == 0
    assert q.stats().oldest_pending_age_s is None
    q.enqueue("c")
    clock.advance(90)
    assert q.stats().oldest_pending_age_s == 90.0
    assert q.cleanup(timedelta(days=30)) == 0
    assert q.cleanup(timedelta(days=7)) == 1  # only DONE rows go; the dead letter stays
    assert q.stats().by_state["dead"] == 1


def test_a_crash_leaves_running_jobs_that_run_again(store: Store) -> None:
    q = JobQueue(store)
    job_id = q.enqueue("x")
    assert q.claim() is not None  # claimed, then the process died
    assert q.recover() == 1
    assert drain(q, {"x": lambda p: None}) == 1
    assert q.get(job_id).state is JobState.DONE


def test_worker_thread_runs_jobs_and_retries_after_backoff(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    Store(path).close()
    done = threading.Event()
    tries: list[float] = []

    def twice(_p: dict[str, Any]) -> None:
        tries.append(1)
        if len(tries) == 1:
            raise UserError("first try fails")
        done.set()

    gui_store = Store(path, migrate=False)
    worker = JobWorker(lambda: JobQueue(Store(path, migrate=False)), {"twice": twice})
    worker.start()
    try:
        job_id = JobQueue(gui_store).enqueue("twice")
        worker.wake()
        assert done.wait(10)  # the retry came after the 1 s backoff
    finally:
        worker.stop()
    assert not worker.is_alive()
    assert JobQueue(gui_store).get(job_id).state is JobState.DONE
    gui_store.close()
