"""Customer PII encrypted at rest: the cipher, the column types that use it, the search-token function.

Sealed text is "pii1:<key id>:<base64(nonce | AES-256-GCM ciphertext)>"; lookup columns (the
normalized e-mail, which must stay unique and be found by equality) use deterministic AES-SIV,
"pii1d:<key id>:<base64>". Search tokens are truncated HMAC-SHA256 of search terms. All three keys
are derived (HKDF) from one 256-bit bench key held in the OS keyring (services/pii_keys.py).

The cipher belongs to the engine: Store attaches it to the engine's dialect, so two stores in one
process (tests, the GUI and a CLI helper) never share keys. An engine with no cipher stores plain
text (the hub's scratch stores and unit tests); reading always accepts plain text too, which is how a
bench from before encryption opens and then seals its rows (services/pii_keys.reseal).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.types import TypeDecorator

from shipstation_desktop.domain import customer_search as cs
from shipstation_desktop.domain.errors import UserError

SEALED = "pii1:"
LOOKUP = "pii1d:"
_DIALECT_ATTR = "ssd_pii_cipher"
# Without a bench key (scratch stores, unit tests) search tokens still need a hash; this one is public.
_UNKEYED = b"shipstation-desktop unkeyed search tokens"
TOKEN_BYTES = 5  # 40 bits: 8 base32 letters; collisions are rare and removed by the exact re-check


class PiiKeyMissing(UserError):
    """Sealed data whose key this bench does not hold."""


def _derive(master: bytes, purpose: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=b"ssd-pii/" + purpose).derive(master)


def new_key_id() -> str:
    return base64.b32encode(os.urandom(5)).decode().lower()


@dataclass(frozen=True)
class Keyset:
    """The bench's PII keys: the current one seals, every one listed can open (during a rotation)."""

    current: str
    keys: dict[str, bytes] = field(default_factory=dict)

    @staticmethod
    def generate() -> Keyset:
        kid = new_key_id()
        return Keyset(current=kid, keys={kid: os.urandom(32)})

    def with_new_key(self) -> Keyset:
        kid = new_key_id()
        return Keyset(current=self.current, keys={**self.keys, kid: os.urandom(32)}).switched(kid)

    def switched(self, kid: str) -> Keyset:
        if kid not in self.keys:
            raise KeyError(kid)
        return Keyset(current=kid, keys=dict(self.keys))

    def only_current(self) -> Keyset:
        return Keyset(current=self.current, keys={self.current: self.keys[self.current]})

    def to_json(self) -> str:
        return json.dumps(
            {"current": self.current, "keys": {k: base64.b64encode(v).decode() for k, v in self.keys.items()}}
        )

    @staticmethod
    def from_json(text: str) -> Keyset:
        data = json.loads(text)
        keys = {str(k): base64.b64decode(v) for k, v in data["keys"].items()}
        if data["current"] not in keys or any(len(v) != 32 for v in keys.values()):
            raise ValueError("the PII keyset is damaged (current key missing or a key of the wrong size)")
        return Keyset(current=str(data["current"]), keys=keys)


class _Key:
    __slots__ = ("gcm", "mac", "siv", "tokens")

    def __init__(self, master: bytes) -> None:
        self.gcm = AESGCM(_derive(master, b"gcm", 32))
        self.siv = AESSIV(_derive(master, b"siv", 64))
        self.mac = _derive(master, b"search", 32)
        self.tokens = TokenHasher(self.mac)


class PiiCipher:
    def __init__(self, keyset: Keyset) -> None:
        self.keyset = keyset
        self._keys = {kid: _Key(master) for kid, master in keyset.keys.items()}

    @property
    def key_id(self) -> str:
        return self.keyset.current

    def seal(self, text: str) -> str:
        nonce = os.urandom(12)
        ct = self._keys[self.key_id].gcm.encrypt(nonce, text.encode(), self.key_id.encode())
        return f"{SEALED}{self.key_id}:{base64.b64encode(nonce + ct).decode()}"

    def seal_lookup(self, text: str) -> str:
        ct = self._keys[self.key_id].siv.encrypt(text.encode(), [self.key_id.encode()])
        return f"{LOOKUP}{self.key_id}:{base64.b64encode(ct).decode()}"

    def open(self, value: str) -> str:
        if value.startswith(SEALED):
            kid, _, body = value[len(SEALED) :].partition(":")
            raw = base64.b64decode(body)
            try:
                return self._key(kid).gcm.decrypt(raw[:12], raw[12:], kid.encode()).decode()
            except InvalidTag:
                raise PiiKeyMissing(f"customer data sealed with key {kid} does not open with it (damaged?)") from None
        if value.startswith(LOOKUP):
            kid, _, body = value[len(LOOKUP) :].partition(":")
            try:
                return self._key(kid).siv.decrypt(base64.b64decode(body), [kid.encode()]).decode()
            except InvalidTag:
                raise PiiKeyMissing(f"customer data sealed with key {kid} does not open with it (damaged?)") from None
        return value

    def _key(self, kid: str) -> _Key:
        try:
            return self._keys[kid]
        except KeyError:
            raise PiiKeyMissing(
                f"customer data is sealed with key {kid}, which this bench's keyring does not hold; "
                "restore the keyring or re-sync the bench from the center"
            ) from None

    def token(self, term: str) -> str:
        return self._keys[self.key_id].tokens(term)


