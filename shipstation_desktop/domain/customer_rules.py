"""What makes a customer and a customer address acceptable (seed 001's Customer and Address, seed 004's
address limits): drafts as typed in a form or on the command line, normalized, then checked field by
field. Pure: the caller passes today's date and the bench's home country; uniqueness (an e-mail another
customer has) needs the store and is checked by services/customers.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import phonenumbers
import pycountry

from . import models as dm
from . import postal_codes
from .address_normalize import country_code, phone_e164, state_code, state_codes, tidy
from .enums import AddressType, CustomerSource, CustomerStatus, OrderStatus

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
MAX_EMAIL = 320
MAX_NAME = 200
MAX_GENDER = 32
MAX_EXTERNAL_ID = 120
MAX_TAG = 64
MAX_TAGS = 50
MAX_CUSTOM_FIELDS_JSON = 20_000
MAX_NOTE = 10_000
OLDEST_BIRTH_YEAR = 1900
# Seed 004's address schema: name 100, street 100, city 50, state 50, postal code 20.
ADDRESS_LIMITS = {"recipient_name": 100, "line1": 100, "line2": 100, "city": 50, "state": 50, "postal_code": 20}
# Countries whose addresses must name a state or province (their carriers refuse them otherwise).
STATE_REQUIRED = frozenset({"US", "CA", "AU"})
# Order statuses that do not count as a purchase in the customer's totals: cancelled and returned
# (refunded) orders brought no money in. Customer analytics uses the same rule (LTV = total spent).
NOT_PURCHASES = frozenset({OrderStatus.CANCELLED, OrderStatus.RETURNED})


# ------------------------------------------------------------------------------------------- customer


@dataclass(frozen=True, slots=True)
class CustomerDraft:
    """A customer as entered. Status and source may be the text typed; normalize() makes them enums."""

    email: str
    name: str
    phone: str = ""
    date_of_birth: date | str | None = None
    gender: str = ""
    status: CustomerStatus | str = CustomerStatus.ACTIVE
    source: CustomerSource | str = CustomerSource.MANUAL
    external_id: str = ""
    tags: tuple[str, ...] = ()
    custom_fields: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, customer: dm.Customer) -> CustomerDraft:
        """The draft that leaves `customer` as it is: start here to change a few fields."""
        return cls(
            email=customer.email,
            name=customer.name,
            phone=customer.phone,
            date_of_birth=customer.date_of_birth,
            gender=customer.gender,
            status=customer.status,
            source=customer.source,
            external_id=customer.external_id,
            tags=customer.tags,
            custom_fields=dict(customer.custom_fields),
        )


def normalize_email(email: str) -> str:
    """The identity form of an e-mail: trimmed, lower-cased (what uniqueness and merging compare)."""
    return email.strip().lower()


def _enum_value(enum: Any, value: object) -> object:
    """The enum member for a member or its (case-insensitive) name, else the value unchanged."""
    if isinstance(value, enum):
        return value
    text = tidy(value).upper().replace(" ", "_").replace("-", "_")
    try:
        return enum(text)
    except ValueError:
        return value


def _date_value(value: date | str | None) -> date | str | None:
    if value is None or isinstance(value, date):
        return value
    text = tidy(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return text  # refused by validate(), with the text the person typed


def normalize_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Trimmed, without empties and repeats (first spelling kept, case-insensitively)."""
    out: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        text = tidy(tag)
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    return tuple(out)


def normalize(draft: CustomerDraft, home_country: str = "") -> CustomerDraft:
    """Tidied text, enums for status and source, a date for the birthday, the phone in E.164 (read in
    the home country's dialling plan when it has no +). What cannot be normalized stays as typed."""
    return replace(
        draft,
        email=tidy(draft.email).replace(" ", ""),
        name=tidy(draft.name),
        phone=phone_e164(draft.phone, home_country),
        date_of_birth=_date_value(draft.date_of_birth),
        gender=tidy(draft.gender),
        status=_enum_value(CustomerStatus, draft.status),  # type: ignore[arg-type]
        source=_enum_value(CustomerSource, draft.source),  # type: ignore[arg-type]
        external_id=tidy(draft.external_id),
        tags=normalize_tags(draft.tags),
        custom_fields=dict(draft.custom_fields),
    )


