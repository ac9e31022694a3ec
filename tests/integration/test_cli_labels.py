"""The `label render`, `label print` and `printer status` contracts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from shipstation_desktop.cli import main
from tests.fakes.zebra_printer import FakeZebra

ADDRESS = {
    "name": "Demo Warehouse",
    "company": "ShipStation Desktop Demo",
    "line1": "500 Industrial Way",
    "line2": "",
    "city": "Reno",
    "state": "NV",
    "postal_code": "89502",
    "country": "US",
    "phone": "+17755550100",
}
SHIPMENT: dict[str, Any] = {
    "carrier": "UPS",
    "service": "Ground",
    "tracking_number": "1Z999AA10123456784",
    "reference": "SO-10002",
    "weight": {"value": 2.5, "unit": "lb"},
    "ship_from": ADDRESS,
    "ship_to": ADDRESS
    | {"name": "Иван Петров", "company": "", "city": "Springfield", "state": "IL", "postal_code": "62704"},
}


@pytest.fixture
def shipment_file(tmp_path: Path) -> Path:
    path = tmp_path / "shipment.json"
    path.write_text(json.dumps(SHIPMENT, ensure_ascii=False), "utf-8")
    return path


@pytest.fixture
def zebra() -> Iterator[FakeZebra]:
    fake = FakeZebra()
    yield fake
    fake.stop()


@pytest.mark.parametrize(("dpi", "width", "length"), [("203", 812, 1218), ("300", 1200, 1800)])
def test_render_zpl(
    shipment_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], dpi: str, width: int, length: int
) -> None:
    out = tmp_path / "label.zpl"
    code = main(
        [
            "label",
            "render",
            "--shipment",
            str(shipment_file),
            "--format",
            "zpl",
            "--dpi",
            dpi,
            "--size",
            "4x6",
            "-o",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    zpl = out.read_bytes()
    assert f"^PW{width}".encode() in zpl and f"^LL{length}".encode() in zpl and b"^CI28" in zpl
    assert str(out) in capsys.readouterr().out


def test_render_pdf_is_exactly_4x6(shipment_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "label.pdf"
    assert main(["label", "render", "--shipment", str(shipment_file), "--format", "pdf", "-o", str(out)]) == 0
    doc = pdfium.PdfDocument(out.read_bytes())
    assert doc[0].get_size() == (288, 432)
    doc.close()


def test_render_to_stdout(shipment_file: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["label", "render", "--shipment", str(shipment_file), "--format", "zpl", "-o", "-"]) == 0
    assert capsysbinary.readouterr().out.startswith(b"^XA")


def test_every_missing_and_invalid_field_is_named_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = dict(SHIPMENT)
    del bad["service"]
    bad["weight"] = {"value": "heavy", "unit": "stone"}
    bad["ship_to"] = {"name": "X", "line1": "1 St", "city": "Y", "country": "USA"}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), "utf-8")
    code = main(["label", "render", "--shipment", str(path), "--format", "zpl", "-o", str(tmp_path / "x.zpl")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    for name in ("service", "ship_to.postal_code", "weight.value", "weight.unit", "ship_to.country"):
        assert name in err
    assert not (tmp_path / "x.zpl").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON"), ("[]", "one JSON object"), (None, "no such file")],
)
def test_unreadable_shipment_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tmp_path / "s.json"
    if content is not None:
        path.write_text(content, "utf-8")
    assert main(["label", "render", "--shipment", str(path), "--format", "pdf", "-o", str(tmp_path / "o.pdf")]) == 1
    assert message in capsys.readouterr().err


def test_bad_arguments_exit_2(shipment_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["label", "render", "--shipment", str(shipment_file), "--format", "png", "-o", "x"]) == 2
    assert (
        main(["label", "render", "--shipment", str(shipment_file), "--format", "zpl", "--dpi", "600", "-o", "x"]) == 2
    )
    assert (
        main(["label", "render", "--shipment", str(shipment_file), "--format", "zpl", "--size", "4x8", "-o", "x"]) == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 3 and "Traceback" not in err


def test_print_a_shipment_and_a_carrier_file(
    shipment_file: Path, tmp_path: Path, zebra: FakeZebra, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["label", "print", str(shipment_file), "--printer", zebra.url]) == 0
    assert f"on {zebra.url}" in capsys.readouterr().out
    assert b"^PW812" in zebra.received
    carrier = tmp_path / "carrier.zpl"
    carrier.write_bytes(b"^XA^FO20,20^A0N,30,30^FDcarrier label^FS^XZ")
    zebra.jobs.clear()
    assert main(["label", "print", str(carrier), "--printer", zebra.url, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["location"] == zebra.url and doc["bytes"] == len(carrier.read_bytes())
    assert zebra.received == carrier.read_bytes()  # untouched


def test_print_to_a_printer_that_is_not_ready(
    shipment_file: Path, zebra: FakeZebra, capsys: pytest.CaptureFixture[str]
) -> None:
    zebra.state.head_open = True
    assert main(["label", "print", str(shipment_file), "--printer", zebra.url]) == 1
    err = capsys.readouterr().err
    assert "head is open" in err and err.count("\n") == 1
    assert zebra.received == b""


def test_printer_status_json(zebra: FakeZebra, capsys: pytest.CaptureFixture[str]) -> None:
    zebra.state.labels_remaining = 4
    assert main(["printer", "status", zebra.url, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ready"] is True and doc["health"] == "ready" and doc["problems"] == []
    assert {"paper_out", "head_open", "paused", "ribbon_out", "buffer_full"} <= doc.keys()
    assert doc["details"]["labels_remaining"] == 4
    zebra.state.paper_out = zebra.state.paused = True
    assert main(["printer", "status", zebra.url, "--json"]) == 1
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["health"] == "paper_out" and doc["paper_out"] is True and doc["paused"] is True
    assert "not ready" in err and err.count("\n") == 1


def test_printer_status_of_an_unknown_address(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["printer", "status", "ftp://example.invalid", "--json"]) == 1
    assert "not a printer address" in capsys.readouterr().err
