"""Builds small, exact benches for tests (the demo seed is realistic but large and random)."""

from __future__ import annotations

from decimal import Decimal

from shipstation_desktop.domain.enums import CustomerStatus, OrderStatus
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services.bench import Bench


def add_order(
    bench: Bench,
    number: str,
    *,
    status: OrderStatus = OrderStatus.CONFIRMED,
    grams: Decimal | None = Decimal(1200),
    customer_status: CustomerStatus = CustomerStatus.ACTIVE,
    country: str = "US",
    dims_mm: tuple[int, int, int] | None = (300, 220, 100),
    name: str = "Emily Chen",
) -> str:
    with bench.store.session() as s:
        email = f"{number.lower()}@example.com"
        customer = t.Customer(
            email=email, email_normalized=email, name=name, status=customer_status.value, tags=[], custom_fields={}
        )
        s.add(customer)
        s.flush()
        order = t.Order(
            order_number=number,
            status=status.value,
            customer_id=customer.id,
            ship_to={
                "name": name,
                "line1": "1355 Market St",
                "city": "San Francisco",
                "state": "CA",
                "postal_code": "94103",
                "country": country,
                "phone": "+14155550132",
            },
            total_amount=Decimal("59.80"),
            expected_weight_grams=grams,
            length_mm=Decimal(dims_mm[0]) if dims_mm else None,
            width_mm=Decimal(dims_mm[1]) if dims_mm else None,
            height_mm=Decimal(dims_mm[2]) if dims_mm else None,
            order_date=bench.clock.now(),
        )
        s.add(order)
        s.flush()
        s.add(
            t.OrderLine(
                order_id=order.id,
                sku="TS-BLK-M",
                name="T-shirt",
                quantity=2,
                unit_price=Decimal("29.90"),
                unit_weight_grams=Decimal(500),
            )
        )
        return order.id
