"""The ops runner: the one way the GUI does work off its thread.

Each background job is one small `Op`: the function that runs in a worker (it gets an `OpContext` for
progress and cancellation), and what happens on the GUI thread afterwards. Results come back through
queued Qt signals, so callbacks always run on the GUI thread and may touch widgets.

Failures split three ways, as the domain does:
- `UserError`  -> the op's `on_failure`, or else the runner's user-message sink (status bar/message box);
- `Cancelled`  -> the op's `on_cancelled`, never reported as an error;
- anything else is a bug -> logged with its traceback and shown in the error-report dialog, then
  `on_failure` (so the caller can restore its widgets).

Writes go through a pool with a single thread so two writers never race each other on the store
(the same idea as Anki's one collection executor); reads and carrier/device calls get their own pool.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot

from shipstation_desktop.domain.errors import Cancelled, UserError

from .i18n import _

log = logging.getLogger(__name__)

T = TypeVar("T")

READ_THREADS = 3  # carrier calls can take seconds; a couple in parallel keeps lists responsive


class CancelToken:
    """Set from the GUI thread, checked by the worker between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout_s: float) -> bool:
        """Sleeps up to `timeout_s` but wakes at once on cancel (for workers that pause between tries)."""
        return self._event.wait(timeout_s)

    def check(self) -> None:
        """Raise `Cancelled` if the user asked to stop; call it between steps that can be abandoned."""
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True, slots=True)
class Progress:
    text: str
    done: int | None = None  # None with total None: indeterminate
    total: int | None = None


class FailureKind(StrEnum):
    USER = "user"
    CANCELLED = "cancelled"
    BUG = "bug"


@dataclass(frozen=True, slots=True)
class Failure:
    kind: FailureKind
    error: BaseException
    details: str = ""  # the formatted traceback, for bugs

    @property
    def message(self) -> str:
        return str(self.error) or type(self.error).__name__


class OpContext:
    """What the worker function gets: the cancel token and a way to report progress."""

    def __init__(self, token: CancelToken, report: Callable[[Progress], None]) -> None:
        self.token = token
        self._report = report

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled

    def check_cancelled(self) -> None:
        self.token.check()

    def progress(self, text: str, done: int | None = None, total: int | None = None) -> None:
        self._report(Progress(text, done, total))


@dataclass(slots=True)
class Op(Generic[T]):
    """One background job. `fn` runs in a worker; every callback runs on the GUI thread."""

    fn: Callable[[OpContext], T]
    label: str = ""  # shown next to the busy indicator; empty: "Working…"
    writes: bool = False  # True: runs on the single writer thread
    on_success: Callable[[T], None] | None = None
    on_failure: Callable[[Failure], None] | None = None  # user errors and bugs (bugs are also reported)
    on_cancelled: Callable[[], None] | None = None
    on_progress: Callable[[Progress], None] | None = None
    on_done: Callable[[], None] | None = None  # after any outcome: re-enable buttons and the like

    def __post_init__(self) -> None:
        if not self.label:
            self.label = _("Working…")


class OpHandle:
    """What `OpRunner.run` returns: lets the caller cancel, and tells whether it has finished."""

    def __init__(self, op: Op[Any], token: CancelToken) -> None:
        self.op = op
        self.token = token
        self.finished = False

    def cancel(self) -> None:
        self.token.cancel()


@dataclass(frozen=True, slots=True)
class _Success:
    value: object


