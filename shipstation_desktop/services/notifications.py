"""Customer notifications (seed 002): recording them when an order's status changes, sending them
through the job queue, preferences, the log, and a test message.

Flow: every OrderStatusHistory row a bench writes (move_order) is seen in the same flush by a
session hook, which adds the notification rows and a "notify" job per row in that same transaction:
a status change and the promise to tell the customer commit together or not at all. The job renders
the template and sends; a failure is retried by the queue (1 s, 5 s, 15 s) and ends as a dead letter
with the notification marked dead. Quiet hours in the customer's zone defer a message (a delayed job),
never drop it. Changes applied from the center (source "sync") do not notify: their bench did.
Changes the hub made at the center (source "webhook": carrier webhooks, ShipStation ship notices)
were made by no bench: the one bench with `notify_center_changes` on records them after it pulls,
under ids derived from the history row, so they are recorded and sent once.
"""

from __future__ import annotations

import logging
import threading
import uuid
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from shipstation_desktop.domain import notifications as rules
from shipstation_desktop.domain.enums import OrderStatus, ShipmentStatus
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.domain.ids import uuid7
from shipstation_desktop.domain.notifications import Channel, NotificationState, Preferences, QuietHours
from shipstation_desktop.messaging.port import Email, EmailSender, MessagingError, SmsSender
from shipstation_desktop.persistence import outbox
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.notification_tables import (
    Notification,
    NotificationPreference,
    preference_id,
)
from shipstation_desktop.settings.model import NotificationSettings
from shipstation_desktop.sync.jobs import MAX_ATTEMPTS, Handler, JobQueue, JobState, PermanentJobError, Priority

from . import notification_templates as templates
from .bench import Bench

log = logging.getLogger(__name__)

NOTIFY_JOB = "notify"
SMTP_USER_KEY = "smtp/user"
SMTP_PASSWORD_KEY = "smtp/password"
SMS_TOKEN_KEY = "sms/token"
URGENT_STATUSES = frozenset({OrderStatus.EXCEPTION, OrderStatus.DELAYED, OrderStatus.OUT_FOR_DELIVERY})
RETRYABLE = (NotificationState.PENDING, NotificationState.DEFERRED, NotificationState.FAILED)
_QUEUED = "notifications_queued"
# Status changes made at the center by the hub arrive with this source; the notifier bench tells the
# customers about them (settings.notifications.notify_center_changes).
CENTER_SOURCE = "webhook"
CENTER_WATCH_JOB = "notify_center_changes"
CENTER_WATCH_INTERVAL_S = 60.0
CENTER_LOOKBACK = timedelta(days=2)
_CENTER_NAMESPACE = uuid.UUID("6f1c2b9e-5d3a-4c8e-9b1f-2a7d4e6c8b30")


def job_key(notification_id: str) -> str:
    return f"{NOTIFY_JOB}:{notification_id}"


# ----------------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class NotificationView:
    id: str
    order_number: str
    customer_id: str | None
    trigger: OrderStatus
    channel: Channel
    language: str
    recipient: str
    subject: str
    body: str
    state: NotificationState
    attempts: int
    send_after: datetime
    sent_at: datetime | None
    provider_message_id: str
    last_error: str
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "order_number": self.order_number,
            "customer_id": self.customer_id,
            "trigger": self.trigger.value,
            "channel": self.channel.value,
            "language": self.language,
            "recipient": self.recipient,
            "subject": self.subject,
            "body": self.body,
            "state": self.state.value,
            "attempts": self.attempts,
            "send_after": self.send_after.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "provider_message_id": self.provider_message_id or None,
            "last_error": self.last_error or None,
            "created_at": self.created_at.isoformat(),
        }


def _view(row: Notification, order_number: str) -> NotificationView:
    return NotificationView(
        row.id,
        order_number,
        row.customer_id,
        OrderStatus(row.trigger),
        Channel(row.channel),
        row.language,
        row.recipient,
        row.subject,
        row.body,
        NotificationState(row.state),
        row.attempts,
        row.send_after,
        row.sent_at,
        row.provider_message_id,
        row.last_error,
        row.created_at,
    )


