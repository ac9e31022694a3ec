"""What a password and a PIN must be.

The password rules are seed 004's registration schema exactly:
`z.string().min(8).max(100).regex(/[A-Z]/).regex(/[a-z]/).regex(/[0-9]/)` — ASCII letters and digits,
as the regexes say. A PIN is the quick way to switch user at a bench; a short one is only safe
because five wrong tries lock the user, so the easiest guesses are refused too.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from .errors import UserError

MIN_LENGTH = 8
MAX_LENGTH = 100
PIN_MIN = 4
PIN_MAX = 8


@dataclass(frozen=True, slots=True)
class Rule:
    name: str  # stable code, e.g. "uppercase"
    message: str  # what the person reads

    def __str__(self) -> str:
        return self.message


def _has(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda text: compiled.search(text) is not None


PASSWORD_RULES: tuple[tuple[Rule, Callable[[str], bool]], ...] = (
    (Rule("min_length", f"must be at least {MIN_LENGTH} characters"), lambda pw: len(pw) >= MIN_LENGTH),
    (Rule("max_length", f"must be at most {MAX_LENGTH} characters"), lambda pw: len(pw) <= MAX_LENGTH),
    (Rule("uppercase", "must contain an uppercase letter"), _has(r"[A-Z]")),
    (Rule("lowercase", "must contain a lowercase letter"), _has(r"[a-z]")),
    (Rule("number", "must contain a number"), _has(r"[0-9]")),
)


def check_password(password: str) -> list[Rule]:
    """The rules the password breaks (empty: it is good)."""
    return [rule for rule, ok in PASSWORD_RULES if not ok(password)]


def _is_run(digits: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(digits)}
    return steps in ({1}, {9})  # 1234, 7890 or 4321, 2109


PIN_RULES: tuple[tuple[Rule, Callable[[str], bool]], ...] = (
    (
        Rule("pin_digits", f"must be {PIN_MIN} to {PIN_MAX} digits"),
        lambda pin: re.fullmatch(rf"[0-9]{{{PIN_MIN},{PIN_MAX}}}", pin) is not None,
    ),
    (Rule("pin_repeated", "must not be one digit repeated (like 1111)"), lambda pin: len(set(pin)) > 1),
    (Rule("pin_sequence", "must not be a run of digits (like 1234 or 4321)"), lambda pin: not _is_run(pin)),
)


def check_pin(pin: str) -> list[Rule]:
    broken = [rule for rule, ok in PIN_RULES[:1] if not ok(pin)]
    if broken:  # the other rules only mean something for digits
        return broken
    return [rule for rule, ok in PIN_RULES[1:] if not ok(pin)]


def looks_like_pin(secret: str) -> bool:
    """A log-in secret of 4-8 digits is a PIN: no valid password is all digits (it needs letters)."""
    return re.fullmatch(rf"[0-9]{{{PIN_MIN},{PIN_MAX}}}", secret) is not None


class WeakPassword(UserError):
    def __init__(self, what: str, broken: list[Rule]) -> None:
        super().__init__(f"weak {what}: " + "; ".join(f"{r.message} ({r.name})" for r in broken))
        self.rules = broken


def require_password(password: str) -> None:
    broken = check_password(password)
    if broken:
        raise WeakPassword("password", broken)


def require_pin(pin: str) -> None:
    broken = check_pin(pin)
    if broken:
        raise WeakPassword("PIN", broken)
