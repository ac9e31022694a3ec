"""Known answers for the check-digit rules, each worked out by hand in the comments."""

from __future__ import annotations

import pytest

from shipstation_desktop.carriers.tracking_numbers import (
    is_valid_lso,
    is_valid_s10,
    is_valid_ups,
    luhn_check_digit,
    s10_check_digit,
    ups_check_digit,
)

# -- UPS 1Z -----------------------------------------------------------------------------------


def test_ups_published_example() -> None:
    # 1Z 999AA1 01 2345678 4. Body values (A=(65-63)%10=2): 9 9 9 2 2 1 0 1 2 3 4 5 6 7 8.
    # Odd positions 9+9+2+0+2+4+6+8 = 40; even positions (9+2+1+1+3+5+7)*2 = 56; total 96 -> (10-6)%10 = 4.
    assert ups_check_digit("999AA1012345678") == "4"
    assert is_valid_ups("1Z999AA10123456784")


def test_ups_letters_and_a_zero_check_digit() -> None:
    # 1Z SIM123 03 1234567: S=(83-63)%10=0, I=(73-63)%10=0, M=(77-63)%10=4.
    # Values 0 0 4 1 2 3 0 3 1 2 3 4 5 6 7. Odd 0+4+2+0+1+3+5+7 = 22; even (0+1+3+3+2+4+6)*2 = 38.
    # Total 60 -> (10-0)%10 = 0.
    assert ups_check_digit("SIM123031234567") == "0"
    assert is_valid_ups("1ZSIM1230312345670")


def test_ups_accepts_the_1z_prefixed_body() -> None:
    assert ups_check_digit("1Z999AA1012345678") == "4"


@pytest.mark.parametrize(
    "number",
    [
        "1Z999AA10123456785",  # wrong check digit
        "1Z999AA1012345678",  # one short
        "1Z999AA101234567844",  # one long
        "2Z999AA10123456784",  # not a 1Z number
        "1Z999AA1012345678-",
        "",
    ],
)
def test_ups_rejects(number: str) -> None:
    assert not is_valid_ups(number)


def test_ups_is_forgiving_about_case_and_spaces() -> None:
    assert is_valid_ups(" 1z999aa10123456784 ")


def test_ups_body_must_be_15_alphanumerics() -> None:
    with pytest.raises(ValueError):
        ups_check_digit("999AA101234567")
    with pytest.raises(ValueError):
        ups_check_digit("999AA10123456-8")


# -- Luhn / LSO -------------------------------------------------------------------------------


def test_luhn_textbook_example() -> None:
    # 7992739871, from the right: doubled 1,8,3,2,9 -> 2,16-9=7,6,4,18-9=9 = 28; kept 7,9,7,9,7 = 39.
    # 28+39 = 67 -> (10-7)%10 = 3.
    assert luhn_check_digit("7992739871") == "3"


def test_lso_numbers() -> None:
    # 0123456789 from the right: doubled 9,7,5,3,1 -> 9,5,1,6,2 = 23; kept 8,6,4,2,0 = 20; 43 -> 7.
    assert luhn_check_digit("0123456789") == "7"
    assert is_valid_lso("LSO01234567897")
    # 1234567890 from the right: doubled 0,8,6,4,2 -> 0,7,3,8,4 = 22; kept 9,7,5,3,1 = 25; 47 -> 3.
    assert luhn_check_digit("1234567890") == "3"
    assert is_valid_lso("LSO12345678903")
    assert is_valid_lso("lso12345678903")


@pytest.mark.parametrize(
    "number",
    ["LSO12345678904", "LSO1234567890", "LSO123456789033", "LS012345678903", "XSO12345678903", "LSO1234567890A"],
)
def test_lso_rejects(number: str) -> None:
    assert not is_valid_lso(number)


@pytest.mark.parametrize("digits", ["", "12a4", "١٢٣"])  # the last is Arabic-Indic digits: str.isdigit says yes
def test_luhn_needs_ascii_digits(digits: str) -> None:
    with pytest.raises(ValueError):
        luhn_check_digit(digits)


# -- UPU S10 ----------------------------------------------------------------------------------


def test_s10_example() -> None:
    # 1*8 + 2*6 + 3*4 + 4*2 + 5*3 + 6*5 + 7*9 + 8*7 = 204; 204 % 11 = 6; 11 - 6 = 5.
    assert s10_check_digit("12345678") == "5"
    assert is_valid_s10("RR123456785CN")
    assert not is_valid_s10("RR123456784CN")


def test_s10_ten_becomes_zero() -> None:
    # 8*7 = 56; 56 % 11 = 1; 11 - 1 = 10 -> 0.
    assert s10_check_digit("00000008") == "0"
    assert is_valid_s10("EE000000080US")


def test_s10_eleven_becomes_five() -> None:
    # 1*4 + 1*7 = 11; 11 % 11 = 0; 11 - 0 = 11 -> 5.
    assert s10_check_digit("00100001") == "5"
    assert is_valid_s10("EA001000015CN")


@pytest.mark.parametrize(
    "number",
    ["RR123456785C", "R1123456785CN", "RR12345678CN", "RR123456785C1", "RR1234567850CN", ""],
)
def test_s10_rejects_bad_shapes(number: str) -> None:
    assert not is_valid_s10(number)


def test_s10_serial_must_be_8_digits() -> None:
    with pytest.raises(ValueError):
        s10_check_digit("1234567")
