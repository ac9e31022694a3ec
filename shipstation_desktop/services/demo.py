"""A realistic demo bench: ~50 customers in several countries, 200 orders across statuses."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.enums import (
    CustomerSource,
    CustomerStatus,
    ExceptionSeverity,
    ExceptionType,
    OrderStatus,
    ShipmentStatus,
)
from shipstation_desktop.domain.units import Weight, WeightUnit
from shipstation_desktop.persistence import customer_tables, mappers
from shipstation_desktop.persistence import tables as t

from . import exceptions as exc_service
from . import inventory, packing
from .bench import Bench
from .status import move_order, move_shipment

# (name, email local part, country, city, state, postal code, street, phone)
_PEOPLE: list[tuple[str, str, str, str, str, str, str, str]] = [
    ("José Martínez", "jose.martinez", "ES", "Madrid", "M", "28013", "Calle de Alcalá 45", "+34612345678"),
    ("Lucía Fernández", "lucia.f", "ES", "Sevilla", "SE", "41001", "Avenida de la Constitución 12", "+34655123456"),
    ("Ștefan Dumitrescu", "stefan.d", "RO", "București", "B", "010011", "Strada Lipscani 21", "+40721234567"),
    ("Ioana Popescu", "ioana.popescu", "RO", "Cluj-Napoca", "CJ", "400001", "Bulevardul Eroilor 8", "+40744111222"),
    ("Дмитрий Иванов", "dmitry.ivanov", "RU", "Москва", "MOW", "101000", "ул. Мясницкая, 24", "+74951234567"),
    (
        "Анна Смирнова",
        "anna.smirnova",
        "RU",
        "Санкт-Петербург",
        "SPE",
        "190000",
        "Невский проспект, 28",
        "+78121234567",
    ),
    ("王芳", "wang.fang", "CN", "上海", "SH", "200001", "南京东路 100号", "+8613812345678"),
    ("李伟", "li.wei", "CN", "北京", "BJ", "100006", "王府井大街 88号", "+8613912345678"),
    ("Zoë O'Connor", "zoe.oconnor", "IE", "Dublin", "D", "D02 X285", "12 Grafton Street", "+353861234567"),
    ("François Lefèvre", "f.lefevre", "FR", "Lyon", "ARA", "69002", "8 Rue de la République", "+33612345678"),
    ("Jürgen Müller", "juergen.mueller", "DE", "München", "BY", "80331", "Marienplatz 1", "+4915112345678"),
    ("Emily Chen", "emily.chen", "US", "San Francisco", "CA", "94103", "1355 Market St", "+14155550132"),
    ("Michael Johnson", "mjohnson", "US", "Austin", "TX", "78701", "600 Congress Ave", "+15125550190"),
    ("Sarah Williams", "sarah.w", "US", "Brooklyn", "NY", "11201", "45 Main St Apt 4B", "+17185550111"),
    ("David Brown", "dbrown", "US", "Chicago", "IL", "60601", "233 S Wacker Dr", "+13125550123"),
    ("Olivia Davis", "olivia.davis", "US", "Seattle", "WA", "98101", "400 Pine St", "+12065550144"),
    ("Carlos Ramírez", "carlos.r", "MX", "Ciudad de México", "CMX", "06000", "Av. Juárez 50", "+525512345678"),
    ("Aisha Khan", "aisha.khan", "GB", "London", "", "EC1A 1BB", "1 St Martin's Le Grand", "+447700900123"),
    ("Liam Smith", "liam.smith", "CA", "Toronto", "ON", "M5V 2T6", "290 Bremner Blvd", "+14165550177"),
    ("Sofía García", "sofia.garcia", "ES", "Barcelona", "B", "08002", "Carrer de Ferran 7", "+34699887766"),
]
_FIRST = [
    "James",
    "Mary",
    "Robert",
    "Linda",
    "William",
    "Patricia",
    "Noah",
    "Emma",
    "Ava",
    "Mason",
    "Ethan",
    "Mia",
    "Harper",
    "Lucas",
    "Amelia",
    "Elijah",
    "Ella",
    "Logan",
    "Grace",
    "Henry",
]
_LAST = [
    "Miller",
    "Wilson",
    "Moore",
    "Taylor",
    "Anderson",
    "Thomas",
    "Jackson",
    "White",
    "Harris",
    "Martin",
    "Thompson",
    "Garcia",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
]
_US_PLACES = [
    ("Portland", "OR", "97205", "+15035550100"),
    ("Denver", "CO", "80202", "+13035550100"),
    ("Phoenix", "AZ", "85004", "+16025550100"),
    ("Atlanta", "GA", "30303", "+14045550100"),
    ("Boston", "MA", "02108", "+16175550100"),
    ("Miami", "FL", "33131", "+13055550100"),
    ("Nashville", "TN", "37203", "+16155550100"),
    ("Columbus", "OH", "43215", "+16145550100"),
]
_STREETS = ["Oak St", "Maple Ave", "Cedar Ln", "Pine St", "Elm St", "Washington Ave", "Lake Dr", "Hill Rd"]
# (sku, name, price, grams)
_PRODUCTS = [
    ("TS-BLK-M", "T-shirt black M", Decimal("19.90"), Decimal(180)),
    ("TS-WHT-L", "T-shirt white L", Decimal("19.90"), Decimal(200)),
    ("HD-GRY-L", "Hoodie grey L", Decimal("49.00"), Decimal(650)),
    ("MUG-CER", "Ceramic mug", Decimal("14.50"), Decimal(420)),
    ("CAP-NVY", "Baseball cap navy", Decimal("22.00"), Decimal(120)),
    ("TOTE-CAN", "Canvas tote", Decimal("18.00"), Decimal(210)),
    ("POST-A3", "Poster A3 in tube", Decimal("12.00"), Decimal(160)),
    ("BTL-STL", "Steel bottle 750 ml", Decimal("29.00"), Decimal(380)),
    ("SNK-42", "Sneakers size 42", Decimal("89.00"), Decimal(1100)),
    ("BK-COOK", "Cookbook hardcover", Decimal("35.00"), Decimal(950)),
]
# (length, width, height) in mm, and the box's own weight in grams
_BOXES = [
    ((Decimal(230), Decimal(160), Decimal(50)), Decimal(60)),
    ((Decimal(300), Decimal(220), Decimal(100)), Decimal(150)),
    ((Decimal(400), Decimal(300), Decimal(150)), Decimal(300)),
    ((Decimal(250), Decimal(250), Decimal(250)), Decimal(250)),
]

# 200 orders: 115 ready to ship, the rest spread over the other statuses.
_MIX: list[tuple[OrderStatus, int]] = [
    (OrderStatus.CONFIRMED, 65),
    (OrderStatus.PROCESSING, 50),
    (OrderStatus.PENDING, 15),
    (OrderStatus.SHIPPED, 25),
    (OrderStatus.OUT_FOR_DELIVERY, 5),
    (OrderStatus.DELIVERED, 20),
    (OrderStatus.EXCEPTION, 4),
    (OrderStatus.DELAYED, 3),
    (OrderStatus.RETURNED, 3),
    (OrderStatus.CANCELLED, 10),
]
_SHIPMENT_FOR: dict[OrderStatus, list[ShipmentStatus]] = {
    OrderStatus.SHIPPED: [ShipmentStatus.IN_TRANSIT],
    OrderStatus.OUT_FOR_DELIVERY: [ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY],
    OrderStatus.DELIVERED: [ShipmentStatus.IN_TRANSIT, ShipmentStatus.DELIVERED],
    OrderStatus.EXCEPTION: [ShipmentStatus.IN_TRANSIT, ShipmentStatus.DAMAGED],
    OrderStatus.DELAYED: [ShipmentStatus.IN_TRANSIT],
    OrderStatus.RETURNED: [ShipmentStatus.IN_TRANSIT, ShipmentStatus.RETURNED_TO_SENDER],
}


_BLOCKED = 44  # index of the demo's one BLOCKED customer
_BLOCKED_REASON = "two chargebacks on earlier orders"


@dataclass(frozen=True, slots=True)
class SeedResult:
    customers: int
    orders: int
    shipments: int
    exceptions: int
    skipped: bool = False


def seed(bench: Bench, *, seed_value: int = 7, force: bool = False) -> SeedResult:
    """Fills an empty bench. On a bench that has orders already it does nothing unless forced."""
    with bench.store.session() as s:
        existing = s.scalar(select(func.count()).select_from(t.Order)) or 0
    if existing and not force:
        return SeedResult(0, 0, 0, 0, skipped=True)
    rng = random.Random(seed_value)
    now = bench.clock.now()
    people = list(_PEOPLE)
    for i in range(50 - len(people)):
        first, last = _FIRST[i % len(_FIRST)], _LAST[(i * 7) % len(_LAST)]
        city, state, zip_code, phone = _US_PLACES[i % len(_US_PLACES)]
        street = f"{100 + i * 13} {_STREETS[i % len(_STREETS)]}"
        phone = phone[:-3] + f"{100 + i:03d}"
        people.append((f"{first} {last}", f"{first}.{last}{i}".lower(), "US", city, state, zip_code, street, phone))

    suffix = rng.randrange(1000, 9999) if force else 0
    customer_ids: list[tuple[str, dict[str, str]]] = []
    with bench.store.session() as s:
        for i, (name, local, country, city, state, zip_code, street, phone) in enumerate(people):
            status = CustomerStatus.ACTIVE
            if i in (3, 11, 30):
                status = CustomerStatus.VIP
            elif i == _BLOCKED:
                status = CustomerStatus.BLOCKED
            email = f"{local}{suffix or ''}@example.com"
            c = t.Customer(
                email=email,
                email_normalized=email.lower(),
                name=name,
                phone=phone,
                status=status.value,
                source=rng.choice(list(CustomerSource)).value,
                tags=rng.sample(["wholesale", "gift", "repeat", "newsletter", "priority"], k=rng.randint(0, 2)),
                custom_fields={},
                created_at=now - timedelta(days=rng.randint(60, 400)),
            )
            s.add(c)
            s.flush()
            if status is CustomerStatus.BLOCKED:  # the reason the pack flow's banner shows
                s.add(
                    customer_tables.CustomerStatusChange(
                        customer_id=c.id,
                        previous_status=CustomerStatus.ACTIVE.value,
                        status=status.value,
                        reason=_BLOCKED_REASON,
                        changed_by="demo",
                    )
                )
            addr = t.Address(
                customer_id=c.id,
                type="BOTH",
                is_default=True,
                recipient_name=name,
                line1=street,
                city=city,
                state=state,
                postal_code=zip_code,
                country=country,
                phone=phone,
            )
            s.add(addr)
            s.flush()
            ship_to = mappers.address(addr).postal(email).as_dict()
            customer_ids.append((c.id, ship_to))

    statuses = [status for status, n in _MIX for _ in range(n)]
    rng.shuffle(statuses)
    # The blocked customer's one order comes first and is not ready to ship: scanning it shows the
    # banner, and no "ship every ready order" script trips over it.
    statuses.remove(OrderStatus.PENDING)
    statuses.insert(0, OrderStatus.PENDING)
    others = [c for i, c in enumerate(customer_ids) if i != _BLOCKED]
    base_number = 10001 + (suffix * 1000 if suffix else 0)
    to_ship: list[tuple[str, OrderStatus]] = []
    with bench.store.session() as s:
        for i, target in enumerate(statuses):
            cust_id, ship_to = customer_ids[_BLOCKED] if i == 0 else others[rng.randrange(len(others))]
            lines = rng.sample(_PRODUCTS, k=rng.randint(1, 3))
            quantities = [rng.randint(1, 3) for _ in lines]
            box, box_grams = rng.choice(_BOXES)
            total = sum((p[2] * q for p, q in zip(lines, quantities, strict=True)), Decimal(0))
            grams = box_grams + sum((p[3] * q for p, q in zip(lines, quantities, strict=True)), Decimal(0))
            initial = OrderStatus.PENDING if target is OrderStatus.PENDING else OrderStatus.CONFIRMED
            order = t.Order(
                order_number=f"SO-{base_number + i}",
                status=initial.value,
                customer_id=cust_id,
                ship_to=ship_to,
                total_amount=total,
                currency="USD",
                expected_weight_grams=grams,
                length_mm=box[0],
                width_mm=box[1],
                height_mm=box[2],
                order_date=now - timedelta(hours=rng.randint(1, 24 * 20)),
            )
            s.add(order)
            s.flush()
            s.add(
                t.OrderStatusHistory(
                    order_id=order.id,
                    status=initial.value,
                    previous_status=None,
                    status_details="imported",
                    created_by="demo",
                    source="sync",
                )
            )
            for (sku, pname, price, unit_grams), qty in zip(lines, quantities, strict=True):
                s.add(
                    t.OrderLine(
                        order_id=order.id,
                        sku=sku,
                        name=pname,
                        quantity=qty,
                        unit_price=price,
                        unit_weight_grams=unit_grams,
                    )
                )
            if target in (OrderStatus.PROCESSING, OrderStatus.CANCELLED):
                move_order(s, order, target, by="demo", source="sync")
            elif target in _SHIPMENT_FOR:
                to_ship.append((order.order_number, target))

    shipments = 0
    for order_number, target in to_ship:
        _ship_in_past(bench, order_number, target, rng)
        shipments += 1

    inventory.seed_demo(bench, [(p[0], p[1]) for p in _PRODUCTS])  # after the shipments took theirs
    exceptions = _demo_exceptions(bench)
    bench.changed("orders")
    return SeedResult(len(people), len(statuses), shipments, exceptions)


@contextmanager
def _clock_at(bench: Bench, when: datetime) -> Iterator[FakeClock]:
    """Runs the real flow as if it were `when`, so the demo's history has believable times."""
    saved = bench.clock, bench.store.clock
    clock = FakeClock(when)
    bench.clock = bench.store.clock = clock
    try:
        yield clock
    finally:
        bench.clock, bench.store.clock = saved


