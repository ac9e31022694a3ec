"""Customer search and the filtered list on a real bench database: what the blind-token index finds
(accents, prefixes of every field, phones however typed, postal codes with or without their space),
that it follows every write (rename, delete, addresses, key rotation), that the file holds no
plain name or e-mail, and that list pages and their totals are exactly right."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from shipstation_desktop.domain import customer_search as cs
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.customer_rules import AddressDraft, CustomerDraft
from shipstation_desktop.domain.enums import CustomerSource, CustomerStatus
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.ids import uuid7
from shipstation_desktop.persistence import pii, search_index
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services import customer_addresses, customer_list, pii_keys
from shipstation_desktop.services import customers as service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.customer_list import CustomerFilter

Filter = CustomerFilter


def _add(bench: Bench, name: str, email: str, **fields: Any) -> dm.Customer:
    postal = fields.pop("postal_code", None)
    country = fields.pop("country", "US")
    state = "CA" if country == "US" else ""
    customer = service.create_customer(bench, CustomerDraft(email=email, name=name, **fields))
    if postal is not None:
        customer_addresses.add_address(
            bench,
            customer.id,
            AddressDraft(
                recipient_name=name, line1="1 Main St", city="Town", state=state, postal_code=postal, country=country
            ),
        )
    return customer


def names(bench: Bench, query: str) -> list[str]:
    return sorted(c.name for c in service.search_customers(bench, query, limit=500))


@pytest.fixture
def people(bench: Bench) -> Bench:
    _add(
        bench,
        "José Müller",
        "jm42@example.com",
        phone="+447911123456",
        external_id="SHOP-100200",
        tags=("wholesale", "vip"),
        postal_code="SW1A 1AA",
        country="GB",
    )
    _add(bench, "Émile Zola", "emile.zola@lettres.fr", phone="+14155550132", postal_code="94103")
    _add(bench, "Jane Doe", "jane@example.org", phone="+4915112345678", tags=("newsletter",), postal_code="10115")
    _add(bench, "Zoë Lopez", "zoe@mail.es", external_id="AMZ-77", postal_code="28013", country="ES")
    return bench


def test_accents_and_case_are_ignored(people: Bench) -> None:
    for query in ("jose", "JOSÉ", "josé müller", "mul", "MÜL", "müller"):
        assert names(people, query) == ["José Müller"], query
    assert names(people, "emile") == names(people, "ÉMILE") == ["Émile Zola"]
    assert names(people, "zoe") == ["Zoë Lopez"]


def test_prefixes_of_every_field(people: Bench) -> None:
    assert names(people, "jo") == ["José Müller"]  # name
    assert names(people, "jm4") == ["José Müller"]  # e-mail local part
    assert names(people, "lettres.f") == ["Émile Zola"]  # e-mail domain
    assert names(people, "example") == ["Jane Doe", "José Müller"]
    assert names(people, "shop-1002") == ["José Müller"]  # external id
    assert names(people, "amz") == ["Zoë Lopez"]
    assert names(people, "whole") == ["José Müller"]  # tag
    assert names(people, "news") == ["Jane Doe"]
    assert names(people, "9410") == ["Émile Zola"]  # postal code
    assert names(people, "jane doe") == ["Jane Doe"]  # every word must match
    assert names(people, "jane zola") == []
    assert names(people, "ose") == []  # the start of a word, not the middle
    assert names(people, "j") == [] and names(people, "   ") == []


def test_phone_by_its_start_or_end_however_it_is_typed(people: Bench) -> None:
    assert names(people, "+44 7911 123456") == ["José Müller"]
    assert names(people, "07911 123456") == ["José Müller"]  # national, with the trunk 0
    assert names(people, "7911") == ["José Müller"]  # national, without it
    assert names(people, "447911") == ["José Müller"]  # with the country code
    assert names(people, "3456") == ["José Müller"]  # last 4 digits
    assert names(people, "1123456") == ["José Müller"]  # last 7
    assert names(people, "23456") == ["José Müller"]  # any ending
    assert names(people, "(415) 555-0132") == ["Émile Zola"]
    assert names(people, "+1 415-555-0132") == ["Émile Zola"]
    assert names(people, "555-0132") == ["Émile Zola"]
    assert names(people, "0151 1234") == ["Jane Doe"]
    assert names(people, "(415) 555-0133") == []


def test_postal_code_with_or_without_its_space(people: Bench) -> None:
    assert names(people, "SW1A 1AA") == names(people, "sw1a1aa") == names(people, "SW1A") == ["José Müller"]
    assert names(people, "1aa") == ["José Müller"]
    assert names(people, "sw1a 1ab") == []


def test_external_id_and_tags(people: Bench) -> None:
    assert names(people, "SHOP-100200") == names(people, "100200") == ["José Müller"]
    assert names(people, "77") == ["Zoë Lopez"]
    assert names(people, "vip") == ["José Müller"]
    assert names(people, "wholesale vip") == ["José Müller"]


def test_soft_deleted_customers_are_not_found(people: Bench) -> None:
    jane = next(c for c in service.search_customers(people, "jane"))
    service.delete_customer(people, jane.id)
    assert names(people, "jane") == []
    assert customer_list.list_page(people, Filter(query="jane")).total == 0
    service.restore_customer(people, jane.id)
    assert names(people, "jane") == ["Jane Doe"]


def test_changes_are_reindexed(people: Bench) -> None:
    zola = service.search_customers(people, "zola")[0]
    service.update_customer(people, zola.id, replace(CustomerDraft.of(zola), name="Victor Hugo"))
    assert names(people, "zola") == ["Victor Hugo"]  # still found by the e-mail emile.zola@…
    assert names(people, "emile") == ["Victor Hugo"]
    assert names(people, "victor hu") == ["Victor Hugo"]
    hugo = service.get_customer(people, zola.id)
    service.update_customer(people, hugo.id, replace(CustomerDraft.of(hugo), email="vh@miserables.fr", phone=""))
    assert names(people, "zola") == names(people, "emile") == names(people, "0132") == []
    assert names(people, "miserables") == ["Victor Hugo"]


def test_addresses_added_changed_and_removed_move_the_postal_code(people: Bench) -> None:
    jane = service.search_customers(people, "jane")[0]
    assert names(people, "75001") == []
    added = customer_addresses.add_address(
        people,
        jane.id,
        AddressDraft(recipient_name="Jane Doe", line1="2 Rue", city="Paris", postal_code="75001", country="FR"),
    )
    assert names(people, "75001") == ["Jane Doe"]
    customer_addresses.update_address(
        people,
        added.id,
        AddressDraft(recipient_name="Jane Doe", line1="2 Rue", city="Lyon", postal_code="69002", country="FR"),
    )
    assert names(people, "75001") == [] and names(people, "69002") == ["Jane Doe"]
    customer_addresses.delete_address(people, added.id)
    assert names(people, "69002") == []
    assert names(people, "10115") == ["Jane Doe"]  # the other address is still there


def test_key_rotation_keeps_search_working(people: Bench) -> None:
    before = _tokens(people)
    rotation = pii_keys.rotate(people.store, people.secrets, people.paths)
    assert rotation.new_key != rotation.old_key
    assert _tokens(people).isdisjoint(before)  # every token was made again with the new key
    assert names(people, "jose") == ["José Müller"]
    assert names(people, "07911") == ["José Müller"]
    assert names(people, "sw1a1aa") == ["José Müller"]
    assert names(people, "lettres") == ["Émile Zola"]


def _tokens(bench: Bench) -> set[str]:
    with bench.store.engine.connect() as conn:
        return {tok for (doc,) in conn.execute(text("SELECT tokens FROM customer_search")) for tok in doc.split()}


def test_the_database_file_holds_no_plain_name_or_email(bench: Bench) -> None:
    _add(
        bench,
        "Quetzalcoatl Wigglesworth",
        "quetzal.wiggles@example.org",
        phone="+14155550188",
        postal_code="94107",
    )
    assert names(bench, "quetz wigg") == ["Quetzalcoatl Wigglesworth"]
    files = [p for p in bench.store.path.parent.iterdir() if p.name.startswith(bench.store.path.name)]
    raw = b"".join(p.read_bytes() for p in files)
    for secret in ("Quetzalcoatl", "Wigglesworth", "quetzal", "wiggles@example", "4155550188"):
        assert secret.encode() not in raw and secret.lower().encode() not in raw.lower(), secret
    assert b"94107" in raw  # postal codes stay plain (ADR 0013): the check itself can see the file
    tokens = _tokens(bench)
    assert tokens and all(re.fullmatch(r"[a-z2-7]{8}", tok) for tok in tokens)
    with bench.store.engine.connect() as conn:
        content = " ".join(r[0] for r in conn.execute(text("SELECT tokens FROM customer_search")))
    for word in ("quetz", "wigg", "example", "0188"):
        assert word not in content


# ------------------------------------------------------------------------------------------- list pages

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def shop(bench: Bench) -> Bench:
    """Twelve customers with known status, source, tags, spending and last order."""
    rows = [
        # name, status, source, tags, spent, days before T0 (None: never ordered)
        ("Ann Smith", "VIP", "SHOPIFY", ["vip"], "1000.00", 1),
        ("Bob Smith", "ACTIVE", "SHOPIFY", ["vip-gold"], "9.50", 2),
        ("Cat Jones", "ACTIVE", "AMAZON", ["VIP"], "10.00", 3),
        ("Dan Brown", "BLOCKED", "ETSY", ["vip", "wholesale"], "100.00", 3),
        ("Eve Smith", "ACTIVE", "AMAZON", [], "99.99", 10),
        ("Fay Green", "INACTIVE", "MANUAL", ["wholesale"], "0", None),
        ("Gus White", "ACTIVE", "SHOPIFY", ["vip"], "250.10", 40),
        ("Hal Black", "VIP", "ETSY", [], "100.01", 41),
        ("Ivy Smith", "ACTIVE", "SHOPIFY", ["newsletter"], "55", None),
        ("Jon Gray", "ACTIVE", "AMAZON", ["vip"], "75.5", 60),
        ("Kim Smith", "VIP", "SHOPIFY", ["vip"], "12", 0),
        ("Len Deleted", "ACTIVE", "SHOPIFY", ["vip"], "500", 0),
    ]
    with bench.store.session() as s:
        for name, status, source, tags, spent, days in rows:
            s.add(
                t.Customer(
                    id=uuid7(),
                    email=f"{name.split()[0].lower()}@shop.example",
                    email_normalized=f"{name.split()[0].lower()}@shop.example",
                    name=name,
                    status=status,
                    source=source,
                    tags=tags,
                    total_spent=Decimal(spent),
                    last_order_date=None if days is None else T0 - timedelta(days=days),
                    deleted_at=T0 if name == "Len Deleted" else None,
                )
            )
            s.flush()  # one row at a time: rowids follow this order (the tie-breaker)
    return bench


def page_names(bench: Bench, f: CustomerFilter, page: int = 1, size: int = 50) -> list[str]:
    return [c.name for c in customer_list.list_page(bench, f, page, size).items]


def test_list_is_ordered_by_last_order_never_ordered_last(shop: Bench) -> None:
    got = customer_list.list_page(shop, Filter())
    assert [c.name for c in got.items] == [
        "Kim Smith",
        "Ann Smith",
        "Bob Smith",
        "Dan Brown",  # same day as Cat: the newer row first
        "Cat Jones",
        "Eve Smith",
        "Gus White",
        "Hal Black",
        "Jon Gray",
        "Ivy Smith",  # never ordered, newest row first
        "Fay Green",
    ]
    assert (got.total, got.has_more, got.total_capped) == (11, False, False)


def test_filters_on_plain_columns(shop: Bench) -> None:
    assert page_names(shop, Filter(status=CustomerStatus.VIP)) == ["Kim Smith", "Ann Smith", "Hal Black"]
    assert page_names(shop, Filter(source=CustomerSource.ETSY)) == ["Dan Brown", "Hal Black"]
    # A tag is matched exactly: not "vip-gold", not "VIP".
    assert page_names(shop, Filter(tag="vip")) == ["Kim Smith", "Ann Smith", "Dan Brown", "Gus White", "Jon Gray"]
    assert page_names(shop, Filter(tag="VIP")) == ["Cat Jones"]
    assert page_names(shop, Filter(tag="vi")) == []
    # Money is compared as numbers: as text "9.50" > "10.00" and "1000.00" < "250.10".
    assert page_names(shop, Filter(spent_min=Decimal(10), spent_max=Decimal(100))) == [
        "Kim Smith",
        "Dan Brown",
        "Cat Jones",
        "Eve Smith",
        "Jon Gray",
        "Ivy Smith",
    ]
    assert page_names(shop, Filter(spent_min=Decimal("250.10"))) == ["Ann Smith", "Gus White"]
    # Last-order bounds are inclusive.
    window = Filter(last_order_from=T0 - timedelta(days=40), last_order_to=T0 - timedelta(days=3))
    assert page_names(shop, window) == ["Dan Brown", "Cat Jones", "Eve Smith", "Gus White"]
    both = Filter(status=CustomerStatus.ACTIVE, source=CustomerSource.AMAZON, tag="vip")
    assert page_names(shop, both) == ["Jon Gray"]
    assert customer_list.list_page(shop, both).total == 1


def test_pages_and_totals(shop: Bench) -> None:
    first, second, third = (customer_list.list_page(shop, Filter(), page, 4) for page in (1, 2, 3))
    assert [c.name for c in first.items + second.items + third.items] == page_names(shop, Filter())
    assert [(p.total, p.has_more, len(p.items)) for p in (first, second, third)] == [
        (11, True, 4),
        (11, True, 4),
        (11, False, 3),
    ]
    beyond = customer_list.list_page(shop, Filter(), 9, 4)
    assert (beyond.items, beyond.total, beyond.has_more) == ([], 11, False)
    smiths = customer_list.list_page(shop, Filter(query="smith"), 1, 2)
    assert [c.name for c in smiths.items] == ["Kim Smith", "Ann Smith"]
    assert (smiths.total, smiths.has_more) == (5, True)  # Len Smith… is deleted; "Len Deleted" is no Smith
    assert page_names(shop, Filter(query="smith", status=CustomerStatus.VIP)) == ["Kim Smith", "Ann Smith"]
    assert page_names(shop, Filter(query="smith", tag="vip", spent_max=Decimal(20))) == ["Kim Smith"]


def test_a_query_total_is_capped(shop: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(customer_list, "SEARCH_CAP", 3)
    capped = customer_list.list_page(shop, Filter(query="shop"), 1, 2)
    assert (capped.total, capped.total_capped, capped.has_more) == (3, True, True)
    assert customer_list.list_page(shop, Filter(query="shop"), 2, 2).has_more is False
    exact = customer_list.list_page(shop, Filter(query="smith", status=CustomerStatus.VIP))
    assert (exact.total, exact.total_capped) == (2, False)


def test_bad_pages_and_ranges_are_refused(shop: Bench) -> None:
    for call in (
        lambda: customer_list.list_page(shop, Filter(), 0),
        lambda: customer_list.list_page(shop, Filter(), 1, 0),
        lambda: customer_list.list_page(shop, Filter(spent_min=Decimal(5), spent_max=Decimal(1))),
        lambda: customer_list.list_page(shop, Filter(last_order_from=datetime(2025, 1, 1))),
    ):
        with pytest.raises(UserError):
            call()


# ------------------------------------------------------------------------------------------- properties

_LETTERS = "abcdeéèfghiïjklmnñoöpqrsßtuüvwxyzçøå"
word = st.text(alphabet=_LETTERS, min_size=2, max_size=16).map(lambda w: w.capitalize())
digits = st.text(alphabet="0123456789", min_size=6, max_size=11)


def _fold(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", value.casefold()) if not unicodedata.combining(c))


def _brute_force(query: str, row: t.Customer) -> bool:
    """The search promise written plainly: every query word (2+ letters) starts a word of the name,
    e-mail, external id, a tag or a postal code (its space optional), or, all digits, starts one of
    the ways the phone is written (3 digits or more) or ends it (4 or more)."""
    wanted = [w for w in re.findall(r"[^\W_]+", _fold(query)) if len(w) >= 2]
    postal = [a.postal_code for a in row.addresses if a.deleted_at is None]
    texts = [row.name, row.email, row.external_id, *(row.tags or []), *postal]
    found = [w[: cs.MAX_WORD] for x in texts for w in re.findall(r"[^\W_]+", _fold(x))]
    found += [re.sub(r"[\s-]", "", _fold(p)) for p in postal]
    phones = cs.phone_forms(row.phone)
    return bool(wanted) and all(
        any(f.startswith(w) for f in found)
        or (w.isdigit() and len(w) >= 3 and any(p.startswith(w) for p in phones))
        or (w.isdigit() and len(w) >= 4 and any(p.endswith(w) for p in phones))
        for w in wanted
    )


@settings(max_examples=300, deadline=None)
@given(first=word, last=word, number=digits, data=st.data())
def test_every_prefix_of_a_customer_word_is_indexed(first: str, last: str, number: str, data: st.DataObject) -> None:
    fields = cs.SearchFields(name=f"{first} {last}", email=f"{first}.{last}@mail.test", phone=f"+1{number}")
    source = data.draw(st.sampled_from([first, last, number, "mail"]))
    size = data.draw(st.integers(min_value=3 if source == number else 2, max_value=len(source)))
    query = source[:size]
    parsed = cs.Query.parse(query)
    assert parsed.matches(fields)
    # The index would hand this customer over: each AND group shares a term with the document.
    terms = cs.document_terms(fields)
    assert all(group & terms for group in parsed.groups())


@settings(max_examples=400, deadline=None)
@given(
    first=word,
    last=word,
    number=digits,
    query=st.one_of(
        st.text(alphabet=_LETTERS + "0123456789 -", min_size=1, max_size=16),
        st.text(alphabet="0123456789", min_size=3, max_size=13),
        digits.map(lambda d: f"+1 ({d[:3]}) {d[3:]}"),
    ),
)
def test_an_exact_query_needs_no_recheck(first: str, last: str, number: str, query: str) -> None:
    """What lets a count trust the index: for an exact query, "every AND group shares a term with
    the customer's document" and "the customer matches" are the same thing (hashes aside)."""
    fields = cs.SearchFields(name=f"{first} {last}", email=f"{last}@{first}.test", phone=f"+1{number}")
    parsed = cs.Query.parse(query)
    terms = cs.document_terms(fields)
    indexed = bool(parsed.groups()) and all(group & terms for group in parsed.groups())
    if parsed.matches(fields):
        assert indexed
    if parsed.exact:
        assert indexed == parsed.matches(fields)


