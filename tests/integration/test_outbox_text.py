"""A NUL character (PostgreSQL jsonb refuses it) never reaches a mutation: one pasted
control character must not fail a whole push batch at the center."""

from __future__ import annotations

import json

from sqlalchemy import select

from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services.bench import Bench
from tests.fakes.orders import add_order


def test_unsendable_characters_are_left_out_of_the_outbox(bench: Bench) -> None:
    add_order(bench, "SO-NUL1", name="Ana\x00 Silva")
    with bench.store.session() as s:
        payloads = [r.payload for r in s.scalars(select(t.Outbox).where(t.Outbox.entity == "customers"))]
    assert payloads, "the customer insert is in the outbox"
    text = json.dumps(payloads, ensure_ascii=False, default=str)
    assert "\x00" not in text and "\\u0000" not in text
    assert any(p.get("name") == "Ana Silva" for p in payloads)
