"""Customer CSV import/export end to end: real files (native, Shopify, BOM, cp1252, semicolons) into a
real bench database, with the outbox as the witness of what was written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from shipstation_desktop.cli import main
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services import customer_csv as service
from shipstation_desktop.services import customers as customer_service
from shipstation_desktop.services.bench import Bench

DATA = Path(__file__).parent.parent / "data" / "customers"
HEADER = ",".join(service.NATIVE_COLUMNS)


def _count(bench: Bench, model: type, *where: Any) -> int:
    with bench.store.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _outbox(bench: Bench) -> int:
    return _count(bench, t.Outbox)


def _customer(bench: Bench, email: str) -> t.Customer:
    with bench.store.session() as s:
        row = s.scalars(select(t.Customer).where(t.Customer.email_normalized == email.lower())).one()
        _ = list(row.addresses)
        return row


def _native(tmp_path: Path, *rows: str, name: str = "customers.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding=encoding)
    return path


def _row(i: int, **overrides: str) -> str:
    values = {
        "external_id": f"EXT-{i}",
        "email": f"person{i}@example.com",
        "name": f"Person {i}",
        "phone": f"+1415555{i % 10000:04d}",
        "status": "ACTIVE",
        "source": "MANUAL",
        "tags": "bulk",
        "address_line1": f"{i} Main St",
        "address_city": "Springfield",
        "address_state": "IL",
        "address_postal_code": "62701",
        "address_country": "US",
    }
    values.update(overrides)
    return ",".join(values.get(c, "") for c in service.NATIVE_COLUMNS)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if "--json" in argv and code == 0 else out), err


def test_native_sample_is_imported_normalized_and_queued_for_sync(bench: Bench) -> None:
    result = service.import_customers(bench, DATA / "native.csv")

    assert result.format == "native"
    assert result.as_json() == {"imported": 3, "updated": 0, "skipped": 0, "errors": []}
    jane = _customer(bench, "JANE.DOE@example.com")
    assert (jane.phone, jane.status, jane.source, jane.tags) == (
        "+14155550132",
        "ACTIVE",
        "TIKTOK_SHOP",
        ["vip", "wholesale"],
    )
    assert jane.date_of_birth == "1990-04-21" and jane.custom_fields == {"notes": "Prefers morning delivery"}
    (address,) = jane.addresses
    assert (address.state, address.country, address.recipient_name, address.is_default) == (
        "CA",
        "US",
        "Jane Doe",
        True,
    )
    assert _customer(bench, "zoë.müller@example.de").phone == "+4930901820"
    assert _customer(bench, "sam@example.com").addresses == []
    # 3 customers + 2 addresses, each one insert mutation in the outbox.
    assert _count(bench, t.Outbox, t.Outbox.op == "insert") == 5


def test_shopify_export_is_detected_and_mapped(bench: Bench) -> None:
    result = service.import_customers(bench, DATA / "shopify.csv")

    assert result.format == "shopify" and result.imported == 3 and result.errors == []
    bob = _customer(bench, "bob.norman@example.com")
    assert (bob.external_id, bob.name, bob.source, bob.phone) == (
        "7001234567890",
        "Bob Norman",
        "SHOPIFY",
        "+15026251199",
    )
    assert bob.tags == ["vip", "repeat"]
    assert bob.custom_fields["notes"] == "Call before delivery"
    assert bob.custom_fields["shopify"] == {
        "accepts_email_marketing": True,
        "accepts_sms_marketing": False,
        "tax_exempt": False,
        "total_spent": "120.50",
        "total_orders": "3",
    }
    assert bob.addresses[0].postal_code == "40202" and bob.addresses[0].state == "KY"
    aiko = _customer(bench, "aiko@example.jp")
    assert aiko.custom_fields["shopify"]["company"] == "Tanaka Shoten" and aiko.phone == ""
    assert _customer(bench, "emile@example.fr").phone == "+33142600000"


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ","), ("cp1252", ","), ("utf-8", ";"), ("cp1252", ";")],
)
def test_bom_cp1252_and_semicolon_files(bench: Bench, tmp_path: Path, encoding: str, delimiter: str) -> None:
    rows = [_row(1, name="José Álvarez"), _row(2, name="Renée Côté", tags="a;b" if delimiter == "," else "a")]
    lines = [HEADER, *rows]
    if delimiter == ";":
        lines = [line.replace(",", ";") for line in lines]
    path = tmp_path / "people.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))

    result = service.import_customers(bench, path)

    assert result.imported == 2 and result.errors == []
    assert _customer(bench, "person1@example.com").name == "José Álvarez"
    assert _customer(bench, "person2@example.com").name == "Renée Côté"


def test_bad_rows_are_reported_by_row_and_field_and_never_written(bench: Bench, tmp_path: Path) -> None:
    service.import_customers(bench, _native(tmp_path, _row(50), name="existing.csv"))
    before = _outbox(bench)
    path = _native(
        tmp_path,
        _row(1),  # row 2: fine
        _row(2, email="not-an-email"),  # row 3
        _row(3, phone="12"),  # row 4
        _row(4, address_country="Atlantis"),  # row 5
        _row(5, email="person1@example.com", external_id="EXT-other"),  # row 6: same email as row 2
        _row(6, email="person50@example.com", external_id="EXT-new"),  # row 7: existing email, other id
        _row(7, status="GOLD"),  # row 8
        _row(8, address_city=""),  # row 9
        _row(9),  # row 10: fine
    )

    result = service.import_customers(bench, path)

    assert (result.imported, result.updated, result.skipped) == (2, 0, 0)
    errors = {e.row: e.error for e in result.errors}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9]
    assert "email" in errors[3] and "not-an-email" in errors[3]
    assert errors[4].startswith("phone '12'")
    assert "address_country" in errors[5] and "Atlantis" in errors[5]
    assert "row 2" in errors[6]
    assert "Person 50" in errors[7] and "EXT-50" in errors[7]
    assert "status 'GOLD'" in errors[8]
    assert "address_city" in errors[9]
    assert _count(bench, t.Customer) == 3
    assert _outbox(bench) - before == 4  # two customers and their addresses, nothing of the bad rows


def test_a_row_failing_in_the_database_rolls_back_to_its_savepoint(bench: Bench, tmp_path: Path) -> None:
    # The database refuses one address after its customer row was already flushed in the same row.
    with bench.store.session() as s:
        s.execute(
            text(
                "CREATE TRIGGER no_failtown BEFORE INSERT ON addresses WHEN NEW.city = 'Failtown' "
                "BEGIN SELECT RAISE(ABORT, 'Failtown is closed'); END"
            )
        )
    path = _native(tmp_path, _row(1), _row(2, address_city="Failtown"), _row(3))

    result = service.import_customers(bench, path)

    assert result.imported == 2
    assert [(e.row, "Failtown is closed" in e.error) for e in result.errors] == [(3, True)]
    assert _count(bench, t.Customer, t.Customer.email_normalized == "person2@example.com") == 0
    assert _count(bench, t.Outbox) == 4


def test_reimport_is_idempotent_and_updates_only_what_changed(bench: Bench, tmp_path: Path) -> None:
    path = _native(tmp_path, *(_row(i) for i in range(1, 6)))
    assert service.import_customers(bench, path).imported == 5
    queued = _outbox(bench)

    again = service.import_customers(bench, path)
    assert again.as_json() == {"imported": 0, "updated": 0, "skipped": 5, "errors": []}
    assert _outbox(bench) == queued

    changed = _native(
        tmp_path,
        _row(1, name="Person One"),  # by external id
        _row(2, external_id="", address_postal_code="62702"),  # by email, address only
        *(_row(i) for i in range(3, 6)),
        name="changed.csv",
    )
    result = service.import_customers(bench, changed)
    assert (result.imported, result.updated, result.skipped) == (0, 2, 3)
    assert _customer(bench, "person1@example.com").name == "Person One"
    assert _customer(bench, "person2@example.com").addresses[0].postal_code == "62702"
    with bench.store.session() as s:
        entities = sorted(s.scalars(select(t.Outbox.entity).where(t.Outbox.seq > queued)))
    assert entities == ["addresses", "customers"]


def test_export_then_import_changes_nothing(bench: Bench, tmp_path: Path) -> None:
    service.import_customers(bench, DATA / "native.csv")
    service.import_customers(bench, DATA / "shopify.csv")
    queued = _outbox(bench)
    out = tmp_path / "export.csv"

    assert service.export_customers(bench, out) == 6
    assert out.read_bytes().startswith(b"\xef\xbb\xbf" + HEADER.encode())

    result = service.import_customers(bench, out)
    assert result.format == "native"
    assert result.as_json() == {"imported": 0, "updated": 0, "skipped": 6, "errors": []}
    assert _outbox(bench) == queued


def test_cancel_keeps_the_rows_done_and_says_how_far_it_got(bench: Bench, tmp_path: Path) -> None:
    path = _native(tmp_path, *(_row(i) for i in range(1, 36)))
    seen: list[int] = []
    asked = 0

    def cancelled() -> bool:
        nonlocal asked
        asked += 1
        return asked > 15

    result = service.import_customers(bench, path, progress=seen.append, cancelled=cancelled, batch_size=10)

    assert result.cancelled and result.imported == 15 and result.rows_read == 15 and result.last_row == 16
    assert seen == [10, 15]
    assert _count(bench, t.Customer) == 15
    # The rest comes in on the next run; the 15 already there are skipped.
    rest = service.import_customers(bench, path)
    assert (rest.imported, rest.skipped) == (20, 15)


@pytest.mark.slow
def test_ten_thousand_rows_are_streamed_in_committed_batches(bench: Bench, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER + "\n")
        for i in range(10_000):
            f.write(_row(i) + "\n")
    committed_at_progress: list[tuple[int, int]] = []

    def progress(done: int) -> None:
        # Each report comes after a commit another connection can already see.
        committed_at_progress.append((done, _count(bench, t.Customer)))

    result = service.import_customers(bench, path, progress=progress)

    assert result.imported == 10_000 and result.errors == []
    assert committed_at_progress[0] == (service.BATCH, service.BATCH)
    assert len(committed_at_progress) == 10_000 // service.BATCH
    assert committed_at_progress[-1] == (10_000, 10_000)


def test_unreadable_files_fail_with_one_clear_message(bench: Bench, tmp_path: Path) -> None:
    workbook = tmp_path / "customers.xlsx"
    workbook.write_bytes(b"PK\x03\x04rest-of-a-zip")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("foo,bar\n1,2\n", encoding="utf-8")
    no_separator = tmp_path / "one.csv"
    no_separator.write_text("email\nx@example.com\n", encoding="utf-8")

    with pytest.raises(UserError, match="Excel workbook"):
        service.import_customers(bench, workbook)
    with pytest.raises(UserError, match="native or a Shopify"):
        service.import_customers(bench, unknown)
    with pytest.raises(UserError, match="column separator"):
        service.import_customers(bench, no_separator)
    with pytest.raises(UserError, match="no 'Email' column"):
        service.import_customers(bench, unknown, fmt="shopify")


def test_search_matches_name_email_phone_postal_code_external_id_and_tag(bench: Bench) -> None:
    service.import_customers(bench, DATA / "native.csv")
    service.import_customers(bench, DATA / "shopify.csv")

    def names(query: str) -> list[str]:
        return [c.name for c in customer_service.search_customers(bench, query)]

    assert names("zola") == ["Émile Zola"]
    assert names("EXAMPLE.JP") == ["Aiko Tanaka"]
    assert names("(502) 625") == ["Bob Norman"]
    assert names("9410") == ["Jane Doe"]
    assert names("tt-100") == ["Jane Doe", "Zoë Müller"]
    assert sorted(names("wholesale")) == ["Jane Doe", "Émile Zola"]
    # Words are matched by their start (the index holds prefixes): "100%" is the word "100"
    # (TT-1001, TT-1002 and the postal code 100-0001).
    assert names("100%") == ["Aiko Tanaka", "Jane Doe", "Zoë Müller"]
    assert names("qqq%") == [] and names("  ") == [] and names("z") == []


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "bench"


def test_cli_contracts(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = ("--data-dir", str(data_dir))
    bad = _native(tmp_path, _row(1), _row(2, email="nope"))

    code, imported, _ = run_cli(capsys, *d, "customers", "import", str(bad), "--json")
    assert code == 0
    assert imported == {
        "imported": 1,
        "updated": 0,
        "skipped": 0,
        "errors": [{"row": 3, "error": imported["errors"][0]["error"]}],
    }
    assert "email" in imported["errors"][0]["error"]

    code, shop, _ = run_cli(
        capsys, *d, "customers", "import", str(DATA / "shopify.csv"), "--format", "shopify", "--json"
    )
    assert (code, shop["imported"]) == (0, 3)

    code, found, _ = run_cli(capsys, *d, "customers", "search", "norman", "--json")
    assert code == 0 and len(found) == 1
    assert set(found[0]) >= {
        "id",
        "external_id",
        "email",
        "name",
        "phone",
        "status",
        "source",
        "tags",
        "total_spent",
        "order_count",
        "addresses",
    }
    assert found[0]["external_id"] == "7001234567890" and found[0]["addresses"][0]["postal_code"] == "40202"

    out = tmp_path / "all.csv"
    code, exported, _ = run_cli(capsys, *d, "customers", "export", "-o", str(out), "--json")
    assert (code, exported["exported"]) == (0, 4)
    code, again, _ = run_cli(capsys, *d, "customers", "import", str(out), "--json")
    assert again == {"imported": 0, "updated": 0, "skipped": 4, "errors": []}

    code, listed, _ = run_cli(capsys, *d, "customers", "list", "--json")
    assert code == 0 and sorted(c["name"] for c in listed) == ["Aiko Tanaka", "Bob Norman", "Person 1", "Émile Zola"]
    assert "external_id" not in listed[0]  # `customers list` items keep the original customer shape

    for argv in (("import", str(tmp_path / "missing.csv")), ("import", str(DATA))):
        code, _, err = run_cli(capsys, *d, "customers", *argv, "--json")
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
