"""Customer CSV import, the batch side: one SAVEPOINT per batch, a row-by-row retry only for a batch the
database refuses (same results, same messages, the bad row never half written), and customers merged
into another found by their old e-mail or external id instead of being created again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.customer_tables import CustomerAlias
from shipstation_desktop.services import customer_csv as service
from shipstation_desktop.services.bench import Bench

HEADER = ",".join(service.NATIVE_COLUMNS)


def _row(i: int, **overrides: str) -> str:
    values = {
        "external_id": f"EXT-{i}",
        "email": f"person{i}@example.com",
        "name": f"Person {i}",
        "address_line1": f"{i} Main St",
        "address_city": "Springfield",
        "address_state": "IL",
        "address_postal_code": "62701",
        "address_country": "US",
    }
    values.update(overrides)
    return ",".join(values.get(c, "") for c in service.NATIVE_COLUMNS)


def _file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "customers.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _count(bench: Bench, model: type, *where: Any) -> int:
    with bench.store.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.fixture
def savepoints(bench: Bench) -> Iterator[list[str]]:
    """Every SAVEPOINT the import opens."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("SAVEPOINT"):
            seen.append(statement)

    event.listen(bench.store.engine, "before_cursor_execute", note)
    yield seen
    event.remove(bench.store.engine, "before_cursor_execute", note)


def test_a_clean_batch_is_written_in_one_savepoint(bench: Bench, tmp_path: Path, savepoints: list[str]) -> None:
    result = service.import_customers(bench, _file(tmp_path, *(_row(i) for i in range(25))), batch_size=10)
    assert result.as_json() == {"imported": 25, "updated": 0, "skipped": 0, "errors": []}
    assert len(savepoints) == 3  # three batches, not 25 rows
    assert _count(bench, t.Customer) == 25 and _count(bench, t.Address) == 25


def test_a_batch_the_database_refuses_is_redone_row_by_row(bench: Bench, tmp_path: Path, savepoints: list[str]) -> None:
    with bench.store.session() as s:
        s.execute(
            text(
                "CREATE TRIGGER no_failtown BEFORE INSERT ON addresses WHEN NEW.city = 'Failtown' "
                "BEGIN SELECT RAISE(ABORT, 'Failtown is closed'); END"
            )
        )
    rows = [_row(i) for i in range(1, 9)]
    rows[4] = _row(5, address_city="Failtown")  # spreadsheet row 6
    rows[6] = _row(7, email="bad-email")  # row 8: refused before the database sees it
    result = service.import_customers(bench, _file(tmp_path, *rows), batch_size=5)

    assert (result.imported, result.updated, result.skipped) == (6, 0, 0)
    assert [e.row for e in result.errors] == [6, 8]
    assert "Failtown is closed" in result.errors[0].error and result.errors[0].error.startswith("cannot be saved")
    assert "bad-email" in result.errors[1].error
    # Batch 1 (rows 2-6): its savepoint, then one per row; batch 2 (rows 7-9): one savepoint.
    assert len(savepoints) == 1 + 5 + 1
    assert _count(bench, t.Customer, t.Customer.email_normalized == "person5@example.com") == 0
    assert _count(bench, t.Customer) == 6 and _count(bench, t.Address) == 6
    assert _count(bench, t.Outbox, t.Outbox.entity.in_(["customers", "addresses"])) == 12
    # Within-file duplicates are judged the same way after the retry: row 2's email is still row 2's.
    again = service.import_customers(
        bench, _file(tmp_path, _row(1, name="Renamed"), _row(9, email="person1@example.com")), batch_size=5
    )
    assert again.updated == 1 and [(e.row, "row 2" in e.error) for e in again.errors] == [(3, True)]


def test_a_merged_customer_is_found_by_its_old_email_and_external_id(bench: Bench, tmp_path: Path) -> None:
    service.import_customers(bench, _file(tmp_path, _row(1), _row(2)))
    with bench.store.session() as s:  # what a merge leaves: 2 folded into 1, its e-mail an alias of 1
        survivor = s.scalars(select(t.Customer).where(t.Customer.email_normalized == "person1@example.com")).one()
        merged = s.scalars(select(t.Customer).where(t.Customer.email_normalized == "person2@example.com")).one()
        merged.deleted_at = bench.clock.now()
        merged.merged_into = survivor.id
        s.add(CustomerAlias(customer_id=survivor.id, email_normalized="person2@example.com", merged_from=merged.id))
        survivor_id = survivor.id
    before = _count(bench, t.Customer)

    by_alias = service.import_customers(bench, _file(tmp_path, _row(1), _row(2, name="Old Name Of Two"), _row(3)))
    by_external_id = service.import_customers(bench, _file(tmp_path, _row(2, email="two.new@example.com")))

    assert by_alias.as_json() == {"imported": 1, "updated": 0, "skipped": 2, "errors": []}
    assert by_external_id.as_json() == {"imported": 0, "updated": 0, "skipped": 1, "errors": []}
    assert _count(bench, t.Customer) == before + 1  # only person 3 is new
    with bench.store.session() as s:
        survivor = s.get_one(t.Customer, survivor_id)
        assert (survivor.name, survivor.email) == ("Person 1", "person1@example.com")  # the merge's choices stand
