"""What the customer search index holds, and how a typed query is matched — pure text rules.

Customer PII is encrypted at rest, so the index cannot hold names or e-mails. It holds keyed hashes
("blind tokens") of *terms*: word prefixes of every length from 2 to 12, and phone-digit prefixes
and suffixes. A query is turned into the same terms, looked up by their hashes, and every candidate
is then checked against its decrypted fields (`matches`), which removes hash collisions and the
letters beyond the longest indexed prefix. Because every prefix length up to 12 is indexed, the
candidates of a query whose words are at most 12 letters long are exactly its matches: the re-check
then costs no more than the answer itself, even for a typo after a common prefix ("smitq").
ADR 0013 explains the trade-offs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TypeAlias

# Bump when the terms a customer or a query turns into change: benches then rebuild their index.
INDEX_VERSION = 2
# Word prefixes of these lengths are indexed (words are cut at MAX_WORD). A query word uses the
# longest indexed prefix it covers; `matches` checks the rest. One-letter queries match nothing:
# their doclists would be a twentieth of the table each, and the list view covers that case.
PREFIX_LENGTHS = tuple(range(2, 13))
MAX_WORD = 24
MIN_QUERY_WORD = 2
# Phones are searched by the digits people type: the start of the number (international, national,
# or national with the trunk 0 as in "07911 123456") or its last 4 or 7 digits.
PHONE_SUFFIXES = (4, 7)
MIN_PHONE_DIGITS = 3

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NOT_PHONE = re.compile(r"[^\d\s()+\-./]")


def fold(text: str) -> str:
    """Lower case without accents: "José" and "jose" are the same word to a packer typing."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return [w[:MAX_WORD] for w in _WORD.findall(fold(text))]


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


# A field given as text, or as a function that returns it: the re-check then decrypts a sealed
# field only when the cheaper ones did not already decide.
Lazy: TypeAlias = str | Callable[[], str]


class SearchFields:
    """The plain-text fields one customer is found by."""

    def __init__(
        self,
        name: Lazy = "",
        email: Lazy = "",
        phone: Lazy = "",
        external_id: str = "",
        tags: Iterable[str] = (),
        postal_codes: Iterable[str] = (),
    ) -> None:
        self._name, self._email, self._phone = name, email, phone
        self.external_id = external_id
        self.tags = tuple(tags)
        self.postal_codes = tuple(postal_codes)

    @cached_property
    def name(self) -> str:
        return self._name if isinstance(self._name, str) else self._name()

    @cached_property
    def email(self) -> str:
        return self._email if isinstance(self._email, str) else self._email()

    @cached_property
    def phone(self) -> str:
        return self._phone if isinstance(self._phone, str) else self._phone()

    @cached_property
    def plain_words(self) -> tuple[str, ...]:
        """Words of the fields stored in plain text: external id, tags, postal codes."""
        out = words(" ".join((self.external_id, *self.tags, *self.postal_codes)))
        # A postal code typed with its space ("SW1A 1AA") and without ("SW1A1AA") both match.
        for postal in self.postal_codes:
            joined = "".join(words(postal))
            if joined:
                out.append(joined[:MAX_WORD])
        return tuple(out)

    @cached_property
    def name_words(self) -> tuple[str, ...]:
        return tuple(words(self.name))

    @cached_property
    def email_words(self) -> tuple[str, ...]:
        return tuple(words(self.email))

    def text_words(self) -> list[str]:
        return [*self.name_words, *self.email_words, *self.plain_words]

    def phone_digits(self) -> list[str]:
        """The number as typed internationally, and for E.164 numbers without the country code and
        with the country's trunk prefix ("+44 7911 123456": 447911123456, 7911123456, 07911123456)."""
        return list(phone_forms(self.phone))

    def __repr__(self) -> str:
        return f"SearchFields(external_id={self.external_id!r}, tags={self.tags!r}, postal_codes={self.postal_codes!r})"


@cache
def _trunk_prefix(country_code: int) -> str:
    import phonenumbers  # a field library; pure computation, no I/O

    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code) or ()
    meta = phonenumbers.PhoneMetadata.metadata_for_region(regions[0]) if regions else None
    return (meta.national_prefix or "") if meta is not None else ""


def _country_code(digits: str) -> int | None:
    import phonenumbers

    # Country calling codes are prefix-free: at most one of the first 1, 2 or 3 digits is one.
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return code if size < len(digits) else None
    return None


def phone_forms(phone: str) -> tuple[str, ...]:
    digits = _digits(phone)
    if not digits:
        return ()
    forms = [digits]
    code = _country_code(digits) if phone.lstrip().startswith("+") else None
    if code is not None:
        national = digits[len(str(code)) :]
        forms.append(national)
        trunk = _trunk_prefix(code)
        if trunk and not national.startswith(trunk):
            forms.append(trunk + national)
    return tuple(dict.fromkeys(forms))


def document_terms(fields: SearchFields) -> set[str]:
    """Every term the index holds for one customer (before hashing)."""
    terms: set[str] = set()
    for word in set(fields.text_words()):
        terms.update(["w:" + word[:n] for n in PREFIX_LENGTHS if n <= len(word)])
    for digits in phone_forms(fields.phone):
        terms.update(["p:" + digits[:n] for n in PREFIX_LENGTHS if MIN_PHONE_DIGITS <= n <= len(digits)])
        terms.update([f"s{n}:{digits[-n:]}" for n in PHONE_SUFFIXES if n <= len(digits)])
    return terms


