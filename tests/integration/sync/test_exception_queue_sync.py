"""The supervisor queue across benches through a real PostgreSQL center: an assignment, notes and a
resolution made on bench A arrive on bench B; the first resolution wins when two benches resolve."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shipstation_desktop.domain.enums import ExceptionType
from shipstation_desktop.services import central
from shipstation_desktop.services import exception_queue as queue
from shipstation_desktop.services import exceptions as exc_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.sync.syncer import read_status
from tests.fakes.orders import add_order

pytestmark = pytest.mark.postgres

MakeBench = Callable[[str], Bench]
# The center hands out changes below the cluster's oldest running transaction (a safe high-water mark),
# so another client's open transaction on the same server can hold a fresh change back for a moment.
PULL_ATTEMPTS = 200


def _sync_until(bench: Bench, arrived: Callable[[], bool]) -> None:
    for _ in range(PULL_ATTEMPTS):
        assert central.sync_once(bench).rejected == 0
        if arrived():
            return
    raise AssertionError(f"the change never reached {bench.settings.bench_name}")


def _has(bench: Bench, exception_id: str) -> bool:
    return any(e.id == exception_id for e in exc_service.list_exceptions(bench))


def test_assignment_notes_and_resolution_made_on_a_reach_b(make_bench: MakeBench) -> None:
    a, b = make_bench("a"), make_bench("b")
    order_id = add_order(a, "EXQ-1")
    raised = exc_service.raise_exception(
        a, type=ExceptionType.ADDRESS_ISSUE, description="Order EXQ-1: no such street", order_id=order_id
    )
    queue.override(a, raised.id, "Customer confirmed by phone", by="packer-a")
    assert central.sync_once(a).rejected == 0
    _sync_until(b, lambda: _has(b, raised.id) and bool(queue.get(b, raised.id).notes))
    on_b = queue.get(b, raised.id)
    assert on_b.bench_id == a.store.bench_id and on_b.order_number == "EXQ-1"
    assert [(n.kind, n.by) for n in on_b.notes] == [("override", "packer-a")]
    # Filtering by the raising bench works on the other bench too.
    assert [e.id for e in queue.query(b, queue.QueueFilter(bench_id=a.store.bench_id))] == [raised.id]

    queue.assign(a, raised.id, "Maria", by="sup-a")
    queue.add_note(a, raised.id, "Called the customer", by="Maria")
    exc_service.resolve(a, raised.id, "Address corrected with the carrier", by="Maria")
    assert central.sync_once(a).rejected == 0
    _sync_until(b, lambda: queue.get(b, raised.id).resolved_at is not None and len(queue.get(b, raised.id).notes) == 3)
    done = queue.get(b, raised.id)
    assert done.resolution == "Address corrected with the carrier"
    assert done.resolved_by == "Maria" and done.resolved_at is not None
    assert done.assigned_to == "Maria"
    assert [n.text for n in done.notes] == ["Packer went on: Customer confirmed by phone", "Assigned to Maria",
                                            "Called the customer"]  # fmt: skip
    assert exc_service.open_counts(b)[raised.severity] == 0
    assert read_status(b.store).pending == 0  # pulled rows never echo back


def test_notes_written_on_two_benches_at_once_both_survive(make_bench: MakeBench) -> None:
    a, b = make_bench("a"), make_bench("b")
    raised = exc_service.raise_exception(a, type=ExceptionType.CUSTOMS_DELAY, description="Held", subject="EXQ-2")
    central.sync_once(a)
    _sync_until(b, lambda: _has(b, raised.id))
    queue.add_note(a, raised.id, "Broker asked for the invoice", by="ana")
    queue.add_note(b, raised.id, "Invoice emailed", by="ben")  # offline at the same time
    exc_service.resolve(a, raised.id, "Released", by="ana")
    exc_service.resolve(b, raised.id, "Cleared by customs", by="ben")
    for bench in (a, b, a):
        assert central.sync_once(bench).rejected == 0
    _sync_until(b, lambda: len(queue.get(b, raised.id).notes) == 2 and queue.get(b, raised.id).resolution == "Released")
    _sync_until(a, lambda: len(queue.get(a, raised.id).notes) == 2)
    on_a, on_b = queue.get(a, raised.id), queue.get(b, raised.id)
    assert {n.text for n in on_a.notes} == {"Broker asked for the invoice", "Invoice emailed"}
    assert {n.text for n in on_b.notes} == {n.text for n in on_a.notes}
    # The center keeps the first resolution it received; both benches end with it.
    assert on_a.resolution == on_b.resolution == "Released" and on_a.resolved_by == on_b.resolved_by == "ana"
