"""The print queue: labels and packing slips, one printer per document type, nothing ever lost.

Every document is stored as a queue row before a printer is touched. A job is claimed (QUEUED ->
PRINTING, one UPDATE, so two workers can never both send it), made fit for the printer
(services/documents.py) and sent. Then:
- the printer could not take it (offline, paper out, paused: PrinterNotReady, nothing sent) ->
  back to QUEUED with the reason; `drain` sends it when the printer is back;
- anything else went wrong (the printer refused it, the connection dropped mid-job, it cannot be
  converted) -> FAILED: it may have half-printed, so only a person retries it;
- sent -> PRINTED.
Every attempt also writes a row to the print log.

Dispatch goes through the persistent job queue (sync/jobs.py): storing a document also queues a
"print" job (HIGH for labels, MEDIUM for slips) in the same transaction, and the job worker's
handler (`handlers`) sends it. A printer that is not ready fails that job, so the queue retries it on
its backoff; after the last attempt the document simply stays QUEUED for the printer-back poll.
Callers that print while someone waits (`print_label`, `print_slip`: the CLI's `ship`, the pack
screen) store the document already claimed and send it themselves; their queue job is due a moment
later and only matters if the printer was not ready. Batch rows are sent by the batch runner (cancel
must stop them) and get no queue job. Any way a document ends (printed, failed, cancelled) settles its
queue job, so no stale dead letter outlives the document.

Batches are queue rows with one batch id: progress per job, cancel between jobs (the rest are
CANCELLED, never printed behind the packer's back), and "retry failed only" resends the batch's
unprinted jobs and nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shipstation_desktop.devices.printer_port import (
    PrinterNotReady,
    PrinterPort,
    PrinterStatus,
    PrintJob,
    PrintResult,
    status_of,
)
from shipstation_desktop.domain.enums import LabelFormat, ShipmentStatus
from shipstation_desktop.domain.errors import DeviceError, UserError
from shipstation_desktop.domain.ids import uuid7
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.sync import jobs as job_queue
from shipstation_desktop.sync.jobs import Handler, PermanentJobError, Priority

from . import documents
from .bench import Bench

log = logging.getLogger(__name__)


class JobState(StrEnum):
    QUEUED = "QUEUED"
    PRINTING = "PRINTING"
    PRINTED = "PRINTED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class Role(StrEnum):
    """Which of the bench's printers a document goes to."""

    LABEL = "label"
    SLIP = "slip"


UNPRINTED = (JobState.QUEUED, JobState.FAILED)
PRINT_JOB = "print"  # the job queue's handler name for sending one print_jobs row


