"""Duplicate-customer match keys and grouping (domain/customer_duplicates.py) and the field-by-field
merge rules (domain/customer_merge.py)."""

from __future__ import annotations

import pytest

from shipstation_desktop.domain import customer_duplicates as cd
from shipstation_desktop.domain import customer_merge as cm
from shipstation_desktop.domain.customer_duplicates import DuplicateReason, DuplicateRecord
from shipstation_desktop.domain.errors import UserError


def test_email_keys_drop_plus_tags_and_gmail_dots() -> None:
    assert cd.email_key("  Ana.Silva+shop@GoogleMail.com ") == "anasilva@gmail.com"
    assert cd.email_key("ana.silva@gmail.com") == "anasilva@gmail.com"
    assert cd.email_key("ana+orders@example.com") == "ana@example.com"
    assert cd.email_key("ana.silva@example.com") == "ana.silva@example.com"  # dots matter elsewhere
    assert cd.email_key("not an address") == ""
    assert cd.email_key("+tag@example.com") == ""


def test_phone_keys_are_e164_digits() -> None:
    assert cd.phone_key("+14155550132") == "14155550132"
    assert cd.phone_key("+1 (415) 555-0132") == "14155550132"
    assert cd.phone_key("(415) 555-0132", "US") == "14155550132"
    assert cd.phone_key("07911 123456", "GB") == "447911123456"
    assert cd.phone_key("555-0132") == ""  # no country to read it in
    assert cd.phone_key("12345", "US") == ""
    assert cd.phone_key("") == ""


def test_name_and_postal_keys_fold_case_accents_order_and_spaces() -> None:
    assert cd.name_key("  José  MÜLLER-Lüdenscheid ") == "jose ludenscheid muller"
    assert cd.name_key("Chen, Emily") == cd.name_key("emily chen")
    assert cd.postal_key("sw1a 1aa") == "SW1A1AA"


def test_groups_by_each_key_strongest_first() -> None:
    records = [
        DuplicateRecord("c01", email="ana.silva@gmail.com", name="Ana Silva"),
        DuplicateRecord("c02", email="anasilva+promo@gmail.com", name="A. Silva"),
        DuplicateRecord("c03", email="bo@example.com", phone="+14155550132", name="Bo Li"),
        DuplicateRecord("c04", email="bo.li@example.com", phone="(415) 555-0132", country="US", name="Li Bo"),
        DuplicateRecord("c05", email="e1@example.com", name="Émile Zola", postal_codes=("75001",)),
        DuplicateRecord("c06", email="e2@example.com", name="emile zola", postal_codes=("10115", "75 001")),
        DuplicateRecord("c07", email="x@example.com", name="Nobody Alike", postal_codes=("75001",)),
    ]
    groups = cd.find(records)

    assert [(g.reason, g.customer_ids, g.also) for g in groups] == [
        (DuplicateReason.EMAIL, ("c01", "c02"), ()),
        (DuplicateReason.PHONE, ("c03", "c04"), ()),
        (DuplicateReason.NAME_POSTAL, ("c05", "c06"), ()),
    ]
    assert cd.find(records, limit=1) == groups[:1]


def test_one_group_names_every_key_the_same_customers_share() -> None:
    records = [
        DuplicateRecord("c1", email="a@example.com", phone="+14155550132", name="Ana Silva", postal_codes=("94103",)),
        DuplicateRecord("c2", email="b@example.com", phone="+14155550132", name="Ana Silva", postal_codes=("94103",)),
    ]
    [group] = cd.find(records)
    assert (group.reason, group.also) == (DuplicateReason.PHONE, (DuplicateReason.NAME_POSTAL,))
    assert group.reasons == (DuplicateReason.PHONE, DuplicateReason.NAME_POSTAL)


