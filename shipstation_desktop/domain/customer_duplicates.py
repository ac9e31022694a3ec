"""Which customers are probably the same person: match keys and grouping, pure.

Three keys, strongest first:
- email: the normalized e-mail, plus-tag dropped ("ana+shop@x.com" is ana@x.com) and, at Gmail,
  dots dropped and googlemail.com read as gmail.com (Gmail ignores both);
- phone: the E.164 digits (a number without + is read in the dialling plan of the customer's
  address country); fewer than 8 digits is no key (a typo or a placeholder);
- name + postal code: the name case-, accent- and punctuation-folded with its words sorted ("Chen
  Emily" is "Emily Chen"), with each of the customer's postal codes upper-cased without spaces.

Customers sharing a key form a group. A key shared by more than MAX_GROUP customers is a
placeholder (a marketplace's relay phone, "Amazon Customer" at a depot's postcode), not a person,
and is left out. The same customers matched by several keys make one group that names them all.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from .address_normalize import phone_e164

MAX_GROUP = 20
MIN_PHONE_DIGITS = 8
_GMAIL = frozenset({"gmail.com", "googlemail.com"})
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class DuplicateReason(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    NAME_POSTAL = "name_postal"


_RANK = {reason: i for i, reason in enumerate(DuplicateReason)}


@dataclass(frozen=True, slots=True)
class DuplicateRecord:
    """What one customer is matched by (plain text, decrypted by the caller)."""

    id: str
    email: str = ""
    name: str = ""
    phone: str = ""
    postal_codes: tuple[str, ...] = ()
    country: str = ""  # the dialling plan for a phone written without +
    aliases: tuple[str, ...] = ()  # e-mails of customers merged into this one


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    reason: DuplicateReason  # the strongest key the customers share
    customer_ids: tuple[str, ...]  # oldest first (UUIDv7 ids sort by creation): the likely survivor leads
    also: tuple[DuplicateReason, ...] = ()  # the other keys the same customers share

    @property
    def reasons(self) -> tuple[DuplicateReason, ...]:
        return (self.reason, *self.also)


def email_key(email: str) -> str:
    text = email.strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return ""
    local = local.split("+", 1)[0]
    if domain in _GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}" if local else ""


def phone_key(phone: str, country: str = "") -> str:
    text = phone.strip()
    if not text:
        return ""
    if _E164.match(text):  # how the bench stores phones: no parsing needed
        return text[1:] if len(text) > MIN_PHONE_DIGITS else ""
    text = phone_e164(text, country)  # a number it cannot check stays as typed: its digits still count
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits if text.startswith("+") and len(digits) >= MIN_PHONE_DIGITS else ""


@lru_cache(maxsize=1 << 16)  # names repeat a lot (a few very common ones): fold each once
def name_key(name: str) -> str:
    if name.isascii():
        plain = name.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", name.casefold())
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(sorted(w for w in _NOT_WORD.split(plain) if w))


def postal_key(postal_code: str) -> str:
    return "".join(postal_code.split()).upper()


def keys(record: DuplicateRecord) -> dict[DuplicateReason, set[str]]:
    """The customer's match keys by reason (a reason with no key is left out)."""
    emails = {key for key in map(email_key, (record.email, *record.aliases)) if key}
    phone = phone_key(record.phone, record.country)
    name = name_key(record.name)
    places = {f"{name}|{postal}" for postal in map(postal_key, record.postal_codes) if postal} if name else set()
    out = {}
    if emails:
        out[DuplicateReason.EMAIL] = emails
    if phone:
        out[DuplicateReason.PHONE] = {phone}
    if places:
        out[DuplicateReason.NAME_POSTAL] = places
    return out


class DuplicateFinder:
    """Feed it every customer once (`add`), then ask for the groups. Holds only ids per key."""

    def __init__(self) -> None:
        # One plain dict per reason (str keys hash in C; an enum in a tuple key would call Python),
        # holding the id itself until a second customer shares the key: most keys never are.
        self._by_key: dict[DuplicateReason, dict[str, str | list[str]]] = {reason: {} for reason in DuplicateReason}

    def add(self, record: DuplicateRecord) -> None:
        for reason, found in keys(record).items():
            bucket = self._by_key[reason]
            for key in found:
                ids = bucket.get(key)
                if ids is None:
                    bucket[key] = record.id
                elif isinstance(ids, str):
                    bucket[key] = [ids, record.id]
                else:
                    ids.append(record.id)

    def groups(self, *, limit: int | None = None, containing: str | None = None) -> list[DuplicateGroup]:
        """Strongest reason first, then groups matched by more keys, then by their oldest customer."""
        found: dict[tuple[str, ...], set[DuplicateReason]] = defaultdict(set)
        for reason, bucket in self._by_key.items():
            for ids in bucket.values():
                if isinstance(ids, str):
                    continue
                members = tuple(sorted(set(ids)))
                if len(members) < 2 or len(members) > MAX_GROUP:
                    continue
                if containing is not None and containing not in members:
                    continue
                found[members].add(reason)
        groups = []
        for members, reasons in found.items():
            ordered = sorted(reasons, key=_RANK.__getitem__)
            groups.append(DuplicateGroup(ordered[0], members, tuple(ordered[1:])))
        groups.sort(key=lambda g: (_RANK[g.reason], -len(g.also), g.customer_ids))
        return groups if limit is None else groups[:limit]


def find(records: Iterable[DuplicateRecord], *, limit: int | None = None) -> list[DuplicateGroup]:
    finder = DuplicateFinder()
    for record in records:
        finder.add(record)
    return finder.groups(limit=limit)
