"""Customers as the person at the bench may see them: masked for those without VIEW_PII (packers),
whole and audited for the others. The GUI and the CLI pass every list of customers they show
through `shown()`; one customer's detail screen goes through `shown_one()`.
"""

from __future__ import annotations

from collections.abc import Sequence

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.pii_mask import mask_customer
from shipstation_desktop.domain.roles import Permission

from . import access, audit
from .bench import Bench

SHOWN_FIELDS = ("email", "phone", "name", "addresses")
IDS_PER_ROW = 500  # a long list is audited in several rows: each stays a readable size at the center


def shown(bench: Bench, customers: Sequence[dm.Customer], how: str) -> list[dm.Customer]:
    """`how` says where they were shown ("cli customers search", "customers view")."""
    if not customers:
        return []
    if not access.can(bench, Permission.VIEW_PII):
        return [mask_customer(c) for c in customers]
    ids = [c.id for c in customers]
    with bench.store.session() as s:
        for start in range(0, len(ids), IDS_PER_ROW):
            chunk = ids[start : start + IDS_PER_ROW]
            audit.record(
                bench,
                AuditAction.PII_LIST,
                target_type="customer",
                target_id=chunk[0] if len(ids) == 1 else "",
                details={"count": len(ids), "ids": chunk, "fields": list(SHOWN_FIELDS), "how": how},
                session=s,
            )
    return list(customers)


def shown_one(bench: Bench, customer: dm.Customer, how: str) -> dm.Customer:
    if not access.can(bench, Permission.VIEW_PII):
        return mask_customer(customer)
    audit.record(
        bench,
        AuditAction.PII_VIEW,
        target_type="customer",
        target_id=customer.id,
        details={"fields": list(SHOWN_FIELDS), "how": how},
    )
    return customer
