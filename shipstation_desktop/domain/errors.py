"""The three kinds of failure: user-facing, cancelled, and bugs (everything else)."""

from __future__ import annotations

from collections.abc import Mapping


class UserError(Exception):
    """A problem the person at the bench can understand and act on; the message is shown as-is."""


class NotFound(UserError):
    pass


class InvalidTransition(UserError):
    def __init__(self, kind: str, current: str, target: str) -> None:
        super().__init__(f"{kind} cannot go from {current} to {target}")
        self.current = current
        self.target = target


class OverWeightLimit(UserError):
    """The parcel is heavier than the carrier takes (or weighs nothing)."""


class ConflictError(UserError):
    """Someone else changed the record first (optimistic lock)."""


class FieldErrors(UserError):
    """Input refused field by field (a form, a CLI command): `errors` maps each field to its message.
    The exception's own message is the first of them, as "field: message"."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors: dict[str, str] = dict(errors)
        first = next(iter(self.errors.items()), ("input", "is not valid"))
        super().__init__(f"{first[0]}: {first[1]}")

    def lines(self) -> list[str]:
        return [f"{name}: {message}" for name, message in self.errors.items()]


class CustomerBlocked(UserError):
    """The order's customer is BLOCKED: the pack flow stops here (the message names who and why)."""

    def __init__(self, message: str, customer_id: str = "", reason: str = "") -> None:
        super().__init__(message)
        self.customer_id = customer_id
        self.reason = reason


class DeviceError(UserError):
    """A scale or printer is absent, unplugged or answering garbage."""


class CarrierError(UserError):
    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class Cancelled(Exception):
    """The user cancelled a long operation; not an error to report."""
