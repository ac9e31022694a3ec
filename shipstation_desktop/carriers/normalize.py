"""Shared pieces of tracking normalization: times, code tables, and results in one order.

Every adapter maps its carrier's codes onto the seed's ShipmentStatus / ExceptionType through a
`CodeTable`; a code nobody listed maps to a safe status (in transit, or the carrier's own category)
and the raw code is always kept on the event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from shipstation_desktop.domain.enums import ExceptionType, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError

from .port import CarrierEvent, TrackingResult

Mapped = tuple[ShipmentStatus, ExceptionType | None]

# Rank used to pick a result's status when the carrier gives none: the furthest the parcel got.
_RANK = {
    ShipmentStatus.PENDING: 0,
    ShipmentStatus.LABEL_CREATED: 1,
    ShipmentStatus.PICKED_UP: 2,
    ShipmentStatus.IN_TRANSIT: 3,
    ShipmentStatus.OUT_FOR_DELIVERY: 4,
}


@dataclass(frozen=True, slots=True)
class CodeTable:
    """Carrier code -> (status, exception). `default` is used for codes the table does not know."""

    codes: Mapping[str, Mapped]
    default: Mapped = (ShipmentStatus.IN_TRANSIT, None)
    aliases: Mapping[str, str] = field(default_factory=dict)

    def map(self, code: str | None, fallback: Mapped | None = None) -> Mapped:
        key = (code or "").strip().upper()
        key = self.aliases.get(key, key)
        if key in self.codes:
            return self.codes[key]
        return fallback or self.default


def load_json(body: bytes | str, carrier_name: str) -> Any:
    """A carrier response body as JSON, or a CarrierError that says what was wrong with it."""
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CarrierError(f"{carrier_name} tracking response is not valid JSON ({exc.args[0]})", "malformed") from exc


def parse_time(value: str | None, *, default_tz: tzinfo = UTC) -> datetime | None:
    """ISO 8601 with or without offset ("Z", "+02:00", "-0500"), date-only, or None.

    A carrier that sends local time without an offset gets `default_tz` (UTC unless the adapter
    knows better, e.g. the event's own offset field)."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # "-0500" -> "-05:00" (fromisoformat in 3.11 takes both, but be explicit for odd spacing)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text[:10]), time())
        except ValueError as exc:
            raise CarrierError(f"unreadable time {value!r} in the carrier's answer", "malformed") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed


def offset_tz(text: str | None) -> tzinfo:
    """ "+02:00" / "-0500" / "Z" -> a fixed-offset tzinfo (UTC when absent or unreadable)."""
    if not text:
        return UTC
    raw = text.strip().upper()
    if raw in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if raw.startswith("-") else 1
    digits = raw.lstrip("+-").replace(":", "")
    if not digits.isdigit() or len(digits) not in (2, 4):
        return UTC
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def join_location(*parts: str | None) -> str:
    return ", ".join(p.strip() for p in parts if p and p.strip())


def result(
    tracking_number: str,
    events: Iterable[CarrierEvent],
    *,
    status: ShipmentStatus | None = None,
    estimated_delivery: datetime | None = None,
    delivered_at: datetime | None = None,
    signed_by: str = "",
    proof_url: str = "",
    service: str = "",
) -> TrackingResult:
    """Events newest first (ties keep the carrier's order); status from the carrier when it says one,
    else the newest event's, with terminal states and the furthest stage winning."""
    ordered = sorted(events, key=lambda e: e.time, reverse=True)
    if status is None:
        status = _status_of(ordered)
    if delivered_at is None and status is ShipmentStatus.DELIVERED:
        delivered_at = next((e.time for e in ordered if e.status is ShipmentStatus.DELIVERED), None)
    return TrackingResult(
        tracking_number=tracking_number.strip().upper(),
        status=status,
        events=tuple(ordered),
        estimated_delivery=estimated_delivery,
        delivered_at=delivered_at,
        signed_by=signed_by.strip(),
        proof_url=proof_url,
        service=service,
    )


def _status_of(newest_first: list[CarrierEvent]) -> ShipmentStatus:
    if not newest_first:
        return ShipmentStatus.LABEL_CREATED
    newest = newest_first[0].status
    if newest not in _RANK:
        return newest  # terminal: delivered, returned, lost, damaged, cancelled
    return max((e.status for e in newest_first if e.status in _RANK), key=lambda s: _RANK[s])


# Error codes adapters use for "the carrier has no such number" (left out of a batch, not an error).
NOT_FOUND_CODES = frozenset({"not_found", "invalid_number", "invalid_tracking_number"})


def track_each(
    track: Callable[[str], TrackingResult],
    tracking_numbers: Iterable[str],
    not_found: Collection[str] = NOT_FOUND_CODES,
) -> dict[str, TrackingResult]:
    """track_many for carriers that answer one number per call: numbers the carrier does not know
    are left out; any other failure (the carrier is down) fails the whole batch, so it is retried."""
    out: dict[str, TrackingResult] = {}
    for number in tracking_numbers:
        try:
            out[number] = track(number)
        except CarrierError as exc:
            if exc.code not in not_found:
                raise
    return out
