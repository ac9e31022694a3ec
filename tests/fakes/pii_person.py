"""One customer with every kind of personal data a bench holds, written with distinctive strings so a
test can look for them in the raw database file, an export or the center (the privacy tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from shipstation_desktop.domain.enums import OrderStatus
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.customer_tables import CustomerCommunication, CustomerNote
from shipstation_desktop.persistence.notification_tables import (
    Notification,
    NotificationPreference,
    preference_id,
)
from shipstation_desktop.services.bench import Bench


@dataclass(frozen=True)
class Person:
    """The personal values of one test customer; `secrets()` lists every one a file must not show."""

    name: str = "Quillonia Vexmarth"
    email: str = "Q.Vexmarth@Zorblat-Mail.example"
    phone: str = "+34612987654"
    line1: str = "Calle Zurbaranixo 77"
    line2: str = "Piso Quintaflor"
    recipient: str = "Brunhildix Ostrowa"  # the order ships to someone else
    ship_line1: str = "Ulica Kwiatuszkowa 19"
    ship_phone: str = "+48601555777"
    note: str = "leave parcels with Xyloquent neighbour"
    subject: str = "Complaint about Plumbexia box"
    message: str = "Called about the Frobnitzky delivery"
    date_of_birth: str = "1981-04-17"
    order_number: str = "PII-1001"
    city: str = "Madrid"
    postal_code: str = "28014"
    country: str = "ES"

    def secrets(self) -> list[str]:
        return [
            self.name,
            self.email,
            self.email.lower(),
            self.phone,
            self.line1,
            self.line2,
            self.recipient,
            self.ship_line1,
            self.ship_phone,
            self.note,
            self.subject,
            self.message,
            self.date_of_birth,
        ]


@dataclass(frozen=True)
class Added:
    customer_id: str
    address_id: str
    order_id: str
    note_id: str
    communication_id: str
    notification_id: str


def add_person(bench: Bench, p: Person = Person()) -> Added:
    now = bench.clock.now()
    with bench.store.session() as s:
        customer = t.Customer(
            email=p.email,
            email_normalized=p.email.lower(),
            name=p.name,
            phone=p.phone,
            date_of_birth=p.date_of_birth,
            gender="female",
            external_id="SHOP-77",
            tags=["vip"],
            custom_fields={"notes": p.note},
        )
        s.add(customer)
        s.flush()
        address = t.Address(
            customer_id=customer.id,
            type="SHIPPING",
            is_default=True,
            recipient_name=p.name,
            line1=p.line1,
            line2=p.line2,
            city=p.city,
            postal_code=p.postal_code,
            country=p.country,
            phone=p.phone,
        )
        note = CustomerNote(customer_id=customer.id, body=p.note, author="ana")
        call = CustomerCommunication(
            customer_id=customer.id,
            channel="PHONE",
            direction="INBOUND",
            subject=p.subject,
            body=p.message,
            occurred_at=now - timedelta(days=1),
            author="ana",
        )
        prefs = NotificationPreference(
            id=preference_id(customer.id),
            customer_id=customer.id,
            email_statuses=["shipped"],
            sms_statuses=["shipped"],
            phone=p.phone,
        )
        order = t.Order(
            order_number=p.order_number,
            status=OrderStatus.CONFIRMED.value,
            customer_id=customer.id,
            ship_to={
                "name": p.recipient,
                "line1": p.ship_line1,
                "city": p.city,
                "postal_code": p.postal_code,
                "country": p.country,
                "phone": p.ship_phone,
                "email": p.email,
            },
            total_amount=Decimal("42.50"),
            currency="EUR",
            expected_weight_grams=Decimal(800),
            length_mm=Decimal(300),
            width_mm=Decimal(200),
            height_mm=Decimal(100),
            order_date=now,
        )
        s.add_all([address, note, call, prefs, order])
        s.flush()
        s.add(
            t.OrderLine(
                order_id=order.id,
                sku="MUG-RED",
                name="Red mug",
                quantity=2,
                unit_price=Decimal("21.25"),
                unit_weight_grams=Decimal(400),
            )
        )
        sent = Notification(
            customer_id=customer.id,
            order_id=order.id,
            trigger="SHIPPED",
            channel="email",
            language="es",
            recipient=p.email,
            subject="Tu pedido ha salido",
            body=f"Hola {p.name}, tu pedido {p.order_number} ha salido.",
            state="SENT",
            attempts=1,
            send_after=now,
            sent_at=now,
            variables={"tracking_number": ""},
        )
        s.add(sent)
        s.flush()
        return Added(customer.id, address.id, order.id, note.id, call.id, sent.id)
