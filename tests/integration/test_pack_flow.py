"""The pack flow end to end on the simulated scale, spool printer and simulated carrier."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shipstation_desktop.carriers.simulated import SimulatedCarrier
from shipstation_desktop.devices.spool_printer import SpoolPrinter
from shipstation_desktop.domain.enums import (
    CustomerStatus,
    ExceptionType,
    LabelPurchaseState,
    OrderStatus,
    ShipmentStatus,
)
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services import exceptions as exc_service
from shipstation_desktop.services import orders as order_service
from shipstation_desktop.services import packing
from shipstation_desktop.services import shipments as shipment_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.bootstrap import open_bench
from tests.fakes.orders import add_order


def _sim(bench: Bench) -> SimulatedCarrier:
    carrier = bench.carriers["simulated"]
    assert isinstance(carrier, SimulatedCarrier)
    return carrier


def _count(bench: Bench, model: type) -> int:
    with bench.store.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_scan_accepts_what_scanners_and_people_type(bench: Bench) -> None:
    add_order(bench, "SO-1001")
    for code in ("SO-1001", "so-1001", "*SO-1001*", "#SO-1001", " ORD:SO-1001 "):
        assert packing.scan(bench, code).order.order_number == "SO-1001"


def test_unknown_scan_is_a_clear_message(bench: Bench) -> None:
    with pytest.raises(NotFound, match="No order 'NOPE-1' on this bench"):
        packing.scan(bench, "NOPE-1")
    with pytest.raises(UserError, match="Nothing was scanned"):
        packing.scan(bench, "  ")


def test_blocked_customer_stops_the_flow(bench: Bench) -> None:
    add_order(bench, "SO-2", customer_status=CustomerStatus.BLOCKED)
    with pytest.raises(UserError, match="BLOCKED"):
        packing.scan(bench, "SO-2")


def test_pending_order_is_not_shippable(bench: Bench) -> None:
    add_order(bench, "SO-3", status=OrderStatus.PENDING)
    with pytest.raises(UserError, match="is pending and cannot be shipped"):
        packing.scan(bench, "SO-3")


def test_headless_ship_end_to_end(bench: Bench) -> None:
    add_order(bench, "SO-1001", grams=Decimal(1200))
    outcome = packing.ship(bench, "SO-1001", place_on_simulated_scale=lambda o: bench.scale.place(Decimal(1210)))  # type: ignore[attr-defined]
    shipment = outcome.shipment
    assert shipment.status is ShipmentStatus.LABEL_CREATED
    assert shipment.tracking_number.startswith("1Z")
    assert outcome.weight_check.ok
    assert outcome.printed is not None
    label = Path(outcome.printed.location)
    assert label.parent == bench.paths.spool_dir and label.read_bytes().startswith(b"^XA")
    assert shipment.tracking_number.encode() in label.read_bytes()
    order = order_service.find_by_scan(bench.store, "SO-1001")
    assert order.status is OrderStatus.SHIPPED
    assert [(h.previous_status, h.status) for h in order.history] == [
        (OrderStatus.CONFIRMED, OrderStatus.PROCESSING),
        (OrderStatus.PROCESSING, OrderStatus.SHIPPED),
    ]
    assert order.history[-1].tracking_number == shipment.tracking_number
    # The outbox carries the shipment, its first event and the order change for the center.
    with bench.store.session() as s:
        entities = {(r.entity, r.op) for r in s.scalars(select(t.Outbox))}
    assert {("shipments", "insert"), ("tracking_events", "insert"), ("orders", "update"),
            ("order_status_history", "insert")} <= entities  # fmt: skip
    detail = shipment_service.get_shipment(bench, shipment.tracking_number)
    assert [e.status for e in detail.events] == [ShipmentStatus.LABEL_CREATED]
    assert detail.label_path == str(label)


def test_the_same_order_twice_is_refused_until_voided(bench: Bench) -> None:
    add_order(bench, "SO-5")
    first = packing.ship(bench, "SO-5", weight=Weight.of("1.2", "kg"))
    with pytest.raises(UserError, match="already shipped"):
        packing.ship(bench, "SO-5", weight=Weight.of("1.2", "kg"))
    # Even a caller that kept an old ticket cannot buy a second label.
    with pytest.raises(UserError, match="already has label"):
        ticket = packing.PackTicket(first_ticket_order(bench, "SO-5"), packing.ship_from(bench))
        packing.buy(
            bench,
            ticket,
            packing.quote(bench, ticket, packing.package_for(ticket, Weight.of(1, "kg"))).rates[0],
            packing.package_for(ticket, Weight.of(1, "kg")),
        )
    voided = shipment_service.void(bench, first.shipment.tracking_number, "wrong box")
    assert voided.status is ShipmentStatus.CANCELLED
    assert order_service.find_by_scan(bench.store, "SO-5").status is OrderStatus.PROCESSING
    second = packing.ship(bench, "SO-5", weight=Weight.of("1.3", "kg"))
    assert second.shipment.tracking_number != first.shipment.tracking_number
    assert len(_sim(bench).purchases) == 2


def first_ticket_order(bench: Bench, number: str):  # type: ignore[no-untyped-def]
    return order_service.find_by_scan(bench.store, number)


def test_void_is_refused_once_the_carrier_has_the_parcel(bench: Bench) -> None:
    add_order(bench, "SO-6")
    shipment = packing.ship(bench, "SO-6", weight=Weight.of(1, "kg")).shipment
    with bench.store.session() as s:
        s.get_one(t.Shipment, shipment.id).status = ShipmentStatus.IN_TRANSIT.value
    with pytest.raises(UserError, match="only a label the carrier has not picked up"):
        shipment_service.void(bench, shipment.tracking_number)


def test_weight_over_the_carrier_limit_is_refused_with_the_reason(bench: Bench) -> None:
    add_order(bench, "SO-7")
    with pytest.raises(UserError, match=r"over Simulated Carrier's limit of 68\.0 kg"):
        packing.ship(bench, "SO-7", weight=Weight.of(70, "kg"))
    assert _count(bench, t.Shipment) == 0


def test_weight_mismatch_warns_and_raises_a_supervisor_exception(bench: Bench) -> None:
    add_order(bench, "SO-8", grams=Decimal(1000))
    outcome = packing.ship(bench, "SO-8", weight=Weight.of(1500, "g"))
    assert not outcome.weight_check.ok
    assert "500 g heavier" in outcome.weight_check.message()
    [exc] = exc_service.list_exceptions(bench, open_only=True)
    assert exc.type is ExceptionType.WEIGHT_MISMATCH and exc.order_number == "SO-8"


def test_rate_rule_preselects(bench: Bench) -> None:
    add_order(bench, "SO-9")
    ticket = packing.scan(bench, "SO-9")
    package = packing.package_for(ticket, Weight.of(1, "kg"))
    cheapest = packing.quote(bench, ticket, package)
    assert cheapest.selected == min(cheapest.rates, key=lambda r: r.amount.amount)
    bench.settings.rate_rule = bench.settings.rate_rule.FASTEST
    fastest = packing.quote(bench, ticket, package)
    assert fastest.selected == min(fastest.rates, key=lambda r: r.transit_days)


def test_a_lost_carrier_answer_is_reconciled_not_bought_twice(bench: Bench) -> None:
    add_order(bench, "SO-10")
    _sim(bench).fail_after_purchase = True
    outcome = packing.ship(bench, "SO-10", weight=Weight.of(1, "kg"))
    assert len(_sim(bench).purchases) == 1
    assert outcome.shipment.tracking_number == _sim(bench).purchases[0].tracking_number
    with bench.store.session() as s:
        states = list(s.scalars(select(t.LabelPurchase.state)))
    assert states == [LabelPurchaseState.DONE.value]


def test_a_carrier_refusal_closes_the_intent_and_a_retry_works(bench: Bench) -> None:
    add_order(bench, "SO-11")
    _sim(bench).fail_next_purchase = "Address not serviceable"
    with pytest.raises(UserError, match="Address not serviceable"):
        packing.ship(bench, "SO-11", weight=Weight.of(1, "kg"))
    assert order_service.find_by_scan(bench.store, "SO-11").status is OrderStatus.CONFIRMED
    packing.ship(bench, "SO-11", weight=Weight.of(1, "kg"))
    with bench.store.session() as s:
        states = sorted(s.scalars(select(t.LabelPurchase.state)))
    assert states == ["DONE", "FAILED"]


def test_a_pending_intent_is_reconciled_at_start_up(tmp_path: Path) -> None:
    """The process died after the carrier sold the label but before the bench stored it."""
    from shipstation_desktop.domain.clock import SystemClock

    clock = SystemClock()
    first = open_bench(tmp_path)
    carrier = _sim(first)
    add_order(first, "SO-12")
    ticket = packing.scan(first, "SO-12")
    package = packing.package_for(ticket, Weight.of(1, "kg"))
    rate = packing.quote(first, ticket, package).selected
    assert rate is not None

    def die(_bench, _intent_id, _label, _package):  # type: ignore[no-untyped-def]
        raise SystemExit("killed between the carrier's answer and the local commit")

    original = packing._complete
    packing._complete = die  # type: ignore[assignment]
    try:
        with pytest.raises(SystemExit):
            packing.buy(first, ticket, rate, package)
    finally:
        packing._complete = original  # type: ignore[assignment]
    first.close()
    # Restart with the same carrier account (the carrier remembers what it sold).
    second = open_bench(tmp_path, carriers={"simulated": carrier}, clock=clock)
    try:
        assert len(carrier.purchases) == 1
        order = order_service.find_by_scan(second.store, "SO-12")
        assert order.status is OrderStatus.SHIPPED
        [shipment] = shipment_service.list_shipments(second)
        assert shipment.tracking_number == carrier.purchases[0].tracking_number
        with pytest.raises(UserError, match="already shipped"):
            packing.ship(second, "SO-12", weight=Weight.of(1, "kg"))
        assert len(carrier.purchases) == 1
    finally:
        second.close()


def test_an_offline_printer_keeps_the_label_and_flags_it(tmp_path: Path) -> None:
    printer = SpoolPrinter(tmp_path / "spool", offline=True)
    bench = open_bench(tmp_path / "bench", printer=printer)
    try:
        add_order(bench, "SO-13")
        outcome = packing.ship(bench, "SO-13", weight=Weight.of("1.2", "kg"))
        assert outcome.printed is None and "offline" in outcome.print_error
        assert outcome.shipment.status is ShipmentStatus.LABEL_CREATED
        [exc] = exc_service.list_exceptions(bench, open_only=True)
        assert exc.type is ExceptionType.PRINT_FAILED
        printer.offline = False
        result = shipment_service.reprint(bench, outcome.shipment.tracking_number)
        assert Path(result.location).read_bytes().startswith(b"^XA")
        with bench.store.session() as s:
            assert [r.ok for r in s.scalars(select(t.PrintLog).order_by(t.PrintLog.created_at))] == [False, True]
    finally:
        bench.close()


def test_tracking_refresh_appends_events_once_and_moves_forward(bench: Bench) -> None:
    from datetime import timedelta

    from shipstation_desktop.domain.clock import FakeClock

    clock = FakeClock(bench.clock.now())
    carrier = SimulatedCarrier(clock, exception_rate=0.0)
    bench.carriers = {"simulated": carrier}
    bench.clock = clock
    add_order(bench, "SO-14")
    shipment = packing.ship(bench, "SO-14", weight=Weight.of(1, "kg")).shipment
    clock.advance(timedelta(days=10).total_seconds())
    updated = shipment_service.refresh_tracking(bench, shipment.tracking_number)
    assert updated.status is ShipmentStatus.DELIVERED
    count = len(updated.events)
    assert count > 3
    again = shipment_service.apply_tracking(bench, shipment.id, carrier.track(shipment.tracking_number), "carrier")
    assert again == 0
    assert order_service.find_by_scan(bench.store, "SO-14").status is OrderStatus.DELIVERED


def test_resolving_an_exception_needs_a_note(bench: Bench) -> None:
    add_order(bench, "SO-15", grams=Decimal(100))
    packing.ship(bench, "SO-15", weight=Weight.of(1, "kg"))
    [exc] = exc_service.list_exceptions(bench, open_only=True)
    with pytest.raises(UserError, match="Write what was done"):
        exc_service.resolve(bench, exc.id, "  ")
    done = exc_service.resolve(bench, exc.id, "Customer added a second item; OK", by="sup1")
    assert done.resolved_by == "sup1" and done.resolved_at is not None
    with pytest.raises(UserError, match="already resolved"):
        exc_service.resolve(bench, exc.id, "again")
    assert exc_service.list_exceptions(bench, open_only=True) == []


def test_an_unsupported_device_setting_still_opens_the_bench(tmp_path: Path) -> None:
    from shipstation_desktop.devices.printer_port import PrinterHealth
    from shipstation_desktop.devices.scale_port import ScaleHealth
    from shipstation_desktop.domain.errors import DeviceError
    from shipstation_desktop.settings import model

    settings = model.BenchSettings()
    settings.scale.kind = "serial"
    settings.label_printer.kind = "tcp"
    model.save(tmp_path / "settings.json", settings)
    bench = open_bench(tmp_path)
    try:
        assert bench.scale.health() is ScaleHealth.ERROR
        assert bench.label_printer.health() is PrinterHealth.ERROR
        with pytest.raises(DeviceError, match="no scale protocol chosen; choose one in Preferences"):
            packing.weigh(bench, timeout_s=0.1)
        add_order(bench, "SO-20")
        outcome = packing.ship(bench, "SO-20", weight=Weight.of("1.2", "kg"))
        assert outcome.printed is None and "choose the spool printer" in outcome.print_error
    finally:
        bench.close()


class _FlakyLookup(SimulatedCarrier):
    """A carrier whose purchase answer is lost and whose look-up is down for a while."""

    lookups_down = 0
    lose_sale = False

    def buy_label(self, request):  # type: ignore[no-untyped-def]
        label = super().buy_label(request)
        if self.lose_sale:
            self._by_reference.pop(request.lookup_reference, None)  # the carrier never kept it
        raise TimeoutError("read timed out")
        return label

    def find_label(self, reference):  # type: ignore[no-untyped-def]
        if self.lookups_down:
            self.lookups_down -= 1
            raise ConnectionError("carrier unreachable")
        return super().find_label(reference)


def test_a_retry_settles_the_earlier_purchase_instead_of_buying_again(bench: Bench) -> None:
    from shipstation_desktop.domain.clock import SystemClock

    carrier = _FlakyLookup(SystemClock())
    carrier.lookups_down = 1
    bench.carriers = {"simulated": carrier}
    add_order(bench, "SO-30")
    with pytest.raises(UserError, match="checked again on the next try"):
        packing.ship(bench, "SO-30", weight=Weight.of("1.2", "kg"))
    assert len(carrier.purchases) == 1
    ticket = packing.scan(bench, "SO-30")
    package = packing.package_for(ticket, Weight.of("1.2", "kg"))
    shipment = packing.buy(bench, ticket, packing.quote(bench, ticket, package).rates[0], package)
    assert len(carrier.purchases) == 1
    assert shipment.tracking_number == carrier.purchases[0].tracking_number
    assert order_service.find_by_scan(bench.store, "SO-30").status is OrderStatus.SHIPPED


def test_a_lost_answer_for_a_sale_the_carrier_never_made_is_safe_to_retry(bench: Bench) -> None:
    from shipstation_desktop.domain.clock import SystemClock

    carrier = _FlakyLookup(SystemClock())
    carrier.lose_sale = True
    bench.carriers = {"simulated": carrier}
    add_order(bench, "SO-31")
    with pytest.raises(UserError, match="nothing was bought, try again"):
        packing.ship(bench, "SO-31", weight=Weight.of("1.2", "kg"))
    with bench.store.session() as s:
        assert list(s.scalars(select(t.LabelPurchase.state))) == ["FAILED"]


def test_every_purchase_has_its_own_carrier_reference(bench: Bench) -> None:
    """Two purchases for one order (the first voided) are filed under different references, so a
    look-up after a lost answer can only ever find its own label."""
    add_order(bench, "SO-40")
    first = packing.ship(bench, "SO-40", weight=Weight.of("1.2", "kg")).shipment
    shipment_service.void(bench, first.tracking_number, "wrong box")
    packing.ship(bench, "SO-40", weight=Weight.of("1.2", "kg"))
    with bench.store.session() as s:
        refs = list(s.scalars(select(t.LabelPurchase.reference).order_by(t.LabelPurchase.created_at)))
    assert len(refs) == 2 and len(set(refs)) == 2
    assert all(r.startswith("SO-40-") for r in refs)
    carrier = _sim(bench)
    assert carrier.find_label(refs[0]) is None  # voided
    assert carrier.find_label(refs[1]) is not None
    assert carrier.find_label("SO-40") is None  # the order number alone finds nothing
