"""The three kinds of failure: user-facing, cancelled, and bugs (everything else)."""

from __future__ import annotations


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


class DeviceError(UserError):
    """A scale or printer is absent, unplugged or answering garbage."""


class CarrierError(UserError):
    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class Cancelled(Exception):
    """The user cancelled a long operation; not an error to report."""
