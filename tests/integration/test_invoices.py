"""Carrier invoice import end to end: real CSV files against a bench whose shipments were shipped."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from shipstation_desktop.cli import main
from shipstation_desktop.domain.enums import ExceptionSeverity, ExceptionType
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.persistence import cost_tables as ct
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services import exceptions as exc_service
from shipstation_desktop.services import invoice_csv, packing
from shipstation_desktop.services import invoices as service
from shipstation_desktop.services import shipments as shipment_service
from shipstation_desktop.services.bench import Bench
from tests.fakes.orders import add_order

DATA = Path(__file__).parent.parent / "data" / "invoices"
QUOTE = Decimal("9.95")


def _ship(bench: Bench, number: str, tracking: str, *, voided: bool = False) -> str:
    """Ships an order through the real flow, then pins the carrier's random tracking number and price
    to the values the invoice files bill (2.0 kg in a 30x22x10 cm box, quoted 9.95 USD)."""
    add_order(bench, number, grams=Decimal(2000), dims_mm=(300, 220, 100))
    shipment = packing.ship(bench, number, weight=Weight.of("2.0", "kg")).shipment
    if voided:
        shipment_service.void(bench, shipment.id, "customer cancelled")
    with bench.store.session() as s:
        row = s.get_one(t.Shipment, shipment.id)
        row.tracking_number = tracking
        row.shipping_cost = QUOTE
        row.currency = "USD"
    return shipment.id


@pytest.fixture
def shipped(bench: Bench) -> dict[str, str]:
    return {f"SO-100{i}": _ship(bench, f"SO-100{i}", f"ZL000000000{i}", voided=i == 6) for i in range(1, 7)}


def _count(bench: Bench, model: type) -> int:
    with bench.store.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _billed(bench: Bench, shipment_id: str) -> Decimal | None:
    with bench.store.session() as s:
        return s.get_one(t.Shipment, shipment_id).billed_cost


def _cost_exceptions(bench: Bench) -> dict[str, str]:
    return {
        e.tracking_number: e.description
        for e in exc_service.list_exceptions(bench)
        if e.type is ExceptionType.COST_ADJUSTMENT
    }


def test_lso_invoice_is_reconciled_line_by_line(bench: Bench, shipped: dict[str, str]) -> None:
    result = service.import_invoice(bench, DATA / "lso_week47.csv", carrier="LSO", layout=invoice_csv.LSO)

    assert result.invoice_numbers == ("LSO-2026-1147",)
    assert (result.lines, result.matched, result.adjusted, result.unmatched, result.duplicates) == (8, 2, 4, 1, 1)
    assert result.errors == () and not result.already_imported

    invoice = service.get_invoice(bench, "LSO-2026-1147")
    assert invoice.carrier == "lso" and invoice.invoice_date == "2026-11-20"
    assert invoice.total.amount == Decimal("92.10")
    outcomes = {ln.row_number: (ln.outcome.value, ln.difference) for ln in invoice.lines}
    assert outcomes == {
        2: ("matched", Decimal("0.00")),
        3: ("adjusted", Decimal("2.45")),
        4: ("adjusted", Decimal("6.00")),
        5: ("adjusted", Decimal("4.50")),
        6: ("matched", Decimal("0.00")),  # no tracking number: matched by the order number
        7: ("unmatched", None),
        8: ("duplicate", Decimal("9.95")),
        9: ("adjusted", Decimal("11.95")),  # a voided label billed: the whole charge is wrong
    }
    assert invoice.lines[5].order_number == "" and invoice.lines[4].order_number == "SO-1005"

    assert _billed(bench, shipped["SO-1002"]) == Decimal("12.40")
    assert _billed(bench, shipped["SO-1005"]) == Decimal("9.95")
    assert _billed(bench, shipped["SO-1001"]) == Decimal("19.90")  # billed twice: both charges count
    detail = shipment_service.get_shipment(bench, "ZL0000000002")
    assert detail.billed_cost is not None and str(detail.billed_cost) == "12.40 USD"
    assert detail.billed_at is not None
    assert service.cost_summary(bench, shipped["SO-1002"]).describe() == "12.40 USD (+2.45 against the quote)"

    found = _cost_exceptions(bench)
    assert found["ZL0000000002"].startswith(
        "ZL0000000002: billed 12.40 USD, quoted 9.95 USD (+2.45): weight corrected 2.0 kg → 3.5 kg"
    )
    assert "(lso invoice LSO-2026-1147, row 3)" in found["ZL0000000002"]
    assert "dimensions corrected 30×22×10 cm → 40×30×20 cm (dimensional weight 4.8 kg)" in found["ZL0000000003"]
    assert "(+4.50): surcharges Residential surcharge +4.50" in found["ZL0000000004"]
    assert "billed 11.95 USD, quoted 9.95 USD (+11.95): the label was voided" in found["ZL0000000006"]
    assert "billed again (earlier in this invoice)" in found["ZL0000000001"]
    severities = {
        e.tracking_number: e.severity
        for e in exc_service.list_exceptions(bench)
        if e.type is ExceptionType.COST_ADJUSTMENT
    }
    assert severities["ZL0000000002"] is ExceptionSeverity.MEDIUM
    assert severities["ZL0000000006"] is ExceptionSeverity.HIGH  # more than 10 USD at stake
    unmatched = [e for e in exc_service.list_exceptions(bench) if e.type is ExceptionType.UNMATCHED_INVOICE_LINE]
    assert len(unmatched) == 1
    assert "1 line of lso invoice LSO-2026-1147 (7.50 USD) matches no shipment" in unmatched[0].description
    assert "rows 7 (ZL0000000099)" in unmatched[0].description


def test_billed_cost_reaches_the_outbox(bench: Bench, shipped: dict[str, str]) -> None:
    with bench.store.session() as s:
        s.execute(delete(t.Outbox))
    service.import_invoice(bench, DATA / "lso_week47.csv", carrier="lso", layout=invoice_csv.LSO)
    with bench.store.session() as s:
        changes = [(o.entity, o.changed) for o in s.scalars(select(t.Outbox).where(t.Outbox.entity == "shipments"))]
    # One mutation per billed shipment (SO-1001, billed twice, in one flush), in the import's transaction.
    assert changes == [("shipments", ["billed_at", "billed_cost"])] * 6
    assert _count(bench, ct.CarrierInvoice) == 1  # local working papers, never in the outbox
    with bench.store.session() as s:
        assert not s.scalars(select(t.Outbox).where(t.Outbox.entity.like("carrier_invoice%"))).all()


def test_reimporting_the_same_file_changes_nothing(bench: Bench, shipped: dict[str, str]) -> None:
    first = service.import_invoice(bench, DATA / "lso_week47.csv", carrier="lso", layout=invoice_csv.LSO)
    counts = {m: _count(bench, m) for m in (ct.CarrierInvoice, ct.CarrierInvoiceLine, t.ShipmentException, t.Outbox)}
    billed = _billed(bench, shipped["SO-1001"])

    again = service.import_invoice(bench, DATA / "lso_week47.csv", carrier="lso", layout=invoice_csv.LSO)

    assert again.already_imported and again.invoice_ids == first.invoice_ids
    assert (again.lines, again.adjusted, again.unmatched) == (first.lines, first.adjusted, first.unmatched)
    assert {m: _count(bench, m) for m in counts} == counts
    assert _billed(bench, shipped["SO-1001"]) == billed


def test_a_later_invoice_billing_a_parcel_again_is_a_duplicate(
    bench: Bench, shipped: dict[str, str], tmp_path: Path
) -> None:
    service.import_invoice(bench, DATA / "lso_bad_rows_fixed.csv", carrier="lso", layout=invoice_csv.LSO)
    later = tmp_path / "lso_week48.csv"
    text = (DATA / "lso_bad_rows_fixed.csv").read_text().replace("LSO-2026-1200", "LSO-2026-1260")
    later.write_text(text)
    result = service.import_invoice(bench, later, carrier="lso", layout=invoice_csv.LSO)
    assert result.duplicates == 3 and result.matched == 0
    assert "already billed 9.95 USD" in _cost_exceptions(bench)["ZL0000000003"]


def test_bad_rows_are_reported_by_row_and_never_half_written(bench: Bench, shipped: dict[str, str]) -> None:
    result = service.import_invoice(bench, DATA / "lso_bad_rows.csv", carrier="lso", layout=invoice_csv.LSO)

    assert [(e.row, e.error) for e in result.errors] == [
        (3, "total 'abc' is not an amount"),
        (4, "total 12.00 is not base charge 8.95 + surcharges 1.00"),
        (5, "no tracking number and no reference"),
        (6, "tracking number 1.23457E+11 was turned into a number by a spreadsheet; export that column as text"),
        (7, "invoice date '27th of November' is not a date like 2026-11-20 or 11/20/2026"),
    ]
    assert (result.lines, result.matched) == (1, 1)
    with bench.store.session() as s:
        assert [ln.row_number for ln in s.scalars(select(ct.CarrierInvoiceLine))] == [2]
    for order in ("SO-1002", "SO-1003", "SO-1004", "SO-1005"):
        assert _billed(bench, shipped[order]) is None

    # The corrected file of the same invoice brings only what failed; row 2 is not billed twice.
    fixed = service.import_invoice(bench, DATA / "lso_bad_rows_fixed.csv", carrier="lso", layout=invoice_csv.LSO)
    assert (fixed.lines, fixed.matched, fixed.skipped, fixed.duplicates) == (2, 2, 1, 0)
    assert _billed(bench, shipped["SO-1001"]) == Decimal("9.95")
    assert _billed(bench, shipped["SO-1003"]) == Decimal("9.95")


def test_generic_semicolon_bom_export_with_a_mapping_file(bench: Bench, shipped: dict[str, str]) -> None:
    mapping = invoice_csv.load_mapping_file(DATA / "ups_mapping.json")
    source = invoice_csv.inspect(DATA / "ups_billing.csv")
    assert (source.encoding, source.delimiter) == ("utf-8-sig", ";")

    result = service.import_invoice(
        bench, DATA / "ups_billing.csv", carrier="ups", layout=service.layout_for("generic", mapping)
    )

    assert result.invoice_numbers == ("0000A1B2C3-47",)
    assert (result.lines, result.matched, result.adjusted, result.errors) == (3, 1, 2, ())
    invoice = service.get_invoice(bench, result.invoice_ids[0])
    assert invoice.invoice_date == "2026-11-20"  # day.month.year in a decimal-comma file
    assert [ln.difference for ln in invoice.lines] == [Decimal("0.00"), Decimal("4.25"), Decimal("5.30")]
    found = _cost_exceptions(bench)
    assert "weight corrected 4.4 lb → 9.0 lb" in found["ZL0000000002"]  # 5 lb for 2 kg was only rounding
    assert "surcharges Residential Surcharge +5.30" in found["ZL0000000003"]


def test_cp1252_file_is_read_when_it_is_not_utf8(bench: Bench, shipped: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "ups_ansi.csv"
    path.write_bytes((DATA / "ups_billing.csv").read_text(encoding="utf-8-sig").encode("cp1252"))
    assert invoice_csv.inspect(path).encoding == "cp1252"
    layout = service.layout_for(
        "generic",
        invoice_csv.parse_map_options(
            ["tracking_number=Lead Shipment Number", "total=Net Amount", "invoice_number=Invoice Number"]
        ),
    )
    result = service.import_invoice(bench, path, carrier="ups", layout=layout)
    assert (result.lines, result.matched, result.adjusted) == (3, 1, 2)


def test_unreadable_and_unmappable_files_are_one_clear_sentence(bench: Bench, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    one_column = tmp_path / "one.csv"
    one_column.write_text("just some text\nmore text\n")
    workbook = tmp_path / "invoice.csv"
    workbook.write_bytes(b"PK\x03\x04 this is really a zip")
    cases = [
        (tmp_path / "missing.csv", "No file"),
        (empty, "is empty"),
        (one_column, "Cannot tell the column separator"),
        (workbook, "Excel workbook"),
        (DATA / "ups_billing.csv", "has no column for 'Tracking Number', 'Base Charge', 'Total'"),
    ]
    for path, message in cases:
        with pytest.raises(UserError, match=message):
            service.import_invoice(bench, path, carrier="lso", layout=invoice_csv.LSO)
    with pytest.raises(UserError, match="'Lead Shipment Nr'"):
        layout = service.layout_for("generic", {"tracking_number": "Lead Shipment Nr", "total": "Net Amount"})
        service.import_invoice(bench, DATA / "ups_billing.csv", carrier="ups", layout=layout)
    with pytest.raises(UserError, match="'tracking' is not a field"):
        service.layout_for("generic", {"tracking": "Lead Shipment Number"})
    assert _count(bench, ct.CarrierInvoice) == 0


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if "--json" in argv and code == 0 else out), err


def test_cli_import_list_show(bench: Bench, shipped: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    home = str(bench.paths.data_dir)
    code, data, _ = _cli(
        capsys, "--data-dir", home, "invoices", "import", str(DATA / "lso_week47.csv"), "--carrier", "lso", "--json"
    )
    assert code == 0
    assert {k: data[k] for k in ("invoice", "lines", "matched", "adjusted", "unmatched", "errors")} == {
        "invoice": "LSO-2026-1147",
        "lines": 8,
        "matched": 2,
        "adjusted": 4,
        "unmatched": 1,
        "errors": [],
    }
    assert data["already_imported"] is False

    code, again, _ = _cli(
        capsys, "--data-dir", home, "invoices", "import", str(DATA / "lso_week47.csv"), "--carrier", "lso", "--json"
    )
    assert code == 0 and again["already_imported"] is True and again["lines"] == 8

    code, shipment, _ = _cli(capsys, "--data-dir", home, "shipments", "show", "ZL0000000002", "--json")
    assert shipment["cost"]["amount"] == "9.95" and shipment["billed_cost"] == {"amount": "12.40", "currency": "USD"}

    code, listed, _ = _cli(capsys, "--data-dir", home, "invoices", "list", "--json")
    assert [i["invoice_number"] for i in listed] == ["LSO-2026-1147"]
    assert listed[0]["total"] == {"amount": "92.10", "currency": "USD"}

    code, shown, _ = _cli(capsys, "--data-dir", home, "invoices", "show", listed[0]["id"], "--json")
    assert code == 0
    row3 = next(ln for ln in shown["lines"] if ln["row"] == 3)
    assert row3["outcome"] == "adjusted" and row3["difference"] == "2.45"
    assert row3["order_number"] == "SO-1002" and row3["reasons"] == "weight corrected 2.0 kg → 3.5 kg"


def test_cli_generic_with_map_options_and_row_errors(
    bench: Bench, shipped: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "fedex.csv"
    path.write_text(
        "Express or Ground Tracking ID,Net Charge Amount\nZL0000000001,9.95\nZL0000000002,twelve\nZL0000000003,$12.95\n"
    )
    code, data, err = _cli(
        capsys,
        *("--data-dir", str(bench.paths.data_dir), "invoices", "import", str(path), "--carrier", "fedex"),
        *("--format", "generic", "--invoice", "FX-881", "--json"),
        *("--map", "tracking_number=Express or Ground Tracking ID", "--map", "total=Net Charge Amount"),
    )
    assert code == 0
    assert data["invoice"] == "FX-881"
    assert (data["lines"], data["matched"], data["adjusted"]) == (2, 1, 1)
    assert data["errors"] == [{"row": 3, "error": "total 'twelve' is not an amount"}]
    assert err == "warning: 1 row not imported; fix and import again\n"


def test_cli_unreadable_file_is_one_line_and_non_zero(
    bench: Bench, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    home = str(bench.paths.data_dir)
    code, out, err = _cli(
        capsys, "--data-dir", home, "invoices", "import", str(tmp_path / "nope.csv"), "--carrier", "lso", "--json"
    )
    assert code == 1 and out == ""
    assert err.strip().count("\n") == 0 and "No file" in err and "Traceback" not in err
    code, _, err = _cli(capsys, "--data-dir", home, "invoices", "import", "x.csv", "--carrier", "lso", "--map", "a=b")
    assert code == 1 and "--format generic" in err


def test_migration_0006_goes_down_and_up_keeping_the_live_label_index(tmp_path: Path) -> None:
    from alembic import command

    from shipstation_desktop.persistence import db
    from shipstation_desktop.persistence.store import Store

    store = Store(tmp_path / "bench.sqlite3")
    cfg = db.alembic_config(store.engine)

    def schema() -> tuple[set[str], set[str], str]:
        with store.engine.connect() as conn:
            tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
            columns = {r[1] for r in conn.exec_driver_sql("PRAGMA table_info(shipments)")}
            index = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'uq_shipments_live_order'"
            ).scalar_one()
        return tables, columns, index

    before = schema()
    tables, columns, index = before
    assert {"carrier_invoices", "carrier_invoice_lines"} <= tables and {"billed_cost", "billed_at"} <= columns
    command.downgrade(cfg, "0005")
    tables, columns, after = schema()
    assert "carrier_invoices" not in tables and "billed_cost" not in columns and after == index
    command.upgrade(cfg, "head")
    assert schema() == before
    store.close()
