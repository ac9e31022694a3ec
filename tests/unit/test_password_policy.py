"""Seed 004's password rules (min 8, max 100, an uppercase letter, a lowercase letter, a number) and the PIN rules."""

from __future__ import annotations

import pytest

from shipstation_desktop.domain.password_policy import (
    WeakPassword,
    check_password,
    check_pin,
    looks_like_pin,
    require_password,
    require_pin,
)


def _names(rules: list) -> list[str]:
    return [r.name for r in rules]


@pytest.mark.parametrize("password", ["Secret12", "Abcdefg1", "correct Horse 9 battery", "Aa1" + "x" * 97])
def test_good_passwords_break_no_rule(password: str) -> None:
    assert check_password(password) == []
    require_password(password)


@pytest.mark.parametrize(
    ("password", "broken"),
    [
        ("Secre1", ["min_length"]),
        ("Abcdef1", ["min_length"]),  # 7: one short of the seed's min(8)
        ("Aa1" + "x" * 98, ["max_length"]),  # 101: one over max(100)
        ("secret123", ["uppercase"]),
        ("SECRET123", ["lowercase"]),
        ("SecretPass", ["number"]),
        ("Ésecret1", ["uppercase"]),  # the seed's /[A-Z]/ is ASCII: É does not count
        ("ÀÉÎÕÜ١٢٣", ["uppercase", "lowercase", "number"]),  # neither do non-ASCII letters and digits
        ("", ["min_length", "uppercase", "lowercase", "number"]),
    ],
)
def test_each_broken_rule_is_named(password: str, broken: list[str]) -> None:
    assert _names(check_password(password)) == broken


def test_a_weak_password_raises_a_user_error_naming_every_broken_rule() -> None:
    with pytest.raises(WeakPassword) as info:
        require_password("secret")
    message = str(info.value)
    assert message.startswith("weak password: ")
    assert "at least 8 characters (min_length)" in message
    assert "uppercase letter (uppercase)" in message and "a number (number)" in message
    assert "lowercase" not in message
    assert _names(info.value.rules) == ["min_length", "uppercase", "number"]


@pytest.mark.parametrize("pin", ["2580", "1357", "90210", "12345670", "1121"])
def test_good_pins(pin: str) -> None:
    assert check_pin(pin) == []
    require_pin(pin)


@pytest.mark.parametrize(
    ("pin", "broken"),
    [
        ("123", ["pin_digits"]),
        ("123456789", ["pin_digits"]),
        ("12a4", ["pin_digits"]),
        ("١٢٣٤", ["pin_digits"]),  # Arabic-Indic digits are not what the keypad sends
        ("0000", ["pin_repeated"]),
        ("77777777", ["pin_repeated"]),
        ("1234", ["pin_sequence"]),
        ("4321", ["pin_sequence"]),
        ("7890", ["pin_sequence"]),
        ("3456789", ["pin_sequence"]),
    ],
)
def test_bad_pins(pin: str, broken: list[str]) -> None:
    assert _names(check_pin(pin)) == broken
    with pytest.raises(WeakPassword, match=r"^weak PIN: "):
        require_pin(pin)


def test_a_pin_is_told_from_a_password_by_its_shape() -> None:
    assert looks_like_pin("2580") and looks_like_pin("12345678")
    assert not looks_like_pin("123") and not looks_like_pin("123456789") and not looks_like_pin("Secret12")
    # No password that passes the policy looks like a PIN (it needs letters).
    assert all(not looks_like_pin(p) for p in ("Secret12", "Abcdefg1"))
