"""Customer queries for the bench (the full customer module arrives with its own issue)."""

from __future__ import annotations

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import selectinload

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import CustomerStatus
from shipstation_desktop.persistence import mappers
from shipstation_desktop.persistence import tables as t

from .bench import Bench


def normalize_email(email: str) -> str:
    return email.strip().lower()


def list_customers(
    bench: Bench, *, search: str = "", status: CustomerStatus | None = None, limit: int | None = None
) -> list[dm.Customer]:
    with bench.store.session() as s:
        q = (
            select(t.Customer)
            .options(selectinload(t.Customer.addresses))
            .where(t.Customer.deleted_at.is_(None))
            .order_by(func.lower(t.Customer.name))
        )
        if search.strip():
            term = f"%{search.strip()}%"
            q = q.where(
                or_(
                    t.Customer.name.ilike(term),
                    t.Customer.email_normalized.like(f"%{normalize_email(search)}%"),
                    t.Customer.phone.like(term),
                    t.Customer.external_id.ilike(term),
                )
            )
        if status is not None:
            q = q.where(t.Customer.status == status.value)
        if limit is not None:
            q = q.limit(limit)
        return [mappers.customer(r, with_addresses=True) for r in s.scalars(q)]


def search_customers(bench: Bench, query: str, *, limit: int = 50) -> list[dm.Customer]:
    """Customers whose name, email, phone, external id or tag contains QUERY, or whose address's postal
    code starts with it; case-insensitive. A LIKE scan over the columns: fine for the tens of thousands
    a bench holds, a full-text index is the follow-up for a million."""
    text = query.strip()
    if not text:
        return []
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    contains = f"%{escaped}%"
    digits = "".join(ch for ch in text if ch.isdigit())
    postal = (
        select(t.Address.id)
        .where(t.Address.customer_id == t.Customer.id, t.Address.deleted_at.is_(None))
        .where(func.lower(t.Address.postal_code).like(f"{escaped}%", escape="\\"))
        .exists()
    )
    matches = [
        func.lower(t.Customer.name).like(contains, escape="\\"),
        t.Customer.email_normalized.like(contains, escape="\\"),
        func.lower(t.Customer.external_id).like(contains, escape="\\"),
        # tags is a JSON array stored as text: a tag containing the query appears inside it.
        func.lower(cast(t.Customer.tags, String)).like(contains, escape="\\"),
        postal,
    ]
    # Phones are stored E.164 (+14155550132): match the digits people type, whatever their spacing.
    if len(digits) >= 3:
        matches.append(t.Customer.phone.like(f"%{digits}%"))
    with bench.store.session() as s:
        q = (
            select(t.Customer)
            .options(selectinload(t.Customer.addresses))
            .where(t.Customer.deleted_at.is_(None), or_(*matches))
            .order_by(func.lower(t.Customer.name), t.Customer.id)
            .limit(limit)
        )
        return [mappers.customer(r, with_addresses=True) for r in s.scalars(q)]
