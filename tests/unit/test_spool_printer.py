from __future__ import annotations

from pathlib import Path

import pytest

from shipstation_desktop.devices.printer_port import PrinterHealth, PrinterPort, PrintJob
from shipstation_desktop.devices.spool_printer import SpoolPrinter, safe_job_name
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import DeviceError

ZPL = b"^XA^FDhello^FS^XZ"


def job(name: str = "1Z999AA10123456784", data: bytes = ZPL, fmt: LabelFormat = LabelFormat.ZPL) -> PrintJob:
    return PrintJob(name=name, data=data, format=fmt)


def test_is_a_printer_port(tmp_path: Path) -> None:
    printer: PrinterPort = SpoolPrinter(tmp_path, clock=FakeClock())
    assert (printer.format, printer.dpi) == (LabelFormat.ZPL, 203)


def test_writes_the_job_to_a_timestamped_file_in_a_new_directory(tmp_path: Path) -> None:
    spool = tmp_path / "spool" / "bench1"
    printer = SpoolPrinter(spool, clock=FakeClock())
    result = printer.print_job(job())
    path = Path(result.location)
    assert result.job_name == "1Z999AA10123456784"
    assert path.parent == spool
    assert path.name == "20260105T090000.000Z-1Z999AA10123456784.zpl"
    assert path.read_bytes() == ZPL
    assert [p.name for p in spool.iterdir()] == [path.name]  # no temp file left behind


def test_pdf_jobs_get_a_pdf_extension(tmp_path: Path) -> None:
    printer = SpoolPrinter(tmp_path, format=LabelFormat.PDF, clock=FakeClock())
    result = printer.print_job(job(data=b"%PDF-1.4 ...", fmt=LabelFormat.PDF))
    assert result.location.endswith(".pdf")


def test_job_names_cannot_escape_the_directory(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    printer = SpoolPrinter(spool, clock=FakeClock())
    path = Path(printer.print_job(job(name="../../etc/passwd")).location)
    assert path.parent == spool
    assert "/" not in path.name.removeprefix("20260105T090000.000Z-")
    assert safe_job_name("a\\b/c:d") == "a_b_c_d"
    assert safe_job_name("...") == "job"
    assert safe_job_name("Zoë #7") == "Zo_7"


def test_never_overwrites_a_job(tmp_path: Path) -> None:
    printer = SpoolPrinter(tmp_path, clock=FakeClock())  # the clock stands still: same timestamp
    first = printer.print_job(job(data=b"^XA1^XZ"))
    second = printer.print_job(job(data=b"^XA2^XZ"))
    third = printer.print_job(job(data=b"^XA3^XZ"))
    assert Path(first.location).read_bytes() == b"^XA1^XZ"
    assert Path(second.location).name.endswith("-1Z999AA10123456784-2.zpl")
    assert Path(second.location).read_bytes() == b"^XA2^XZ"
    assert Path(third.location).name.endswith("-3.zpl")


def test_list_jobs_newest_first(tmp_path: Path) -> None:
    clock = FakeClock()
    printer = SpoolPrinter(tmp_path, clock=clock)
    names = []
    for n in ("a", "b", "c"):
        names.append(Path(printer.print_job(job(name=n)).location).name)
        clock.advance(1.5)
    (tmp_path / ".spool-leftover.tmp").write_bytes(b"x")  # in-flight temp files are not jobs
    (tmp_path / "notes.txt").write_text("not a job")
    assert [p.name for p in printer.list_jobs()] == names[::-1]


def test_list_jobs_on_a_missing_directory_is_empty(tmp_path: Path) -> None:
    assert SpoolPrinter(tmp_path / "nowhere", clock=FakeClock()).list_jobs() == []


def test_offline_printer_raises_and_writes_nothing(tmp_path: Path) -> None:
    printer = SpoolPrinter(tmp_path, offline=True, clock=FakeClock())
    assert printer.health() is PrinterHealth.OFFLINE
    with pytest.raises(DeviceError, match="offline"):
        printer.print_job(job())
    assert list(tmp_path.iterdir()) == []
    printer.offline = False
    assert printer.health() is PrinterHealth.READY
    printer.print_job(job())
    assert len(printer.list_jobs()) == 1


def test_health_is_error_when_the_directory_cannot_exist(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the spool directory should be")
    printer = SpoolPrinter(blocker / "spool", clock=FakeClock())
    assert printer.health() is PrinterHealth.ERROR
    with pytest.raises(DeviceError, match="could not write"):
        printer.print_job(job())


def test_wrong_language_is_refused(tmp_path: Path) -> None:
    printer = SpoolPrinter(tmp_path, format=LabelFormat.ZPL, clock=FakeClock())
    with pytest.raises(DeviceError, match="prints ZPL, not PDF"):
        printer.print_job(job(data=b"%PDF", fmt=LabelFormat.PDF))


def test_empty_job_is_a_bug(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        SpoolPrinter(tmp_path, clock=FakeClock()).print_job(job(data=b""))
