"""Inventory: stock deducted exactly once per shipment, restored by a void, low-stock alerts once per
crossing, and deductions from several benches adding up when their movements meet."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from shipstation_desktop.cli import main
from shipstation_desktop.domain.enums import ExceptionSeverity, ExceptionType, OrderStatus
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.domain.inventory import AlertLevel, StockReason
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.inventory_tables import StockLevel, StockMovement
from shipstation_desktop.services import exceptions as exc_service
from shipstation_desktop.services import inventory, packing
from shipstation_desktop.services import shipments as shipment_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.bootstrap import open_bench
from shipstation_desktop.sync.local_apply import apply_changes
from shipstation_desktop.sync.port import Change, Cursor
from tests.fakes.orders import add_order

SKU = "TS-BLK-M"  # add_order's one line: 2 of these


def _ship(bench: Bench, number: str) -> str:
    add_order(bench, number)
    return packing.ship(bench, number, weight=Weight.from_grams(Decimal(1200))).shipment.tracking_number


def _on_hand(bench: Bench, sku: str = SKU) -> int:
    return inventory.get_item(bench, sku).item.on_hand


def _low_stock_alerts(bench: Bench) -> list[ExceptionSeverity]:
    return [e.severity for e in exc_service.list_exceptions(bench) if e.type is ExceptionType.LOW_STOCK]


def _replay_ship_event(bench: Bench, order_id: str) -> None:
    """The same order reported shipped again (a webhook replay, a second tracking update)."""
    with bench.store.session() as s:
        s.add(
            t.OrderStatusHistory(
                order_id=order_id, status=OrderStatus.SHIPPED.value, previous_status=OrderStatus.PROCESSING.value,
                created_by="hub", source="webhook",
            )
        )  # fmt: skip


def _order_id(bench: Bench, number: str) -> str:
    with bench.store.session() as s:
        return s.scalars(select(t.Order.id).where(t.Order.order_number == number)).one()


def test_shipping_deducts_once_even_when_the_ship_event_arrives_twice(bench: Bench) -> None:
    inventory.upsert_item(bench, SKU, name="T-shirt black M", threshold=3, location="A-01")
    inventory.receive(bench, SKU, 20)
    _ship(bench, "SO-1")
    assert _on_hand(bench) == 18
    _replay_ship_event(bench, _order_id(bench, "SO-1"))
    _replay_ship_event(bench, _order_id(bench, "SO-1"))
    assert _on_hand(bench) == 18
    moves = inventory.movements(bench, SKU)
    assert [(m.reason, m.delta, m.order_number) for m in moves] == [
        (StockReason.SHIP, -2, "SO-1"),
        (StockReason.RECEIVE, 20, ""),
    ]
    # The deduction reaches the center like any synced row: one outbox insert, not three.
    with bench.store.session() as s:
        pushed = s.scalar(select(func.count()).select_from(t.Outbox).where(t.Outbox.entity == "stock_movements"))
        assert pushed == 2
        assert s.get_one(StockLevel, SKU).on_hand == 18  # the local cache follows the ledger


def test_a_voided_label_restores_stock_and_a_reship_deducts_again(bench: Bench) -> None:
    inventory.receive(bench, SKU, 10)
    tracking = _ship(bench, "SO-2")
    assert _on_hand(bench) == 8
    shipment_service.void(bench, tracking, "wrong box")
    assert _on_hand(bench) == 10
    reasons = [m.reason for m in inventory.movements(bench, SKU)]
    assert reasons == [StockReason.VOID, StockReason.SHIP, StockReason.RECEIVE]
    # Ship the same order again with a new label: a new cycle, so a new deduction.
    packing.ship(bench, "SO-2", weight=Weight.from_grams(Decimal(1200)))
    assert _on_hand(bench) == 8
    _replay_ship_event(bench, _order_id(bench, "SO-2"))
    assert _on_hand(bench) == 8
    assert len(inventory.movements(bench, SKU)) == 4


def test_low_stock_alerts_once_per_crossing_and_high_at_zero(bench: Bench) -> None:
    inventory.upsert_item(bench, SKU, threshold=5)
    inventory.receive(bench, SKU, 10)
    assert _low_stock_alerts(bench) == []
    for _ in range(2):
        inventory.adjust(bench, SKU, -2)  # 8, 6: above the threshold
    assert _low_stock_alerts(bench) == []
    inventory.adjust(bench, SKU, -2)  # 4: crosses
    inventory.adjust(bench, SKU, -1)  # 3: still low, no second alert
    assert _low_stock_alerts(bench) == [ExceptionSeverity.MEDIUM]
    _ship(bench, "SO-3")  # 1
    assert _low_stock_alerts(bench) == [ExceptionSeverity.MEDIUM]
    _ship(bench, "SO-4")  # -1: the parcel left anyway; negative stock is kept and flagged
    assert _on_hand(bench) == -1
    assert inventory.get_item(bench, SKU).item.level is AlertLevel.OUT
    assert sorted(_low_stock_alerts(bench)) == [ExceptionSeverity.HIGH, ExceptionSeverity.MEDIUM]
    out = next(e for e in exc_service.list_exceptions(bench) if e.severity is ExceptionSeverity.HIGH)
    assert SKU in out.description and out.order_number == "SO-4"
    # Restocked above the threshold, then low again: a new crossing, a new alert.
    inventory.receive(bench, SKU, 20)  # 19
    assert [i.sku for i in inventory.list_items(bench, low_only=True)] == []
    inventory.adjust(bench, SKU, -15, note="damaged in the warehouse")  # 4
    assert _low_stock_alerts(bench).count(ExceptionSeverity.MEDIUM) == 2
    assert [i.sku for i in inventory.list_items(bench, low_only=True)] == [SKU]


def test_raising_a_threshold_above_the_stock_alerts_and_untracked_skus_never_do(bench: Bench) -> None:
    _ship(bench, "SO-5")  # no inventory record: the ledger still counts it
    (item,) = inventory.list_items(bench)
    assert (item.sku, item.on_hand, item.tracked) == (SKU, -2, False)
    assert _low_stock_alerts(bench) == []
    inventory.upsert_item(bench, SKU, threshold=2)
    assert _low_stock_alerts(bench) == [ExceptionSeverity.HIGH]
    inventory.set_threshold(bench, SKU, 3)  # still out: same crossing
    assert _low_stock_alerts(bench) == [ExceptionSeverity.HIGH]


def test_bad_input_is_one_clear_sentence(bench: Bench) -> None:
    with pytest.raises(NotFound, match="receive stock to add it"):
        inventory.adjust(bench, "NOPE", -1)
    inventory.receive(bench, SKU, 1)
    with pytest.raises(UserError, match="only by shipping"):
        inventory.adjust(bench, SKU, -1, "ship")
    with pytest.raises(UserError, match="not a reason"):
        inventory.adjust(bench, SKU, -1, "stolen")
    with pytest.raises(UserError, match="changes nothing"):
        inventory.adjust(bench, SKU, 0)
    with pytest.raises(UserError, match="0 or more"):
        inventory.set_threshold(bench, SKU, -1)
    with pytest.raises(NotFound):
        inventory.get_item(bench, "NOPE")


@pytest.fixture
def two_benches(tmp_path: Path) -> Iterator[tuple[Bench, Bench]]:
    a = open_bench(tmp_path / "a")
    b = open_bench(tmp_path / "b")
    yield a, b
    a.close()
    b.close()


def _outbox_changes(bench: Bench) -> list[Change]:
    with bench.store.session() as s:
        rows = s.scalars(select(t.Outbox).order_by(t.Outbox.seq)).all()
        return [Change(r.entity, r.entity_id, (r.base_version or 0) + 1, dict(r.payload)) for r in rows]


def test_two_benches_deducting_offline_add_up_when_their_movements_meet(two_benches: tuple[Bench, Bench]) -> None:
    a, b = two_benches
    for bench in (a, b):  # both set the SKU up offline: the same record (id from the SKU)
        inventory.upsert_item(bench, SKU, threshold=1)
    inventory.receive(a, SKU, 10)
    _ship(a, "SO-A1")
    _ship(b, "SO-B1")
    _ship(b, "SO-B2")
    # B pulls every row A pushed, as the center would send them (orders, shipments, movements, …).
    with b.store.session(remote=True) as s:
        apply_changes(s, _outbox_changes(a), Cursor(1, 1))
    assert _on_hand(b) == 10 - 2 - 2 - 2
    # The same pull again (a resend, an overlap of pages) changes nothing: the ids collide.
    with b.store.session(remote=True) as s:
        apply_changes(s, [c for c in _outbox_changes(a) if c.entity == "stock_movements"], Cursor(1, 2))
    assert _on_hand(b) == 4
    with b.store.session() as s:
        assert s.get_one(StockLevel, SKU).on_hand == 4  # the cache caught up with the ledger


def test_a_pulled_movement_updates_the_cache_without_a_second_alert(bench: Bench) -> None:
    inventory.upsert_item(bench, SKU, threshold=5)
    inventory.receive(bench, SKU, 6)
    with bench.store.session() as s:
        s.info["remote"] = True  # as if pulled from the center: another bench's deduction
        s.add(
            StockMovement(
                id="0190aaaa-0000-7000-8000-000000000001", sku=SKU, delta=-3, reason=StockReason.SHIP.value,
                order_id=None, at=bench.clock.now(), created_by="other", note="", created_at=bench.clock.now(),
                updated_at=bench.clock.now(), bench_id="another-bench", version=1,
            )
        )  # fmt: skip
    with bench.store.session() as s:
        level = s.get_one(StockLevel, SKU)
        assert (level.on_hand, level.alert_level) == (3, AlertLevel.LOW)
        assert s.scalar(select(func.count()).select_from(t.Outbox).where(t.Outbox.entity_id.like("0190aaaa%"))) == 0
    assert _low_stock_alerts(bench) == []  # the bench that shipped raised it
    inventory.adjust(bench, SKU, -1)  # still low here: no alert for a crossing that already happened
    assert _low_stock_alerts(bench) == []


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if "--json" in argv and code == 0 else out), err


def test_cli_receive_adjust_list_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = ["--data-dir", str(tmp_path / "cli")]
    code, item, _ = _cli(capsys, *home, "inventory", "receive", "MUG-CER", "12", "--name", "Ceramic mug",
                         "--threshold", "5", "--location", "B-02", "--json")  # fmt: skip
    assert code == 0 and (item["on_hand"], item["low_stock_threshold"], item["status"]) == (12, 5, "ok")
    code, item, _ = _cli(capsys, *home, "inventory", "adjust", "MUG-CER", "-8", "--reason", "adjust", "--json")
    assert code == 0 and (item["on_hand"], item["status"], item["movement"]["delta"]) == (4, "low", -8)
    code, low, _ = _cli(capsys, *home, "inventory", "list", "--low", "--json")
    assert [i["sku"] for i in low] == ["MUG-CER"]
    code, shown, _ = _cli(capsys, *home, "inventory", "show", "MUG-CER", "--json")
    assert code == 0 and [m["reason"] for m in shown["movements"]] == ["adjust", "receive"]
    assert shown["location"] == "B-02" and shown["name"] == "Ceramic mug"
    code, text, _ = _cli(capsys, *home, "inventory", "list")
    assert "MUG-CER" in text and "low" in text
    code, _, err = _cli(capsys, *home, "inventory", "adjust", "MUG-CER", "2", "--reason", "ship")
    assert code != 0 and err.strip().count("\n") == 0 and "only by shipping" in err
    code, _, err = _cli(capsys, *home, "inventory", "show", "NOPE", "--json")
    assert code != 0 and "NOPE" in err and "Traceback" not in err
