"""The background-thread shape the sync worker and the job worker share (no Qt below ui/)."""

from __future__ import annotations

import threading


class LoopThread:
    """A daemon thread whose loop sleeps on `_cond` until woken, stopped or timed out.

    Subclasses implement `_run`; they wait with `self._cond.wait(...)` while checking `_wake` and
    `_stopping`, and clear `_wake` when they take it.
    """

    def __init__(self, name: str) -> None:
        self._cond = threading.Condition()
        self._wake = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Run the loop's next turn now instead of at its timer."""
        with self._cond:
            self._wake = True
            self._cond.notify_all()

    def stop(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()
