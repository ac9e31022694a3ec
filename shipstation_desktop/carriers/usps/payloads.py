"""USPS request bodies and the Labels 3.0 multipart answer.

Shapes from https://developer.usps.com (Domestic Labels 3.0, Domestic Prices 3.0, Addresses 3.0) and the
examples USPS publishes at github.com/USPS/api-examples (domesticlabel-v3-request/response).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from shipstation_desktop.domain.errors import CarrierError
from shipstation_desktop.domain.models import PostalAddress
from shipstation_desktop.domain.units import MM_PER, Dimensions, LengthUnit, Weight, WeightUnit

_HUNDREDTH = Decimal("0.01")
_TENTH = Decimal("0.1")
# Field limits from the Labels 3.0 schema (firstName/lastName 50, streetAddress 50, referenceNumber 30).
_NAME_MAX = 50
_STREET_MAX = 50
_REFERENCE_MAX = 30


def pounds(weight: Weight) -> Decimal:
    """Weight in lb, rounded up to 0.01 lb so USPS never prices a parcel lighter than it is."""
    return weight.to(WeightUnit.LB).value.quantize(_HUNDREDTH, rounding=ROUND_CEILING)


def inches(dimensions: Dimensions | None) -> tuple[Decimal, Decimal, Decimal]:
    """L, W, H in inches to 0.1 in (rounded up); zeros when the box was not measured."""
    if dimensions is None:
        return Decimal(0), Decimal(0), Decimal(0)
    values = tuple(v / MM_PER[LengthUnit.IN] for v in dimensions.mm())
    length, width, height = (v.quantize(_TENTH, rounding=ROUND_CEILING) for v in values)
    return length, width, height


def zip5(postal_code: str) -> str:
    return postal_code.strip().replace(" ", "")[:5]


def zip4(postal_code: str) -> str:
    digits = postal_code.strip().replace(" ", "").replace("-", "")
    return digits[5:9] if len(digits) == 9 else ""


def split_name(name: str) -> tuple[str, str]:
    parts = name.strip().split()
    if not parts:
        return "", ""
    if len(parts) == 1:
        return "", parts[0][:_NAME_MAX]
    return " ".join(parts[:-1])[:_NAME_MAX], parts[-1][:_NAME_MAX]


def address(address: PostalAddress) -> dict[str, Any]:
    first, last = split_name(address.name)
    body: dict[str, Any] = {
        "firstName": first,
        "lastName": last,
        "streetAddress": address.line1.strip()[:_STREET_MAX],
        "city": address.city.strip(),
        "state": address.state.strip().upper(),
        "ZIPCode": zip5(address.postal_code),
    }
    optional = {
        "secondaryAddress": address.line2.strip()[:_STREET_MAX],
        "ZIPPlus4": zip4(address.postal_code),
        "firm": address.company.strip(),
        "phone": "".join(c for c in address.phone if c.isdigit())[-10:],
        "email": address.email.strip(),
    }
    body.update({k: v for k, v in optional.items() if v})
    return body


def customer_references(lookup: str, printed: str) -> list[dict[str, Any]]:
    """The unique purchase reference first (what a supervisor searches for), then the order number."""
    refs = [{"referenceNumber": lookup[:_REFERENCE_MAX], "printReferenceNumber": True}]
    if printed and printed != lookup:
        refs.append({"referenceNumber": printed[:_REFERENCE_MAX], "printReferenceNumber": True})
    return refs


@dataclass(frozen=True, slots=True)
class LabelAnswer:
    metadata: dict[str, Any]
    image: bytes


def parse_label_answer(body: bytes) -> LabelAnswer:
    """Labels 3.0 answers multipart/form-data: a JSON "labelMetadata" part and a "labelImage" part
    (base64 text in USPS's examples). The boundary is read from the body's first line, since the
    client hands adapters the body only. A JSON answer (the API's JSON variant) is accepted too."""
    stripped = body.lstrip()
    if stripped.startswith(b"{"):
        return _json_answer(stripped)
    first_line = stripped.split(b"\n", 1)[0].strip()
    if not first_line.startswith(b"--") or len(first_line) < 3:
        raise CarrierError("USPS sent a label answer that is neither multipart nor JSON", "malformed")
    boundary = first_line[2:].decode("ascii", "replace")
    head = f'Content-Type: multipart/form-data; boundary="{boundary}"\r\n\r\n'.encode()
    message = BytesParser(policy=HTTP).parsebytes(head + stripped)
    metadata: dict[str, Any] | None = None
    image: bytes | None = None
    for part in message.iter_parts() if message.is_multipart() else ():
        name = _part_name(part)
        payload = _payload(part)
        if name == "labelMetadata" or (metadata is None and part.get_content_type() == "application/json"):
            metadata = _metadata(payload)
        elif name == "labelImage" or (image is None and name != "receiptImage"):
            image = _image(payload)
    if metadata is None:
        raise CarrierError("USPS sent a label answer without label metadata", "malformed")
    if not image:
        raise CarrierError("USPS sent a label answer without a label image", "malformed")
    return LabelAnswer(metadata, image)


def _json_answer(body: bytes) -> LabelAnswer:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CarrierError("USPS sent a label answer that is not valid JSON", "malformed") from exc
    if not isinstance(data, dict) or not isinstance(data.get("labelMetadata"), dict):
        raise CarrierError("USPS sent a label answer without label metadata", "malformed")
    image = _image(str(data.get("labelImage") or "").encode())
    if not image:
        raise CarrierError("USPS sent a label answer without a label image", "malformed")
    return LabelAnswer(data["labelMetadata"], image)


def _part_name(part: Message) -> str:
    name = part.get_param("name", header="content-disposition")
    return str(name) if isinstance(name, str) else ""


def _payload(part: Message) -> bytes:
    raw = part.get_payload(decode=False)
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _metadata(payload: bytes) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CarrierError("USPS sent label metadata that is not valid JSON", "malformed") from exc
    if not isinstance(data, dict):
        raise CarrierError("USPS sent label metadata that is not a JSON object", "malformed")
    return data


def _image(payload: bytes) -> bytes:
    data = payload.strip()
    if data.startswith((b"%PDF", b"^XA", b"~", b"\x89PNG", b"II*", b"MM\x00*")):
        return data  # already raw (a client or proxy that decoded the part)
    try:
        return base64.b64decode(b"".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return data
