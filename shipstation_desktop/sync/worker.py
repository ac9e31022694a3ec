"""The background sync worker: a plain thread (no Qt) with its own Syncer and engine.

Runs a cycle on a timer, soon after local commits (nudge), and on demand (sync_now); while the
center is unreachable it retries after 1 s, 5 s, 15 s, 30 s, then every 60 s. Every state change is
reported through `on_state` from the worker thread; ui/sync_events.py turns that into a Qt signal."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from shipstation_desktop.domain.errors import UserError

from .loop_thread import LoopThread
from .port import CenterRefused
from .syncer import Syncer, read_status

log = logging.getLogger(__name__)

BACKOFF_S = (1.0, 5.0, 15.0, 30.0, 60.0)
INTERVAL_S = 30.0


@dataclass(frozen=True, slots=True)
class WorkerState:
    online: bool | None = None  # None: no attempt yet
    syncing: bool = False
    paused: bool = False
    pending: int = 0
    last_sync: datetime | None = None
    last_error: str | None = None
    retry_in_s: float | None = None
    pushed: int = 0  # totals since start, for the tooltip
    pulled: int = 0
    rejected: int = 0

    def summary(self) -> str:
        if self.paused:
            head = "paused"
        elif self.syncing:
            head = "syncing…"
        elif self.online is None:
            head = "starting"
        else:
            head = "online" if self.online else "offline"
        text = f"Sync: {head} · {self.pending} pending"
        if self.online is False and self.retry_in_s is not None and not self.paused:
            text += f" · retry in {self.retry_in_s:.0f} s"
        return text


_frozen = False


def freeze_startup_heap() -> None:
    """Moves every object alive now (modules, classes, Qt bindings, SQLAlchemy's metadata: ~100k+
    objects once the sync stack is imported) into the collector's permanent generation, once per process.

    A full (generation 2) collection walks every tracked object while holding the GIL: ~100 ms here,
    which is what froze the GUI's event loop while the worker synced (the allocations of a big sync
    trigger several of them). After the freeze a full collection walks only what was made since."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


class SyncWorker(LoopThread):
    def __init__(
        self,
        make_syncer: Callable[[], Syncer],
        *,
        interval_s: float = INTERVAL_S,
        backoff_s: tuple[float, ...] = BACKOFF_S,
        on_state: Callable[[WorkerState], None] | None = None,
        after_cycle: Callable[[], object] | None = None,
    ) -> None:
        self._make_syncer = make_syncer
        self.interval_s = interval_s
        self.backoff_s = backoff_s
        self._on_state = on_state
        self._after_cycle = after_cycle  # online work that rides on a good cycle (e.g. lease top-up)
        super().__init__("sync-worker")
        self._state = WorkerState()
        self.cycles = 0
        self._finished = 0  # cycles attempted (ok or not), for run_cycle's waiters
        self._last_exc: BaseException | None = None

    @property
    def state(self) -> WorkerState:
        with self._cond:
            return self._state

    # ------------------------------------------------------------------------------ control (any thread)

    def sync_now(self) -> None:
        """Run a cycle as soon as possible, even while backing off (the person asked for it)."""
        self.wake()

    def run_cycle(self, timeout: float = 120.0) -> None:
        """Asks for a cycle and waits until one that started after this call has ended; raises its
        error. The job queue's "sync" handler: a failed request is retried and dead-lettered there."""
        with self._cond:
            if self._state.paused:
                raise UserError("sync is paused")
            # A cycle already under way may have read the outbox before this request: wait for the next.
            target = self._finished + (2 if self._state.syncing else 1)
            self._wake = True
            self._cond.notify_all()
            deadline = time.monotonic() + timeout
            while self._finished < target:
                left = deadline - time.monotonic()
                if left <= 0 or self._stopping or not self._thread.is_alive():
                    raise UserError("the sync worker did not finish a cycle in time")
                self._cond.wait(min(left, 1.0))
            if self._last_exc is not None:
                raise self._last_exc

    def _finish(self, exc: BaseException | None) -> None:
        with self._cond:
            self._finished += 1
            self._last_exc = exc
            self._cond.notify_all()

    def nudge(self) -> None:
        """A local commit happened. Ignored for the worker's own writes (pulled rows) — no loop."""
        if threading.current_thread() is self._thread:
            return
        self.sync_now()

    def pause(self) -> None:
        self._set(paused=True)
        with self._cond:
            self._cond.notify_all()

    def resume(self) -> None:
        self._set(paused=False)
        self.sync_now()

    # ------------------------------------------------------------------------------ the thread

    def _set(self, **changes: object) -> None:
        with self._cond:
            self._state = replace(self._state, **changes)  # type: ignore[arg-type]
            state = self._state
        if self._on_state is not None:
            try:
                self._on_state(state)
            except Exception:
                log.exception("sync state listener failed")

    def _wait(self, seconds: float) -> bool:
        """Sleeps until the timeout, a wake-up or stop. Returns False when stopping."""
        deadline = time.monotonic() + seconds
        with self._cond:
            while not self._stopping and not self._wake:
                left = deadline - time.monotonic()
                if left <= 0 and not self._state.paused:
                    break
                self._cond.wait(left if left > 0 else None)
            self._wake = False
            return not self._stopping

    def _run(self) -> None:
        syncer: Syncer | None = None
        failures = 0
        delay = 0.0
        try:
            while self._wait(delay):
                if self.state.paused:
                    continue
                try:
                    if syncer is None:
                        syncer = self._make_syncer()
                        freeze_startup_heap()
                    self._cycle(syncer)
                    failures = 0
                    delay = self.interval_s
                    self._finish(None)
                except Exception as exc:
                    refused = isinstance(exc, CenterRefused)
                    if not isinstance(exc, UserError):
                        log.exception("sync cycle failed")
                    delay = self.backoff_s[min(failures, len(self.backoff_s) - 1)]
                    failures += 1
                    pending = read_status(syncer.store).pending if syncer is not None else self.state.pending
                    self._set(
                        syncing=False,
                        online=False if not refused else None,
                        last_error=str(exc) or type(exc).__name__,
                        retry_in_s=delay,
                        pending=pending,
                    )
                    self._finish(exc)
        finally:
            if syncer is not None:
                syncer.port.close()
                syncer.store.close()

    def _cycle(self, syncer: Syncer) -> None:
        self._set(syncing=True, pending=read_status(syncer.store).pending)
        report = syncer.run_once()
        self.cycles += 1
        st = read_status(syncer.store)
        prev = self.state
        self._set(
            syncing=False,
            online=True,
            pending=st.pending,
            last_sync=st.last_sync,
            last_error=None,
            retry_in_s=None,
            pushed=prev.pushed + report.pushed,
            pulled=prev.pulled + report.pulled,
            rejected=prev.rejected + report.rejected,
        )
        if self._after_cycle is not None:
            try:
                self._after_cycle()
            except Exception:  # extra work must never turn a good sync into a failed one
                log.exception("after-sync work failed")