def test_an_alias_email_matches_a_live_customer() -> None:
    records = [
        DuplicateRecord("c1", email="new@example.com", aliases=("old@example.com",)),
        DuplicateRecord("c2", email="old+x@example.com"),
    ]
    assert [(g.reason, g.customer_ids) for g in cd.find(records)] == [(DuplicateReason.EMAIL, ("c1", "c2"))]


def test_a_key_shared_by_too_many_customers_is_a_placeholder() -> None:
    relay = [DuplicateRecord(f"c{i:03d}", phone="+18005550100") for i in range(cd.MAX_GROUP + 1)]
    assert cd.find(relay) == []
    assert len(cd.find(relay[: cd.MAX_GROUP])) == 1


def test_groups_containing_one_customer() -> None:
    finder = cd.DuplicateFinder()
    for r in (
        DuplicateRecord("c1", phone="+14155550132"),
        DuplicateRecord("c2", phone="+14155550132", name="Bo Li", postal_codes=("1",)),
        DuplicateRecord("c3", name="Bo Li", postal_codes=("1",)),
    ):
        finder.add(r)
    assert [g.customer_ids for g in finder.groups(containing="c3")] == [("c2", "c3")]
    assert [g.customer_ids for g in finder.groups(containing="c2")] == [("c1", "c2"), ("c2", "c3")]


# ------------------------------------------------------------------------------------------- merge rules


def _customer(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "email": "a@example.com",
        "name": "Ana Silva",
        "phone": "",
        "date_of_birth": None,
        "gender": "",
        "status": "ACTIVE",
        "source": "MANUAL",
        "external_id": "",
        "custom_fields": {},
    }
    return {**base, **values}


def test_fields_keep_the_survivor_unless_empty_or_chosen() -> None:
    survivor = _customer(phone="", external_id="S-1", gender="f")
    merged = _customer(email="b@example.com", name="Ana S.", phone="+14155550132", external_id="M-9")
    sides = cm.sides(survivor, merged, cm.parse_choices({"name": "merged", "gender": "MERGED"}))

    assert {k for k, v in sides.items() if v is cm.Side.MERGED} == {"name", "phone", "gender"}
    assert sides["external_id"] is cm.Side.SURVIVOR and sides["email"] is cm.Side.SURVIVOR


@pytest.mark.parametrize(
    ("mine", "theirs", "side"),
    [
        ("ACTIVE", "BLOCKED", cm.Side.MERGED),
        ("BLOCKED", "VIP", cm.Side.SURVIVOR),
        ("ACTIVE", "VIP", cm.Side.MERGED),
        ("VIP", "INACTIVE", cm.Side.SURVIVOR),
        ("INACTIVE", "ACTIVE", cm.Side.SURVIVOR),
    ],
)
def test_a_block_is_never_lifted_by_default(mine: str, theirs: str, side: cm.Side) -> None:
    assert cm.sides(_customer(status=mine), _customer(status=theirs), {})["status"] is side


def test_choices_are_checked() -> None:
    with pytest.raises(UserError, match="cannot choose 'tags'"):
        cm.parse_choices({"tags": "merged"})
    with pytest.raises(UserError, match="'survivor' or 'merged'"):
        cm.parse_choices({"name": "both"})


def test_tags_and_custom_fields_are_unions() -> None:
    assert cm.merged_tags(["vip", "Wholesale"], ["wholesale", "b2b"]) == ["vip", "Wholesale", "b2b"]
    mine, theirs = {"company": "Acme", "size": "M"}, {"company": "ACME Ltd", "notes": "gate 4"}
    assert cm.merged_custom_fields(mine, theirs, cm.Side.SURVIVOR) == (
        {"company": "Acme", "size": "M", "notes": "gate 4"},
        True,
    )
    assert cm.merged_custom_fields(mine, theirs, cm.Side.MERGED)[0]["company"] == "ACME Ltd"
    assert cm.merged_custom_fields(mine, {"size": "M"}, cm.Side.MERGED) == (mine, False)