@dataclass(frozen=True, slots=True)
class QueuedJob:
    id: str
    role: Role
    document: str
    name: str
    format: LabelFormat
    state: JobState
    attempts: int
    last_error: str
    printer: str
    location: str
    created_at: datetime
    updated_at: datetime
    printed_at: datetime | None = None
    shipment_id: str | None = None
    order_id: str | None = None
    batch_id: str | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at one job: printed (result), waiting for the printer, or failed (job.last_error)."""

    job: QueuedJob
    result: PrintResult | None = None

    @property
    def printed(self) -> bool:
        return self.result is not None

    @property
    def waiting(self) -> bool:
        return self.job.state is JobState.QUEUED

    @property
    def error(self) -> str:
        return self.job.last_error


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: str
    created_at: datetime
    document: str
    printer: str
    ok: bool
    location: str
    error: str
    tracking_number: str = ""


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    batch_id: str
    jobs: tuple[QueuedJob, ...] = field(default=())

    def _in(self, *states: JobState) -> list[QueuedJob]:
        return [j for j in self.jobs if j.state in states]

    @property
    def printed(self) -> list[QueuedJob]:
        return self._in(JobState.PRINTED)

    @property
    def failed(self) -> list[QueuedJob]:
        return self._in(JobState.FAILED, JobState.PRINTING)

    @property
    def waiting(self) -> list[QueuedJob]:
        return self._in(JobState.QUEUED)

    @property
    def cancelled(self) -> list[QueuedJob]:
        return self._in(JobState.CANCELLED)

    @property
    def unprinted(self) -> list[QueuedJob]:
        return self._in(JobState.QUEUED, JobState.FAILED, JobState.CANCELLED)


@dataclass(frozen=True, slots=True)
class QueueSummary:
    queued: int
    failed: int
    reason: str  # why the oldest queued job is waiting ("" when nothing waits)


Progress = Callable[[int, int, str], None]  # done, total, text


# --- printers ------------------------------------------------------------------------------------------


def printer_for(bench: Bench, role: Role) -> PrinterPort:
    if role is Role.SLIP:
        if bench.slip_printer is None:
            raise UserError("No packing-slip printer is set up on this bench; choose one in Preferences.")
        return bench.slip_printer
    return bench.label_printer


def printer_status(bench: Bench, role: Role = Role.LABEL) -> PrinterStatus:
    return status_of(printer_for(bench, role))


# --- the queue -----------------------------------------------------------------------------------------


def enqueue(
    bench: Bench,
    *,
    role: Role,
    document: str,
    name: str,
    data: bytes,
    fmt: LabelFormat,
    shipment_id: str | None = None,
    order_id: str | None = None,
    batch_id: str | None = None,
    copies: int = 1,
) -> str:
    """Stores a document to print and, unless it belongs to a batch, hands it to the job queue."""
    return _store(
        bench,
        _Claim("", data, fmt, name, role, max(1, copies), shipment_id, document),
        order_id=order_id,
        batch_id=batch_id,
        claimed=False,
    ).job_id


@dataclass(frozen=True, slots=True)
class _Claim:
    """A job its sender owns (PRINTING) and what sending it needs."""

    job_id: str
    data: bytes
    fmt: LabelFormat
    name: str
    role: Role
    copies: int
    shipment_id: str | None
    document: str


def _store(
    bench: Bench, doc: _Claim, *, order_id: str | None = None, batch_id: str | None = None, claimed: bool
) -> _Claim:
    """The queue row and its job-queue dispatch in one transaction. `claimed`: the caller sends it
    now itself (stored PRINTING, attempt 1), and the queue job is its retry, due after the first
    backoff so it never races the caller for the claim."""
    if not doc.data:
        raise UserError(f"Nothing to print for {doc.name}.")
    now = bench.clock.now()
    with bench.store.session() as s:
        row = t.PrintJobRow(
            id=uuid7(),
            shipment_id=doc.shipment_id,
            order_id=order_id,
            role=doc.role.value,
            document=doc.document,
            name=doc.name,
            format=doc.fmt.value,
            data=doc.data,
            copies=doc.copies,
            state=(JobState.PRINTING if claimed else JobState.QUEUED).value,
            batch_id=batch_id,
            attempts=1 if claimed else 0,
            last_error="",
            printer="",
            location="",
            created_at=now,
            updated_at=now,
        )
        s.add(row)
        if batch_id is None:
            _dispatch(s, row.id, doc.role, now, delay_s=job_queue.backoff_s(1) if claimed else 0.0)
        job_id = row.id
    bench.changed("printing")
    if batch_id is None:
        bench.changed("jobs")  # wakes the GUI's job worker
    return _Claim(job_id, doc.data, doc.fmt, doc.name, doc.role, doc.copies, doc.shipment_id, doc.document)


def _dispatch_key(job_id: str) -> str:
    return f"{PRINT_JOB}:{job_id}"


def _dispatch(s: Session, job_id: str, role: Role, now: datetime, *, delay_s: float) -> None:
    job_queue.enqueue_in(
        s,
        now,
        PRINT_JOB,
        {"print_job_id": job_id},
        priority=Priority.HIGH if role is Role.LABEL else Priority.MEDIUM,
        dedupe_key=_dispatch_key(job_id),
        delay_s=delay_s,
    )


def _settle_dispatch(s: Session, job_ids: list[str], now: datetime, note: str) -> None:
    """The document's fate is decided: its queue job (waiting, or a dead letter from a printer that
    was away) is done, so no one requeues it for nothing."""
    s.execute(
        update(t.JobRow)
        .where(
            t.JobRow.dedupe_key.in_([_dispatch_key(i) for i in job_ids]),
            t.JobRow.state.in_([job_queue.JobState.PENDING.value, job_queue.JobState.DEAD.value]),
        )
        .values(state=job_queue.JobState.DONE.value, finished_at=now, updated_at=now, last_error=note)
    )


def submit(bench: Bench, job_id: str, *, log_as: str | None = None, states: Sequence[JobState] = UNPRINTED) -> Attempt:
    """Tries to print one job now (see the module doc for what each outcome leaves behind). Only a
    job in one of `states` is claimed: the job queue and the printer-back poll send QUEUED ones only,
    a FAILED one waits for a person."""
    now = bench.clock.now()
    with bench.store.session() as s:
        row = s.get(t.PrintJobRow, job_id)
        if row is None:
            raise UserError(f"No print job {job_id!r}.")
        if JobState(row.state) not in states:
            return Attempt(_job(row))  # printed, cancelled, failed, or being printed by another worker
        claimed = s.execute(
            update(t.PrintJobRow)
            .where(t.PrintJobRow.id == job_id, t.PrintJobRow.state == row.state)
            .values(state=JobState.PRINTING.value, attempts=t.PrintJobRow.attempts + 1, updated_at=now)
        ).rowcount  # type: ignore[attr-defined]
        if not claimed:
            s.refresh(row)
            return Attempt(_job(row))
        claim = _Claim(
            job_id,
            row.data,
            LabelFormat(row.format),
            row.name,
            Role(row.role),
            row.copies,
            row.shipment_id,
            log_as or row.document,
        )
    return _send(bench, claim)


def _send(bench: Bench, c: _Claim) -> Attempt:
    """Sends a claimed job and records the outcome."""
    job_id, name, document = c.job_id, c.name, c.document
    state, error, result, printer_name = JobState.FAILED, "", None, ""
    try:
        printer = printer_for(bench, c.role)
        printer_name = printer.name
        payload = documents.for_printer(c.data, c.fmt, printer, _relayout(bench, c.shipment_id, c.role))
        result = printer.print_job(PrintJob(name, payload, printer.format, c.copies))
        state = JobState.PRINTED
    except PrinterNotReady as e:
        state, error = JobState.QUEUED, str(e)
    except UserError as e:  # DeviceError, ConversionError, no slip printer, …
        state, error = JobState.FAILED, str(e)
    except Exception as e:
        log.exception("printing %s failed unexpectedly", name)
        state, error = JobState.FAILED, f"internal error: {type(e).__name__}: {e}"
        _finish(bench, job_id, state, error, result, printer_name, document)
        raise
    return _finish(bench, job_id, state, error, result, printer_name, document)


def _finish(
    bench: Bench,
    job_id: str,
    state: JobState,
    error: str,
    result: PrintResult | None,
    printer_name: str,
    document: str,
) -> Attempt:
    now = bench.clock.now()
    with bench.store.session() as s:
        row = s.get_one(t.PrintJobRow, job_id)
        row.state = state.value
        row.last_error = error if result is None else result.note
        row.printer = printer_name
        row.updated_at = now
        if result is not None:
            row.location = result.location
            row.printed_at = now
        s.add(
            t.PrintLog(
                shipment_id=row.shipment_id,
                document=document,
                printer=printer_name,
                location=result.location if result else "",
                ok=result is not None,
                error=error or (result.note if result else ""),
                created_at=now,
            )
        )
        if result is not None and row.shipment_id is not None and row.role == Role.LABEL.value:
            s.get_one(t.Shipment, row.shipment_id).label_path = result.location
        if state is not JobState.QUEUED:
            _settle_dispatch(s, [job_id], now, "" if result is not None else f"not printed: {error}")
        job = _job(row)
    bench.changed("printing")
    if result is not None and job.shipment_id is not None:
        bench.changed("shipments")
    return Attempt(job, result)


def _relayout(bench: Bench, shipment_id: str | None, role: Role) -> documents.Relayout | None:
    """Draws our own label again for another printer; built lazily (it loads the shipment)."""
    if shipment_id is None or role is not Role.LABEL:
        return None

    def relayout(fmt: LabelFormat, dpi: int) -> bytes:
        label = documents.stored_label(bench, shipment_id)
        return documents.shipment_relayout(bench, label.shipment)(fmt, dpi)

    return relayout


def drain(bench: Bench, *, cancelled: Callable[[], bool] | None = None) -> list[Attempt]:
    """Sends waiting jobs, oldest first; stops for a printer at its first job it still cannot take."""
    with bench.store.session() as s:
        waiting = list(
            s.execute(
                select(t.PrintJobRow.id, t.PrintJobRow.role)
                .where(t.PrintJobRow.state == JobState.QUEUED.value)
                .order_by(t.PrintJobRow.created_at, t.PrintJobRow.id)
            )
        )
    attempts: list[Attempt] = []
    blocked: set[str] = set()
    for job_id, role in waiting:
        if cancelled is not None and cancelled():
            break
        if role in blocked:
            continue
        attempt = submit(bench, job_id, states=(JobState.QUEUED,))
        attempts.append(attempt)
        if attempt.waiting:
            blocked.add(role)  # the printer is still away: the jobs behind this one wait too
    return attempts


def recover_interrupted(bench: Bench) -> int:
    """At start-up: a job left PRINTING by a crash may or may not have printed; a person decides."""
    with bench.store.session() as s:
        count = s.execute(
            update(t.PrintJobRow)
            .where(t.PrintJobRow.state == JobState.PRINTING.value)
            .values(
                state=JobState.FAILED.value,
                last_error="interrupted while printing; check whether it printed before retrying",
                updated_at=bench.clock.now(),
            )
        ).rowcount  # type: ignore[attr-defined]
    return int(count or 0)


def cancel(bench: Bench, job_ids: Iterable[str]) -> int:
    ids = list(job_ids)
    if not ids:
        return 0
    with bench.store.session() as s:
        count = s.execute(
            update(t.PrintJobRow)
            .where(t.PrintJobRow.id.in_(ids), t.PrintJobRow.state.in_([x.value for x in UNPRINTED]))
            .values(state=JobState.CANCELLED.value, updated_at=bench.clock.now())
        ).rowcount  # type: ignore[attr-defined]
        _settle_dispatch(s, ids, bench.clock.now(), "cancelled")
    bench.changed("printing")
    return int(count or 0)


def retry(bench: Bench, job_id: str, *, log_as: str | None = None) -> Attempt:
    """A person says: send this failed (or cancelled) job again."""
    with bench.store.session() as s:
        row = s.get(t.PrintJobRow, job_id)
        if row is None:
            raise UserError(f"No print job {job_id!r}.")
        if row.state == JobState.CANCELLED.value:
            row.state = JobState.QUEUED.value
    return submit(bench, job_id, log_as=log_as)


def retry_later(bench: Bench, job_id: str, reason: str) -> None:
    """Waits in the queue without a try now (its printer is known to be away), saying why."""
    with bench.store.session() as s:
        s.execute(
            update(t.PrintJobRow)
            .where(
                t.PrintJobRow.id == job_id, t.PrintJobRow.state.in_([x.value for x in (*UNPRINTED, JobState.CANCELLED)])
            )
            .values(state=JobState.QUEUED.value, last_error=reason, updated_at=bench.clock.now())
        )


def list_jobs(
    bench: Bench, *, states: Sequence[JobState] | None = None, batch_id: str | None = None, limit: int | None = 500
) -> list[QueuedJob]:
    with bench.store.session() as s:
        q = select(t.PrintJobRow).order_by(t.PrintJobRow.created_at.desc(), t.PrintJobRow.id.desc())
        if states:
            q = q.where(t.PrintJobRow.state.in_([x.value for x in states]))
        if batch_id is not None:
            q = q.where(t.PrintJobRow.batch_id == batch_id).order_by(None).order_by(t.PrintJobRow.created_at)
        if limit is not None:
            q = q.limit(limit)
        return [_job(row) for row in s.scalars(q)]


def summary(bench: Bench) -> QueueSummary:
    with bench.store.session() as s:
        counts = dict(
            s.execute(
                select(t.PrintJobRow.state, func.count())
                .where(t.PrintJobRow.state.in_([x.value for x in UNPRINTED]))
                .group_by(t.PrintJobRow.state)
            ).all()
        )
        reason = s.scalar(
            select(t.PrintJobRow.last_error)
            .where(t.PrintJobRow.state == JobState.QUEUED.value)
            .order_by(t.PrintJobRow.created_at)
            .limit(1)
        )
    return QueueSummary(int(counts.get("QUEUED", 0)), int(counts.get("FAILED", 0)), reason or "")


def print_log(bench: Bench, *, limit: int = 500) -> list[LogEntry]:
    """Every attempt, newest first, with the tracking number where the document was a label."""
    with bench.store.session() as s:
        rows = s.execute(
            select(t.PrintLog, t.Shipment.tracking_number)
            .outerjoin(t.Shipment, t.Shipment.id == t.PrintLog.shipment_id)
            .order_by(t.PrintLog.created_at.desc(), t.PrintLog.id.desc())
            .limit(limit)
        ).all()
        return [
            LogEntry(r.id, r.created_at, r.document, r.printer, r.ok, r.location, r.error, tracking or "")
            for r, tracking in rows
        ]


def _job(row: t.PrintJobRow) -> QueuedJob:
    return QueuedJob(
        id=row.id,
        role=Role(row.role),
        document=row.document,
        name=row.name,
        format=LabelFormat(row.format),
        state=JobState(row.state),
        attempts=row.attempts,
        last_error=row.last_error,
        printer=row.printer,
        location=row.location,
        created_at=row.created_at,
        updated_at=row.updated_at,
        printed_at=row.printed_at,
        shipment_id=row.shipment_id,
        order_id=row.order_id,
        batch_id=row.batch_id,
    )


# --- labels and slips ------------------------------------------------------------------------------------


def label_job(bench: Bench, shipment_id: str, document: str = "label", batch_id: str | None = None) -> str:
    """The queue row for a shipment's label: an unprinted one is reused, so a reprint of a label that
    is still waiting for the printer never ends up printing twice."""
    if batch_id is None:
        existing = _unprinted_label(bench, shipment_id)
        if existing is not None:
            return existing
    return _store_label(bench, shipment_id, document, batch_id=batch_id, claimed=False).job_id


def _unprinted_label(bench: Bench, shipment_id: str) -> str | None:
    with bench.store.session() as s:
        return s.scalar(
            select(t.PrintJobRow.id)
            .where(
                t.PrintJobRow.shipment_id == shipment_id,
                t.PrintJobRow.role == Role.LABEL.value,
                t.PrintJobRow.state.in_([x.value for x in UNPRINTED]),
            )
            .order_by(t.PrintJobRow.created_at)
            .limit(1)
        )


def _store_label(bench: Bench, shipment_id: str, document: str, *, batch_id: str | None, claimed: bool) -> _Claim:
    label = documents.stored_label(bench, shipment_id)
    doc = _Claim("", label.data, label.format, label.shipment.tracking_number, Role.LABEL, 1, shipment_id, document)
    return _store(bench, doc, order_id=label.shipment.order_id, batch_id=batch_id, claimed=claimed)


def print_label(bench: Bench, shipment_id: str, document: str = "label") -> PrintResult:
    """Prints (or reprints) a shipment's stored label now; raises DeviceError saying where it is if not."""
    existing = _unprinted_label(bench, shipment_id)
    if existing is None:
        attempt = _send(bench, _store_label(bench, shipment_id, document, batch_id=None, claimed=True))
    else:
        attempt = submit(bench, existing, log_as=document)
    if attempt.result is not None:
        return attempt.result
    name = attempt.job.name
    if attempt.job.state is JobState.PRINTED:  # the job queue sent it a moment ago: not twice
        return PrintResult(name, attempt.job.location, "printed from the print queue")
    if attempt.job.state is JobState.PRINTING:
        raise DeviceError(f"Label {name} is being sent to the printer by the print queue right now.")
    if attempt.waiting:
        raise DeviceError(
            f"Label {name} is queued, not printed: {attempt.error}. It prints as soon as the printer is ready."
        )
    raise DeviceError(f"Label {name} was bought but not printed: {attempt.error}. Reprint it from Shipments.")