def test_which_queries_are_exact() -> None:
    assert all(cs.Query.parse(q).exact for q in ("jo", "josé mü", "christopherx", "1234", "1234567", "415", "jo 12"))
    longer = ("christopherxy", "12345", "123456", "12345678", "+1 (415) 555-0132", "j", "")
    assert not any(cs.Query.parse(q).exact for q in longer)


def test_shown_customers_are_rechecked(people: Bench) -> None:
    everyone = customer_list.list_page(people, Filter()).items
    assert [c.name for c in search_index.verified("zola", everyone)] == ["Émile Zola"]
    assert search_index.verified("zolb", everyone) == []


@pytest.fixture
def grown(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    from shipstation_desktop.services.bootstrap import open_bench

    bench = open_bench(tmp_path_factory.mktemp("grown") / "bench")
    yield bench
    bench.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_search_finds_exactly_what_a_brute_force_scan_finds(grown: Bench, data: st.DataObject) -> None:
    """Customers accumulate over the examples; each example adds a few and checks random prefixes."""
    people = data.draw(st.lists(st.tuples(word, word, digits, st.sampled_from(["", "SW1A 1AA", "94103"])), max_size=4))
    with grown.store.session() as s:
        for first, last, number, postal in people:
            row = t.Customer(
                id=uuid7(),
                email=f"{first}.{last}.{uuid7()[-6:]}@mail.test",
                email_normalized=f"{first}.{last}.{uuid7()[-6:]}@mail.test".lower(),
                name=f"{first} {last}",
                phone=f"+44{number}",
                tags=["b2b"],
            )
            s.add(row)
            s.flush()
            if postal:
                s.add(
                    t.Address(
                        customer_id=row.id, recipient_name="x", line1="x", city="x", postal_code=postal, country="GB"
                    )
                )
    with grown.store.session() as s:
        everyone = list(s.scalars(select(t.Customer).where(t.Customer.deleted_at.is_(None))))
        for row in everyone:
            _ = list(row.addresses)
    if not everyone:
        return
    pick = data.draw(st.sampled_from(everyone))
    source = data.draw(st.sampled_from([*cs.words(pick.name), *cs.phone_forms(pick.phone), "sw1a", "9410", "b2"]))
    query = source[: data.draw(st.integers(min_value=1, max_value=max(1, len(source))))]
    query = data.draw(st.sampled_from([query, query.upper(), f"{query} {cs.words(pick.name)[0][:3]}"]))
    expected = {r.id for r in everyone if _brute_force(query, r)}
    found = {c.id for c in service.search_customers(grown, query, limit=10_000)}
    assert found == expected, query
    assert {r.id for r in everyone if cs.matches(query, service.search_fields(r))} == expected


def test_search_fields_of_a_row_match_the_index_document(people: Bench) -> None:
    """The loaded-row view (services.search_fields) and the trigger's view hash to the same document."""
    with people.store.session() as s:
        for row in s.scalars(select(t.Customer)):
            stored = s.execute(
                text("SELECT tokens FROM customer_search WHERE rowid = (SELECT rowid FROM customers WHERE id = :id)"),
                {"id": row.id},
            ).scalar_one()
            expected = cs.document(service.search_fields(row), pii.token_function(s.connection().dialect))
            assert stored == expected
