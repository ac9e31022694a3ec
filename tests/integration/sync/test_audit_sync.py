"""The audit log and the users reach the center (issue 11): a row written on one bench lands in
PostgreSQL and on the other benches, stays append-only everywhere, and a bench pulling its own rows
back does not try to rewrite them (the local triggers would refuse, and sync would stall)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.roles import Role
from shipstation_desktop.services import audit, central, users
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.sync import central_schema
from shipstation_desktop.sync.syncer import read_status

pytestmark = pytest.mark.postgres

MakeBench = Callable[[str], Bench]


def _center_audit(center: str) -> list[dict[str, object]]:
    engine = central_schema.engine_for(center)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT data, bench_id FROM records WHERE entity = 'audit_log'")).all()
    finally:
        engine.dispose()
    return [{**r[0], "pushed_by": r[1]} for r in rows]


def test_audit_rows_reach_the_center_and_the_other_benches(make_bench: MakeBench, center: str) -> None:
    a, b = make_bench("a"), make_bench("b")
    ana_id = users.add_user(a, "ana", Role.ADMIN, "Admin1234")
    users.log_in(a, "ana", "Admin1234")
    assert central.sync_once(a).rejected == 0

    at_center = _center_audit(center)
    mine = {(r["action"], r["user"], r["bench_name"]) for r in at_center if r["pushed_by"] == a.store.bench_id}
    assert {("user.add", "ana", "a"), ("user.login", "ana", "a")} <= mine
    [added] = [r for r in at_center if r["action"] == "user.add"]
    assert added["target_id"] == ana_id and added["details"] == {"role": "admin", "first_user": True}

    # a pulls its own rows back: they are left alone, the next syncs go on working.
    assert central.sync_once(a).rejected == 0
    assert central.sync_once(a).pushed == 0
    assert not read_status(a.store).last_error

    got = central.sync_once(b)
    assert got.rejected == 0
    [seen_on_b] = audit.entries(b, action=AuditAction.USER_ADD.value)
    assert (seen_on_b.user, seen_on_b.bench_name, seen_on_b.target_id) == ("ana", "a", ana_id)
    # The users sync too: ana logs in at bench b with the password set at bench a.
    assert users.authenticate(b, "ana", "Admin1234").role is Role.ADMIN
    assert central.sync_once(b).rejected == 0  # b's own log-in row goes up, and back, harmlessly
    assert {r["bench_name"] for r in _center_audit(center) if r["action"] == "user.login"} == {"a", "b"}

    with pytest.raises(IntegrityError, match="the audit log is append-only"), b.store.session() as s:
        s.execute(text("UPDATE audit_log SET user = 'mallory' WHERE target_id = :t"), {"t": ana_id})
    with pytest.raises(IntegrityError, match="the audit log is append-only"), b.store.session() as s:
        s.execute(text("DELETE FROM audit_log"))
    assert audit.entries(b, action=AuditAction.USER_ADD.value)[0].user == "ana"
