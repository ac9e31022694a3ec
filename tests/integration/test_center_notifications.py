"""Status changes the hub made at the center (no bench made them) notify customers exactly once: on the
one bench with notify_center_changes on, under ids every bench would derive alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.enums import OrderStatus
from shipstation_desktop.domain.notifications import Channel
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.notification_tables import Notification
from shipstation_desktop.services import bootstrap, jobs
from shipstation_desktop.services import notifications as service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.job_handlers import all_handlers
from shipstation_desktop.services.status import move_order
from shipstation_desktop.settings.secrets import SecretStore
from shipstation_desktop.sync.jobs import JobState
from tests.fakes.keyring_backend import MemoryKeyring
from tests.fakes.orders import add_order

NUMBER = "1Z999AA10123456784"


@pytest.fixture
def notifier(tmp_path: Path) -> Iterator[Bench]:
    b = bootstrap.open_bench(
        tmp_path / "bench", clock=FakeClock(), secrets=SecretStore(MemoryKeyring()), reconcile=False
    )
    b.settings.notifications.enabled = True
    b.settings.notifications.notify_center_changes = True
    yield b
    b.close()


def pulled_from_hub(bench: Bench, order_id: str, *targets: OrderStatus) -> list[str]:
    """As the sync pull writes them: a remote session (no outbox, no bench-side notification hook)."""
    with bench.store.session(remote=True) as s:
        order = s.get_one(t.Order, order_id)
        for target in targets:
            move_order(s, order, target, by="hub", source="webhook", tracking_number=NUMBER, carrier="ups")
        now = bench.clock.now()
        for row in s.new:  # pulled rows arrive stamped by the center, not by this bench
            if isinstance(row, t.OrderStatusHistory):
                row.created_at, row.updated_at, row.bench_id = now, now, "hub"
        s.flush()
        return list(s.scalars(select(t.OrderStatusHistory.id).where(t.OrderStatusHistory.source == "webhook")))


def notes(bench: Bench) -> list[Notification]:
    with bench.store.session() as s:
        return list(s.scalars(select(Notification)))


def test_the_notifier_bench_records_hub_changes_once(notifier: Bench) -> None:
    order_id = add_order(notifier, "SO-H1")
    (history_id, shipped_id) = pulled_from_hub(notifier, order_id, OrderStatus.PROCESSING, OrderStatus.SHIPPED)
    assert notes(notifier) == []  # the pull itself notifies nobody
    assert service.notify_center_changes(notifier) == 1  # shipped e-mails by default; processing does not
    (note,) = notes(notifier)
    assert note.trigger == "shipped" and note.channel == "email"
    assert note.id == service.center_notification_id(shipped_id, Channel.EMAIL)
    assert service.notify_center_changes(notifier) == 0  # again: nothing new
    with notifier.store.session() as s:  # the notification goes to the center like any bench's
        assert s.scalar(select(t.Outbox.entity_id).where(t.Outbox.entity == "notifications")) == note.id
    assert history_id != shipped_id


def test_other_benches_leave_hub_changes_alone(notifier: Bench) -> None:
    notifier.settings.notifications.notify_center_changes = False
    order_id = add_order(notifier, "SO-H2")
    pulled_from_hub(notifier, order_id, OrderStatus.PROCESSING, OrderStatus.SHIPPED)
    assert service.notify_center_changes(notifier) == 0
    assert service.ensure_center_watch(notifier) is None


def test_the_watch_runs_as_a_job_and_queues_its_next_look(notifier: Bench) -> None:
    order_id = add_order(notifier, "SO-H3")
    pulled_from_hub(notifier, order_id, OrderStatus.PROCESSING, OrderStatus.SHIPPED)
    first = service.ensure_center_watch(notifier)
    assert service.ensure_center_watch(notifier) == first  # one waiting look, however often asked
    watch = all_handlers(notifier)[service.CENTER_WATCH_JOB]
    jobs.run_due(notifier, {service.CENTER_WATCH_JOB: watch})
    assert jobs.queue(notifier).get(first).state is JobState.DONE
    assert [n.trigger for n in notes(notifier)] == ["shipped"]
    waiting = [j.name for j in jobs.list_jobs(notifier, JobState.PENDING)]
    assert waiting == [service.CENTER_WATCH_JOB]  # the next look, a minute later
    assert service.NOTIFY_JOB in {j.name for j in jobs.list_jobs(notifier)}  # the message's own job
