"""The supervisor exception queue: rules as data, automatic raising with dedup, assignment, notes,
filters, counts and the CLI (issue 9 item 2)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from shipstation_desktop.carriers.port import AddressCheck, CarrierEvent, TrackingResult
from shipstation_desktop.carriers.simulated import SimulatedCarrier
from shipstation_desktop.cli import main
from shipstation_desktop.devices.spool_printer import SpoolPrinter
from shipstation_desktop.domain import exception_rules as rules
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.enums import (
    ExceptionSeverity,
    ExceptionType,
    LabelPurchaseState,
    ShipmentStatus,
)
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.exception_queue_tables import ExceptionNote
from shipstation_desktop.services import address_checks, packing
from shipstation_desktop.services import exception_queue as queue
from shipstation_desktop.services import exceptions as exc_service
from shipstation_desktop.services import shipments as shipment_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.bootstrap import open_bench
from tests.fakes.orders import add_order

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def qbench(tmp_path: Path, clock: FakeClock) -> Any:
    carrier = SimulatedCarrier(clock, seed=3, exception_rate=0.0)
    b = open_bench(tmp_path / "bench", clock=clock, carriers={"simulated": carrier}, reconcile=False)
    yield b
    b.close()


class BadAddressCarrier(SimulatedCarrier):
    """The simulated carrier, but every address fails validation (or validation itself fails)."""

    def __init__(self, clock: FakeClock, *, broken: bool = False) -> None:
        super().__init__(clock, seed=5, exception_rate=0.0)
        self.broken = broken
        self.checked = 0

    def validate_address(self, address: dm.PostalAddress) -> AddressCheck:
        self.checked += 1
        if self.broken:
            raise ConnectionError("address service down")
        return AddressCheck(valid=False, messages=("No such street in 94103.",))


def _ship(bench: Bench, number: str, **kw: Any) -> dm.Shipment:
    add_order(bench, number, **kw)
    return packing.ship(bench, number, weight=Weight.of("1.2", "kg")).shipment


def _failed_delivery(shipment: dm.Shipment, at: datetime, code: str) -> TrackingResult:
    return TrackingResult(
        shipment.tracking_number,
        ShipmentStatus.IN_TRANSIT,
        events=(
            CarrierEvent(
                at,
                ShipmentStatus.IN_TRANSIT,
                code,
                "Delivery attempted, nobody home",
                "San Francisco CA",
                ExceptionType.DELIVERY_FAILED,
            ),
        ),
    )


# --- rules as data ---------------------------------------------------------------------------------


def test_every_exception_type_has_a_base_severity_and_the_old_map_derives_from_it() -> None:
    assert set(rules.BASE_SEVERITY) == set(ExceptionType)
    assert dict(rules.BASE_SEVERITY) == shipment_service.EXCEPTION_SEVERITY
    assert rules.severity_for(ExceptionType.LOST_IN_TRANSIT) is ExceptionSeverity.CRITICAL
    assert rules.severity_for(ExceptionType.DELIVERY_FAILED) is ExceptionSeverity.MEDIUM
    assert rules.severity_for(ExceptionType.DELIVERY_FAILED, attempts=2) is ExceptionSeverity.HIGH
    assert rules.severity_for(ExceptionType.DELIVERY_FAILED, attempts=3) is ExceptionSeverity.CRITICAL
    # Cost adjustments follow the money, exactly as domain/costs.py's steps say.
    assert rules.severity_for(ExceptionType.COST_ADJUSTMENT, amount=Decimal("60")) is ExceptionSeverity.CRITICAL
    assert rules.severity_for(ExceptionType.COST_ADJUSTMENT, amount=Decimal("12")) is ExceptionSeverity.HIGH
    assert rules.severity_for(ExceptionType.COST_ADJUSTMENT, amount=Decimal("-3")) is ExceptionSeverity.LOW
    assert rules.severity_for(ExceptionType.LOW_STOCK, condition="out_of_stock") is ExceptionSeverity.HIGH


def test_ageing_bands_are_data() -> None:
    assert rules.age_band(START, START + timedelta(hours=3)) is rules.AgeBand.FRESH
    assert rules.age_band(START, START + timedelta(hours=5)) is rules.AgeBand.AMBER
    assert rules.age_band(START, START + timedelta(hours=25)) is rules.AgeBand.RED


# --- raised automatically, once --------------------------------------------------------------------


def test_second_failed_delivery_escalates_the_open_exception_instead_of_adding_one(
    qbench: Bench, clock: FakeClock
) -> None:
    shipment = _ship(qbench, "Q-1")
    shipment_service.apply_tracking(qbench, shipment.id, _failed_delivery(shipment, clock.now(), "A1"), "carrier")
    [first] = queue.query(qbench, queue.QueueFilter(open_only=True, type=ExceptionType.DELIVERY_FAILED))
    assert first.severity is ExceptionSeverity.MEDIUM and first.occurrences == 1
    clock.advance(86400)
    shipment_service.apply_tracking(qbench, shipment.id, _failed_delivery(shipment, clock.now(), "A2"), "carrier")
    [again] = queue.query(qbench, queue.QueueFilter(open_only=True, type=ExceptionType.DELIVERY_FAILED))
    assert again.id == first.id
    assert again.severity is ExceptionSeverity.HIGH and again.occurrences == 2
    assert [n.kind for n in again.notes] == ["raised_again"]
    # The same carrier event arriving again is not a new attempt.
    shipment_service.apply_tracking(qbench, shipment.id, _failed_delivery(shipment, clock.now(), "A2"), "carrier")
    assert queue.get(qbench, first.id).occurrences == 2


def test_a_failed_delivery_after_the_first_was_resolved_still_counts_as_the_second_attempt(
    qbench: Bench, clock: FakeClock
) -> None:
    shipment = _ship(qbench, "Q-2")
    shipment_service.apply_tracking(qbench, shipment.id, _failed_delivery(shipment, clock.now(), "B1"), "carrier")
    [first] = exc_service.list_exceptions(qbench, open_only=True)
    exc_service.resolve(qbench, first.id, "Left a card; customer will be home tomorrow", by="sup")
    clock.advance(3600)
    shipment_service.apply_tracking(qbench, shipment.id, _failed_delivery(shipment, clock.now(), "B2"), "carrier")
    [second] = exc_service.list_exceptions(qbench, open_only=True)
    assert second.id != first.id and second.severity is ExceptionSeverity.HIGH


def test_weight_mismatch_is_raised_once_per_order(qbench: Bench) -> None:
    add_order(qbench, "Q-3", grams=Decimal(100))
    ticket = packing.scan(qbench, "Q-3")
    check = packing.check_order_weight(qbench, ticket, Weight.of(1, "kg"))
    a = packing.flag_weight_mismatch(qbench, ticket, check)
    b = packing.flag_weight_mismatch(qbench, ticket, check)  # weighed again, still off
    assert a is not None and b is not None and a.id == b.id
    assert b.severity is ExceptionSeverity.MEDIUM and b.occurrences == 2
    assert len(exc_service.list_exceptions(qbench, open_only=True)) == 1


def test_invalid_address_raises_an_address_issue_but_never_blocks_and_the_packer_may_override(
    tmp_path: Path, clock: FakeClock
) -> None:
    carrier = BadAddressCarrier(clock)
    bench = open_bench(tmp_path / "b", clock=clock, carriers={"simulated": carrier}, reconcile=False)
    try:
        add_order(bench, "Q-4")
        ticket = packing.scan(bench, "Q-4")
        package = packing.package_for(ticket, Weight.of("1.2", "kg"))
        offer = packing.quote(bench, ticket, package)
        assert offer.rates  # rating went on
        issue = offer.address_issue
        assert issue is not None and issue.type is ExceptionType.ADDRESS_ISSUE
        assert issue.severity is ExceptionSeverity.HIGH and "No such street" in issue.description
        again = packing.quote(bench, ticket, package)  # re-rating neither asks again nor raises twice
        assert again.address_issue is not None and again.address_issue.id == issue.id
        assert carrier.checked == 1
        noted = address_checks.override(bench, issue.id, "Customer confirmed the address by phone", by="pat")
        assert [(n.kind, n.by) for n in noted.notes] == [("override", "pat")]
        assert "confirmed the address" in noted.notes[0].text
        with pytest.raises(UserError):
            address_checks.override(bench, issue.id, "   ")
        shipment = packing.buy(bench, ticket, offer.selected or offer.rates[0], package)  # not blocked
        assert shipment.status is ShipmentStatus.LABEL_CREATED
        [only] = exc_service.list_exceptions(bench, open_only=True)
        assert only.id == issue.id
    finally:
        bench.close()


def test_an_address_service_outage_does_not_stop_rating(tmp_path: Path, clock: FakeClock) -> None:
    carrier = BadAddressCarrier(clock, broken=True)
    bench = open_bench(tmp_path / "b", clock=clock, carriers={"simulated": carrier}, reconcile=False)
    try:
        shipment = _ship(bench, "Q-5")
        assert shipment.tracking_number and carrier.checked == 1
        assert exc_service.list_exceptions(bench) == []
    finally:
        bench.close()


def test_a_good_address_raises_nothing(qbench: Bench) -> None:
    _ship(qbench, "Q-6")
    assert exc_service.list_exceptions(qbench) == []


def test_a_printer_failure_is_flagged_low_and_once_per_shipment(tmp_path: Path, clock: FakeClock) -> None:
    printer = SpoolPrinter(tmp_path / "spool", offline=True)
    carrier = SimulatedCarrier(clock, seed=4, exception_rate=0.0)
    bench = open_bench(tmp_path / "b", clock=clock, printer=printer, carriers={"simulated": carrier}, reconcile=False)
    try:
        shipment = _ship(bench, "Q-7")
        packing.print_or_flag(bench, shipment)  # the packer tries again; the printer is still off
        [exc] = exc_service.list_exceptions(bench, open_only=True)
        assert exc.type is ExceptionType.PRINT_FAILED and exc.severity is ExceptionSeverity.LOW
        assert exc.occurrences == 2 and exc.shipment_id == shipment.id
    finally:
        bench.close()


def test_an_unconfirmed_label_purchase_is_flagged_for_reconciliation(qbench: Bench) -> None:
    order_id = add_order(qbench, "Q-8")
    with qbench.store.session() as s:
        intent = t.LabelPurchase(
            order_id=order_id,
            carrier="gone",  # no longer set up: nobody can look the purchase up
            service="GROUND",
            reference="Q-8",
            request_hash="x" * 64,
            request={"weight": {"value": "1.2", "unit": "kg"}, "dims_mm": None},
            state=LabelPurchaseState.PENDING.value,
            created_at=START,
            updated_at=START,
        )
        s.add(intent)
    packing.reconcile_pending(qbench)
    [exc] = exc_service.list_exceptions(qbench, open_only=True)
    assert exc.type is ExceptionType.LABEL_PURCHASE_UNCONFIRMED and exc.severity is ExceptionSeverity.HIGH
    assert exc.order_number == "Q-8" and "reference Q-8" in exc.description


# --- working the queue -----------------------------------------------------------------------------


def test_assign_note_resolve_and_the_synced_rows_they_write(qbench: Bench, clock: FakeClock) -> None:
    e = exc_service.raise_exception(
        qbench, type=ExceptionType.CUSTOMS_DELAY, description="Held for an invoice", subject="C-1"
    )
    with pytest.raises(UserError):
        queue.assign(qbench, e.id, "  ")
    clock.advance(60)
    assigned = queue.assign(qbench, e.id, "Maria", by="sup")
    assert assigned.assigned_to == "Maria" and assigned.assigned_at == clock.now()
    assert queue.assign(qbench, e.id, "Maria").notes == assigned.notes  # no change, no second note
    with pytest.raises(UserError, match="Write the note"):
        queue.add_note(qbench, e.id, "")
    noted = queue.add_note(qbench, e.id, "Sent the commercial invoice to the broker", by="Maria")
    assert [(n.kind, n.by, n.text) for n in noted.notes] == [
        ("assigned", "sup", "Assigned to Maria"),
        ("note", "Maria", "Sent the commercial invoice to the broker"),
    ]
    with pytest.raises(UserError, match="Write what was done"):
        exc_service.resolve(qbench, e.id, " ")
    done = exc_service.resolve(qbench, e.id, "Released by customs", by="Maria")
    assert done.resolved_by == "Maria" and done.resolved_at == clock.now()
    with pytest.raises(UserError, match="already resolved"):
        queue.assign(qbench, e.id, "Sam")
    with qbench.store.session() as s:
        entities = [r.entity for r in s.scalars(select(t.Outbox).order_by(t.Outbox.id))]
    assert entities.count("exception_notes") == 2 and "shipment_exceptions" in entities


def test_filters_and_open_counts(tmp_path: Path, clock: FakeClock) -> None:
    bench = open_bench(tmp_path / "b", clock=clock, carriers={}, reconcile=False)
    try:
        old = exc_service.raise_exception(bench, type=ExceptionType.LOST_IN_TRANSIT, description="Lost", subject="L-1")
        clock.advance(30 * 3600)
        fresh = exc_service.raise_exception(bench, type=ExceptionType.WEATHER_DELAY, description="Storm", subject="W-1")
        mid = exc_service.raise_exception(bench, type=ExceptionType.CUSTOMS_DELAY, description="Customs", subject="C-1")
        with bench.store.session() as s:  # one raised elsewhere, pulled from the center
            row = s.get_one(t.ShipmentException, mid.id)
            row.bench_id = "0190ffff-other-bench"
        queue.assign(bench, fresh.id, "Sam")
        exc_service.resolve(bench, mid.id, "Cleared", by="sup")

        def ids(**kw: Any) -> set[str]:
            return {e.id for e in queue.query(bench, queue.QueueFilter(**kw))}

        assert ids() == {old.id, fresh.id, mid.id}
        assert ids(open_only=True) == {old.id, fresh.id}
        assert ids(resolved_only=True) == {mid.id}
        assert ids(severity=ExceptionSeverity.CRITICAL) == {old.id}
        assert ids(type=ExceptionType.WEATHER_DELAY) == {fresh.id}
        assert ids(older_than_hours=24) == {old.id}
        assert ids(bench_id=queue.THIS_BENCH) == {old.id, fresh.id}
        assert ids(bench_id="0190ffff") == {mid.id}
        assert ids(assignee="sam") == {fresh.id}
        assert ids(unassigned_only=True, open_only=True) == {old.id}
        counts = exc_service.open_counts(bench)
        assert counts[ExceptionSeverity.CRITICAL] == 1 and counts[ExceptionSeverity.LOW] == 1
        assert sum(counts.values()) == 2
        assert queue.benches(bench)[0] == bench.store.bench_id and "0190ffff-other-bench" in queue.benches(bench)
        # Most severe first.
        assert [e.id for e in queue.query(bench, queue.QueueFilter(open_only=True))] == [old.id, fresh.id]
    finally:
        bench.close()


def test_a_pulled_row_without_queue_fields_gets_their_defaults(qbench: Bench) -> None:
    """The center's own exceptions (DUPLICATE_LABEL) and older benches' rows lack the new columns."""
    from shipstation_desktop.sync.local_apply import apply_changes
    from shipstation_desktop.sync.port import Change, Cursor

    now = START.isoformat()
    data = {
        "id": "0190aaaa-0000-7000-8000-000000000001",
        "created_at": now,
        "updated_at": now,
        "bench_id": "center",
        "version": 1,
        "deleted_at": None,
        "shipment_id": None,
        "order_id": None,
        "type": "DUPLICATE_LABEL",
        "severity": "HIGH",
        "description": "Shipped on two benches",
        "resolution": "",
        "resolved_at": None,
        "resolved_by": "",
    }
    with qbench.store.session(remote=True) as s:
        apply_changes(s, [Change("shipment_exceptions", data["id"], 1, data)], Cursor.decode(None))
    got = queue.get(qbench, data["id"])
    assert got.assigned_to == "" and got.occurrences == 1 and got.notes == ()
    assert queue.find_open(qbench, ExceptionType.DUPLICATE_LABEL, subject="x") is None


# --- CLI -------------------------------------------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if "--json" in argv and code == 0 else out), err


def test_cli_list_assign_note_resolve(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "cli"
    bench = open_bench(data_dir, reconcile=False)
    try:
        e = exc_service.raise_exception(
            bench, type=ExceptionType.DAMAGED_IN_TRANSIT, description="Box crushed", subject="D-1"
        )
        exc_service.raise_exception(bench, type=ExceptionType.WEATHER_DELAY, description="Snow", subject="S-1")
        bench_id = bench.store.bench_id
    finally:
        bench.close()
    d = str(data_dir)
    code, listed, _ = _cli(capsys, "--data-dir", d, "exceptions", "list", "--open", "--severity", "high", "--json")
    assert code == 0 and [x["id"] for x in listed] == [e.id]
    assert {"id", "type", "severity", "description", "resolution", "resolved_at", "resolved_by"} <= listed[0].keys()
    assert listed[0]["bench_id"] == bench_id and listed[0]["assigned_to"] is None and listed[0]["notes"] == []
    code, listed, _ = _cli(capsys, "exceptions", "list", "--type", "weather_delay", "--bench", "this", "--json",
                           "--data-dir", d)  # fmt: skip
    assert code == 0 and [x["type"] for x in listed] == ["weather_delay"]
    code, listed, _ = _cli(capsys, "--data-dir", d, "exceptions", "list", "--older-than-hours", "1", "--json")
    assert code == 0 and listed == []
    code, assigned, _ = _cli(capsys, "--data-dir", d, "exceptions", "assign", e.id, "--to", "Maria", "--json")
    assert code == 0 and assigned["assigned_to"] == "Maria" and assigned["assigned_at"]
    code, noted, _ = _cli(capsys, "--data-dir", d, "exceptions", "note", e.id, "Photos sent to the carrier", "--json")
    assert code == 0 and noted["notes"][-1]["text"] == "Photos sent to the carrier"
    assert set(noted["notes"][-1]) == {"at", "by", "text", "kind"}
    code, done, _ = _cli(
        capsys, "--data-dir", d, "exceptions", "resolve", e.id, "--resolution", "Claim filed", "--json"
    )
    assert code == 0 and done["resolution"] == "Claim filed" and done["resolved_at"] and len(done["notes"]) == 2
    code, _, err = _cli(capsys, "--data-dir", d, "exceptions", "resolve", e.id, "--resolution", "again")
    assert code == 1 and "already resolved" in err and "Traceback" not in err
    code, _, err = _cli(capsys, "--data-dir", d, "exceptions", "list", "--severity", "urgent")
    assert code == 2 and "not one of" in err
    code, text, _ = _cli(capsys, "--data-dir", d, "exceptions", "list")
    assert code == 0 and "Maria" in text and "resolved" in text


def test_queue_rows_leave_no_orphan_notes(qbench: Bench) -> None:
    e = exc_service.raise_exception(qbench, type=ExceptionType.SYNC_REJECTED, description="Refused", subject="m1")
    queue.add_note(qbench, e.id, "Redo the change")
    with qbench.store.session() as s:
        assert s.scalar(select(func.count()).select_from(ExceptionNote)) == 1
        note = s.scalars(select(ExceptionNote)).one()
        assert note.exception_id == e.id and note.bench_id == qbench.store.bench_id
    assert replace(queue.get(qbench, e.id), notes=()).description == "Refused"
