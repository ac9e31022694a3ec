"""The order status engine on a real SQLite bench: manual changes with history and optimistic locking
(two sessions racing), tracking that drives the order (delayed, exception, returned, delivered and back),
failed delivery attempts counted once per carrier event, workflows from settings, and the CLI's shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from shipstation_desktop.carriers.port import CarrierEvent, TrackingResult
from shipstation_desktop.cli import main
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.enums import ExceptionType, OrderStatus, ShipmentStatus
from shipstation_desktop.domain.errors import ConflictError, InvalidTransition, UserError
from shipstation_desktop.domain.order_workflow import StatusSource, WorkflowError
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.notification_tables import Notification
from shipstation_desktop.services import bootstrap, order_status, packing, shipments
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.settings.secrets import SecretStore
from tests.fakes.keyring_backend import MemoryKeyring
from tests.fakes.orders import add_order

O = OrderStatus  # noqa: E741
S = ShipmentStatus
E = ExceptionType
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


class RacingClock(FakeClock):
    """A fake clock that, the first time it is read once armed, lets `interloper` run: the outbox reads
    the clock while flushing, i.e. after the order was read and before its UPDATE, the exact window in
    which another session's commit makes this one stale."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.interloper: Any = None

    def now(self) -> datetime:
        run, self.interloper = self.interloper, None
        if run is not None:
            run()
        return super().now()


@pytest.fixture
def clock() -> RacingClock:
    return RacingClock(T0)


def _open(path: Path, clock: FakeClock) -> Bench:
    return bootstrap.open_bench(path, clock=clock, secrets=SecretStore(MemoryKeyring()), reconcile=False)


@pytest.fixture
def sbench(tmp_path: Path, clock: RacingClock) -> Iterator[Bench]:
    b = _open(tmp_path / "bench", clock)
    b.user = "maria"
    yield b
    b.close()


def _shipped(bench: Bench, number: str) -> str:
    add_order(bench, number)
    return packing.ship(bench, number, weight=Weight.of(1, "kg")).shipment.id


def _track(
    bench: Bench, shipment_id: str, *events: tuple[S, E | None, int, str], source: str = "carrier", **kw: Any
) -> None:
    """Applies carrier events at T0 + hours; the result's status is the newest event's."""
    evs = tuple(
        CarrierEvent(T0 + timedelta(hours=h), st, f"{st.value}-{ex or ''}-{h}", text, "Oakland CA", ex)
        for st, ex, h, text in events
    )
    row = shipments.get_shipment(bench, shipment_id)
    status = max(evs, key=lambda e: e.time).status if evs else row.status
    shipments.apply_tracking(bench, shipment_id, TrackingResult(row.tracking_number, status, evs, **kw), source)


def _status(bench: Bench, number: str) -> O:
    return order_status.get(bench, number).order.status


# ----------------------------------------------------------------------------------- manual changes


def test_a_change_by_hand_is_kept_with_actor_source_reason_and_time(sbench: Bench, clock: RacingClock) -> None:
    add_order(sbench, "SO-1")
    clock.advance(60)
    view = order_status.change_status(sbench, "so-1", O.PROCESSING, "  picked before the morning wave ", "ana")
    assert view.order.status is O.PROCESSING and view.order.version == 2
    last = view.order.history[-1]
    assert (last.previous_status, last.status, last.created_by, last.source, last.notes) == (
        O.CONFIRMED, O.PROCESSING, "ana", "bench", "picked before the morning wave"
    )  # fmt: skip
    assert last.created_at == T0 + timedelta(seconds=60)
    # The change and its history reach the center through the outbox, in the same transaction.
    with sbench.store.session() as s:
        entities = {(m.entity, m.op) for m in s.scalars(select(t.Outbox))}
    assert {("orders", "update"), ("order_status_history", "insert")} <= entities
    # Without an actor, the bench's user made it.
    again = order_status.change_status(sbench, "SO-1", O.CANCELLED, "customer cancelled")
    assert again.order.history[-1].created_by == "maria"
    assert [h["status"] for h in again.as_json()["history"]] == ["processing", "cancelled"]