class OpRunner(QObject):
    """Owns the worker pools and reports whether anything is running (`busy_changed`)."""

    busy_changed = Signal(bool, str)  # busy, label of the newest running op
    progressed = Signal(object)  # Progress of any op, for the status bar
    user_error = Signal(str)  # a UserError no op handled itself

    # Emitted from worker threads; connected with QueuedConnection to slots of the runner, which
    # lives on the GUI thread, so every callback runs there.
    _outcome = Signal(int, object)
    _progress = Signal(int, object)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        report_bug: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._reads = QThreadPool(self)
        self._reads.setMaxThreadCount(READ_THREADS)
        self._writes = QThreadPool(self)
        self._writes.setMaxThreadCount(1)  # one writer at a time, in submission order
        self._handles: dict[int, OpHandle] = {}
        self._ids = itertools.count(1)
        self._report_bug = report_bug
        self.closed = False
        self._outcome.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._progress.connect(self._deliver_progress, Qt.ConnectionType.QueuedConnection)

    # -- public -----------------------------------------------------------------------------------

    def run(self, op: Op[T]) -> OpHandle:
        handle = OpHandle(op, CancelToken())
        if self.closed:
            handle.finished = True
            return handle
        job_id = next(self._ids)
        self._handles[job_id] = handle
        (self._writes if op.writes else self._reads).start(functools.partial(self._work, job_id, handle))
        self.busy_changed.emit(True, op.label)
        return handle

    @property
    def busy(self) -> bool:
        return bool(self._handles)

    @property
    def active_labels(self) -> list[str]:
        return [handle.op.label for handle in self._handles.values()]

    def wait_idle(self, timeout_ms: int = 30_000) -> bool:
        """Blocks until the pools are empty (workers only; queued callbacks still need the event loop)."""
        return self._reads.waitForDone(timeout_ms) and self._writes.waitForDone(timeout_ms)

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Cancels what can be cancelled and waits for the workers; later results are dropped.

        A label purchase already sent to the carrier is not cancellable (the op checks its token only
        before buying), so waiting here is what keeps a purchase from being cut off halfway.
        """
        self.closed = True
        for handle in self._handles.values():
            handle.cancel()
        self._reads.clear()
        self._writes.clear()
        if not self.wait_idle(timeout_ms):
            log.warning("background work still running after %d ms at shutdown", timeout_ms)
        self._handles.clear()

    # -- the worker thread -------------------------------------------------------------------------

    def _work(self, job_id: int, handle: OpHandle) -> None:
        """Runs in a pool thread. Never lets an exception escape (it would be lost in the pool)."""
        op = handle.op
        ctx = OpContext(handle.token, lambda progress: self._progress.emit(job_id, progress))
        try:
            handle.token.check()  # cancelled while queued
            result: object = op.fn(ctx)
        except Cancelled as e:
            self._outcome.emit(job_id, Failure(FailureKind.CANCELLED, e))
        except UserError as e:
            self._outcome.emit(job_id, Failure(FailureKind.USER, e))
        except BaseException as e:
            log.exception("%s failed unexpectedly", op.label)
            self._outcome.emit(job_id, Failure(FailureKind.BUG, e, traceback.format_exc()))
        else:
            self._outcome.emit(job_id, _Success(result))

    # -- delivery (GUI thread) -------------------------------------------------------------------

    @Slot(int, object)
    def _deliver_progress(self, job_id: int, progress: Progress) -> None:
        handle = self._handles.get(job_id)
        if handle is None or self.closed:
            return
        self.progressed.emit(progress)
        if handle.op.on_progress is not None:
            handle.op.on_progress(progress)

    @Slot(int, object)
    def _deliver(self, job_id: int, outcome: object) -> None:
        handle = self._handles.pop(job_id, None)
        if handle is None or self.closed:
            return
        handle.finished = True
        op = handle.op
        try:
            if isinstance(outcome, _Success):
                if op.on_success is not None:
                    op.on_success(outcome.value)
            elif isinstance(outcome, Failure):
                self._fail(op, outcome)
        finally:
            if op.on_done is not None:
                op.on_done()
            self.busy_changed.emit(self.busy, self.active_labels[-1] if self._handles else "")

    def _fail(self, op: Op[Any], failure: Failure) -> None:
        if failure.kind is FailureKind.CANCELLED:
            if op.on_cancelled is not None:
                op.on_cancelled()
            return
        if failure.kind is FailureKind.BUG:
            # Bugs are never swallowed, even when the op handles its own failures (already logged
            # with the traceback in the worker).
            summary = _("{task} failed unexpectedly: {reason}").format(
                task=op.label.rstrip("…. "), reason=failure.message
            )
            self.report_bug(summary, failure.details)
            if op.on_failure is not None:
                op.on_failure(failure)
            return
        if op.on_failure is not None:
            op.on_failure(failure)
        else:
            self.user_error.emit(failure.message)

    def report_bug(self, summary: str, details: str) -> None:
        if self._report_bug is not None:
            self._report_bug(summary, details)
