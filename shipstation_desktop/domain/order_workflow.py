"""Order status workflows (seed 002's order_status_workflows.status_flow) as data, plus the rules that
turn carrier tracking into an order status. Pure: parsing a workflow takes a mapping, never a file.

A workflow names, for every status it uses, the statuses that may follow it. The built-in "default"
workflow is `states.ORDER_TRANSITIONS`; others ship as JSON under resources/workflows/ or sit in the
bench's data directory, and settings pick the active one. A workflow is checked before use, so a typo
in a file is a clear message at start-up rather than an order stuck at the bench.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from .enums import ExceptionType, OrderStatus, ShipmentStatus
from .errors import InvalidTransition, UserError
from .states import ORDER_TRANSITIONS, order_status_for_shipment

DEFAULT_WORKFLOW_NAME = "default"


class StatusSource(StrEnum):
    """Where a status change came from (stored lower-case in order_status_history.source)."""

    BENCH = "bench"
    CARRIER = "carrier"
    SYNC = "sync"
    WEBHOOK = "webhook"


SYSTEM_ACTOR = "system"  # the actor of changes nobody at a bench made (carrier, webhook)


class WorkflowError(UserError):
    """A workflow file that cannot be used; the message names the workflow and the problem."""


@dataclass(frozen=True, slots=True)
class Workflow:
    name: str
    transitions: Mapping[OrderStatus, frozenset[OrderStatus]]
    initial: OrderStatus = OrderStatus.PENDING
    description: str = ""

    @property
    def statuses(self) -> frozenset[OrderStatus]:
        return frozenset(self.transitions)

    @property
    def final(self) -> frozenset[OrderStatus]:
        return frozenset(s for s, nxt in self.transitions.items() if not nxt)

    def next_statuses(self, current: OrderStatus) -> frozenset[OrderStatus]:
        return self.transitions.get(current, frozenset())

    def allows(self, current: OrderStatus, target: OrderStatus) -> bool:
        return target in self.next_statuses(current)

    def check(self, current: OrderStatus, target: OrderStatus, subject: str = "Order") -> None:
        """Raises InvalidTransition ("order SO-1 cannot go from delivered to processing")."""
        if not self.allows(current, target):
            raise InvalidTransition(subject, current.value, target.value)

    def as_json(self) -> dict[str, Any]:
        order = list(OrderStatus)
        return {
            "name": self.name,
            "description": self.description,
            "initial": self.initial.value,
            "transitions": {
                s.value: sorted((n.value for n in nxt), key=lambda v: order.index(OrderStatus(v)))
                for s, nxt in sorted(self.transitions.items(), key=lambda kv: order.index(kv[0]))
            },
        }


DEFAULT_WORKFLOW = Workflow(
    DEFAULT_WORKFLOW_NAME,
    dict(ORDER_TRANSITIONS),
    description="Built in: forward jumps allowed, void sends a shipped order back to processing.",
)


def _status(value: object, workflow: str, where: str) -> OrderStatus:
    try:
        return OrderStatus(str(value).strip().lower())
    except ValueError:
        valid = ", ".join(s.value for s in OrderStatus)
        raise WorkflowError(f"workflow {workflow}: unknown status {value!r} in {where} (valid: {valid})") from None


def parse_workflow(data: Mapping[str, Any], name: str | None = None) -> Workflow:
    """A workflow from its JSON form, validated: {"name", "description", "initial", "transitions"}."""
    wf_name = str(name or data.get("name") or "").strip()
    if not wf_name:
        raise WorkflowError("a workflow needs a name")
    raw = data.get("transitions")
    if not isinstance(raw, Mapping) or not raw:
        raise WorkflowError(f"workflow {wf_name}: 'transitions' must map each status to the statuses that may follow")
    transitions: dict[OrderStatus, frozenset[OrderStatus]] = {}
    for key, targets in raw.items():
        source = _status(key, wf_name, "transitions")
        if source in transitions:
            raise WorkflowError(f"workflow {wf_name}: status {source.value} is listed twice")
        if not isinstance(targets, list | tuple):
            raise WorkflowError(f"workflow {wf_name}: {source.value} must map to a list of statuses ([] if final)")
        nxt = frozenset(_status(v, wf_name, f"the list of {source.value}") for v in targets)
        if source in nxt:
            raise WorkflowError(f"workflow {wf_name}: {source.value} cannot lead to itself")
        transitions[source] = nxt
    initial = _status(data.get("initial", OrderStatus.PENDING.value), wf_name, "initial")
    workflow = Workflow(wf_name, transitions, initial, str(data.get("description", "")))
    validate(workflow)
    return workflow


def validate(workflow: Workflow) -> None:
    """Every status used is listed, reachable from the initial one, and can still reach a final one."""
    name, tr = workflow.name, workflow.transitions
    if workflow.initial not in tr:
        raise WorkflowError(f"workflow {name}: the initial status {workflow.initial.value} is not listed")
    for source, nxt in tr.items():
        for target in sorted(nxt - tr.keys()):
            raise WorkflowError(
                f"workflow {name}: {source.value} leads to {target.value}, which is not listed "
                "(list it with [] if it is final)"
            )
    if not workflow.final:
        raise WorkflowError(f"workflow {name}: no final status (one with []), so no order could ever finish")
    reachable = _reach(tr, [workflow.initial])
    for status in (s for s in OrderStatus if s in tr and s not in reachable):
        kind = "final status" if status in workflow.final else "status"
        raise WorkflowError(f"workflow {name}: {kind} {status.value} cannot be reached from {workflow.initial.value}")
    for status in (s for s in OrderStatus if s in tr):
        if not _reach(tr, [status]) & workflow.final:
            raise WorkflowError(f"workflow {name}: from {status.value} no final status can be reached")


def _reach(tr: Mapping[OrderStatus, frozenset[OrderStatus]], start: Iterable[OrderStatus]) -> set[OrderStatus]:
    seen: set[OrderStatus] = set()
    todo = list(start)
    while todo:
        status = todo.pop()
        if status not in seen:
            seen.add(status)
            todo.extend(tr.get(status, ()))
    return seen


def conflict_message(order_number: str, version: int, status: OrderStatus) -> str:
    return (
        f"Order {order_number} was changed by someone else (now version {version}, status {status.value}); "
        "reload and try again"
    )


# ----------------------------------------------------------------------------------- tracking -> order

# A late parcel: the order is delayed, not in trouble.
DELAY_EXCEPTIONS = frozenset({ExceptionType.WEATHER_DELAY, ExceptionType.CUSTOMS_DELAY})
# Something went wrong with the delivery itself: the order needs attention.
FAILURE_EXCEPTIONS = frozenset(
    {
        ExceptionType.DELIVERY_FAILED,
        ExceptionType.ADDRESS_ISSUE,
        ExceptionType.DAMAGED_IN_TRANSIT,
        ExceptionType.LOST_IN_TRANSIT,
        ExceptionType.REFUSED_BY_RECIPIENT,
    }
)
# A failed attempt at the door; each distinct carrier event of this kind is one attempt.
ATTEMPT_EXCEPTIONS = frozenset({ExceptionType.DELIVERY_FAILED})
_FINAL_SHIPMENT = frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED_TO_SENDER})
# Order statuses an overdue parcel turns into DELAYED.
_EN_ROUTE = frozenset({OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY})


def order_status_for_event(status: ShipmentStatus, exception: ExceptionType | None) -> OrderStatus | None:
    """The order status one tracking event implies (None: the event says nothing about the order)."""
    if status in _FINAL_SHIPMENT:
        return order_status_for_shipment(status)  # delivered or returned beats the exception it carries
    if exception in DELAY_EXCEPTIONS:
        return OrderStatus.DELAYED
    if exception in FAILURE_EXCEPTIONS:
        return OrderStatus.EXCEPTION
    return order_status_for_shipment(status)


@dataclass(frozen=True, slots=True)
class TrackingNews:
    """One new carrier event, as far as the order cares."""

    status: ShipmentStatus
    exception: ExceptionType | None
    time: datetime
    description: str = ""
    event_id: str = ""


def order_target(
    current: OrderStatus,
    news: Iterable[TrackingNews],
    *,
    shipment_status: ShipmentStatus,
    eta: datetime | None,
    now: datetime,
    workflow: Workflow,
) -> tuple[OrderStatus, str] | None:
    """Where new tracking takes the order in ONE move (so a poll never writes delayed->shipped->delayed),
    with the reason; None when it stays.

    The newest event wins; a delivered or returned shipment wins over any event; a parcel still on its way
    after its ETA is delayed. The workflow decides whether the move is allowed at all.
    """
    events = sorted(news, key=lambda n: n.time)
    target: OrderStatus | None = None
    reason = ""
    for ev in events:
        implied = order_status_for_event(ev.status, ev.exception)
        if implied is not None:
            target, reason = implied, f"carrier: {ev.description or ev.status.value}"
    if shipment_status in _FINAL_SHIPMENT:
        final = order_status_for_shipment(shipment_status)
        if final is not None and final is not target:
            target, reason = final, f"carrier: shipment {shipment_status.value}"
    elif eta is not None and eta < now and (target or current) in _EN_ROUTE:
        target, reason = OrderStatus.DELAYED, f"estimated delivery {eta.isoformat()} has passed"
    if target is None or target is current or not workflow.allows(current, target):
        return None
    return target, reason


def failed_attempts(news: Iterable[TrackingNews]) -> int:
    return sum(1 for n in news if n.exception in ATTEMPT_EXCEPTIONS)
