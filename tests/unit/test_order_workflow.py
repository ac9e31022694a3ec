"""Order status workflows as data: the default one refuses every move it does not list (with its message),
shipped workflow files agree with the code, broken workflows are refused with a clear reason, and the
rules that turn carrier tracking into an order status."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import pytest

from shipstation_desktop.domain.enums import ExceptionType, OrderStatus, ShipmentStatus
from shipstation_desktop.domain.errors import InvalidTransition
from shipstation_desktop.domain.order_workflow import (
    DEFAULT_WORKFLOW,
    TrackingNews,
    Workflow,
    WorkflowError,
    conflict_message,
    failed_attempts,
    order_status_for_event,
    order_target,
    parse_workflow,
)
from shipstation_desktop.domain.states import ORDER_TRANSITIONS

O = OrderStatus  # noqa: E741 - short names keep the tables readable
S = ShipmentStatus
E = ExceptionType
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _shipped(name: str) -> Workflow:
    text = resources.files("shipstation_desktop").joinpath("resources", "workflows", f"{name}.json").read_text("utf-8")
    return parse_workflow(json.loads(text))


def _flow(**transitions: Any) -> dict[str, Any]:
    return {"name": "custom", "transitions": transitions}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(OrderStatus, repeat=2)))
def test_default_workflow_refuses_every_unlisted_move_with_its_message(current: O, target: O) -> None:
    if target in ORDER_TRANSITIONS[current]:
        DEFAULT_WORKFLOW.check(current, target, "order SO-1")
        assert DEFAULT_WORKFLOW.allows(current, target)
    else:
        with pytest.raises(InvalidTransition) as err:
            DEFAULT_WORKFLOW.check(current, target, "order SO-1")
        assert str(err.value) == f"order SO-1 cannot go from {current.value} to {target.value}"


def test_the_shipped_default_file_is_the_built_in_table() -> None:
    assert dict(_shipped("default").transitions) == dict(ORDER_TRANSITIONS)
    assert _shipped("default").final == {O.CANCELLED, O.RETURNED}


def test_strict_workflow_has_no_shortcuts() -> None:
    strict = _shipped("strict")
    assert not strict.allows(O.PENDING, O.PROCESSING)  # confirm first
    assert strict.allows(O.PENDING, O.CONFIRMED) and strict.allows(O.CONFIRMED, O.PROCESSING)
    assert not strict.allows(O.DELAYED, O.SHIPPED) and strict.allows(O.DELAYED, O.OUT_FOR_DELIVERY)
    with pytest.raises(InvalidTransition, match="order SO-9 cannot go from pending to processing"):
        strict.check(O.PENDING, O.PROCESSING, "order SO-9")


def test_a_custom_workflow_round_trips_through_json() -> None:
    custom = parse_workflow(
        _flow(
            pending=["processing", "cancelled"],
            processing=["shipped"],
            shipped=["delivered"],
            delivered=[],
            cancelled=[],
        )
    )
    assert custom.statuses == {O.PENDING, O.PROCESSING, O.SHIPPED, O.DELIVERED, O.CANCELLED}
    assert custom.next_statuses(O.PENDING) == {O.PROCESSING, O.CANCELLED}
    assert not custom.allows(O.SHIPPED, O.RETURNED)  # a status the workflow does not use
    assert parse_workflow(custom.as_json()) == custom


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"transitions": {"pending": []}}, "a workflow needs a name"),
        ({"name": "x"}, "workflow x: 'transitions' must map each status"),
        (_flow(pending=["lost"], lost=[]), "unknown status 'lost' in the list of pending (valid: pending, confirmed"),
        (_flow(pending=["delivered"], shipping=[]), "unknown status 'shipping' in transitions"),
        (_flow(pending="delivered", delivered=[]), "pending must map to a list of statuses"),
        (_flow(pending=["pending", "delivered"], delivered=[]), "pending cannot lead to itself"),
        (_flow(pending=["delivered"]), "pending leads to delivered, which is not listed (list it with [] if it is"),
        (_flow(pending=["shipped"], shipped=["pending"]), "no final status"),
        (_flow(pending=["delivered"], delivered=[], cancelled=[]), "final status cancelled cannot be reached from"),
        (_flow(pending=["shipped", "delivered"], shipped=["delayed"], delayed=["shipped"], delivered=[]),
         "from shipped no final status can be reached"),
        ({**_flow(confirmed=["delivered"], delivered=[])}, "the initial status pending is not listed"),
        ({**_flow(pending=["delivered"], delivered=[]), "initial": "new"}, "unknown status 'new' in initial"),
    ],
)  # fmt: skip
def test_a_broken_workflow_is_refused_with_a_clear_reason(data: dict[str, Any], message: str) -> None:
    with pytest.raises(WorkflowError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parse_workflow(data)


def test_conflict_message_names_the_version_and_status() -> None:
    assert conflict_message("SO-1", 5, O.SHIPPED) == (
        "Order SO-1 was changed by someone else (now version 5, status shipped); reload and try again"
    )


@pytest.mark.parametrize(
    ("status", "exception", "expected"),
    [
        (S.IN_TRANSIT, E.WEATHER_DELAY, O.DELAYED),
        (S.IN_TRANSIT, E.CUSTOMS_DELAY, O.DELAYED),
        (S.OUT_FOR_DELIVERY, E.DELIVERY_FAILED, O.EXCEPTION),
        (S.IN_TRANSIT, E.ADDRESS_ISSUE, O.EXCEPTION),
        (S.DAMAGED, E.DAMAGED_IN_TRANSIT, O.EXCEPTION),
        (S.LOST, E.LOST_IN_TRANSIT, O.EXCEPTION),
        (S.OUT_FOR_DELIVERY, E.REFUSED_BY_RECIPIENT, O.EXCEPTION),
        (S.RETURNED_TO_SENDER, E.REFUSED_BY_RECIPIENT, O.RETURNED),  # the return wins over the refusal
        (S.DELIVERED, None, O.DELIVERED),
        (S.OUT_FOR_DELIVERY, None, O.OUT_FOR_DELIVERY),
        (S.IN_TRANSIT, None, O.SHIPPED),
        (S.CANCELLED, None, None),
    ],
)
def test_what_one_tracking_event_means_for_the_order(status: S, exception: E | None, expected: O | None) -> None:
    assert order_status_for_event(status, exception) is expected


def _news(*events: tuple[S, E | None, int]) -> list[TrackingNews]:
    return [TrackingNews(st, ex, NOW - timedelta(hours=h), f"{st.value} {ex or ''}".strip()) for st, ex, h in events]


def test_the_newest_event_decides_in_one_move() -> None:
    news = _news((S.OUT_FOR_DELIVERY, None, 5), (S.OUT_FOR_DELIVERY, E.DELIVERY_FAILED, 2))
    move = order_target(
        O.SHIPPED, news, shipment_status=S.OUT_FOR_DELIVERY, eta=None, now=NOW, workflow=DEFAULT_WORKFLOW
    )
    assert move == (O.EXCEPTION, "carrier: OUT_FOR_DELIVERY DELIVERY_FAILED")
    # Next day the carrier tries again: back on its way.
    again = order_target(
        O.EXCEPTION, _news((S.OUT_FOR_DELIVERY, None, 0)), shipment_status=S.OUT_FOR_DELIVERY, eta=None, now=NOW,
        workflow=DEFAULT_WORKFLOW,
    )  # fmt: skip
    assert again is not None and again[0] is O.OUT_FOR_DELIVERY


def test_an_overdue_parcel_is_delayed_once_and_not_flapped() -> None:
    eta = NOW - timedelta(days=1)
    move = order_target(O.SHIPPED, [], shipment_status=S.IN_TRANSIT, eta=eta, now=NOW, workflow=DEFAULT_WORKFLOW)
    assert move is not None and move[0] is O.DELAYED and "has passed" in move[1]
    # Still overdue, another in-transit scan: stays delayed (no delayed -> shipped -> delayed).
    news = _news((S.IN_TRANSIT, None, 1))
    assert (
        order_target(O.DELAYED, news, shipment_status=S.IN_TRANSIT, eta=eta, now=NOW, workflow=DEFAULT_WORKFLOW) is None
    )
    # Delivered late is still delivered.
    done = order_target(O.DELAYED, [], shipment_status=S.DELIVERED, eta=eta, now=NOW, workflow=DEFAULT_WORKFLOW)
    assert done is not None and done[0] is O.DELIVERED


def test_the_workflow_decides_whether_tracking_may_move_the_order() -> None:
    news = _news((S.IN_TRANSIT, None, 0))
    assert order_target(
        O.DELAYED, news, shipment_status=S.IN_TRANSIT, eta=None, now=NOW, workflow=DEFAULT_WORKFLOW
    ) == (
        O.SHIPPED,
        "carrier: IN_TRANSIT",
    )
    strict = _shipped("strict")
    assert order_target(O.DELAYED, news, shipment_status=S.IN_TRANSIT, eta=None, now=NOW, workflow=strict) is None
    # A cancelled order stays cancelled whatever the carrier says.
    assert (
        order_target(O.CANCELLED, news, shipment_status=S.DELIVERED, eta=None, now=NOW, workflow=DEFAULT_WORKFLOW)
        is None
    )


def test_failed_attempts_count_only_delivery_failures() -> None:
    news = _news((S.OUT_FOR_DELIVERY, E.DELIVERY_FAILED, 3), (S.IN_TRANSIT, E.WEATHER_DELAY, 2),
                 (S.OUT_FOR_DELIVERY, E.DELIVERY_FAILED, 1))  # fmt: skip
    assert failed_attempts(news) == 2
