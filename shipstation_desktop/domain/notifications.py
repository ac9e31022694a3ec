"""Customer notification rules (seed 002): channels, preferences, quiet hours, template fallback.

Pure code: which statuses notify by default, when a message may go out in the customer's own time
zone, and which language's template to use when the customer's language has none.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .enums import OrderStatus
from .errors import UserError


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class NotificationState(StrEnum):
    """Seed 002's notification log states, plus DEFERRED (waiting out quiet hours) and DEAD (out of
    retries: a supervisor requeues its job)."""

    PENDING = "pending"
    DEFERRED = "deferred"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    CLICKED = "clicked"
    DEAD = "dead"


# Once a message has left, nothing sends it again (a requeued job finds it done).
FINAL_STATES = frozenset({NotificationState.SENT, NotificationState.DELIVERED, NotificationState.CLICKED})

DEFAULT_LANGUAGE = "es"
FALLBACK_LANGUAGE = "en"
LANGUAGES = ("es", "en", "ro", "ru", "zh")  # shipped templates; the seed names the first four
DEFAULT_TIMEZONE = "Europe/Madrid"
DEFAULT_QUIET_START = time(22, 0)
DEFAULT_QUIET_END = time(8, 0)

# Every status a customer can opt into has a template; PENDING is internal and never notifies.
NOTIFYING_STATUSES = tuple(s for s in OrderStatus if s is not OrderStatus.PENDING)
DEFAULT_EMAIL_STATUSES = frozenset(
    {
        OrderStatus.SHIPPED,
        OrderStatus.OUT_FOR_DELIVERY,
        OrderStatus.DELIVERED,
        OrderStatus.DELAYED,
        OrderStatus.EXCEPTION,
    }
)

# The variables every template may use; each render gets all of them (empty when unknown).
TEMPLATE_VARIABLES = (
    "order_number",
    "tracking_number",
    "carrier",
    "tracking_url",
    "customer_name",
    "status",
    "estimated_delivery",
)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A local-time window; start > end crosses midnight (22:00–08:00); start == end: none."""

    start: time = DEFAULT_QUIET_START
    end: time = DEFAULT_QUIET_END

    @classmethod
    def parse(cls, start: str, end: str) -> QuietHours:
        return cls(parse_hhmm(start), parse_hhmm(end))

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass(frozen=True, slots=True)
class Preferences:
    """One customer's choices; `Preferences()` is what a customer without a stored row gets."""

    email_statuses: frozenset[OrderStatus] = DEFAULT_EMAIL_STATUSES
    sms_statuses: frozenset[OrderStatus] = frozenset()
    language: str = DEFAULT_LANGUAGE
    timezone: str = DEFAULT_TIMEZONE
    quiet_hours: QuietHours = field(default_factory=QuietHours)
    phone: str = ""

    def wants(self, status: OrderStatus, channel: Channel) -> bool:
        chosen = self.email_statuses if channel is Channel.EMAIL else self.sms_statuses
        return status in chosen


def parse_hhmm(text: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise UserError(f"{text!r} is not a time of day like 22:00") from None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"{name!r} is not a known time zone (use a name like Europe/Madrid)") from None


def quiet_until(now: datetime, timezone: str, quiet: QuietHours) -> datetime | None:
    """When quiet hours end (UTC) if `now` falls inside them in the customer's zone; None: send now.

    The end is computed on the local calendar, so a DST change during the night moves it with the
    wall clock (08:00 stays 08:00 local)."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: times must be timezone-aware")
    tz = zone(timezone)
    local = now.astimezone(tz)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return None
    end_day = local.date()
    if quiet.start > quiet.end and local.time().replace(tzinfo=None) >= quiet.start:
        end_day += timedelta(days=1)  # 23:00 → tomorrow's 08:00
    end_local = datetime.combine(end_day, quiet.end, tzinfo=tz)
    return end_local.astimezone(UTC)


def send_time(now: datetime, prefs: Preferences) -> tuple[datetime, bool]:
    """(when to send, deferred?): never dropped, at worst moved to the end of quiet hours."""
    until = quiet_until(now, prefs.timezone, prefs.quiet_hours)
    return (now, False) if until is None else (until, True)


def normalize_language(code: str) -> str:
    """ "es-ES", "ES", "zh_Hans" → "es", "es", "zh": templates are per language, not per region."""
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base or DEFAULT_LANGUAGE


def language_chain(language: str) -> tuple[str, ...]:
    """The customer's language, then the default (es), then en: the order templates are looked up."""
    chain: list[str] = []
    for code in (normalize_language(language), DEFAULT_LANGUAGE, FALLBACK_LANGUAGE):
        if code not in chain:
            chain.append(code)
    return tuple(chain)


def pick_language(language: str, available: Collection[str]) -> str | None:
    """The first language of the fallback chain that has a template; None when none has."""
    return next((code for code in language_chain(language) if code in available), None)


def parse_statuses(values: Iterable[str]) -> frozenset[OrderStatus]:
    known = {s.value: s for s in NOTIFYING_STATUSES}
    out = set()
    for value in values:
        if value not in known:
            raise UserError(f"{value!r} is not an order status that notifies ({', '.join(known)})")
        out.add(known[value])
    return frozenset(out)


def sample_variables(status: OrderStatus, labels: Mapping[str, str] | None = None) -> dict[str, str]:
    """What the template editor and `notify test` render with."""
    return {
        "order_number": "SO-10042",
        "tracking_number": "1Z999AA10123456784",
        "carrier": "UPS",
        "tracking_url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        "customer_name": "Ana García",
        "status": (labels or {}).get(status.value, status.value),
        "estimated_delivery": "2026-11-28",
    }