# ----------------------------------------------------------------------------------- preferences


def default_preferences(cfg: NotificationSettings) -> Preferences:
    return Preferences(
        language=rules.normalize_language(cfg.default_language),
        timezone=cfg.default_timezone,
        quiet_hours=QuietHours.parse(cfg.quiet_start, cfg.quiet_end),
    )


def _preferences(row: NotificationPreference | None, cfg: NotificationSettings) -> Preferences:
    if row is None:
        return default_preferences(cfg)
    return Preferences(
        email_statuses=rules.parse_statuses(row.email_statuses),
        sms_statuses=rules.parse_statuses(row.sms_statuses),
        language=rules.normalize_language(row.language),
        timezone=row.timezone,
        quiet_hours=QuietHours.parse(row.quiet_start, row.quiet_end),
        phone=row.phone,
    )


def _preference_row(session: Session, customer_id: str) -> NotificationPreference | None:
    return session.scalar(select(NotificationPreference).where(NotificationPreference.customer_id == customer_id))


def get_preferences(bench: Bench, customer_id: str) -> Preferences:
    with bench.store.session() as s:
        return _preferences(_preference_row(s, customer_id), bench.settings.notifications)


def set_preferences(bench: Bench, customer_id: str, prefs: Preferences) -> Preferences:
    rules.zone(prefs.timezone)  # refuse an unknown zone now, not at 22:00
    with bench.store.session() as s:
        if s.get(t.Customer, customer_id) is None:
            raise NotFound(f"no customer {customer_id}")
        row = _preference_row(s, customer_id)
        if row is None:
            row = NotificationPreference(id=preference_id(customer_id), customer_id=customer_id)
            s.add(row)
        row.email_statuses = sorted(st.value for st in prefs.email_statuses)
        row.sms_statuses = sorted(st.value for st in prefs.sms_statuses)
        row.language = rules.normalize_language(prefs.language)
        row.timezone = prefs.timezone
        row.quiet_start = prefs.quiet_hours.start.strftime("%H:%M")
        row.quiet_end = prefs.quiet_hours.end.strftime("%H:%M")
        row.phone = prefs.phone
    bench.changed("customers")
    return get_preferences(bench, customer_id)


# ----------------------------------------------------------------------------------- recording


_benches: dict[str, weakref.ref[Bench]] = {}
_install_lock = threading.Lock()
_listening = False


def install(bench: Bench) -> None:
    """Lets status changes on this bench's database record notifications (when enabled in settings).

    The hook is on every Session, keyed by the database's bench id, so the job worker's and the sync
    worker's own Stores on the same file are covered too (tracking updates arrive there)."""
    global _listening
    with _install_lock:
        _benches[bench.store.bench_id] = weakref.ref(bench)
        if not _listening:
            event.listen(Session, "before_flush", _before_flush)
            event.listen(Session, "after_commit", _after_commit)
            _listening = True


def _bench_for(session: Session) -> Bench | None:
    ref = _benches.get(session.info.get("bench_id", ""))
    return None if ref is None else ref()


def _before_flush(session: Session, _flush_context: object, _instances: object) -> None:
    if session.info.get(outbox.REMOTE) or "clock" not in session.info:
        return
    histories = [
        obj for obj in session.new if isinstance(obj, t.OrderStatusHistory) and obj.source != "sync"
    ]  # fmt: skip
    if not histories:
        return
    bench = _bench_for(session)
    if bench is None or not bench.settings.notifications.enabled:
        return
    with session.no_autoflush:
        queued = sum(record_status_change(session, bench.settings.notifications, h) for h in histories)
    if queued:
        session.info[_QUEUED] = session.info.get(_QUEUED, 0) + queued


