"""UUIDv7 ids generated on the bench: time-sortable, no round trip to the center."""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime

_lock = threading.Lock()
_last_ms = -1
_last_seq = 0


def uuid7(unix_ms: int | None = None) -> str:
    """RFC 9562 UUIDv7: 48-bit Unix ms, version 7, 12-bit sequence, variant 10, 62 random bits.

    Ids made in the same millisecond by this process still sort in creation order (RFC 9562
    §6.2 method 1: the 12 "rand_a" bits count up within a millisecond), so rows written in one
    transaction keep the order they were made in.
    """
    global _last_ms, _last_seq
    ms = int(time.time() * 1000) if unix_ms is None else unix_ms
    with _lock:
        if ms <= _last_ms and unix_ms is None:
            ms = _last_ms
            _last_seq += 1
            if _last_seq > 0xFFF:  # counter exhausted: borrow the next millisecond
                ms, _last_seq = ms + 1, 0
        else:
            _last_seq = int.from_bytes(os.urandom(2), "big") & 0x3FF  # leave room to count up
        if unix_ms is None:
            _last_ms = ms
        seq = _last_seq
    rand_b = int.from_bytes(os.urandom(8), "big") & 0x3FFF_FFFF_FFFF_FFFF
    value = (ms & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | seq << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))


def tracking_event_id(carrier: str, tracking_number: str, at: datetime, code: str) -> str:
    """Deterministic event id (ARCHITECTURE §4): the same carrier event always gets the same id, on
    every bench and on the hub, so a scan seen twice is stored once."""
    key = f"{carrier}|{tracking_number}|{at.astimezone(UTC).isoformat()}|{code}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "ssd-event:" + key))
