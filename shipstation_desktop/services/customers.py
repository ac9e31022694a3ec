"""Customer queries for the bench (the full customer module arrives with its own issue)."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from shipstation_desktop.domain import customer_search as cs
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import CustomerStatus
from shipstation_desktop.persistence import mappers, search_index
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
    """Customers with a word (name, e-mail, external id, tag, postal code) starting with each query
    word, or whose phone starts or ends with the digits typed; accents and case ignored. The newest
    `limit` matches, sorted by name.

    The index holds keyed hashes only (PII is sealed at rest): it narrows to candidates, and each
    candidate is checked against its decrypted fields before it is returned; only the customers that
    pass are loaded whole (persistence/search_index.py)."""
    with bench.store.session() as s:
        rowids = search_index.matching_rowids(s.connection(), query, limit=limit)
        if not rowids:
            return []
        rows = s.scalars(
            select(t.Customer)
            .options(selectinload(t.Customer.addresses))
            .where(search_index.ROWID.in_(rowids))
        )
        found = [mappers.customer(r, with_addresses=True) for r in rows]
    return sorted(found, key=lambda c: (cs.fold(c.name), c.id))


def search_fields(row: t.Customer) -> cs.SearchFields:
    """The plain fields a loaded customer row is found by (the same ones the index hashes)."""
    return cs.SearchFields(
        name=row.name,
        email=row.email,
        phone=row.phone,
        external_id=row.external_id,
        tags=tuple(row.tags or ()),
        postal_codes=tuple(a.postal_code for a in row.addresses if a.deleted_at is None),
    )