def _after_commit(session: Session) -> None:
    if not session.info.pop(_QUEUED, 0):
        return
    bench = _bench_for(session)
    if bench is not None:
        bench.changed("jobs")  # wakes the job worker now rather than at its next idle tick
        bench.changed("notifications")


def center_notification_id(history_id: str, channel: Channel) -> str:
    """The id of the notification one center-made status change gives on one channel: the same on
    every bench, so a second notifier bench cannot record (and the center cannot store) it twice."""
    return str(uuid.uuid5(_CENTER_NAMESPACE, f"{history_id}|{channel.value}"))


def record_status_change(
    session: Session, cfg: NotificationSettings, history: t.OrderStatusHistory, *, from_center: bool = False
) -> int:
    """Adds the notifications (and their jobs) one status change calls for; returns how many."""
    try:
        status = OrderStatus(history.status)
    except ValueError:
        return 0
    order = session.get(t.Order, history.order_id)
    if order is None or order.customer_id is None:
        return 0
    customer = session.get(t.Customer, order.customer_id)
    if customer is None or customer.deleted_at is not None:
        return 0
    prefs = _preferences(_preference_row(session, customer.id), cfg)
    now: datetime = session.info["clock"].now()
    send_after, deferred = rules.send_time(now, prefs)
    variables = {
        "tracking_number": history.tracking_number or "",
        "carrier": history.carrier or "",
        "estimated_delivery": history.estimated_delivery.isoformat() if history.estimated_delivery else "",
    }
    added = 0
    for channel in Channel:
        if not prefs.wants(status, channel):
            continue
        recipient = customer.email if channel is Channel.EMAIL else (prefs.phone or customer.phone)
        if not recipient:
            continue
        row = Notification(
            id=center_notification_id(history.id, channel) if from_center else uuid7(),
            customer_id=customer.id,
            order_id=order.id,
            trigger=status.value,
            channel=channel.value,
            language=prefs.language,
            recipient=recipient,
            subject="",
            body="",
            state=(NotificationState.DEFERRED if deferred else NotificationState.PENDING).value,
            attempts=0,
            send_after=send_after,
            provider_message_id="",
            last_error="",
            variables=variables,
            # Stamped here: this hook may run after the outbox's own stamping in the same flush.
            created_at=now,
            updated_at=now,
            bench_id=session.info["bench_id"],
            version=1,
        )
        session.add(row)
        session.add(_job_row(row.id, status, send_after, now))
        added += 1
    return added


def _job_row(notification_id: str, status: OrderStatus, due: datetime, now: datetime) -> t.JobRow:
    # A row rather than JobQueue.enqueue: the queue opens its own transaction, and this job must
    # commit (or not) with the status change. The key is unique per notification: nothing to merge.
    return t.JobRow(
        id=uuid7(),
        name=NOTIFY_JOB,
        payload={"notification_id": notification_id},
        priority=int(Priority.HIGH if status in URGENT_STATUSES else Priority.MEDIUM),
        state=JobState.PENDING.value,
        dedupe_key=job_key(notification_id),
        attempts=0,
        max_attempts=MAX_ATTEMPTS,
        run_after=due,
        last_error="",
        created_at=now,
        updated_at=now,
    )


# ----------------------------------------------------------------------------------- senders


def email_sender(bench: Bench) -> EmailSender:
    from shipstation_desktop.messaging.smtp import SmtpConfig, SmtpEmailSender

    cfg = bench.settings.notifications
    return SmtpEmailSender(
        SmtpConfig(
            host=cfg.smtp_host,
            port=cfg.smtp_port,
            sender=cfg.smtp_from,
            starttls=cfg.smtp_starttls,
            user=bench.secrets.get(SMTP_USER_KEY) or "",
            password=bench.secrets.get(SMTP_PASSWORD_KEY) or "",
            timeout_s=cfg.smtp_timeout_s,
            ca_file=cfg.smtp_ca_file,
        )
    )