def print_slip(bench: Bench, order_number: str) -> Attempt:
    """Queues the packing slip for the order in the slip printer's language and tries it now."""
    printer = printer_for(bench, Role.SLIP)
    slip = documents.slip_data(bench, order_number)
    page = bench.settings.slip_printer.page
    data, fmt = documents.render_slip(slip, printer.format, page)
    doc = _Claim("", data, fmt, slip.order_number, Role.SLIP, 1, None, "slip")
    return _send(bench, _store(bench, doc, claimed=True))


# --- batches -------------------------------------------------------------------------------------------


def start_batch(bench: Bench, shipment_ids: Sequence[str]) -> str:
    """Queues the labels of `shipment_ids` as one batch; voided shipments are refused up front."""
    if not shipment_ids:
        raise UserError("Choose at least one shipment to print.")
    with bench.store.session() as s:
        voided = list(
            s.scalars(
                select(t.Shipment.tracking_number).where(
                    t.Shipment.id.in_(list(shipment_ids)), t.Shipment.status == ShipmentStatus.CANCELLED.value
                )
            )
        )
    if voided:
        raise UserError(f"Voided labels must not be printed again: {', '.join(voided)}.")
    batch_id = uuid7()
    for shipment_id in shipment_ids:
        label_job(bench, shipment_id, "batch", batch_id)
    return batch_id


