"""When an unattended bench locks itself: after `idle_lock_minutes` without a key press, scan or click.

Pure policy on monotonic seconds (Clock.monotonic): a wall-clock jump (NTP, daylight saving) must
neither lock a busy bench nor keep an abandoned one open. The GUI feeds it activity and asks it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class IdleLock:
    timeout_s: float  # 0: never lock
    last_activity: float = 0.0

    @classmethod
    def minutes(cls, minutes: int, now: float) -> IdleLock:
        return cls(timeout_s=max(0, minutes) * 60.0, last_activity=now)

    @property
    def enabled(self) -> bool:
        return self.timeout_s > 0

    def touch(self, now: float) -> None:
        """The person did something: the countdown starts again."""
        self.last_activity = max(self.last_activity, now)

    def due(self, now: float) -> bool:
        return self.enabled and now - self.last_activity >= self.timeout_s

    def remaining_s(self, now: float) -> float | None:
        """Seconds until the lock (None: this bench never locks), for a timer or a warning."""
        if not self.enabled:
            return None
        return max(0.0, self.timeout_s - (now - self.last_activity))