def sms_sender(bench: Bench) -> SmsSender:
    from shipstation_desktop.messaging.sms_http import HttpSmsSender

    cfg = bench.settings.notifications
    return HttpSmsSender(cfg.sms_url, bench.secrets.get(SMS_TOKEN_KEY) or "", sender_id=cfg.sms_sender_id)


@dataclass(frozen=True, slots=True)
class Senders:
    """Fixed senders (tests, the demo); None: built from settings and keyring at each send, so a
    change in Preferences applies without a restart."""

    email: EmailSender | None = None
    sms: SmsSender | None = None


def _send(bench: Bench, senders: Senders, channel: Channel, to: str, rendered: templates.Rendered) -> str:
    if channel is Channel.EMAIL:
        sender = senders.email or email_sender(bench)
        return sender.send(Email(to, rendered.subject, rendered.body, rendered.html))
    sms = senders.sms or sms_sender(bench)
    return sms.send(to, rendered.body)


# ----------------------------------------------------------------------------------- delivery


def _variables(session: Session, row: Notification, language: str) -> dict[str, str]:
    order = session.get(t.Order, row.order_id)
    customer = session.get(t.Customer, row.customer_id) if row.customer_id else None
    shipment = session.scalars(
        select(t.Shipment)
        .where(
            t.Shipment.order_id == row.order_id,
            t.Shipment.deleted_at.is_(None),
            t.Shipment.superseded_by.is_(None),
            t.Shipment.status != ShipmentStatus.CANCELLED.value,
        )
        .order_by(t.Shipment.created_at.desc())
    ).first()
    captured = dict(row.variables or {})
    eta = shipment.estimated_delivery if shipment is not None else None
    values = {
        "order_number": order.order_number if order else "",
        "customer_name": customer.name if customer else (order.ship_to.get("name", "") if order else ""),
        "tracking_number": captured.get("tracking_number") or (shipment.tracking_number if shipment else ""),
        "carrier": captured.get("carrier") or (shipment.carrier if shipment else ""),
        "tracking_url": shipment.tracking_url if shipment else "",
        "estimated_delivery": captured.get("estimated_delivery") or (eta.isoformat() if eta else ""),
        "status": templates.status_label(OrderStatus(row.trigger), language),
    }
    if values["estimated_delivery"]:
        values["estimated_delivery"] = values["estimated_delivery"][:10]  # the date is what a customer needs
    return {k: str(v or "") for k, v in values.items()}


def _reschedule(bench: Bench, notification_id: str, due: datetime) -> None:
    delay = max(0.0, (due - bench.clock.now()).total_seconds())
    JobQueue(bench.store).enqueue(
        NOTIFY_JOB, {"notification_id": notification_id}, dedupe_key=job_key(notification_id), delay_s=delay
    )


def _last_try(session: Session, notification_id: str) -> bool:
    """True when the job running this notification has no retry left (it becomes a dead letter)."""
    job = session.scalars(
        select(t.JobRow).where(t.JobRow.dedupe_key == job_key(notification_id), t.JobRow.state == JobState.RUNNING)
    ).first()
    return job is not None and job.attempts >= job.max_attempts