def run_batch(
    bench: Bench,
    batch_id: str,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    only_unprinted: bool = False,
) -> BatchOutcome:
    """Sends the batch's jobs in order. Cancel stops between jobs and cancels the rest.

    A printer that goes away mid-batch leaves the remaining jobs QUEUED (they print when it is back
    or on "retry"); each failed job is reported and the batch goes on with the next.
    """
    jobs = list_jobs(bench, batch_id=batch_id, limit=None)
    todo = [j for j in jobs if j.state in UNPRINTED or (only_unprinted and j.state is JobState.CANCELLED)]
    total = len(todo)
    away_reason = ""
    for done, job in enumerate(todo):
        if cancelled is not None and cancelled():
            cancel(bench, [j.id for j in todo[done:]])
            break
        if progress is not None:
            progress(done, total, f"Printing {job.name} ({done + 1} of {total})…")
        if away_reason:
            retry_later(bench, job.id, away_reason)
            continue  # the printer is away: the rest stay queued, not hammered one by one
        attempt = retry(bench, job.id, log_as="batch")
        if attempt.waiting:
            away_reason = attempt.error
    if progress is not None:
        progress(total, total, "Done")
    return batch_outcome(bench, batch_id)


def retry_failed(
    bench: Bench, batch_id: str, *, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None
) -> BatchOutcome:
    """ "Retry failed only": the batch's jobs that did not print go again; printed ones never do."""
    return run_batch(bench, batch_id, progress=progress, cancelled=cancelled, only_unprinted=True)