def _ship_in_past(bench: Bench, order_number: str, target: OrderStatus, rng: random.Random) -> None:
    """Buys the label through the real flow when the order was packed, then plays later scans."""
    ticket = packing.scan(bench, order_number)
    now = bench.clock.now()
    age = now - ticket.order.created_at
    packed_at = ticket.order.created_at + age * rng.uniform(0.05, 0.3)
    expected = ticket.order.expected_weight_grams or Decimal(500)
    weight = Weight.from_grams(expected, WeightUnit.G)
    package = packing.package_for(ticket, weight)
    with _clock_at(bench, packed_at) as clock:
        quote = packing.quote(bench, ticket, package)
        rate = quote.selected  # the bench's rate-shopping rules, as a packer would get them
        assert rate is not None
        shipment = packing.buy(bench, ticket, rate, package)
        steps = _SHIPMENT_FOR[target]
        step = (now - packed_at) / (len(steps) + 1)
        with bench.store.session() as s:
            row = s.get_one(t.Shipment, shipment.id)
            order = s.get_one(t.Order, row.order_id)
            for status in steps:
                clock.advance(step.total_seconds())
                move_shipment(row, status, clock.now(), "demo")
            if target is not OrderStatus.SHIPPED:
                if target is OrderStatus.DELIVERED:
                    row.actual_delivery = clock.now()
                move_order(s, order, target, by="demo", source="carrier", tracking_number=row.tracking_number)


