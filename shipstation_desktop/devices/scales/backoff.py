"""How long to wait before knocking on a device that failed again: longer after each failure."""

from __future__ import annotations


class Backoff:
    """Delays of `first`, then times `factor`, capped at `cap`; a success starts over."""

    def __init__(self, first: float = 0.5, factor: float = 2.0, cap: float = 8.0) -> None:
        if first <= 0 or factor < 1 or cap < first:
            raise ValueError("backoff needs first > 0, factor >= 1 and cap >= first")
        self.first = first
        self.factor = factor
        self.cap = cap
        self._next = first

    def next(self) -> float:
        delay = self._next
        self._next = min(self.cap, self._next * self.factor)
        return delay

    def reset(self) -> None:
        self._next = self.first
