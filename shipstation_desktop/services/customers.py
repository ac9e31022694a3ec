"""Customer queries for the bench (the full customer module arrives with its own issue)."""

from __future__ import annotations

from sqlalchemy import func, or_, select
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