def email_error(email: str) -> str | None:
    if not email:
        return "is required"
    if len(email) > MAX_EMAIL or not EMAIL.match(email):
        return f"{email!r} is not a valid e-mail address"
    return None


def phone_error(phone: str, country: str = "") -> str | None:
    """None for no phone or a valid number; E.164 is what normalize() made of a valid one."""
    if not phone:
        return None
    try:
        number = phonenumbers.parse(phone, country if len(country) == 2 else None)
    except phonenumbers.NumberParseException:
        return f"{phone!r} is not a phone number (write it with its country code, like +14155550132)"
    if not phonenumbers.is_valid_number(number):
        where = f" for {country}" if country and not phone.startswith("+") else ""
        return f"{phone!r} is not a valid phone number{where}"
    return None


def _enum_error(enum: Any, value: object) -> str | None:
    if isinstance(value, enum):
        return None
    return f"{value!r} is not one of {', '.join(m.value for m in enum)}"


def validate(draft: CustomerDraft, *, today: date, home_country: str = "") -> dict[str, str]:
    """Field -> message for every field that is not acceptable; empty when the draft may be saved.
    Run it on a normalized draft."""
    errors: dict[str, str] = {}
    if (why := email_error(draft.email)) is not None:
        errors["email"] = why
    if not draft.name:
        errors["name"] = "is required"
    elif len(draft.name) > MAX_NAME:
        errors["name"] = f"is longer than {MAX_NAME} characters"
    if (why := phone_error(draft.phone, home_country)) is not None:
        errors["phone"] = why
    dob = draft.date_of_birth
    if isinstance(dob, str):
        errors["date_of_birth"] = f"{dob!r} is not a date like 1990-04-21"
    elif dob is not None and dob > today:
        errors["date_of_birth"] = f"{dob.isoformat()} is in the future"
    elif dob is not None and dob.year < OLDEST_BIRTH_YEAR:
        errors["date_of_birth"] = f"{dob.isoformat()} is before {OLDEST_BIRTH_YEAR}"
    if len(draft.gender) > MAX_GENDER:
        errors["gender"] = f"is longer than {MAX_GENDER} characters"
    if (why := _enum_error(CustomerStatus, draft.status)) is not None:
        errors["status"] = why
    if (why := _enum_error(CustomerSource, draft.source)) is not None:
        errors["source"] = why
    if len(draft.external_id) > MAX_EXTERNAL_ID:
        errors["external_id"] = f"is longer than {MAX_EXTERNAL_ID} characters"
    long_tags = [t for t in draft.tags if len(t) > MAX_TAG]
    if long_tags:
        errors["tags"] = f"{long_tags[0]!r} is longer than {MAX_TAG} characters"
    elif len(draft.tags) > MAX_TAGS:
        errors["tags"] = f"{len(draft.tags)} tags; {MAX_TAGS} at most"
    if (why := custom_fields_error(draft.custom_fields)) is not None:
        errors["custom_fields"] = why
    return errors