def test_moves_the_workflow_forbids_are_refused_and_nothing_is_written(sbench: Bench) -> None:
    add_order(sbench, "SO-2", status=O.DELIVERED)
    with pytest.raises(InvalidTransition, match=r"^order SO-2 cannot go from delivered to processing$"):
        order_status.change_status(sbench, "SO-2", O.PROCESSING, "oops")
    with pytest.raises(UserError, match="order SO-2 is already delivered"):
        order_status.change_status(sbench, "SO-2", O.DELIVERED, "again")
    with pytest.raises(UserError, match="a reason is required"):
        order_status.change_status(sbench, "SO-2", O.RETURNED, "  ")
    with pytest.raises(UserError, match="No order 'SO-404'"):
        order_status.change_status(sbench, "SO-404", O.RETURNED, "x")
    view = order_status.get(sbench, "SO-2")
    assert view.order.version == 1 and view.order.history == ()
    # A change an integration makes needs no typed reason.
    hook = order_status.change_status(sbench, "SO-2", O.RETURNED, "", "shop", StatusSource.WEBHOOK)
    assert hook.order.history[-1].source == "webhook"


def test_a_stale_expected_version_is_a_conflict_with_a_clear_message(sbench: Bench) -> None:
    add_order(sbench, "SO-3")
    seen = order_status.get(sbench, "SO-3").order.version
    order_status.change_status(sbench, "SO-3", O.PROCESSING, "first", "ana", expected_version=seen)
    with pytest.raises(ConflictError) as err:
        order_status.change_status(sbench, "SO-3", O.CANCELLED, "second", "ben", expected_version=seen)
    assert str(err.value) == (
        "Order SO-3 was changed by someone else (now version 2, status processing); reload and try again"
    )
    view = order_status.get(sbench, "SO-3")
    assert view.order.status is O.PROCESSING and len(view.order.history) == 1


def test_two_sessions_racing_one_wins_the_other_gets_a_conflict(
    sbench: Bench, clock: RacingClock, tmp_path: Path
) -> None:
    add_order(sbench, "SO-4")
    other = _open(tmp_path / "bench", FakeClock(T0))  # a second writer on the same database file
    try:
        # Ana's session has read version 1 when Ben's change commits, just before Ana's UPDATE.
        clock.interloper = lambda: order_status.change_status(other, "SO-4", O.CANCELLED, "customer called", "ben")
        with pytest.raises(ConflictError, match=r"now version 2, status cancelled\); reload and try again"):
            order_status.change_status(sbench, "SO-4", O.PROCESSING, "packing it", "ana")
    finally:
        other.close()
    view = order_status.get(sbench, "SO-4")
    assert view.order.status is O.CANCELLED
    assert [(h.created_by, h.status) for h in view.order.history] == [("ben", O.CANCELLED)]  # Ana's rolled back


def test_a_status_change_still_records_customer_notifications(sbench: Bench) -> None:
    sbench.settings.notifications.enabled = True
    add_order(sbench, "SO-5", status=O.SHIPPED)
    order_status.change_status(sbench, "SO-5", O.DELIVERED, "customer confirmed by phone")
    with sbench.store.session() as s:
        triggers = list(s.scalars(select(Notification.trigger)))
        jobs = s.scalar(select(func.count()).select_from(t.JobRow).where(t.JobRow.name == "notify"))
    assert triggers == ["delivered"] and jobs == 1


# ----------------------------------------------------------------------------------- tracking


def test_weather_delays_the_order_and_progress_brings_it_back(sbench: Bench, clock: RacingClock) -> None:
    sid = _shipped(sbench, "SO-10")
    clock.advance(3 * 3600)
    _track(sbench, sid, (S.IN_TRANSIT, None, 1, "Departed"), (S.IN_TRANSIT, E.WEATHER_DELAY, 2, "Storm"))
    assert _status(sbench, "SO-10") is O.DELAYED
    last = order_status.get(sbench, "SO-10").order.history[-1]
    assert (last.created_by, last.source, last.notes, last.status_details) == (
        "system", "carrier", "carrier: Storm", "Storm"
    )  # fmt: skip
    assert last.tracking_number and last.carrier == "simulated"
    _track(sbench, sid, (S.OUT_FOR_DELIVERY, None, 20, "Out for delivery"), source="webhook")
    assert _status(sbench, "SO-10") is O.OUT_FOR_DELIVERY
    _track(sbench, sid, (S.DELIVERED, None, 22, "Delivered, front door"))
    view = order_status.get(sbench, "SO-10")
    assert [h.status for h in view.order.history][-3:] == [O.DELAYED, O.OUT_FOR_DELIVERY, O.DELIVERED]
    assert view.order.history[-2].source == "webhook"


