"""A customer's addresses (services/customer_addresses.py): normalized on the way in, refused field by
field, one default per type (BOTH is both), and the carrier's address validation as advice that never
blocks — offline or without a validating carrier the address stays UNVERIFIED; an override is kept
with its reason and audited."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from shipstation_desktop.carriers.port import AddressCheck
from shipstation_desktop.carriers.simulated import SimulatedCarrier
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.customer_rules import AddressDraft, CustomerDraft
from shipstation_desktop.domain.enums import AddressType, AddressValidationStatus
from shipstation_desktop.domain.errors import CarrierError, FieldErrors
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services import audit, customers
from shipstation_desktop.services import customer_addresses as addresses
from shipstation_desktop.services.bench import Bench


class RefusingCarrier(SimulatedCarrier):
    """The simulated carrier, with an address service that refuses every address, or is unreachable."""

    def __init__(self, bench: Bench, *, offline: bool = False) -> None:
        super().__init__(bench.clock, seed=5, exception_rate=0.0)
        self.offline = offline
        self.asked: list[dm.PostalAddress] = []

    def validate_address(self, address: dm.PostalAddress) -> AddressCheck:
        self.asked.append(address)
        if self.offline:
            raise CarrierError("connection refused (offline)")
        return AddressCheck(valid=False, messages=("No such street in 94103.",))


@pytest.fixture
def customer_id(bench: Bench) -> str:
    return customers.create_customer(bench, CustomerDraft(email="jane@example.com", name="Jane Doe")).id


def _draft(**kw: object) -> AddressDraft:
    base: dict[str, object] = {
        "recipient_name": "Jane Doe",
        "line1": "1355 Market St",
        "city": "San Francisco",
        "state": "CA",
        "postal_code": "94103",
        "country": "US",
    }
    base.update(kw)
    return AddressDraft(**base)  # type: ignore[arg-type]


def _defaults(bench: Bench, customer_id: str) -> dict[str, AddressType]:
    c = customers.get_customer(bench, customer_id)
    return {a.line1: a.type for a in c.addresses if a.is_default}


def test_an_address_is_stored_normalized_and_unverified(bench: Bench, customer_id: str) -> None:
    added = addresses.add_address(
        bench,
        customer_id,
        _draft(country="United States", state="California", postal_code="941031234", phone="(415) 555-0132"),
    )
    assert (added.country, added.state, added.postal_code, added.phone) == ("US", "CA", "94103-1234", "+14155550132")
    assert added.validation_status is AddressValidationStatus.UNVERIFIED
    assert added.is_default  # the first shipping address is the default by itself
    assert customers.get_customer(bench, customer_id).addresses == (added,)


def test_bad_address_fields_are_named_and_nothing_is_written(bench: Bench, customer_id: str) -> None:
    with pytest.raises(FieldErrors) as refused:
        addresses.add_address(bench, customer_id, _draft(country="Atlantis", phone="12"))
    assert list(refused.value.errors) == ["country"]  # a phone is read in its country's plan: none yet
    with pytest.raises(FieldErrors) as refused:
        addresses.add_address(bench, customer_id, _draft(postal_code="9410", phone="12", line1=""))
    assert set(refused.value.errors) == {"postal_code", "phone", "line1"}
    assert "not a US postal code" in refused.value.errors["postal_code"]
    with bench.store.session() as s:
        assert s.scalar(select(func.count()).select_from(t.Address)) == 0


def test_one_default_per_type_and_both_counts_as_shipping_and_billing(bench: Bench, customer_id: str) -> None:
    home = addresses.add_address(bench, customer_id, _draft(line1="1 Home St"))
    office = addresses.add_address(bench, customer_id, _draft(line1="2 Office St", type=AddressType.BILLING))
    assert _defaults(bench, customer_id) == {"1 Home St": AddressType.SHIPPING, "2 Office St": AddressType.BILLING}

    both = addresses.add_address(bench, customer_id, _draft(line1="3 Both St", type="both", is_default=True))
    assert _defaults(bench, customer_id) == {"3 Both St": AddressType.BOTH}  # replaces both in one go

    addresses.set_default(bench, home.id)  # a shipping default: the BOTH one gives way as a whole
    assert _defaults(bench, customer_id) == {"1 Home St": AddressType.SHIPPING}
    addresses.set_default(bench, office.id)
    assert _defaults(bench, customer_id) == {"1 Home St": AddressType.SHIPPING, "2 Office St": AddressType.BILLING}

    # A BOTH address cannot take over shipping alone while billing has its default: no shipping
    # default is better than two billing ones.
    addresses.delete_address(bench, home.id)
    assert _defaults(bench, customer_id) == {"2 Office St": AddressType.BILLING}
    remaining = customers.get_customer(bench, customer_id)
    assert {a.id for a in remaining.addresses} == {office.id, both.id}
    assert remaining.default_address(AddressType.SHIPPING) is None


def test_a_deleted_shipping_default_is_replaced_by_the_next_shipping_address(bench: Bench, customer_id: str) -> None:
    first = addresses.add_address(bench, customer_id, _draft(line1="1 First St"))
    second = addresses.add_address(bench, customer_id, _draft(line1="2 Second St"))
    assert not second.is_default
    addresses.delete_address(bench, first.id)
    assert _defaults(bench, customer_id) == {"2 Second St": AddressType.SHIPPING}
    assert customers.get_customer(bench, customer_id).default_address() == replace(second, is_default=True)


def test_the_carrier_validates_and_the_verdict_is_stored(bench: Bench, customer_id: str) -> None:
    added = addresses.add_address(bench, customer_id, _draft())
    result = addresses.validate_address(bench, added.id)
    assert result.status is AddressValidationStatus.VALID and result.carrier == "simulated"
    stored = addresses.get_address(bench, added.id)
    assert stored.validation_status is AddressValidationStatus.VALID
    assert stored.validated_by == "carrier:simulated"
    assert stored.validated_at is not None and stored.validated_at <= bench.clock.now()

    # Moving the address makes it unverified again; a new recipient name does not.
    renamed = addresses.update_address(bench, added.id, replace(AddressDraft.of(stored), recipient_name="J. Doe"))
    assert renamed.validation_status is AddressValidationStatus.VALID
    moved = addresses.update_address(bench, added.id, replace(AddressDraft.of(renamed), line1="1 Other St"))
    assert moved.validation_status is AddressValidationStatus.UNVERIFIED and moved.validated_at is None


def test_a_refusal_is_a_warning_that_can_be_overridden_with_a_reason(bench: Bench, customer_id: str) -> None:
    refusing = RefusingCarrier(bench)
    bench.carriers = {"simulated": refusing}
    added = addresses.add_address(bench, customer_id, _draft())
    result = addresses.validate_address(bench, added.id)
    assert result.status is AddressValidationStatus.INVALID
    assert result.message == "No such street in 94103."
    assert refusing.asked == [added.postal()]

    with pytest.raises(FieldErrors, match="reason"):
        addresses.override_validation(bench, added.id, "  ")
    kept = addresses.override_validation(bench, added.id, "New building, the driver knows it")
    assert kept.validation_status is AddressValidationStatus.OVERRIDDEN
    assert (kept.override_reason, kept.validated_by) == ("New building, the driver knows it", bench.user)
    [entry] = audit.entries(bench, action=AuditAction.ADDRESS_OVERRIDE.value)
    assert entry.target_id == added.id
    assert entry.details == {
        "customer_id": customer_id,
        "previous_status": "INVALID",
        "reason": "New building, the driver knows it",
    }


def test_offline_or_no_validating_carrier_leaves_the_address_unverified(bench: Bench, customer_id: str) -> None:
    added = addresses.add_address(bench, customer_id, _draft())
    bench.carriers = {"simulated": RefusingCarrier(bench, offline=True)}
    offline = addresses.validate_address(bench, added.id)
    assert offline.status is AddressValidationStatus.UNVERIFIED
    assert "could not be asked" in offline.message and "offline" in offline.message

    bench.settings.carriers[0].enabled = False
    nobody = addresses.validate_address(bench, added.id)
    assert (nobody.status, nobody.carrier) == (AddressValidationStatus.UNVERIFIED, "")
    assert nobody.message == "No carrier on this bench validates addresses."
    assert addresses.get_address(bench, added.id).validation_message == nobody.message