def custom_fields_error(fields: Mapping[str, Any]) -> str | None:
    """Custom fields are a JSON object with text keys, of a sensible size."""
    if any(not isinstance(k, str) or not k.strip() for k in fields):
        return "every key must be a non-empty text"
    try:
        text = json.dumps(dict(fields), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return f"must hold only text, numbers, true/false, lists and objects ({exc})"
    if len(text) > MAX_CUSTOM_FIELDS_JSON:
        return f"is {len(text)} characters as JSON; {MAX_CUSTOM_FIELDS_JSON} at most"
    return None


def status_change_errors(current: CustomerStatus, target: CustomerStatus, reason: str) -> dict[str, str]:
    """A status change says why: the reason is shown wherever the status matters (the pack flow's
    banner for a BLOCKED customer) and stays in the customer's timeline."""
    if target is current:
        return {}
    if not tidy(reason):
        return {"reason": f"say why the customer goes from {current.value} to {target.value}"}
    return {}


# ------------------------------------------------------------------------------------------- addresses


@dataclass(frozen=True, slots=True)
class AddressDraft:
    """An address as entered (seed 001's Address: type, default flag, recipient and phone)."""

    recipient_name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""
    state: str = ""
    phone: str = ""
    type: AddressType | str = AddressType.SHIPPING
    is_default: bool = False

    @classmethod
    def of(cls, address: dm.Address) -> AddressDraft:
        return cls(
            recipient_name=address.recipient_name,
            line1=address.line1,
            line2=address.line2,
            city=address.city,
            state=address.state,
            postal_code=address.postal_code,
            country=address.country,
            phone=address.phone,
            type=address.type,
            is_default=address.is_default,
        )


def normalize_address(draft: AddressDraft) -> AddressDraft:
    """ISO alpha-2 country, postal state/province code, the country's postal code spelling, E.164 phone."""
    country = country_code(draft.country)
    return replace(
        draft,
        recipient_name=tidy(draft.recipient_name),
        line1=tidy(draft.line1),
        line2=tidy(draft.line2),
        city=tidy(draft.city),
        state=state_code(draft.state, country),
        postal_code=postal_codes.normalize(draft.postal_code, country),
        country=country,
        phone=phone_e164(draft.phone, country),
        type=_enum_value(AddressType, draft.type),  # type: ignore[arg-type]
    )


def validate_address(draft: AddressDraft) -> dict[str, str]:
    """Field -> message; run it on a normalized draft."""
    errors: dict[str, str] = {}
    for name in ("recipient_name", "line1", "city"):
        if not getattr(draft, name):
            errors[name] = "is required"
    for name, limit in ADDRESS_LIMITS.items():
        if name not in errors and len(getattr(draft, name)) > limit:
            errors[name] = f"is longer than {limit} characters"
    country = draft.country
    if not country:
        errors["country"] = "is required"
    elif pycountry.countries.get(alpha_2=country) is None:
        errors["country"] = f"{country!r} is not a country (use its ISO code, like US or DE, or its name)"
    else:
        if country in STATE_REQUIRED:
            if not draft.state:
                errors["state"] = f"is required for {country}"
            elif draft.state not in state_codes(country):
                errors["state"] = f"{draft.state!r} is not a state or province of {country}"
        if "postal_code" not in errors and (why := postal_codes.error(draft.postal_code, country)) is not None:
            errors["postal_code"] = why
        if (why := phone_error(draft.phone, country)) is not None:
            errors["phone"] = why
    if (why := _enum_error(AddressType, draft.type)) is not None:
        errors["type"] = why
    return errors


def covers(address_type: AddressType) -> frozenset[AddressType]:
    """The purposes an address serves: BOTH is a shipping and a billing address."""
    if address_type is AddressType.BOTH:
        return frozenset({AddressType.SHIPPING, AddressType.BILLING})
    return frozenset({address_type})


def defaults_to_clear(addresses: Iterable[dm.Address], new_default: dm.Address) -> list[str]:
    """Ids of the other default addresses that stop being default when `new_default` becomes one:
    each whose purposes overlap (one default per type; a BOTH default gives way as a whole, since
    its flag is one)."""
    wanted = covers(new_default.type)
    return [a.id for a in addresses if a.id != new_default.id and a.is_default and covers(a.type) & wanted]


# ------------------------------------------------------------------------------------------- order totals


@dataclass(frozen=True, slots=True)
class OrderTotals:
    total_spent: Decimal = Decimal(0)
    order_count: int = 0
    average_order_value: Decimal = Decimal(0)
    first_order_date: datetime | None = None
    last_order_date: datetime | None = None


CENT = Decimal("0.01")


def order_totals(orders: Iterable[tuple[Decimal, datetime, OrderStatus | str]]) -> OrderTotals:
    """The customer's analytics fields from their orders (amount, order date, status); cancelled
    orders are not purchases."""
    total = Decimal(0)
    count = 0
    first: datetime | None = None
    last: datetime | None = None
    for amount, when, status in orders:
        if OrderStatus(status) in NOT_PURCHASES:
            continue
        total += amount
        count += 1
        first = when if first is None or when < first else first
        last = when if last is None or when > last else last
    average = (total / count).quantize(CENT) if count else Decimal(0)
    return OrderTotals(total, count, average, first, last)
