"""The idle-lock policy: monotonic seconds in, "lock now?" out."""

from __future__ import annotations

from shipstation_desktop.domain.idle_lock import IdleLock


def test_locks_after_the_timeout_without_activity() -> None:
    lock = IdleLock.minutes(5, now=100.0)
    assert not lock.due(100.0 + 299)
    assert lock.remaining_s(100.0 + 299) == 1.0
    assert lock.due(100.0 + 300)


def test_activity_restarts_the_countdown_and_never_goes_back() -> None:
    lock = IdleLock.minutes(1, now=0.0)
    lock.touch(50.0)
    assert not lock.due(100.0)
    lock.touch(10.0)  # a late event from before the last one does not shorten the wait
    assert lock.last_activity == 50.0 and lock.due(110.0)


def test_zero_minutes_never_locks() -> None:
    lock = IdleLock.minutes(0, now=0.0)
    assert not lock.enabled and not lock.due(1e9) and lock.remaining_s(1e9) is None
