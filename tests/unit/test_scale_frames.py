"""The shared framing and number reading under every serial protocol."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shipstation_desktop.devices.scales.backoff import Backoff
from shipstation_desktop.devices.scales.frames import FrameError, Framer, number, unit_of
from shipstation_desktop.domain.units import WeightUnit


def test_frames_split_across_reads_and_several_in_one_read() -> None:
    f = Framer(b"\r\n")
    assert f.feed(b"S S   1.2") == []
    assert f.feed(b"5 kg\r\nS D  1.30 kg\r\nS S") == [b"S S   1.25 kg", b"S D  1.30 kg"]
    assert f.feed(b"  1.3 kg\r\n") == [b"S S  1.3 kg"]


def test_noise_before_a_start_byte_is_dropped_and_counted() -> None:
    f = Framer(b"\r", start=b"\x02")
    assert f.feed(b"\xff\x00junk\x02001.25\r") == [b"001.25"]
    assert f.dropped == 6


def test_garbage_without_delimiters_never_grows_the_buffer() -> None:
    f = Framer(b"\n", max_len=16)
    for _ in range(100):
        assert f.feed(b"x" * 10) == []
    assert len(f._buf) <= 26
    assert f.feed(b"\nS S 1 g\n") == [b"S S 1 g"]


def test_seven_bit_masking_strips_the_parity_bit() -> None:
    f = Framer(b"\r", start=b"\x02", mask7=True)
    with_parity = bytes(b | 0x80 for b in b"\x02001.25\r")
    assert f.feed(with_parity) == [b"001.25"]


def test_numbers_and_units() -> None:
    assert number(" - 1.50") == Decimal("-1.50")
    assert number(".5") == Decimal("0.5")
    assert unit_of("LB") is WeightUnit.LB and unit_of("lbs") is WeightUnit.LB
    with pytest.raises(FrameError, match="is not a weight"):
        number("^^^^")
    with pytest.raises(FrameError, match="unit 'ct' is not one the bench reads"):
        unit_of("ct")


def test_backoff_grows_to_its_cap_and_starts_over() -> None:
    b = Backoff(0.5, 2, 3)
    assert [b.next() for _ in range(4)] == [0.5, 1.0, 2.0, 3.0]
    b.reset()
    assert b.next() == 0.5
    with pytest.raises(ValueError):
        Backoff(0)