def batch_outcome(bench: Bench, batch_id: str) -> BatchOutcome:
    return BatchOutcome(batch_id, tuple(list_jobs(bench, batch_id=batch_id, limit=None)))


# --- the bench's printer watch ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrinterPoll:
    status: PrinterStatus
    queue: QueueSummary
    sent: int = 0  # waiting jobs that this poll sent


def poll(bench: Bench) -> PrinterPoll:
    """The label printer's status; when it is ready again, the waiting jobs go out."""
    status = printer_status(bench, Role.LABEL)
    sent = 0
    if status.ready and summary(bench).queued:
        sent = sum(1 for attempt in drain(bench) if attempt.printed)
    return PrinterPoll(status, summary(bench), sent)


# --- the job queue's side ------------------------------------------------------------------------


def handlers(bench: Bench) -> dict[str, Handler]:
    """The "print" job: sends one waiting document. A printer that is not ready fails the job (the
    queue retries it after 1, 5, 15 s); the document stays QUEUED either way, so when the retries
    run out the printer-back poll still sends it. A document that is no longer waiting (printed,
    failed for a person, cancelled, being sent by someone else) ends the job without a print."""

    def send(payload: dict[str, object]) -> None:
        job_id = payload.get("print_job_id")
        if not isinstance(job_id, str):
            raise PermanentJobError("This print job names no document to print.")
        with bench.store.session() as s:
            if s.get(t.PrintJobRow, job_id) is None:
                raise PermanentJobError(f"No print job {job_id!r}; it was removed.")
        attempt = submit(bench, job_id, states=(JobState.QUEUED,))
        if attempt.waiting:
            raise UserError(f"{attempt.job.name} is waiting for the printer: {attempt.error}")

    return {PRINT_JOB: send}
