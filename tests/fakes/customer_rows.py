"""Small, exact customers with addresses and orders for the merge and analytics tests (rows written
through the ORM, so they are sealed and queued for sync like the app's own)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from shipstation_desktop.domain.enums import OrderStatus
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services.bench import Bench


def add_customer(
    bench: Bench,
    email: str,
    name: str,
    *,
    phone: str = "",
    status: str = "ACTIVE",
    tags: list[str] | None = None,
    custom_fields: dict[str, Any] | None = None,
    external_id: str = "",
    addresses: list[dict[str, Any]] | None = None,
) -> str:
    """`addresses`: dicts of t.Address fields; type SHIPPING, not default, US unless given."""
    with bench.store.session() as s:
        row = t.Customer(
            email=email,
            email_normalized=email.strip().lower(),
            name=name,
            phone=phone,
            status=status,
            tags=list(tags or []),
            custom_fields=dict(custom_fields or {}),
            external_id=external_id,
        )
        s.add(row)
        s.flush()
        for a in addresses or []:
            values = {
                "type": "SHIPPING",
                "is_default": False,
                "recipient_name": name,
                "line1": "1 Main St",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62701",
                "country": "US",
                **a,
            }
            s.add(t.Address(customer_id=row.id, **values))
        return row.id


def add_order(
    bench: Bench,
    customer_id: str | None,
    number: str,
    amount: str,
    at: datetime,
    *,
    status: OrderStatus = OrderStatus.DELIVERED,
    currency: str = "USD",
) -> str:
    with bench.store.session() as s:
        order = t.Order(
            order_number=number,
            status=status.value,
            customer_id=customer_id,
            ship_to={"name": "x", "line1": "1 Main St", "city": "Springfield", "postal_code": "62701", "country": "US"},
            total_amount=Decimal(amount),
            currency=currency,
            order_date=at,
        )
        s.add(order)
        s.flush()
        return order.id
