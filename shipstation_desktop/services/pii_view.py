"""Customers as the person at the bench may see them: masked for those without VIEW_PII (packers),
whole and audited for the others. The GUI and the CLI pass every list of customers they show
through `shown()`; one customer's detail screen goes through `shown_one()`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from sqlalchemy.orm import Session

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.pii_mask import mask_customer
from shipstation_desktop.domain.roles import Permission

from . import access, audit
from .bench import Bench

SHOWN_FIELDS = ("email", "phone", "name", "addresses")
IDS_PER_ROW = 500  # a long list is audited in several rows: each stays a readable size at the center


def record_view(
    bench: Bench,
    customer_ids: Sequence[str],
    fields: Sequence[str],
    how: str,
    *,
    session: Session | None = None,
    listed: bool = False,
) -> None:
    """The audit rows for one showing of customers' PII: one customer's detail is a PII_VIEW naming
    them; a list (`listed`, or several ids) is PII_LIST rows with the ids and their count."""
    ids = list(dict.fromkeys(customer_ids))
    if not ids:
        return
    if len(ids) == 1 and not listed:
        audit.record(
            bench,
            AuditAction.PII_VIEW,
            target_type="customer",
            target_id=ids[0],
            details={"fields": list(fields), "how": how},
            session=session,
        )
        return
    with contextlib.ExitStack() as stack:
        s = session if session is not None else stack.enter_context(bench.store.session())
        for start in range(0, len(ids), IDS_PER_ROW):
            chunk = ids[start : start + IDS_PER_ROW]
            audit.record(
                bench,
                AuditAction.PII_LIST,
                target_type="customer",
                target_id=chunk[0] if len(ids) == 1 else "",
                details={"count": len(ids), "ids": chunk, "fields": list(fields), "how": how},
                session=s,
            )


def shown(bench: Bench, customers: Sequence[dm.Customer], how: str, *, audit_it: bool = True) -> list[dm.Customer]:
    """`how` says where they were shown ("cli customers search", "customers view"). audit_it=False:
    the same person sees the same customers again (a background refresh), already audited."""
    if not customers:
        return []
    if not access.can(bench, Permission.VIEW_PII):
        return [mask_customer(c) for c in customers]
    if audit_it:
        record_view(bench, [c.id for c in customers], SHOWN_FIELDS, how, listed=True)
    return list(customers)


def shown_one(bench: Bench, customer: dm.Customer, how: str) -> dm.Customer:
    if not access.can(bench, Permission.VIEW_PII):
        return mask_customer(customer)
    record_view(bench, [customer.id], SHOWN_FIELDS, how)
    return customer