def test_failed_attempts_are_counted_once_per_carrier_event(sbench: Bench, clock: RacingClock) -> None:
    sid = _shipped(sbench, "SO-11")
    first = (S.OUT_FOR_DELIVERY, E.DELIVERY_FAILED, 5, "No one home")
    _track(sbench, sid, (S.OUT_FOR_DELIVERY, None, 4, "Out for delivery"), first)
    _track(sbench, sid, first, source="webhook")  # the same event again, from the webhook
    view = order_status.get(sbench, "SO-11")
    assert view.delivery_attempts == 1 and view.order.status is O.EXCEPTION
    _track(sbench, sid, (S.OUT_FOR_DELIVERY, None, 28, "Out for delivery"))
    assert _status(sbench, "SO-11") is O.OUT_FOR_DELIVERY  # the carrier tries again
    _track(sbench, sid, (S.OUT_FOR_DELIVERY, E.DELIVERY_FAILED, 29, "Business closed"))
    view = order_status.get(sbench, "SO-11")
    assert view.delivery_attempts == 2 and view.order.status is O.EXCEPTION
    assert view.as_json()["delivery_attempts"] == 2


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ((S.IN_TRANSIT, E.ADDRESS_ISSUE, 3, "Address incomplete"), O.EXCEPTION),
        ((S.DAMAGED, E.DAMAGED_IN_TRANSIT, 3, "Package damaged"), O.EXCEPTION),
        ((S.LOST, E.LOST_IN_TRANSIT, 3, "Cannot locate"), O.EXCEPTION),
        ((S.IN_TRANSIT, E.CUSTOMS_DELAY, 3, "Held by customs"), O.DELAYED),
        ((S.RETURNED_TO_SENDER, E.REFUSED_BY_RECIPIENT, 3, "Refused, returning"), O.RETURNED),
        ((S.DELIVERED, None, 3, "Delivered"), O.DELIVERED),
    ],
)
def test_what_tracking_does_to_the_order(sbench: Bench, event: tuple[S, E | None, int, str], expected: O) -> None:
    sid = _shipped(sbench, "SO-12")
    _track(sbench, sid, event)
    assert _status(sbench, "SO-12") is expected


def test_an_overdue_parcel_delays_the_order_once(sbench: Bench, clock: RacingClock) -> None:
    sid = _shipped(sbench, "SO-13")
    eta = T0 + timedelta(days=1)
    _track(sbench, sid, (S.IN_TRANSIT, None, 2, "Departed"), estimated_delivery=eta)
    assert _status(sbench, "SO-13") is O.SHIPPED
    clock.advance(2 * 86400)
    _track(sbench, sid, (S.IN_TRANSIT, None, 30, "Arrived at hub"), estimated_delivery=eta)
    _track(sbench, sid, (S.IN_TRANSIT, None, 40, "Departed hub"), estimated_delivery=eta)
    history = order_status.get(sbench, "SO-13").order.history
    assert [h.status for h in history].count(O.DELAYED) == 1 and history[-1].status is O.DELAYED
    assert "has passed" in history[-1].notes


def test_a_late_old_scan_does_not_move_the_order_back(sbench: Bench) -> None:
    sid = _shipped(sbench, "SO-14")
    _track(sbench, sid, (S.IN_TRANSIT, E.WEATHER_DELAY, 6, "Storm"))
    _track(sbench, sid, (S.IN_TRANSIT, None, 3, "Departed (reported late)"))
    assert _status(sbench, "SO-14") is O.DELAYED


# ----------------------------------------------------------------------------------- workflows


def test_the_strict_workflow_from_settings_governs_manual_and_tracking_moves(sbench: Bench) -> None:
    sbench.settings.order_workflow = "strict"
    add_order(sbench, "SO-20", status=O.PENDING)
    with pytest.raises(InvalidTransition, match="order SO-20 cannot go from pending to processing"):
        order_status.change_status(sbench, "SO-20", O.PROCESSING, "rush")
    sid = _shipped(sbench, "SO-21")
    _track(sbench, sid, (S.IN_TRANSIT, E.WEATHER_DELAY, 2, "Storm"))
    _track(sbench, sid, (S.IN_TRANSIT, None, 5, "Moving again"))
    assert _status(sbench, "SO-21") is O.DELAYED  # strict: delayed -> shipped is not a move
    assert order_status.get(sbench, "SO-21").workflow == "strict"


