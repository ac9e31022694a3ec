"""What a packer sees of a customer's e-mail and phone."""

from __future__ import annotations

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import AddressType, CustomerSource, CustomerStatus
from shipstation_desktop.domain.pii_mask import mask_customer, mask_email, mask_phone


def test_email_keeps_the_first_letter_and_the_domain() -> None:
    assert mask_email("john.smith@example.com") == "j***@example.com"
    assert mask_email("ş@exämple.es") == "ş***@exämple.es"
    assert mask_email("") == ""
    assert mask_email("not-an-email") == "n***"


def test_phone_keeps_the_country_code_and_the_last_four_digits() -> None:
    assert mask_phone("+15551230132") == "+1******0132"
    assert mask_phone("+34 612 34 56 78") == "+34*****5678"
    assert mask_phone("+40721234567") == "+40*****4567"
    assert mask_phone("555-0132") == "***0132"
    assert mask_phone("0132") == "****"  # four digits in all: none of them stays
    assert mask_phone("") == ""


def test_a_masked_customer_keeps_what_packing_needs() -> None:
    address = dm.Address(
        id="a1",
        customer_id="c1",
        type=AddressType.SHIPPING,
        is_default=True,
        recipient_name="John Smith",
        line1="1 Main St",
        city="Reno",
        state="NV",
        postal_code="89502",
        country="US",
        phone="+15551230132",
    )
    customer = dm.Customer(
        id="c1",
        email="john@example.com",
        name="John Smith",
        status=CustomerStatus.ACTIVE,
        source=CustomerSource.MANUAL,
        phone="+15551230132",
        addresses=(address,),
    )
    masked = mask_customer(customer)
    assert (masked.email, masked.phone, masked.addresses[0].phone) == (
        "j***@example.com",
        "+1******0132",
        "+1******0132",
    )
    assert masked.name == "John Smith" and masked.addresses[0].line1 == "1 Main St"
    assert customer.email == "john@example.com"  # the original is untouched
