"""Carrier performance, integration health, the seed's KPIs and packer productivity, as pure functions.

The services read rows into the small fact records below; everything that is a rule (what counts as
on time, as an exception, as a successful label, how a percentile is taken) lives here so it can be
checked by known answers. Seed 000 §5 names the targets: label generation success > 99.5 %, average
tracking lag < 30 minutes.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .enums import ExceptionType, LabelPurchaseState, ShipmentStatus
from .errors import UserError

# Seed 000 §5 "Shipment Tracking KPIs".
LABEL_SUCCESS_TARGET_PCT = 99.5
TRACKING_LAG_TARGET_MIN = 30.0

# Exceptions the carrier caused (the seed's list); bench-side ones (weight, printing, invoices, sync)
# say nothing about a carrier's performance.
CARRIER_EXCEPTIONS = frozenset(
    {
        ExceptionType.DELIVERY_FAILED,
        ExceptionType.ADDRESS_ISSUE,
        ExceptionType.CUSTOMS_DELAY,
        ExceptionType.WEATHER_DELAY,
        ExceptionType.DAMAGED_IN_TRANSIT,
        ExceptionType.LOST_IN_TRANSIT,
        ExceptionType.REFUSED_BY_RECIPIENT,
    }
)
# Final states that are themselves a carrier failure, whether or not an exception row exists.
FAILED_OUTCOMES = frozenset({ShipmentStatus.LOST, ShipmentStatus.DAMAGED, ShipmentStatus.RETURNED_TO_SENDER})
# When transit starts: the carrier's first scan; the label date only when no scan was recorded.
PICKUP_STATUSES = frozenset({ShipmentStatus.PICKED_UP, ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY})
SETTLED_PURCHASES = frozenset({LabelPurchaseState.DONE, LabelPurchaseState.FAILED, LabelPurchaseState.NEEDS_REVIEW})
PACK_STEPS = ("scan", "weigh", "rate", "buy", "print")


# --- the period a report covers ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """Whole UTC days, both ends included: [first 00:00, last + 1 day 00:00)."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise UserError(f"the period ends ({self.last}) before it starts ({self.first})")

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=UTC)

    @classmethod
    def last_days(cls, today: date, days: int) -> Period:
        return cls(today - timedelta(days=max(1, days) - 1), today)


def parse_day(text: str) -> date:
    """YYYY-MM-DD, or a UserError naming what was given."""
    try:
        return date.fromisoformat(text.strip()) if re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", text) else _bad(text)
    except ValueError:
        return _bad(text)


def _bad(text: str) -> date:
    raise UserError(f"{text!r} is not a date like 2026-11-23 (YYYY-MM-DD)")


# --- small statistics -------------------------------------------------------------------------------


def percentile(values: Iterable[float], pct: float) -> float | None:
    """Linear interpolation between closest ranks (the spreadsheet PERCENTILE.INC); None when empty."""
    data = sorted(values)
    if not data:
        return None
    if not 0 <= pct <= 100:
        raise ValueError("a percentile is between 0 and 100")
    rank = (len(data) - 1) * pct / 100
    low = math.floor(rank)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (rank - low)


def median(values: Iterable[float]) -> float | None:
    return percentile(values, 50)


def mean(values: Iterable[float]) -> float | None:
    data = list(values)
    return sum(data) / len(data) if data else None


def pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def _round(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


# --- carrier performance ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShipmentFacts:
    carrier: str
    service: str
    status: ShipmentStatus
    label_created_at: datetime | None
    promised_delivery: datetime | None  # the first ETA the carrier gave (kept even when it later moves)
    actual_delivery: datetime | None
    picked_up_at: datetime | None  # first carrier scan, if any
    carrier_exception: bool  # a carrier-caused exception was raised for it
    quoted_cost: Decimal
    billed_cost: Decimal | None
    currency: str


@dataclass(frozen=True, slots=True)
class PurchaseFacts:
    carrier: str
    service: str
    state: LabelPurchaseState


@dataclass(frozen=True, slots=True)
class CarrierPerformance:
    carrier: str
    service: str
    currency: str
    shipments: int
    delivered: int
    on_time_pct: float | None
    avg_transit_days: float | None
    exception_rate_pct: float | None
    label_success_pct: float | None
    cost_per_shipment: Decimal | None  # billed where the invoice is in, else the quote
    quoted_cost_per_shipment: Decimal | None
    billed_shipments: int

    def as_json(self) -> dict[str, object]:
        return {
            "carrier": self.carrier,
            "service": self.service,
            "shipments": self.shipments,
            "delivered": self.delivered,
            "on_time_pct": self.on_time_pct,
            "avg_transit_days": self.avg_transit_days,
            "exception_rate_pct": self.exception_rate_pct,
            "label_success_pct": self.label_success_pct,
            "cost_per_shipment": _money_text(self.cost_per_shipment),
            "quoted_cost_per_shipment": _money_text(self.quoted_cost_per_shipment),
            "billed_shipments": self.billed_shipments,
            "currency": self.currency,
        }


def _money_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def on_time(promised: datetime | None, delivered: datetime | None) -> bool | None:
    """Delivered by the promised time, or on the promised calendar day (UTC): carriers promise a day,
    and an ETA stamped 00:00 must not make a 14:00 delivery late. None when either is unknown."""
    if promised is None or delivered is None:
        return None
    return delivered <= promised or delivered.date() <= promised.date()


def transit_days(facts: ShipmentFacts) -> float | None:
    start = facts.picked_up_at or facts.label_created_at
    if facts.actual_delivery is None or start is None:
        return None
    return max(0.0, (facts.actual_delivery - start) / timedelta(days=1))


def had_exception(facts: ShipmentFacts) -> bool:
    return facts.carrier_exception or facts.status in FAILED_OUTCOMES


def _avg_money(values: Sequence[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def carrier_performance(
    shipments: Iterable[ShipmentFacts], purchases: Iterable[PurchaseFacts] = ()
) -> list[CarrierPerformance]:
    """One row per carrier, service and currency, sorted by carrier then service. Voided (CANCELLED)
    shipments are left out: they never travelled. Label success counts settled purchases only."""
    groups: dict[tuple[str, str, str], list[ShipmentFacts]] = defaultdict(list)
    for s in shipments:
        if s.status is not ShipmentStatus.CANCELLED:
            groups[(s.carrier, s.service, s.currency)].append(s)
    bought: dict[tuple[str, str], list[PurchaseFacts]] = defaultdict(list)
    for p in purchases:
        if p.state in SETTLED_PURCHASES:
            bought[(p.carrier, p.service)].append(p)
    keys = set(groups) | {(c, s, "") for (c, s) in bought if not any(k[:2] == (c, s) for k in groups)}
    rows = []
    for key in sorted(keys):
        carrier, service, currency = key
        items = groups.get(key, [])
        delivered = [s for s in items if s.status is ShipmentStatus.DELIVERED and s.actual_delivery is not None]
        verdicts = [v for s in delivered if (v := on_time(s.promised_delivery, s.actual_delivery)) is not None]
        transits = [d for s in delivered if (d := transit_days(s)) is not None]
        tries = bought.get((carrier, service), [])
        rows.append(
            CarrierPerformance(
                carrier=carrier,
                service=service,
                currency=currency,
                shipments=len(items),
                delivered=len(delivered),
                on_time_pct=pct(sum(verdicts), len(verdicts)),
                avg_transit_days=_round(mean(transits)),
                exception_rate_pct=pct(sum(had_exception(s) for s in items), len(items)),
                label_success_pct=pct(sum(p.state is LabelPurchaseState.DONE for p in tries), len(tries)),
                cost_per_shipment=_avg_money(
                    [s.billed_cost if s.billed_cost is not None else s.quoted_cost for s in items]
                ),
                quoted_cost_per_shipment=_avg_money([s.quoted_cost for s in items]),
                billed_shipments=sum(s.billed_cost is not None for s in items),
            )
        )
    return rows


# --- KPIs -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kpi:
    name: str
    value: float | None
    target: float
    higher_is_better: bool
    unit: str

    @property
    def ok(self) -> bool | None:
        """Pass/fail against the target (strictly beyond it, as the seed says "> 99.5 %", "< 30 min");
        None when there is nothing to measure yet."""
        if self.value is None:
            return None
        return self.value > self.target if self.higher_is_better else self.value < self.target

    def as_json(self) -> dict[str, object]:
        return {"value": self.value, "target": self.target, "ok": self.ok, "unit": self.unit}


def tracking_lag_minutes(pairs: Iterable[tuple[datetime, datetime]]) -> float | None:
    """Average minutes from a carrier event's own time to when the bench stored it. A stored-before-
    happened pair (carrier clock ahead of ours) counts as no lag rather than a negative one."""
    lags = [max(0.0, (stored - happened).total_seconds() / 60) for happened, stored in pairs]
    return _round(mean(lags))


def label_success_pct(states: Iterable[LabelPurchaseState]) -> float | None:
    settled = [s for s in states if s in SETTLED_PURCHASES]
    return pct(sum(s is LabelPurchaseState.DONE for s in settled), len(settled))


def seed_kpis(lag_minutes: float | None, label_pct: float | None) -> dict[str, Kpi]:
    return {
        "tracking_lag_minutes": Kpi("Average tracking lag", lag_minutes, TRACKING_LAG_TARGET_MIN, False, "min"),
        "label_success_pct": Kpi("Label generation success", label_pct, LABEL_SUCCESS_TARGET_PCT, True, "%"),
    }


# --- integration health -----------------------------------------------------------------------------

_ID_SEGMENT = re.compile(r"^(?=.*\d)[A-Za-z0-9_.:=-]{6,}$")


def path_template(path: str) -> str:
    """A request path with its identifiers (tracking numbers, shipment ids, dates) replaced by {id}, so
    calls group by operation, not by parcel: /track/v1/trackingnumbers/1Z999 -> /track/v1/trackingnumbers/{id}.
    Short or letter-only segments (v1, api, shipments) are kept."""
    bare = path.split("?", 1)[0]
    parts = [("{id}" if _ID_SEGMENT.match(p) and not re.fullmatch(r"v\d+", p) else p) for p in bare.split("/")]
    return "/".join(parts) or "/"


@dataclass(frozen=True, slots=True)
class ApiCallFacts:
    carrier: str
    operation: str
    ok: bool
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class ApiHealth:
    carrier: str
    operation: str  # "" for the carrier's total
    calls: int
    failures: int
    success_pct: float | None
    p50_ms: float | None
    p95_ms: float | None

    def as_json(self) -> dict[str, object]:
        return {
            "carrier": self.carrier,
            "operation": self.operation,
            "calls": self.calls,
            "failures": self.failures,
            "success_pct": self.success_pct,
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
        }


def _health(carrier: str, operation: str, calls: Sequence[ApiCallFacts]) -> ApiHealth:
    times = [c.elapsed_ms for c in calls]
    failures = sum(not c.ok for c in calls)
    return ApiHealth(
        carrier,
        operation,
        len(calls),
        failures,
        pct(len(calls) - failures, len(calls)),
        _round(percentile(times, 50), 1),
        _round(percentile(times, 95), 1),
    )


def integration_health(calls: Iterable[ApiCallFacts], *, by_operation: bool = False) -> list[ApiHealth]:
    """Success rate and p50/p95 response time per carrier API (and per operation when asked)."""
    groups: dict[tuple[str, str], list[ApiCallFacts]] = defaultdict(list)
    for c in calls:
        groups[(c.carrier, "")].append(c)
        if by_operation:
            groups[(c.carrier, c.operation)].append(c)
    return [_health(carrier, op, items) for (carrier, op), items in sorted(groups.items())]


# --- packer productivity ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StepFacts:
    session_id: str  # one pack flow (one order at one bench)
    order_number: str
    packer: str
    bench: str
    step: str
    started_at: datetime
    elapsed_s: float
    ok: bool


@dataclass(frozen=True, slots=True)
class PackerStats:
    packer: str
    benches: tuple[str, ...]
    orders: int
    active_hours: int
    orders_per_hour: float | None
    median_order_s: float | None

    def as_json(self) -> dict[str, object]:
        return {
            "packer": self.packer,
            "benches": list(self.benches),
            "orders": self.orders,
            "active_hours": self.active_hours,
            "orders_per_hour": self.orders_per_hour,
            "median_order_s": self.median_order_s,
        }


@dataclass(frozen=True, slots=True)
class StepStats:
    step: str
    count: int
    median_s: float | None
    p95_s: float | None
    max_s: float | None
    total_s: float
    share_pct: float | None  # of all the time spent in steps: where time goes

    def as_json(self) -> dict[str, object]:
        return {
            "step": self.step,
            "count": self.count,
            "median_s": self.median_s,
            "p95_s": self.p95_s,
            "max_s": self.max_s,
            "total_s": self.total_s,
            "share_pct": self.share_pct,
        }


@dataclass(frozen=True, slots=True)
class Productivity:
    packers: list[PackerStats]
    steps: list[StepStats]
    slowest: list[StepFacts] = field(default_factory=list)
    orders: int = 0


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def productivity(steps: Iterable[StepFacts], *, slowest: int = 10) -> Productivity:
    """Orders per active hour per packer (an hour counts when the packer did any step in it, so
    breaks and nights do not dilute the rate), the median and slowest steps, and each step's share
    of the time. An order is a pack flow whose label was bought (a successful "buy" step)."""
    items = list(steps)
    sessions: dict[str, list[StepFacts]] = defaultdict(list)
    for s in items:
        sessions[s.session_id].append(s)
    shipped = {sid for sid, ss in sessions.items() if any(s.step == "buy" and s.ok for s in ss)}
    by_packer: dict[str, list[StepFacts]] = defaultdict(list)
    for s in items:
        by_packer[s.packer].append(s)
    packers = []
    for packer, ss in sorted(by_packer.items()):
        mine = {s.session_id for s in ss} & shipped
        hours = len({_hour(s.started_at) for s in ss})
        durations = [sum(s.elapsed_s for s in sessions[sid]) for sid in mine]
        packers.append(
            PackerStats(
                packer=packer,
                benches=tuple(sorted({s.bench for s in ss})),
                orders=len(mine),
                active_hours=hours,
                orders_per_hour=_round(len(mine) / hours) if hours else None,
                median_order_s=_round(median(durations)),
            )
        )
    total = sum(s.elapsed_s for s in items)
    names = [n for n in PACK_STEPS if any(s.step == n for s in items)]
    names += sorted({s.step for s in items} - set(PACK_STEPS))
    stats = []
    for name in names:
        times = [s.elapsed_s for s in items if s.step == name]
        spent = sum(times)
        stats.append(
            StepStats(
                step=name,
                count=len(times),
                median_s=_round(median(times)),
                p95_s=_round(percentile(times, 95)),
                max_s=_round(max(times)),
                total_s=round(spent, 2),
                share_pct=round(100 * spent / total, 2) if total else None,
            )
        )
    worst = sorted(items, key=lambda s: (-s.elapsed_s, s.started_at))[:slowest]
    return Productivity(packers, stats, worst, len(shipped))
