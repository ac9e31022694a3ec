"""Tracking-number identification: known answers from the carriers' published check-digit rules."""

from __future__ import annotations

import pytest

from shipstation_desktop.carriers.identify import check_for_carrier, gs1_mod10, identify, weighted_mod11

VALID = {
    "ups": ["1Z999AA10123456784", "1Z 999 AA1 01 2345 6784"],
    "fedex": [
        "986578788855",  # Express 12
        "799531274483",
        "1001921334250001000300779017972697",  # Express 34
        "61299998820821171811",  # SmartPost without its 92
        "9261292700768711948021",
        "041441760228964",  # Ground 15
        "568283610012734",
        "000123450000000027",  # SSCC-18
        "9611020987654312345672",  # Ground 96 (22)
        "9622001560001234567100794808390594",  # Ground GSN (34)
    ],
    "usps": [
        "9400111201080805483016",
        "9361289878700317633795",
        "9505511069605048600624",
        "92748931507708513018050063",
        "03071790000523483741",
        "4201028200009261290113185417468510",
        "420221539101026837331000039521",
        "EA123456785US",
    ],
    "dhl": ["3318810025", "73891051146", "8487135506", "JJD0099999999", "JVGL0999999990"],
    "china_post": ["RR123456785CN", "EA 123 456 785 CN"],
    "lso": ["LSO12345678903"],
}
INVALID = {
    "ups": ["1Z999AA10123456785"],
    "fedex": ["996578788855", "9261292700768711948020", "568283610012732", "9622001560001234567100794808390595"],
    "usps": ["03071790000523483742", "9200000000000000000000", "4201028200009261290113185417468511"],
    "dhl": ["3318810010", "3318810034"],
    "china_post": ["RR123456786CN"],
    "lso": ["LSO12345678904"],
}


@pytest.mark.parametrize(("carrier", "number"), [(c, n) for c, ns in VALID.items() for n in ns])
def test_valid_numbers_are_identified(carrier: str, number: str) -> None:
    found = identify(number)
    assert carrier in found.carriers
    assert found.valid
    assert " " not in found.number


@pytest.mark.parametrize(("carrier", "number"), [(c, n) for c, ns in INVALID.items() for n in ns])
def test_a_wrong_check_digit_is_not_that_carrier(carrier: str, number: str) -> None:
    assert carrier not in identify(number).carriers


def test_ambiguous_numbers_list_every_carrier_in_a_stable_order() -> None:
    found = identify("9261292700768711948021")  # an IMpb: USPS and FedEx SmartPost both issue these
    assert found.carriers == ("fedex", "usps")
    assert found.as_json() == {"number": "9261292700768711948021", "valid": True, "carriers": ["fedex", "usps"]}


def test_garbage_is_invalid_with_no_carriers() -> None:
    assert identify("hello").as_json() == {"number": "HELLO", "valid": False, "carriers": []}
    assert identify("").carriers == ()


def test_check_for_carrier_warns_but_never_blocks() -> None:
    assert check_for_carrier("1Z999AA10123456784", "ups") is None
    assert "matches ups" in (check_for_carrier("1Z999AA10123456784", "fedex") or "")
    assert "typo" in (check_for_carrier("1Z999AA10123456785", "ups") or "")
    assert check_for_carrier("anything", "simulated") is None  # carriers without published rules


def test_check_digit_primitives() -> None:
    assert gs1_mod10("0000012345") == 3  # 3*(0+0+0+2+4) + (0+0+1+3+5) = 27 -> 3
    assert gs1_mod10("00012345000000002") == 7  # GS1's SSCC example
    assert weighted_mod11("98657878885", (3, 1, 7)) == 5