def search_token(key: bytes, term: str) -> str:
    digest = hmac.new(key, term.encode(), hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.b32encode(digest).decode().lower()


_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_B32_PAIRS = [_B32[i >> 5] + _B32[i & 31] for i in range(1024)]


class TokenHasher:
    """search_token(key, term) for one key, about three times faster: the HMAC's padded-key hash
    states are made once and copied (a search hashes a few terms, a bulk index build millions)."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        block = key.ljust(hashlib.sha256().block_size, b"\0")  # HMAC (RFC 2104) with a key of <= 64 bytes
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def __call__(self, term: str) -> str:
        inner = self._inner.copy()
        inner.update(term.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        n = int.from_bytes(outer.digest()[:TOKEN_BYTES], "big")  # 40 bits: four 10-bit pairs of letters
        return _B32_PAIRS[n >> 30] + _B32_PAIRS[(n >> 20) & 1023] + _B32_PAIRS[(n >> 10) & 1023] + _B32_PAIRS[n & 1023]


_UNKEYED_TOKENS = TokenHasher(_UNKEYED)


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith((SEALED, LOOKUP))


class KeySlot:
    """Where an engine finds its cipher. Engines of one bench (the GUI's, the sync worker's) share
    one slot, so a key rotation reaches all of them at once."""

    __slots__ = ("cipher",)

    def __init__(self, cipher: PiiCipher | None = None) -> None:
        self.cipher = cipher


def slot_of(engine: Engine) -> KeySlot:
    slot: KeySlot | None = getattr(engine.dialect, _DIALECT_ATTR, None)
    if slot is None:
        slot = KeySlot()
        setattr(engine.dialect, _DIALECT_ATTR, slot)
    return slot


def share_slot(engine: Engine, slot: KeySlot) -> None:
    setattr(engine.dialect, _DIALECT_ATTR, slot)


def attach(engine: Engine, cipher: PiiCipher | None) -> None:
    slot_of(engine).cipher = cipher


def cipher_of(dialect: Dialect) -> PiiCipher | None:
    slot: KeySlot | None = getattr(dialect, _DIALECT_ATTR, None)
    return None if slot is None else slot.cipher


def token_function(dialect: Dialect) -> Callable[[str], str]:
    cipher = cipher_of(dialect)
    return cipher.token if cipher is not None else _UNKEYED_TOKENS


def _open(dialect: Dialect, value: str) -> str:
    if not is_sealed(value):
        return value
    cipher = cipher_of(dialect)
    if cipher is None:
        raise PiiKeyMissing("customer data on this bench is encrypted and no key was given to open it")
    return cipher.open(value)


def open_text(dialect: Dialect, value: str) -> str:
    """A value as stored (sealed or plain) as plain text: for statements that fetch sealed columns
    raw and open only the ones they need (the search re-check)."""
    return _open(dialect, value)


class SealedText(TypeDecorator[str]):
    """Text encrypted with a fresh nonce each write (names, phones, address lines, notes)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        cipher = cipher_of(dialect)
        if value is None or cipher is None or value == "" or is_sealed(value):
            return value  # "" stays "": emptiness is not worth hiding and keeps defaults simple
        return cipher.seal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else _open(dialect, str(value))


class SealedLookup(TypeDecorator[str]):
    """Deterministic encryption: equal plain text, equal stored text — unique indexes and `==` work."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        cipher = cipher_of(dialect)
        if value is None or cipher is None or value == "" or is_sealed(value):
            return value
        return cipher.seal_lookup(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else _open(dialect, str(value))


class SealedJSON(TypeDecorator[Any]):
    """A JSON document (an order's ship-to, an outbox payload) sealed as one text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        cipher = cipher_of(dialect)
        return text if cipher is None else cipher.seal(text)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(_open(dialect, str(value)))


def customer_tokens(dialect: Dialect) -> Callable[..., str]:
    """The SQLite function the search-index triggers call: stored (sealed) fields in, tokens out.

    The key is looked up on every call: a rotation swaps the engine's cipher under open connections."""

    def tokens(name: Any, email: Any, phone: Any, external_id: Any, tags: Any, postal_codes: Any) -> str:
        try:
            fields = cs.SearchFields(
                name=_open(dialect, name or ""),
                email=_open(dialect, email or ""),
                phone=_open(dialect, phone or ""),
                external_id=external_id or "",
                tags=tuple(json.loads(tags)) if tags else (),
                postal_codes=tuple(p for p in (postal_codes or "").split("\x1f") if p),
            )
        except Exception:
            # A raising function aborts the customer's write; an unsearchable row is the lesser harm
            # (and a later edit re-indexes it).
            import logging

            logging.getLogger(__name__).exception("search tokens failed for one customer")
            return ""
        return cs.document(fields, token_function(dialect))

    return tokens
