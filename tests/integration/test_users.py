"""Bench users (issue 11): Argon2id hashes, log-in by password or PIN, lock-out on a fake clock,
who may manage whom, the audit rows all of it leaves, and customers masked for packers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from shipstation_desktop.devices.simulated_scale import SimulatedScale
from shipstation_desktop.domain.audit import AuditAction, AuditRecord
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.password_policy import WeakPassword
from shipstation_desktop.domain.roles import LoginFailed, Permission, PermissionDenied, Role, UserLocked
from shipstation_desktop.persistence.user_tables import LoginFailures, User
from shipstation_desktop.services import access, audit, pii_view, users
from shipstation_desktop.services import customers as customer_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.bootstrap import open_bench
from tests.fakes.orders import add_order

ADMIN_PW = "Admin1234"
PACKER_PW = "Packer123"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fbench(tmp_path: Path, clock: FakeClock) -> Iterator[Bench]:
    b = open_bench(tmp_path / "bench", clock=clock, scale=SimulatedScale(clock))
    yield b
    b.close()


@pytest.fixture
def staffed(fbench: Bench) -> Bench:
    """An admin (logged in), a supervisor and a packer with a PIN."""
    users.add_user(fbench, "ana", Role.ADMIN, ADMIN_PW)
    users.log_in(fbench, "ana", ADMIN_PW)
    users.add_user(fbench, "sam", Role.SUPERVISOR, "Super1234")
    users.add_user(fbench, "pat", Role.PACKER, PACKER_PW, pin="2580")
    return fbench


def _row(bench: Bench, name: str) -> User:
    with bench.store.session() as s:
        row = s.scalars(select(User).where(User.name == name)).one()
        s.expunge(row)
        return row


def _audit(bench: Bench, action: AuditAction, user: str | None = None) -> list[AuditRecord]:
    return audit.entries(bench, action=action.value, user=user)


# ------------------------------------------------------------------------------------ hashing


def test_secrets_are_stored_as_argon2id_with_rfc_9106_parameters(staffed: Bench) -> None:
    pat = _row(staffed, "pat")
    for stored, secret in ((pat.password_hash, PACKER_PW), (pat.pin_hash, "2580")):
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert secret not in stored
        assert PasswordHasher().verify(stored, secret)
    assert pat.password_changed_at == staffed.clock.now()
    assert _row(staffed, "sam").pin_hash == ""  # no PIN: no PIN log-in


def test_a_hash_made_with_old_parameters_is_redone_at_the_next_good_log_in(staffed: Bench) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    with staffed.store.session() as s:
        s.scalars(select(User).where(User.name == "pat")).one().password_hash = weak.hash(PACKER_PW)
    assert users.authenticate(staffed, "pat", PACKER_PW).name == "pat"
    stored = _row(staffed, "pat").password_hash
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert not PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY).check_needs_rehash(stored)
    assert users.authenticate(staffed, "pat", PACKER_PW).name == "pat"  # still the same password


# ------------------------------------------------------------------------------------ adding


def test_the_first_user_needs_no_log_in_and_is_audited(fbench: Bench) -> None:
    assert not access.users_exist(fbench)
    assert all(access.can(fbench, p) for p in Permission)  # the single-user demo bench
    user_id = users.add_user(fbench, "ana", "admin", ADMIN_PW)
    assert access.users_exist(fbench)
    assert not access.can(fbench, Permission.LIST)  # now somebody must log in
    [row] = _audit(fbench, AuditAction.USER_ADD)
    assert (row.user, row.target_type, row.target_id) == ("ana", "user", user_id)
    assert row.details == {"role": "admin", "first_user": True}


def test_weak_passwords_and_pins_are_refused_naming_the_rule(fbench: Bench) -> None:
    with pytest.raises(WeakPassword, match=r"must contain an uppercase letter \(uppercase\)"):
        users.add_user(fbench, "ana", Role.ADMIN, "admin1234")
    with pytest.raises(WeakPassword, match=r"pin_sequence"):
        users.add_user(fbench, "ana", Role.ADMIN, ADMIN_PW, pin="1234")
    assert not access.users_exist(fbench)


def test_names_are_unique_whatever_the_case(staffed: Bench) -> None:
    with pytest.raises(UserError, match="already a user called PAT"):
        users.add_user(staffed, "PAT", Role.PACKER, PACKER_PW)
    with pytest.raises(UserError, match="cannot be a user name"):
        users.add_user(staffed, "-rf", Role.PACKER, PACKER_PW)
    assert users.authenticate(staffed, "Pat", PACKER_PW).name == "pat"


def test_once_users_exist_only_user_managers_add_users(staffed: Bench) -> None:
    access.log_out(staffed)
    with pytest.raises(PermissionDenied, match=r"^permission denied: log in to manage users$"):
        users.add_user(staffed, "max", Role.PACKER, PACKER_PW)
    users.log_in(staffed, "pat", "2580")
    with pytest.raises(PermissionDenied, match=r"^permission denied: packer pat may not manage users$"):
        users.add_user(staffed, "max", Role.PACKER, PACKER_PW)
    with pytest.raises(PermissionDenied):
        users.list_users(staffed)
    [denied, *_] = _audit(staffed, AuditAction.PERMISSION_DENIED)
    assert (denied.user, denied.target_type, denied.target_id) == ("pat", "permission", "manage_users")
    assert "max" not in users.login_names(staffed)


def test_a_bench_whose_first_user_is_not_an_admin_can_still_get_one(fbench: Bench) -> None:
    users.add_user(fbench, "pat", Role.PACKER, PACKER_PW)
    users.log_in(fbench, "pat", PACKER_PW)
    assert access.can(fbench, Permission.MANAGE_USERS) and not access.can(fbench, Permission.VOID_LABELS)
    users.add_user(fbench, "ana", Role.ADMIN, ADMIN_PW)
    assert not access.can(fbench, Permission.MANAGE_USERS)  # from now on, the admin's job


def test_the_last_admin_cannot_be_demoted_or_deactivated(staffed: Bench) -> None:
    with pytest.raises(UserError, match="ana is the last admin"):
        users.set_role(staffed, "ana", Role.SUPERVISOR)
    with pytest.raises(UserError, match="ana is the last admin"):
        users.deactivate(staffed, "ana")
    users.set_role(staffed, "sam", Role.ADMIN)
    users.set_role(staffed, "ana", Role.SUPERVISOR)
    assert _row(staffed, "ana").role == "supervisor"
    changes = [r.details for r in _audit(staffed, AuditAction.USER_CHANGE)]
    assert {"field": "role", "from": "supervisor", "to": "admin"} in changes
    assert {"field": "role", "from": "admin", "to": "supervisor"} in changes


def test_a_deactivated_user_cannot_log_in_until_reactivated(staffed: Bench) -> None:
    users.deactivate(staffed, "pat")
    with pytest.raises(LoginFailed, match="pat is deactivated"):
        users.authenticate(staffed, "pat", PACKER_PW)
    assert "pat" not in users.login_names(staffed)
    users.set_active(staffed, "pat", True)
    assert users.authenticate(staffed, "pat", PACKER_PW).role is Role.PACKER


def test_people_change_their_own_password_and_pin_but_only_admins_change_others(staffed: Bench) -> None:
    users.log_in(staffed, "pat", "2580")
    users.set_password(staffed, "pat", "NewPacker9")
    users.set_pin(staffed, "pat", "1357")
    with pytest.raises(PermissionDenied, match="packer pat may not manage users"):
        users.set_password(staffed, "sam", "Hijacked99")
    with pytest.raises(WeakPassword, match="min_length"):
        users.set_password(staffed, "pat", "Short1")
    with pytest.raises(LoginFailed):
        users.authenticate(staffed, "pat", PACKER_PW)
    assert users.authenticate(staffed, "pat", "NewPacker9").name == "pat"
    assert users.authenticate(staffed, "pat", "1357").name == "pat"
    users.log_in(staffed, "ana", ADMIN_PW)
    users.set_password(staffed, "sam", "Reset12345")
    assert users.authenticate(staffed, "sam", "Reset12345").role is Role.SUPERVISOR
    fields = [(r.user, r.details["field"]) for r in reversed(_audit(staffed, AuditAction.USER_CHANGE))]
    assert fields == [("pat", "password"), ("pat", "pin"), ("ana", "password")]


# ------------------------------------------------------------------------------------ logging in


def test_log_in_with_pin_and_switching_user(staffed: Bench) -> None:
    account = users.log_in(staffed, "pat", "2580")
    assert staffed.account == account and staffed.user == "pat"
    assert access.can(staffed, Permission.SHIP) and not access.can(staffed, Permission.VIEW_PII)
    users.log_in(staffed, "sam", "Super1234")
    assert staffed.user == "sam" and access.can(staffed, Permission.VOID_LABELS)
    logins = _audit(staffed, AuditAction.LOGIN)
    assert [(r.user, r.details["method"]) for r in logins[:2]] == [("sam", "password"), ("pat", "pin")]
    switches = [(r.user, r.details["reason"]) for r in _audit(staffed, AuditAction.LOGOUT)]
    assert switches == [("pat", "switch user"), ("ana", "switch user")]
    access.log_out(staffed, "idle")
    assert staffed.account is None and not access.can(staffed, Permission.LIST)
    assert _audit(staffed, AuditAction.LOGOUT)[0].details == {"reason": "idle"}


def test_five_wrong_passwords_lock_the_user_for_15_minutes(staffed: Bench, clock: FakeClock) -> None:
    for left in (4, 3, 2, 1):
        with pytest.raises(LoginFailed) as info:
            users.authenticate(staffed, "pat", "Wrong1234")
        assert not isinstance(info.value, UserLocked)
        assert str(info.value) == f"wrong password for pat ({left} attempt{'s' if left > 1 else ''} left)"
        clock.advance(30)
    with pytest.raises(UserLocked) as locked:
        users.authenticate(staffed, "pat", "Wrong1234")
    until = clock.now() + users.LOCK_FOR
    assert locked.value.until == until
    assert str(locked.value) == f"wrong password for pat; pat is locked until {until.astimezone():%H:%M}"
    # The right password and the PIN are refused while the lock lasts.
    clock.advance(15 * 60 - 1)
    for secret in (PACKER_PW, "2580"):
        with pytest.raises(UserLocked, match=f"^pat is locked until {until.astimezone():%H:%M}$"):
            users.authenticate(staffed, "pat", secret)
    assert users.locked_until(staffed, "pat") == until
    clock.advance(1)
    assert users.locked_until(staffed, "pat") is None
    assert users.authenticate(staffed, "pat", PACKER_PW).name == "pat"
    with staffed.store.session() as s:
        assert s.get(LoginFailures, "pat") is None  # success wipes the slate
    failed = [r.details for r in reversed(_audit(staffed, AuditAction.LOGIN_FAILED, user="pat"))]
    assert [d.get("attempts_left") for d in failed[:5]] == [4, 3, 2, 1, 0]
    assert [d["reason"] for d in failed[5:]] == ["locked", "locked"]
    [lock] = _audit(staffed, AuditAction.USER_LOCKED)
    assert lock.user == "pat" and lock.details["until"] == until.isoformat()


def test_a_good_log_in_resets_the_count_and_old_mistakes_expire(staffed: Bench, clock: FakeClock) -> None:
    for _ in range(4):
        with pytest.raises(LoginFailed):
            users.authenticate(staffed, "pat", "Wrong1234")
    users.authenticate(staffed, "pat", "2580")
    for _ in range(4):
        with pytest.raises(LoginFailed):
            users.authenticate(staffed, "pat", "Wrong1234")
    clock.advance(15 * 60)  # four mistakes an hour do not add up to a lock-out
    with pytest.raises(LoginFailed, match=r"\(4 attempts left\)"):
        users.authenticate(staffed, "pat", "Wrong1234")


def test_an_admin_lifts_a_lock_out(staffed: Bench) -> None:
    for _ in range(5):
        with pytest.raises(LoginFailed):
            users.authenticate(staffed, "pat", "0000")
    [pat] = [u for u in users.list_users(staffed) if u.name == "pat"]
    assert pat.locked_until is not None and pat.has_pin and pat.role is Role.PACKER
    assert staffed.user == "ana"  # the admin is still logged in: failed tries as pat change nothing
    users.unlock(staffed, "pat")
    assert users.authenticate(staffed, "pat", "2580").name == "pat"
    assert _audit(staffed, AuditAction.USER_CHANGE)[0].details == {"field": "lock", "to": "unlocked"}


def test_unknown_users_fail_without_creating_lock_rows(staffed: Bench) -> None:
    with pytest.raises(LoginFailed, match=r"^unknown user zoe$"):
        users.authenticate(staffed, "zoe", "Whatever1")
    with staffed.store.session() as s:
        assert s.scalars(select(LoginFailures)).all() == []
    [row] = _audit(staffed, AuditAction.LOGIN_FAILED)
    assert row.user == "zoe" and row.details == {"reason": "unknown_user"}


# ------------------------------------------------------------------------------------ idle lock, PII, audit


def test_the_idle_lock_follows_the_setting_and_only_benches_with_users_lock(fbench: Bench, clock: FakeClock) -> None:
    assert not access.idle_lock(fbench).enabled
    users.add_user(fbench, "ana", Role.ADMIN, ADMIN_PW)
    fbench.settings.idle_lock_minutes = 2
    lock = access.idle_lock(fbench)
    clock.advance(119)
    assert not lock.due(clock.monotonic())
    clock.advance(1)
    assert lock.due(clock.monotonic())


def test_packers_see_customers_masked_and_others_unmasked_and_audited(staffed: Bench) -> None:
    add_order(staffed, "PII-1", name="Emily Chen")
    found = customer_service.search_customers(staffed, "Emily")
    assert [c.email for c in found] == ["pii-1@example.com"]
    users.log_in(staffed, "pat", "2580")
    [masked] = pii_view.shown(staffed, found, "test")
    assert masked.email == "p***@example.com"
    assert _audit(staffed, AuditAction.PII_LIST) == []  # nothing personal was shown
    users.log_in(staffed, "sam", "Super1234")
    [whole] = pii_view.shown(staffed, found, "test")
    assert whole.email == "pii-1@example.com"
    [row] = _audit(staffed, AuditAction.PII_LIST)
    assert row.user == "sam" and row.details["count"] == 1 and row.details["ids"] == [found[0].id]
    assert "pii-1@example.com" not in str(row.details)
    single = pii_view.shown_one(staffed, found[0], "detail")
    assert single.email == "pii-1@example.com"
    assert _audit(staffed, AuditAction.PII_VIEW)[0].target_id == found[0].id


def test_the_audit_log_refuses_update_and_delete(staffed: Bench) -> None:
    assert _audit(staffed, AuditAction.USER_ADD)
    for statement in ("UPDATE audit_log SET user = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(IntegrityError, match="the audit log is append-only"), staffed.store.session() as s:
            s.execute(text(statement))
    assert {r.user for r in _audit(staffed, AuditAction.USER_ADD)} == {"ana"}


def test_each_user_has_a_gui_language_set_by_themselves_or_an_admin(staffed: Bench) -> None:
    users.set_language(staffed, "pat", "es_ES")  # ana, an admin, is logged in
    assert users.log_in(staffed, "pat", "2580").language == "es"
    users.set_language(staffed, "pat", "ru")  # their own
    with pytest.raises(PermissionDenied):
        users.set_language(staffed, "sam", "zh")  # someone else's, as a packer
    with pytest.raises(UserError, match="choose one of: en, es, ro, ru, zh"):
        users.set_language(staffed, "pat", "klingon")
    assert users.log_in(staffed, "pat", "2580").language == "ru"
    changes = [r.details for r in _audit(staffed, AuditAction.USER_CHANGE) if r.details.get("field") == "language"]
    assert changes[0] == {"field": "language", "from": "es", "to": "ru"}
