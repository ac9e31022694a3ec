"""What a customer may see of one parcel, read from the center's `records` (issue 10, seed 002's
"track order by tracking number").

Privacy is decided here, once, for the page, the JSON and the live stream alike: the view is built
from an allow-list of fields (status, dates, carrier, the order number, destination city and
country, carrier events), never by removing fields from the row. Carrier event texts can still
quote a person ("signed by EMILY CHEN") or the street, so they are scrubbed of the recipient's own
name, street, phone and e-mail, and a signature is shown as initials only.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, text

from shipstation_desktop.carriers import registry
from shipstation_desktop.domain.errors import UserError

MAX_NUMBER_LENGTH = 64
_NUMBER_OK = re.compile(r"^[A-Z0-9._-]+$")
_ZERO_OFFSETS = ("+00:00", "-00:00", "Z")
_PII_FIELDS = ("name", "company", "line1", "line2", "line3", "phone", "email", "postal_code")


def normalize_number(raw: str) -> str | None:
    """The number as stored: no spaces, upper case. None for anything that cannot be a tracking number
    (so a hostile path never reaches SQL or the page)."""
    number = re.sub(r"\s+", "", raw).upper()
    if not number or len(number) > MAX_NUMBER_LENGTH or not _NUMBER_OK.match(number):
        return None
    return number


def format_time(value: str | None) -> str:
    """`2026-11-23 20:19 UTC` (or `UTC+02:00` for an event recorded with its own offset): the zone is
    always named, so no reader mistakes it for their local time."""
    if not value:
        return ""
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return ""
    if at.tzinfo is None:
        return ""
    offset = at.strftime("%z")
    zone = "UTC" if offset in ("+0000", "-0000") else f"UTC{offset[:3]}:{offset[3:]}"
    return f"{at:%Y-%m-%d %H:%M} {zone}"


def format_date(value: str | None) -> str:
    return format_time(value)[:10]


def carrier_name(code: str) -> str:
    try:
        return registry.get(code).name
    except UserError:
        return code.replace("_", " ").title()


def carrier_link(code: str, number: str, stored: str) -> str:
    """The carrier's own tracking page; only http(s) links reach the page (no `javascript:` URL)."""
    try:
        url = registry.get(code).tracking_url(number)
    except UserError:
        url = stored
    return url if url.startswith(("https://", "http://")) else ""


def initials(name: str) -> str:
    return " ".join(f"{word[0].upper()}." for word in name.split() if word[:1].isalnum())


def _scrubber(*addresses: dict[str, Any] | None) -> re.Pattern[str] | None:
    words: set[str] = set()
    for address in addresses:
        for key in _PII_FIELDS:
            value = str((address or {}).get(key) or "").strip()
            if len(value) >= 3:
                words.add(value)
            if key == "name":
                words.update(w for w in value.split() if len(w) >= 3)
    if not words:
        return None
    alternatives = sorted((re.escape(w) for w in words), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def _scrub(value: str, pattern: re.Pattern[str] | None) -> str:
    return value if pattern is None else pattern.sub("…", value)


def _shipment_row(engine: Engine, number: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT data FROM records WHERE entity = 'shipments' AND data->>'tracking_number' = :n "
                "AND NOT deleted AND data->>'deleted_at' IS NULL"
            ),
            {"n": number},
        ).first()
    return None if row is None else dict(row[0])


def load(engine: Engine, raw_number: str) -> dict[str, Any] | None:
    """The public view of the parcel with this tracking number, or None (unknown, deleted, or not a
    tracking number at all). Shape: the JSON of GET /api/track/{n}."""
    number = normalize_number(raw_number)
    if number is None:
        return None
    shipment = _shipment_row(engine, number)
    if shipment is None:
        return None
    with engine.connect() as conn:
        order = conn.execute(
            text("SELECT data->>'order_number', data->'ship_to' FROM records WHERE entity = 'orders' AND id = :i"),
            {"i": str(shipment.get("order_id") or "")},
        ).first()
        events = [
            dict(r[0])
            for r in conn.execute(
                text(
                    "SELECT data FROM records WHERE entity = 'tracking_events' AND data->>'shipment_id' = :s "
                    "AND NOT deleted AND data->>'deleted_at' IS NULL"
                ),
                {"s": str(shipment["id"])},
            )
        ]
    to_address = shipment.get("to_address") or {}
    pattern = _scrubber(to_address, order[1] if order is not None else None)
    events.sort(key=lambda e: (str(e.get("timestamp") or ""), str(e.get("id"))), reverse=True)
    code = str(shipment.get("carrier") or "")
    status = str(shipment.get("status") or "PENDING")
    signature = str(shipment.get("delivery_signature") or "")
    return {
        "tracking_number": str(shipment["tracking_number"]),
        "order_number": order[0] if order is not None else None,
        "carrier": code,
        "carrier_name": carrier_name(code),
        "status": status.lower(),
        "estimated_delivery": shipment.get("estimated_delivery"),
        "delivered_at": shipment.get("actual_delivery"),
        "signed_by": initials(signature) if status == "DELIVERED" else "",
        "destination": {"city": str(to_address.get("city") or ""), "country": str(to_address.get("country") or "")},
        "tracking_url": carrier_link(code, str(shipment["tracking_number"]), str(shipment.get("tracking_url") or "")),
        "events": [
            {
                "time": e.get("timestamp"),
                "status": str(e.get("status") or "").lower(),
                "description": _scrub(str(e.get("description") or ""), pattern),
                "location": _scrub(str(e.get("location") or ""), pattern),
            }
            for e in events
        ],
    }


def change_marker(engine: Engine) -> tuple[int, str]:
    """Cheap "has anything been written?" check for the live stream: the change log's newest position
    and the oldest running transaction. The position alone misses a transaction that took a lower
    position but committed later (docs/adr/0009); xmin moves when it commits."""
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT (SELECT max(pos) FROM changes), pg_snapshot_xmin(pg_current_snapshot())::text")
        ).one()
    return int(row[0] or 0), str(row[1])