def deliver(
    bench: Bench, notification_id: str, senders: Senders | None = None, *, from_job: bool = False
) -> NotificationState:
    """Sends one notification if it is due (idempotent: a sent one is left alone).

    from_job: failures raise so the job queue retries (PermanentJobError when no retry can help);
    otherwise (the CLI's `notify run`) a failure is recorded and its job still retries later."""
    senders = senders or Senders()
    now = bench.clock.now()
    rendered: templates.Rendered | None = None
    render_error = ""
    with bench.store.session() as s:
        row = s.get(Notification, notification_id)
        if row is None:
            raise PermanentJobError(f"no notification {notification_id}")
        state = NotificationState(row.state)
        if state in rules.FINAL_STATES:
            return state
        if row.bench_id != bench.store.bench_id:
            return state  # another bench's message, pulled for the log: that bench sends it
        if row.send_after > now:
            due: datetime | None = row.send_after
        else:
            prefs = _preferences(
                _preference_row(s, row.customer_id) if row.customer_id else None, bench.settings.notifications
            )
            due = rules.quiet_until(now, prefs.timezone, prefs.quiet_hours)  # a retry can land in quiet hours
            if due is not None:
                row.state, row.send_after = NotificationState.DEFERRED.value, due
            else:
                row.attempts += 1
        try:
            s.flush()  # the optimistic version check makes this the claim: one sender only
        except StaleDataError:
            s.rollback()
            if from_job:  # whoever won may yet fail: this job checks again after its backoff
                raise UserError("another worker is sending this notification right now") from None
            return NotificationState.PENDING
        if due is None:
            channel, recipient, trigger = Channel(row.channel), row.recipient, OrderStatus(row.trigger)
            last_try = from_job and _last_try(s, notification_id)
            try:
                rendered = templates.render_for(s, trigger, channel, row.language, _variables(s, row, row.language))
            except templates.TemplateError as exc:
                render_error = str(exc)
    if due is not None:
        _reschedule(bench, notification_id, due)
        bench.changed("notifications")
        return NotificationState.DEFERRED
    if rendered is None:
        _finish(bench, notification_id, NotificationState.DEAD, error=render_error)
        if from_job:
            raise PermanentJobError(render_error)
        return NotificationState.DEAD
    try:
        message_id = _send(bench, senders, channel, recipient, rendered)
    except MessagingError as exc:
        dead = exc.permanent or last_try
        outcome = NotificationState.DEAD if dead else NotificationState.FAILED
        _finish(bench, notification_id, outcome, rendered, str(exc))
        if from_job and exc.permanent:
            raise PermanentJobError(str(exc)) from exc
        if from_job:
            raise  # the queue retries after its backoff, or dead-letters it after the last try
        return outcome
    except Exception as exc:  # a bug in an adapter: recorded, then the queue logs it and retries
        _finish(bench, notification_id, NotificationState.FAILED, rendered, f"{type(exc).__name__}: {exc}")
        raise
    _finish(bench, notification_id, NotificationState.SENT, rendered, message_id=message_id)
    return NotificationState.SENT


def _finish(
    bench: Bench,
    notification_id: str,
    state: NotificationState,
    rendered: templates.Rendered | None = None,
    error: str = "",
    message_id: str = "",
) -> None:
    now = bench.clock.now()
    for _ in range(3):  # a concurrent claim attempt bumps the version; the outcome must still be kept
        try:
            with bench.store.session() as s:
                row = s.get(Notification, notification_id)
                if row is None:
                    return
                row.state = state.value
                row.last_error = error
                if rendered is not None:
                    row.subject, row.body = rendered.subject, rendered.body
                if state is NotificationState.SENT:
                    row.sent_at = now
                    row.provider_message_id = message_id
            break
        except StaleDataError:
            continue
    bench.changed("notifications")


def handlers(bench: Bench, senders: Senders | None = None) -> dict[str, Handler]:
    def run(payload: dict[str, Any]) -> None:
        notification_id = payload.get("notification_id")
        if not isinstance(notification_id, str):
            raise PermanentJobError("a notify job without a notification id")
        deliver(bench, notification_id, senders, from_job=True)

    def watch_center(_payload: dict[str, Any]) -> None:
        notify_center_changes(bench)
        ensure_center_watch(bench, delay_s=CENTER_WATCH_INTERVAL_S)

    return {NOTIFY_JOB: run, CENTER_WATCH_JOB: watch_center}