def document(fields: SearchFields, hash_term: Callable[[str], str]) -> str:
    """One customer's row in the index: the hashed terms, space-separated (FTS5 splits on spaces)."""
    return " ".join(sorted({hash_term(t) for t in document_terms(fields)}))


def _longest_prefix(word: str, *, minimum: int = MIN_QUERY_WORD) -> str:
    usable = [n for n in PREFIX_LENGTHS if minimum <= n <= len(word)]
    return word[: max(usable)] if usable else word


def _phone_word(word: str) -> bool:
    """Digits enough to look up in phone numbers too (two digits would match a tenth of them)."""
    return word.isdigit() and len(word) >= MIN_PHONE_DIGITS


def _on_phone(digits: str, fields: SearchFields) -> bool:
    """The digits start the phone (as it may be written), or end it — an ending of at least as many
    digits as the shortest indexed suffix: "132" is not looked up among a million endings."""
    forms = fields.phone_digits()
    if any(p.startswith(digits) for p in forms):
        return True
    return len(digits) >= min(PHONE_SUFFIXES) and any(p.endswith(digits) for p in forms)


def _phone_group(digits: str) -> set[str]:
    """Terms for digits that may start or end a phone number: the longest indexed prefix, and the
    longest indexed suffix the digits cover (a number ending in the 7 digits also ends in their 4)."""
    group = {f"p:{_longest_prefix(digits, minimum=MIN_PHONE_DIGITS)}"}
    suffix = max((n for n in PHONE_SUFFIXES if len(digits) >= n), default=0)
    if suffix:
        group.add(f"s{suffix}:{digits[-suffix:]}")
    return group


@dataclass(frozen=True)
class Query:
    """A typed query, analysed once: the words to find, or the digits of one phone number."""

    text: str
    wanted: tuple[str, ...]  # query words long enough to look up
    phone: str  # the digits when the whole query is one phone number ("+1 (415) 555-0132"), else ""

    @staticmethod
    def parse(text: str) -> Query:
        all_words = words(text)
        digits = _digits(text)
        # "+1 (415) 555-0132" is one phone number, not four words: its digits are searched as one.
        is_phone = len(all_words) > 1 and len(digits) >= MIN_PHONE_DIGITS and not _NOT_PHONE.search(text)
        return Query(
            text=text,
            wanted=tuple(w for w in all_words if len(w) >= MIN_QUERY_WORD),
            phone=digits if is_phone else "",
        )

    def groups(self) -> list[set[str]]:
        """AND-of-OR term groups; [] when nothing is long enough to look up. A word may be the prefix
        of a text word or, when it is all digits, the start or end of a phone number."""
        if self.phone:
            return [_phone_group(self.phone)]
        out: list[set[str]] = []
        for word in self.wanted:
            group = {f"w:{_longest_prefix(word)}"}
            if _phone_word(word):
                group |= _phone_group(word)
            out.append(group)
        return out

    @property
    def exact(self) -> bool:
        """True when the index's answer is the answer: every term looked up is a query word itself
        (no word longer than the longest indexed prefix, no digits longer than the phone suffix
        looked up for them). Only a hash collision — 2^-40 per term of a customer — could then add a
        customer, so a count may trust the index and only what is shown needs the re-check."""
        longest = max(PREFIX_LENGTHS)

        def digits_exact(digits: str) -> bool:
            return len(digits) <= longest and (len(digits) < min(PHONE_SUFFIXES) or len(digits) in PHONE_SUFFIXES)

        if self.phone:
            return digits_exact(self.phone)
        return bool(self.wanted) and all(
            len(w) <= longest and (not _phone_word(w) or digits_exact(w)) for w in self.wanted
        )

    def matches(self, fields: SearchFields) -> bool:
        """Every query word starts one of the customer's words or (digits) starts or ends their
        phone number — the exact check behind the hashed candidates."""
        if self.phone:
            return _on_phone(self.phone, fields)
        if not self.wanted:
            return False
        for word in self.wanted:
            # Cheapest first: plain fields, then the sealed ones (each opened on first need).
            if any(t.startswith(word) for t in fields.plain_words):
                continue
            if any(t.startswith(word) for t in fields.name_words):
                continue
            if any(t.startswith(word) for t in fields.email_words):
                continue
            if _phone_word(word) and _on_phone(word, fields):
                continue
            return False
        return True


def query_groups(query: str) -> list[set[str]]:
    return Query.parse(query).groups()


def matches(query: str, fields: SearchFields) -> bool:
    return Query.parse(query).matches(fields)


def fts_query(groups: Iterable[set[str]], hash_term: Callable[[str], str]) -> str:
    """An FTS5 MATCH expression: hashed terms, quoted, ORs inside AND."""
    parts = []
    for group in groups:
        hashed = sorted(f'"{hash_term(t)}"' for t in group)
        parts.append(hashed[0] if len(hashed) == 1 else "(" + " OR ".join(hashed) + ")")
    return " AND ".join(parts)
