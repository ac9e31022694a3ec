"""Webhook signatures the hub checks before it reads a byte of the body as data.

Our own scheme (any relay or carrier integration we control): header
`X-SSD-Signature: t=<unix seconds>,v1=<hex>` with hex = HMAC-SHA256(secret, "<t>." + raw body). The
timestamp is inside the MAC, so an old delivery cannot be replayed with a fresh `t`; several `v1`
values are accepted so a secret can be rotated without downtime.

ShipStation API (ShipEngine) webhooks: RSA-SHA256 (PKCS#1 v1.5) over "<x-shipengine-timestamp>." + raw
body, base64 in `x-shipengine-rsa-sha256-signature`, the signing key named by
`x-shipengine-rsa-sha256-key-id` in ShipEngine's JWKS (https://api.shipengine.com/jwks). Per
https://docs.shipstation.com/apis/docs/guides/webhooks-validation: missing headers are answered 404
(the endpoint stays hidden), a timestamp more than 5 minutes off 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

HEADER = "X-SSD-Signature"
TOLERANCE = timedelta(minutes=5)
_MAX_HEADER = 1024


class SignatureError(Exception):
    """A request whose signature the hub refuses: `status` is the HTTP answer, `reason` the metric label."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class SignedHeader:
    timestamp: int
    signatures: tuple[str, ...]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header value a sender puts on `body` (used by tests, the benchmark and relays)."""
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def parse_header(value: str | None) -> SignedHeader:
    if not value:
        raise SignatureError(401, "missing_signature", f"The {HEADER} header is missing.")
    if len(value) > _MAX_HEADER:
        raise SignatureError(400, "malformed_signature", f"The {HEADER} header is too long.")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in value.split(","):
        key, sep, item = part.strip().partition("=")
        if not sep:
            raise SignatureError(400, "malformed_signature", f"The {HEADER} header is not t=<unix>,v1=<hex>.")
        if key == "t":
            if not item.isdigit() or timestamp is not None:
                raise SignatureError(400, "malformed_signature", f"The {HEADER} timestamp is not one Unix time.")
            timestamp = int(item)
        elif key == "v1":
            if len(item) != 64 or any(c not in "0123456789abcdefABCDEF" for c in item):
                raise SignatureError(400, "malformed_signature", f"The {HEADER} v1 value is not 64 hex digits.")
            signatures.append(item.lower())
        # other schemes (v0, future v2) are ignored, as senders may add them
    if timestamp is None or not signatures:
        raise SignatureError(400, "malformed_signature", f"The {HEADER} header needs both t= and v1=.")
    return SignedHeader(timestamp, tuple(signatures))


def verify(secret: str, header: str | None, body: bytes, now: datetime, tolerance: timedelta = TOLERANCE) -> int:
    """Checks our HMAC header; returns the signed timestamp. Raises SignatureError."""
    signed = parse_header(header)
    at = datetime.fromtimestamp(signed.timestamp, UTC) if signed.timestamp < 2**40 else None
    if at is None or abs(now - at) > tolerance:
        raise SignatureError(401, "stale_timestamp", "The signature's timestamp is outside the 5-minute window.")
    expected = _mac(secret, signed.timestamp, body)
    # every candidate compared in full, constant time, so a partial match leaks nothing by timing
    matches = [hmac.compare_digest(expected, candidate) for candidate in signed.signatures]
    if not any(matches):
        raise SignatureError(401, "bad_signature", "The webhook signature does not match the body.")
    return signed.timestamp


# ---------------------------------------------------------------------------------------------- ShipEngine

SE_KEY_ID = "x-shipengine-rsa-sha256-key-id"
SE_SIGNATURE = "x-shipengine-rsa-sha256-signature"
SE_TIMESTAMP = "x-shipengine-timestamp"


def _b64url_int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def load_jwks(document: str | bytes) -> dict[str, rsa.RSAPublicKey]:
    """RSA public keys by key id from a JWKS document ({"keys": [{"kty": "RSA", "kid", "n", "e"}]})."""
    try:
        data = json.loads(document)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"the ShipEngine JWKS is not JSON ({exc})") from exc
    keys: dict[str, rsa.RSAPublicKey] = {}
    for jwk in data.get("keys", []) if isinstance(data, dict) else []:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or not jwk.get("kid"):
            continue
        try:
            keys[str(jwk["kid"])] = rsa.RSAPublicNumbers(_b64url_int(jwk["e"]), _b64url_int(jwk["n"])).public_key()
        except (KeyError, ValueError, TypeError, binascii.Error) as exc:
            raise ValueError(f"the ShipEngine JWKS key {jwk.get('kid')!r} is not an RSA key ({exc})") from exc
    if not keys:
        raise ValueError("the ShipEngine JWKS holds no RSA key")
    return keys


def jwk_of(key: rsa.RSAPublicKey, kid: str) -> dict[str, str]:
    """The JWK of a public key (tests and the benchmark publish their generated key with it)."""
    numbers = key.public_numbers()

    def enc(value: int) -> str:
        return base64.urlsafe_b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()

    return {"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig", "n": enc(numbers.n), "e": enc(numbers.e)}


def _parse_se_time(value: str) -> datetime | None:
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC) if len(text) <= 12 else None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def verify_shipengine(
    keys: Mapping[str, rsa.RSAPublicKey],
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    tolerance: timedelta = TOLERANCE,
) -> None:
    kid, signature, stamp = headers.get(SE_KEY_ID), headers.get(SE_SIGNATURE), headers.get(SE_TIMESTAMP)
    if not kid or not signature or not stamp:
        raise SignatureError(404, "missing_signature", "Not found.")
    at = _parse_se_time(stamp)
    if at is None or abs(now - at) > tolerance:
        raise SignatureError(400, "stale_timestamp", "The webhook timestamp is outside the 5-minute window.")
    key = keys.get(kid)
    if key is None:
        raise SignatureError(401, "unknown_key", "The webhook is signed with a key the hub does not know.")
    try:
        raw = base64.b64decode(signature, validate=True)
        key.verify(raw, stamp.encode() + b"." + body, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        raise SignatureError(401, "bad_signature", "The webhook signature does not match the body.") from None
