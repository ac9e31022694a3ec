"""The OS print system (CUPS lp), raw USB and ESC/POS adapters, each against a fake of its far end."""

from __future__ import annotations

import os
import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from shipstation_desktop.devices.cups_printer import CupsPrinter
from shipstation_desktop.devices.escpos_printer import EscPosPrinter
from shipstation_desktop.devices.printer_factory import from_url, open_printer
from shipstation_desktop.devices.printer_port import PrinterHealth, PrinterNotReady, PrintJob
from shipstation_desktop.devices.usb_printer import UsbPrinter
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import DeviceError

PDF = b"%PDF-1.4 label"


@pytest.fixture
def fake_cups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`lp` that stores its stdin and arguments; `lpstat` that reports what a file says."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    spool = tmp_path / "cups"
    spool.mkdir()
    (bin_dir / "lp").write_text(
        f'#!/bin/sh\necho "$@" > "{spool}/args"\ncat > "{spool}/job"\necho "request id is Zebra-42 (1 file(s))"\n'
    )
    (bin_dir / "lpstat").write_text(f'#!/bin/sh\ncat "{spool}/state" 2>/dev/null || exit 1\n')
    for tool in ("lp", "lpstat"):
        path = bin_dir / tool
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return spool


def test_cups_prints_pdf_at_its_own_size(fake_cups: Path) -> None:
    (fake_cups / "state").write_text("printer Zebra is idle.  enabled since Mon 05 Jan 2026\n")
    printer = CupsPrinter("Zebra")
    assert printer.health() is PrinterHealth.READY
    result = printer.print_job(PrintJob("1Z1", PDF, LabelFormat.PDF, copies=2))
    assert result.location == "cups:Zebra (Zebra-42)"
    assert (fake_cups / "job").read_bytes() == PDF
    args = (fake_cups / "args").read_text()
    assert "-d Zebra" in args and "-n 2" in args
    assert "media=Custom.4x6in" in args and "print-scaling=none" in args  # never "fit to page"


def test_cups_sends_zpl_raw(fake_cups: Path) -> None:
    (fake_cups / "state").write_text("printer Zebra is idle.\n")
    CupsPrinter("Zebra", format=LabelFormat.ZPL).print_job(PrintJob("1Z1", b"^XA^XZ", LabelFormat.ZPL))
    assert "-o raw" in (fake_cups / "args").read_text()


def test_a_paused_or_missing_queue_keeps_jobs_back(fake_cups: Path) -> None:
    (fake_cups / "state").write_text("printer Zebra disabled since Mon - Paused\n")
    with pytest.raises(PrinterNotReady, match="paused"):
        CupsPrinter("Zebra").print_job(PrintJob("1Z1", PDF, LabelFormat.PDF))
    assert not (fake_cups / "job").exists()
    (fake_cups / "state").unlink()
    assert CupsPrinter("Nope").health() is PrinterHealth.OFFLINE


def test_without_cups_the_reason_is_said(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    status = CupsPrinter("Zebra").status()
    assert status.health is PrinterHealth.ERROR and "not installed" in status.reason


def test_usb_writes_to_the_device_node(tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    device.write_bytes(b"")
    printer = from_url(f"usb:{device}")
    assert isinstance(printer, UsbPrinter) and printer.health() is PrinterHealth.READY
    printer.print_job(PrintJob("1Z1", b"^XA^XZ", LabelFormat.ZPL, copies=2))
    assert device.read_bytes() == b"^XA^XZ^XA^XZ"


def test_an_unplugged_usb_printer_is_offline(tmp_path: Path) -> None:
    printer = UsbPrinter(str(tmp_path / "lp9"))
    assert printer.health() is PrinterHealth.OFFLINE
    with pytest.raises(PrinterNotReady, match="plugged in"):
        printer.print_job(PrintJob("1Z1", b"^XA^XZ", LabelFormat.ZPL))


class FakeReceiptPrinter:
    """An ESC/POS printer on 127.0.0.1 that answers DLE EOT 4 (paper status) and records the rest."""

    def __init__(self, paper_byte: int = 0x12) -> None:
        self.paper_byte = paper_byte
        self.received = b""
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._server.settimeout(0.2)
        while not self._done.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(0.2)
                while not self._done.is_set():
                    try:
                        chunk = conn.recv(4096)
                    except TimeoutError:
                        continue
                    except OSError:
                        break
                    if not chunk:
                        break
                    if b"\x10\x04\x04" in chunk:
                        conn.sendall(bytes([self.paper_byte]))
                        chunk = chunk.replace(b"\x10\x04\x04", b"")
                    self.received += chunk

    def wait_for(self, size: int) -> bytes:
        for _ in range(100):
            if len(self.received) >= size:
                break
            threading.Event().wait(0.02)
        return self.received

    def stop(self) -> None:
        self._done.set()
        self._thread.join(timeout=5)
        self._server.close()


@pytest.fixture
def receipt() -> Iterator[FakeReceiptPrinter]:
    fake = FakeReceiptPrinter()
    yield fake
    fake.stop()


def test_escpos_slip_goes_to_the_receipt_printer(receipt: FakeReceiptPrinter) -> None:
    printer = open_printer("escpos", f"tcp://127.0.0.1:{receipt.port}", format=LabelFormat.ESCPOS, dpi=203)
    assert isinstance(printer, EscPosPrinter) and printer.health() is PrinterHealth.READY
    slip = b"\x1b@PACKING SLIP\n\x1dV\x00"
    printer.print_job(PrintJob("SO-1", slip, LabelFormat.ESCPOS))
    assert receipt.wait_for(len(slip)) == slip


def test_escpos_paper_out_keeps_the_slip(receipt: FakeReceiptPrinter) -> None:
    receipt.paper_byte = 0x72  # bits 5 and 6: paper end sensor
    printer = EscPosPrinter(f"tcp://127.0.0.1:{receipt.port}")
    assert printer.health() is PrinterHealth.PAPER_OUT
    with pytest.raises(PrinterNotReady, match="out of paper"):
        printer.print_job(PrintJob("SO-1", b"\x1b@x", LabelFormat.ESCPOS))


def test_escpos_refuses_labels_and_unreachable_printers_are_offline() -> None:
    printer = EscPosPrinter("tcp://127.0.0.1:1", timeout_s=0.5)
    with pytest.raises(DeviceError, match="packing slips"):
        printer.print_job(PrintJob("1Z1", b"^XA^XZ", LabelFormat.ZPL))
    assert printer.health() is PrinterHealth.OFFLINE


@pytest.mark.parametrize(
    ("kind", "address", "message"),
    [
        ("tcp", "", "no printer address"),
        ("usb", "", "no USB printer"),
        ("escpos", "", "no receipt printer"),
        ("fax", "x", "unknown"),
    ],
)
def test_settings_that_cannot_work_say_why(kind: str, address: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        open_printer(kind, address, format=LabelFormat.ZPL, dpi=203)
