"""Print jobs dispatched through the persistent job queue: the "print" job, its retries while the
printer is away, and the guarantees of the print queue (never lost, never printed twice)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shipstation_desktop.devices.spool_printer import SpoolPrinter
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services import packing, printing
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.bootstrap import open_bench
from shipstation_desktop.services.job_handlers import all_handlers
from shipstation_desktop.services.printing import JobState, Role
from shipstation_desktop.sync.jobs import Job, JobQueue, Priority, drain
from shipstation_desktop.sync.jobs import JobState as QueueState
from tests.fakes.orders import add_order

ZPL = b"^XA^FO50,50^A0N,40,40^FDHello^FS^XZ"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def printer(tmp_path: Path) -> SpoolPrinter:
    return SpoolPrinter(tmp_path / "labels")


@pytest.fixture
def slips(tmp_path: Path) -> SpoolPrinter:
    return SpoolPrinter(tmp_path / "slips", format=LabelFormat.PDF)


@pytest.fixture
def bench(tmp_path: Path, clock: FakeClock, printer: SpoolPrinter, slips: SpoolPrinter) -> Iterator[Bench]:
    b = open_bench(tmp_path / "bench", clock=clock, printer=printer, slip_printer=slips)
    yield b
    b.close()


def run_jobs(bench: Bench) -> int:
    return drain(JobQueue(bench.store), all_handlers(bench))


def print_jobs(bench: Bench) -> list[Job]:
    return [j for j in JobQueue(bench.store).list() if j.name == printing.PRINT_JOB]


def queue_label(bench: Bench) -> str:
    return printing.enqueue(bench, role=Role.LABEL, document="label", name="TRK1", data=ZPL, fmt=LabelFormat.ZPL)


def test_a_queued_document_is_dispatched_as_a_job_and_printed_by_its_handler(
    bench: Bench, printer: SpoolPrinter
) -> None:
    job_id = queue_label(bench)
    [job] = print_jobs(bench)
    assert (job.payload, job.priority, job.dedupe_key) == ({"print_job_id": job_id}, Priority.HIGH, f"print:{job_id}")
    assert printer.list_jobs() == []  # stored first; the worker sends it
    assert run_jobs(bench) == 1
    [queued] = printing.list_jobs(bench)
    assert queued.state is JobState.PRINTED and queued.attempts == 1
    assert len(printer.list_jobs()) == 1
    assert print_jobs(bench)[0].state is QueueState.DONE
    assert run_jobs(bench) == 0 and printing.drain(bench) == []  # nothing left to send twice


def test_slips_go_at_medium_priority_behind_labels(bench: Bench, slips: SpoolPrinter) -> None:
    pdf = b"%PDF-1.4\n%%EOF\n"
    printing.enqueue(bench, role=Role.SLIP, document="slip", name="SO-1", data=pdf, fmt=LabelFormat.PDF)
    queue_label(bench)
    by_name = {j.payload["print_job_id"]: j.priority for j in print_jobs(bench)}
    assert sorted(by_name.values()) == [Priority.HIGH, Priority.MEDIUM]
    claimed = JobQueue(bench.store).claim()
    assert claimed is not None and claimed.priority is Priority.HIGH


def test_a_printer_away_retries_on_the_backoff_then_the_poll_prints_it_once(
    bench: Bench, printer: SpoolPrinter, clock: FakeClock
) -> None:
    printer.offline = True
    queue_label(bench)
    waits = []
    for _ in range(4):
        assert run_jobs(bench) == 1
        [job] = print_jobs(bench)
        waits.append((job.run_after - clock.now()).total_seconds())
        clock.advance(max(waits[-1], 0))
    assert waits[:3] == [1.0, 5.0, 15.0]
    assert job.state is QueueState.DEAD and "waiting for the printer" in job.last_error
    [doc] = printing.list_jobs(bench)
    assert doc.state is JobState.QUEUED and "offline" in doc.last_error  # never lost
    assert [e.ok for e in printing.print_log(bench)] == [False] * 4
    printer.offline = False
    assert printing.poll(bench).sent == 1  # the printer-back poll, as before
    assert len(printer.list_jobs()) == 1
    [job] = print_jobs(bench)
    assert job.state is QueueState.DONE  # the dead letter settled itself: nothing to requeue
    assert run_jobs(bench) == 0 and len(printer.list_jobs()) == 1


def test_ship_prints_synchronously_and_its_queue_job_never_prints_again(
    bench: Bench, printer: SpoolPrinter, clock: FakeClock
) -> None:
    add_order(bench, "SO-7")
    outcome = packing.ship(bench, "SO-7", weight=Weight.of("1.2", "kg"))
    assert outcome.printed is not None and len(printer.list_jobs()) == 1  # printed before ship returned
    [doc] = printing.list_jobs(bench)
    assert doc.state is JobState.PRINTED and doc.attempts == 1
    [job] = print_jobs(bench)
    assert job.state is QueueState.DONE
    clock.advance(60)
    assert run_jobs(bench) == 0 and len(printer.list_jobs()) == 1


def test_ship_with_the_printer_away_is_finished_by_the_job_queue(
    bench: Bench, printer: SpoolPrinter, clock: FakeClock
) -> None:
    printer.offline = True
    add_order(bench, "SO-8")
    outcome = packing.ship(bench, "SO-8", weight=Weight.of("1.2", "kg"))
    assert outcome.printed is None and "queued" in outcome.print_error
    [job] = print_jobs(bench)
    assert job.state is QueueState.PENDING and job.run_after > clock.now()  # never races ship's own try
    assert run_jobs(bench) == 0
    printer.offline = False
    clock.advance(1)
    assert run_jobs(bench) == 1
    [doc] = printing.list_jobs(bench)
    assert doc.state is JobState.PRINTED and doc.attempts == 2
    assert len(printer.list_jobs()) == 1
    assert printing.drain(bench) == []  # the GUI's drain finds nothing left


def test_a_reprint_after_the_queue_printed_the_label_is_one_new_print_with_its_own_job(
    bench: Bench, printer: SpoolPrinter, clock: FakeClock
) -> None:
    printer.offline = True
    add_order(bench, "SO-9")
    shipment = packing.ship(bench, "SO-9", weight=Weight.of("1.2", "kg")).shipment
    printer.offline = False
    clock.advance(1)
    assert run_jobs(bench) == 1
    result = packing.print_label(bench, shipment.id, document="reprint")
    assert result.location  # a new job: a person asked for a reprint of a printed label
    assert len(printer.list_jobs()) == 2
    assert [j.state for j in print_jobs(bench)] == [QueueState.DONE, QueueState.DONE]


def test_a_crash_mid_print_leaves_it_for_a_person_not_for_the_retry(
    tmp_path: Path, clock: FakeClock, printer: SpoolPrinter
) -> None:
    bench = open_bench(tmp_path / "bench", clock=clock, printer=printer)
    job_id = queue_label(bench)
    queue = JobQueue(bench.store)
    assert queue.claim() is not None  # the worker took the job …
    with bench.store.session() as s:
        s.get_one(t.PrintJobRow, job_id).state = JobState.PRINTING.value  # … and died while sending
    bench.close()
    bench = open_bench(tmp_path / "bench", clock=clock, printer=printer)  # start-up: PRINTING -> FAILED
    try:
        assert JobQueue(bench.store).recover() == 1
        assert run_jobs(bench) == 1
        [doc] = printing.list_jobs(bench)
        assert doc.state is JobState.FAILED and printer.list_jobs() == []
        assert print_jobs(bench)[0].state is QueueState.DONE
    finally:
        bench.close()


def test_cancelled_documents_settle_their_job_and_batches_are_not_dispatched(
    bench: Bench, printer: SpoolPrinter
) -> None:
    job_id = queue_label(bench)
    assert printing.cancel(bench, [job_id]) == 1
    [job] = print_jobs(bench)
    assert job.state is QueueState.DONE and job.last_error == "cancelled"
    add_order(bench, "SO-10")
    printer.offline = True
    shipment = packing.ship(bench, "SO-10", weight=Weight.of("1.2", "kg")).shipment
    before = len(print_jobs(bench))
    printing.start_batch(bench, [shipment.id, shipment.id])
    assert len(print_jobs(bench)) == before  # the batch runner sends batches (cancel must stop them)


def test_a_job_for_a_document_that_is_gone_is_a_dead_letter(bench: Bench) -> None:
    queue = JobQueue(bench.store)
    queue.enqueue(printing.PRINT_JOB, {"print_job_id": "nope"})
    queue.enqueue(printing.PRINT_JOB, {})
    assert run_jobs(bench) == 2
    errors = sorted(j.last_error for j in queue.list())
    assert all(j.state is QueueState.DEAD for j in queue.list())
    assert errors == ["No print job 'nope'; it was removed.", "This print job names no document to print."]