def _demo_exceptions(bench: Bench) -> int:
    with bench.store.session() as s:
        rows = s.execute(
            select(t.Order.id, t.Order.order_number, t.Shipment.id)
            .join(t.Shipment, t.Shipment.order_id == t.Order.id)
            .where(t.Order.status.in_([OrderStatus.EXCEPTION.value, OrderStatus.DELAYED.value]))
            .order_by(t.Order.order_number)
        ).all()
    kinds = [
        (ExceptionType.DAMAGED_IN_TRANSIT, ExceptionSeverity.HIGH, "Parcel damaged at the sort centre"),
        (ExceptionType.WEATHER_DELAY, ExceptionSeverity.LOW, "Delivery delayed by a winter storm"),
        (ExceptionType.ADDRESS_ISSUE, ExceptionSeverity.HIGH, "Apartment number missing; driver could not deliver"),
        (ExceptionType.DELIVERY_FAILED, ExceptionSeverity.MEDIUM, "Nobody home; second attempt tomorrow"),
        (ExceptionType.CUSTOMS_DELAY, ExceptionSeverity.MEDIUM, "Held at customs for documents"),
    ]
    count = 0
    for i, (order_id, number, shipment_id) in enumerate(rows):
        kind, severity, text = kinds[i % len(kinds)]
        exc_service.raise_exception(
            bench,
            type=kind,
            severity=severity,
            description=f"Order {number}: {text}",
            shipment_id=shipment_id,
            order_id=order_id,
        )
        count += 1
    return count
