"""The print queue on a real bench: printers per document type, offline printers, batches, the log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shipstation_desktop.devices.spool_printer import SpoolPrinter
from shipstation_desktop.devices.tcp_printer import TcpPrinter
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import DeviceError, UserError
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services import documents, packing, printing
from shipstation_desktop.services import shipments as shipment_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.bootstrap import open_bench
from shipstation_desktop.services.printing import JobState, Role
from tests.fakes.orders import add_order
from tests.fakes.zebra_printer import FakeZebra


@pytest.fixture
def zebra() -> Iterator[FakeZebra]:
    fake = FakeZebra()
    yield fake
    fake.stop()


@pytest.fixture
def zbench(tmp_path: Path, zebra: FakeZebra) -> Iterator[Bench]:
    """A bench whose label printer is the fake Zebra (ZPL, 203 dpi) and whose slips are spooled PDFs."""
    printer = TcpPrinter("127.0.0.1", zebra.port, status_timeout_s=1.0)
    bench = open_bench(tmp_path / "bench", printer=printer)
    yield bench
    bench.close()


def ship(bench: Bench, number: str) -> dm.Shipment:
    add_order(bench, number)
    return packing.ship(bench, number, weight=Weight.of("1.2", "kg")).shipment


def test_a_bought_label_goes_to_the_network_printer_untouched(zbench: Bench, zebra: FakeZebra) -> None:
    shipment = ship(zbench, "SO-1")
    stored = documents.stored_label(zbench, shipment.id)
    assert stored.format is LabelFormat.ZPL
    assert zebra.received == stored.data  # byte for byte
    detail = shipment_service.get_shipment(zbench, shipment.id)
    assert detail.label_path == zebra.url
    [job] = printing.list_jobs(zbench)
    assert job.state is JobState.PRINTED and job.attempts == 1


def test_an_offline_printer_keeps_the_job_queued_and_says_why(zbench: Bench, zebra: FakeZebra) -> None:
    zebra.state.paper_out = True
    add_order(zbench, "SO-2")
    outcome = packing.ship(zbench, "SO-2", weight=Weight.of("1.2", "kg"))
    assert outcome.printed is None
    assert "queued" in outcome.print_error and "out of labels" in outcome.print_error
    summary = printing.summary(zbench)
    assert summary.queued == 1 and "out of labels" in summary.reason
    assert zebra.received == b""
    assert printing.drain(zbench)[0].waiting  # still out of paper: stays queued
    zebra.state.paper_out = False
    [attempt] = printing.drain(zbench)
    assert attempt.printed and zebra.received.startswith(b"^XA")
    assert printing.summary(zbench).queued == 0
    log = printing.print_log(zbench)
    assert [e.ok for e in log] == [True, False, False]  # newest first
    assert log[0].tracking_number == outcome.shipment.tracking_number


def test_a_reprint_of_a_waiting_label_prints_it_once(tmp_path: Path) -> None:
    printer = SpoolPrinter(tmp_path / "spool", offline=True)
    bench = open_bench(tmp_path / "bench", printer=printer)
    try:
        shipment = ship(bench, "SO-3")
        printer.offline = False
        shipment_service.reprint(bench, shipment.id)
        assert printing.drain(bench) == []  # nothing left to send: the queued job was the reprint
        assert len(printer.list_jobs()) == 1
    finally:
        bench.close()


def test_a_crash_mid_print_never_prints_again_by_itself(zbench: Bench, zebra: FakeZebra) -> None:
    shipment = ship(zbench, "SO-4")
    job_id = printing.label_job(zbench, shipment.id, "reprint")
    with zbench.store.session() as s:
        s.get_one(t.PrintJobRow, job_id).state = JobState.PRINTING.value
    assert printing.recover_interrupted(zbench) == 1
    [job] = printing.list_jobs(zbench, states=[JobState.FAILED])
    assert "check whether it printed" in job.last_error
    assert printing.drain(zbench) == []  # failed jobs wait for a person
    assert printing.retry(zbench, job_id).printed


def test_labels_are_converted_for_the_printer_at_hand(tmp_path: Path, zebra: FakeZebra) -> None:
    pdf_printer = SpoolPrinter(tmp_path / "pdf", format=LabelFormat.PDF)
    bench = open_bench(tmp_path / "bench", printer=pdf_printer)
    try:
        shipment = ship(bench, "SO-5")
        # The (simulated) carrier answers ZPL whatever was asked; it is the bench's own layout, so
        # the PDF printer gets it drawn again as PDF rather than an error.
        assert documents.stored_label(bench, shipment.id).format is LabelFormat.ZPL
        [spooled] = pdf_printer.list_jobs()
        assert spooled.suffix == ".pdf" and spooled.read_bytes().startswith(b"%PDF")
        # The bench moves to a 300 dpi ZPL printer: the 203 dpi ZPL is drawn again, at 300 dpi.
        bench.label_printer = TcpPrinter("127.0.0.1", zebra.port, dpi=300, status_timeout_s=1.0)
        shipment_service.reprint(bench, shipment.id)
        assert b"^PW1200" in zebra.received and b"^BCN" in zebra.received
    finally:
        bench.close()


def test_a_carrier_pdf_is_rasterized_for_a_zpl_printer_and_carrier_zpl_needs_a_zpl_printer(
    zbench: Bench, zebra: FakeZebra, tmp_path: Path
) -> None:
    from tests.unit.test_raster_and_slips import carrier_pdf

    printer = zbench.label_printer
    zpl = documents.for_printer(carrier_pdf(4, 6), LabelFormat.PDF, printer)
    assert zpl.startswith(b"^XA") and b"^GFA," in zpl
    carrier_zpl = b"^XA^FO10,10^FDcarrier^FS^XZ"
    assert documents.for_printer(carrier_zpl, LabelFormat.ZPL, printer) == carrier_zpl
    pdf_printer = SpoolPrinter(tmp_path, format=LabelFormat.PDF)
    with pytest.raises(documents.ConversionError, match="choose a ZPL printer"):
        documents.for_printer(carrier_zpl, LabelFormat.ZPL, pdf_printer)


def test_batch_printing_with_progress_failures_and_retry_failed_only(zbench: Bench, zebra: FakeZebra) -> None:
    shipments = [ship(zbench, f"SO-B{i}") for i in range(4)]
    zebra.jobs.clear()
    batch = printing.start_batch(zbench, [s.id for s in shipments])
    # The second label cannot be converted (a carrier ZPL for… let us say a broken document).
    with zbench.store.session() as s:
        row = next(
            r for r in s.query(t.PrintJobRow).filter_by(batch_id=batch) if r.name == shipments[1].tracking_number
        )
        row.data, row.format = b"%PDF-garbage", LabelFormat.PDF.value
    seen: list[tuple[int, int]] = []
    outcome = printing.run_batch(zbench, batch, progress=lambda done, total, _text: seen.append((done, total)))
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)
    assert len(outcome.printed) == 3 and [j.name for j in outcome.failed] == [shipments[1].tracking_number]
    assert "cannot be read" in outcome.failed[0].last_error
    printed_before = zebra.received.count(b"^XA")
    with zbench.store.session() as s:
        row = s.get_one(t.PrintJobRow, outcome.failed[0].id)
        row.data, row.format = documents.stored_label(zbench, shipments[1].id).data, LabelFormat.ZPL.value
    again = printing.retry_failed(zbench, batch)
    assert len(again.printed) == 4 and not again.failed
    assert zebra.received.count(b"^XA") == printed_before + 1  # only the failed one went again


def test_cancel_stops_between_jobs_and_nothing_prints_later(zbench: Bench, zebra: FakeZebra) -> None:
    shipments = [ship(zbench, f"SO-C{i}") for i in range(3)]
    batch = printing.start_batch(zbench, [s.id for s in shipments])
    calls = iter([False, True])
    outcome = printing.run_batch(zbench, batch, cancelled=lambda: next(calls, True))
    assert len(outcome.printed) == 1 and len(outcome.cancelled) == 2
    assert printing.drain(zbench) == []  # cancelled jobs are not sent behind the packer's back
    assert len(printing.retry_failed(zbench, batch).printed) == 3


def test_a_printer_that_goes_away_mid_batch_keeps_the_rest_queued(zbench: Bench, zebra: FakeZebra) -> None:
    shipments = [ship(zbench, f"SO-D{i}") for i in range(3)]
    batch = printing.start_batch(zbench, [s.id for s in shipments])
    zebra.state.head_open = True
    outcome = printing.run_batch(zbench, batch)
    assert len(outcome.waiting) == 3 and not outcome.failed
    assert all("head is open" in job.last_error for job in outcome.waiting)  # each says why it waits
    zebra.state.head_open = False
    assert all(a.printed for a in printing.drain(zbench))


def test_voided_labels_are_not_batched(zbench: Bench) -> None:
    shipment = ship(zbench, "SO-V")
    shipment_service.void(zbench, shipment.id)
    with pytest.raises(UserError, match="Voided labels"):
        printing.start_batch(zbench, [shipment.id])


def test_packing_slips_go_to_the_slip_printer(zbench: Bench) -> None:
    shipment = ship(zbench, "SO-S")
    attempt = printing.print_slip(zbench, "SO-S")
    assert attempt.printed and attempt.job.role is Role.SLIP
    path = Path(attempt.result.location)  # type: ignore[union-attr]
    assert path.parent == zbench.paths.spool_dir / "slips" and path.read_bytes().startswith(b"%PDF")
    assert shipment.tracking_number in str(documents.slip_data(zbench, "SO-S"))


def test_an_unusable_printer_setting_keeps_jobs_queued(tmp_path: Path) -> None:
    from shipstation_desktop.settings import model

    settings = model.BenchSettings()
    settings.label_printer.kind = "tcp"
    model.save(tmp_path / "settings.json", settings)
    bench = open_bench(tmp_path)
    try:
        add_order(bench, "SO-U")
        outcome = packing.ship(bench, "SO-U", weight=Weight.of("1.2", "kg"))
        assert "no printer address is set" in outcome.print_error
        assert printing.summary(bench).queued == 1
        with pytest.raises(DeviceError, match="queued"):
            shipment_service.reprint(bench, outcome.shipment.id)
    finally:
        bench.close()