def test_a_bench_workflow_file_is_used_and_a_broken_one_refused(sbench: Bench) -> None:
    folder = sbench.paths.data_dir / "workflows"
    folder.mkdir()
    flow = {"transitions": {"confirmed": ["cancelled"], "pending": ["confirmed"], "cancelled": []}}
    (folder / "no-shipping.json").write_text(json.dumps(flow), "utf-8")
    sbench.settings.order_workflow = "no-shipping"
    add_order(sbench, "SO-22")
    with pytest.raises(InvalidTransition, match="cannot go from confirmed to processing"):
        order_status.change_status(sbench, "SO-22", O.PROCESSING, "x")
    assert order_status.get(sbench, "SO-22").next_statuses == (O.CANCELLED,)
    (folder / "broken.json").write_text(json.dumps({"transitions": {"pending": ["lost"]}}), "utf-8")
    sbench.settings.order_workflow = "broken"
    with pytest.raises(WorkflowError, match="workflow broken: unknown status 'lost'"):
        order_status.change_status(sbench, "SO-22", O.CANCELLED, "x")
    sbench.settings.order_workflow = "nope"
    with pytest.raises(
        WorkflowError, match=r"no order workflow 'nope' \(known: broken, default, no-shipping, strict\)"
    ):
        order_status.get(sbench, "SO-22")


# ----------------------------------------------------------------------------------- CLI


def _cli(capsys: pytest.CaptureFixture[str], data_dir: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_status_history_and_show(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    home = tmp_path / "cli"
    b = _open(home, FakeClock(T0))
    add_order(b, "SO-30")
    b.close()
    code, out, _ = _cli(capsys, home, "orders", "status", "SO-30", "processing", "--reason", "rush", "--json")
    data = json.loads(out)
    assert code == 0 and data["status"] == "processing" and data["version"] == 2
    assert data["next_statuses"] == ["shipped", "cancelled"] and data["delivery_attempts"] == 0
    entry = data["history"][-1]
    assert set(entry) == {
        "id", "status", "previous_status", "actor", "source", "reason", "details", "tracking_number", "carrier", "at"
    }  # fmt: skip
    assert (entry["previous_status"], entry["status"], entry["source"], entry["reason"]) == (
        "confirmed", "processing", "bench", "rush"
    )  # fmt: skip

    code, _, err = _cli(capsys, home, "orders", "status", "SO-30", "confirmed", "--reason", "undo")
    assert code == 1 and err == "shipstation-desktop: order SO-30 cannot go from processing to confirmed\n"
    code, _, err = _cli(capsys, home, "orders", "status", "SO-30", "lost", "--reason", "x")
    assert code == 2 and "'lost' is not one of: pending, confirmed, processing, shipped" in err
    code, _, err = _cli(
        capsys, home, "orders", "status", "SO-30", "cancelled", "--reason", "x", "--expected-version", "1"
    )
    assert code == 1 and "Order SO-30 was changed by someone else (now version 2, status processing)" in err
    code, _, err = _cli(capsys, home, "orders", "status", "SO-30", "cancelled")
    assert code == 2 and "--reason" in err

    code, out, _ = _cli(capsys, home, "orders", "history", "SO-30", "--json")
    assert code == 0 and [(h["status"], h["actor"]) for h in json.loads(out)] == [("processing", "packer")]
    code, out, _ = _cli(capsys, home, "orders", "show", "SO-30", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["order_number"] == "SO-30" and shown["version"] == 2 and len(shown["history"]) == 1
    code, out, _ = _cli(capsys, home, "orders", "show", "SO-30")
    assert code == 0 and "SO-30: processing (version 2, 0 failed delivery attempts, workflow default)" in out
    code, out, _ = _cli(capsys, home, "orders", "list", "--json")
    assert code == 0 and [o["status"] for o in json.loads(out)] == ["processing"]


def test_cli_workflow_shows_the_active_one_and_checks_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = _cli(capsys, tmp_path / "wf", "orders", "workflow", "--json")
    assert code == 0 and json.loads(out)["transitions"]["pending"] == ["confirmed", "processing", "cancelled"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "bad", "transitions": {"pending": ["shipped"], "shipped": ["pending"]}}))
    code, _, err = _cli(capsys, tmp_path / "wf", "orders", "workflow", "--check", str(bad))
    assert code == 1 and "workflow bad: no final status" in err
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"name": "good", "transitions": {"pending": ["cancelled"], "cancelled": []}}))
    code, out, _ = _cli(capsys, tmp_path / "wf", "orders", "workflow", "--check", str(good))
    assert code == 0 and "workflow good is valid" in out