def notify_center_changes(bench: Bench, *, within: timedelta = CENTER_LOOKBACK) -> int:
    """On the notifier bench: records the notifications for status changes the hub made at the center
    (pulled here with source "webhook") that no bench has recorded yet; returns how many were queued.
    Deterministic ids make this safe to run again and again."""
    cfg = bench.settings.notifications
    if not (cfg.enabled and cfg.notify_center_changes):
        return 0
    since = bench.clock.now() - within
    queued = 0
    with bench.store.session() as s:
        histories = s.scalars(
            select(t.OrderStatusHistory).where(
                t.OrderStatusHistory.source == CENTER_SOURCE, t.OrderStatusHistory.created_at >= since
            )
        ).all()
        for history in histories:
            ids = [center_notification_id(history.id, channel) for channel in Channel]
            if s.scalar(select(func.count()).select_from(Notification).where(Notification.id.in_(ids))):
                continue  # recorded already (here, or by another notifier bench and pulled)
            with s.no_autoflush:
                queued += record_status_change(s, cfg, history, from_center=True)
    if queued:
        bench.changed("jobs")
        bench.changed("notifications")
    return queued


def ensure_center_watch(bench: Bench, *, delay_s: float = 0.0) -> str | None:
    """Queues the next look for center-made changes, on a notifier bench only."""
    cfg = bench.settings.notifications
    if not (cfg.enabled and cfg.notify_center_changes):
        return None
    return JobQueue(bench.store).enqueue(
        CENTER_WATCH_JOB, priority=Priority.LOW, dedupe_key=CENTER_WATCH_JOB, delay_s=delay_s
    )


def send_due(bench: Bench, senders: Senders | None = None) -> dict[str, int]:
    """`notify run`: sends this bench's due notifications now; counts by resulting state."""
    now = bench.clock.now()
    with bench.store.session() as s:
        ids = list(
            s.scalars(
                select(Notification.id)
                .where(
                    Notification.bench_id == bench.store.bench_id,
                    Notification.state.in_([st.value for st in RETRYABLE]),
                    Notification.send_after <= now,
                )
                .order_by(Notification.send_after, Notification.id)
            )
        )
    counts: dict[str, int] = {}
    for notification_id in ids:
        state = deliver(bench, notification_id, senders)
        counts[state.value] = counts.get(state.value, 0) + 1
    return counts


# ----------------------------------------------------------------------------------- queries


def list_notifications(
    bench: Bench,
    state: NotificationState | None = None,
    *,
    order_number: str | None = None,
    limit: int = 500,
) -> list[NotificationView]:
    query = (
        select(Notification, t.Order.order_number)
        .join(t.Order, t.Order.id == Notification.order_id)
        .where(Notification.deleted_at.is_(None))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    if state is not None:
        query = query.where(Notification.state == state.value)
    if order_number:
        query = query.where(t.Order.order_number == order_number)
    with bench.store.session() as s:
        return [_view(row, number) for row, number in s.execute(query)]


# ----------------------------------------------------------------------------------- test message


@dataclass(frozen=True, slots=True)
class TestResult:
    channel: Channel
    to: str
    language: str
    subject: str
    body: str
    provider_message_id: str

    def as_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel.value,
            "to": self.to,
            "language": self.language,
            "subject": self.subject,
            "body": self.body,
            "provider_message_id": self.provider_message_id or None,
        }


def send_test(
    bench: Bench,
    channel: Channel,
    to: str,
    *,
    language: str = rules.DEFAULT_LANGUAGE,
    status: OrderStatus = OrderStatus.SHIPPED,
    senders: Senders | None = None,
) -> TestResult:
    """Renders `status`'s template with sample values and sends it now (no queue, no log row)."""
    if not to.strip():
        raise UserError("give the address or phone number to send the test to")
    with bench.store.session() as s:
        labels = templates.status_labels(language)
        rendered = templates.render_for(s, status, channel, language, rules.sample_variables(status, labels))
    message_id = _send(bench, senders or Senders(), channel, to.strip(), rendered)
    return TestResult(channel, to.strip(), rendered.language, rendered.subject, rendered.body, message_id)


def next_run(bench: Bench) -> datetime | None:
    """When the earliest waiting notification is due (the log view shows it)."""
    with bench.store.session() as s:
        return s.scalar(
            select(Notification.send_after)
            .where(Notification.state.in_([st.value for st in RETRYABLE]))
            .order_by(Notification.send_after)
            .limit(1)
        )
