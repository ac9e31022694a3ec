"""Who is logged in at a bench and what they may do (the rules themselves: domain/roles.py).

A bench with no users is the single-user demo bench: everything is allowed, exactly as before users
existed. Once one user exists, a bench where nobody is logged in may do nothing. The GUI asks
`can()` to enable buttons; services that must never run for the wrong person call `require()`,
which writes the refusal to the audit log.

Logging in (checking the password) lives in services/users.py; this module only holds the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import select

from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.idle_lock import IdleLock
from shipstation_desktop.domain.roles import PERMISSION_TEXT, Account, Permission, PermissionDenied, Role
from shipstation_desktop.persistence.user_tables import User

from . import audit
from .bench import Bench

__all__ = [
    "PermissionDenied",
    "acting_as",
    "adopt",
    "can",
    "current",
    "has_admin",
    "idle_lock",
    "log_out",
    "require",
    "sign_in",
    "users_exist",
]

# The CLI logs in once per command, before it knows which benches the command will open; every
# bench opened while this is set belongs to that person (bootstrap.open_bench calls adopt()).
_acting: ContextVar[Account | None] = ContextVar("shipstation_desktop_acting", default=None)


def users_exist(bench: Bench) -> bool:
    """False: the single-user demo bench (every permission, no log-in)."""
    with bench.store.session() as s:
        return s.scalar(select(User.id).where(User.deleted_at.is_(None)).limit(1)) is not None


def has_admin(bench: Bench) -> bool:
    with bench.store.session() as s:
        q = select(User.id).where(User.deleted_at.is_(None), User.active.is_(True), User.role == Role.ADMIN.value)
        return s.scalar(q.limit(1)) is not None


def current(bench: Bench) -> Account | None:
    return bench.account


def can(bench: Bench, permission: Permission) -> bool:
    account = bench.account
    if account is None:
        return not users_exist(bench)
    if account.may(permission):
        return True
    # A bench whose users include no (active) admin would never get one again: until it does, its
    # users may manage users. Deactivating or demoting the last admin is refused (services/users.py),
    # so this only happens when the first user added was not an admin.
    return permission is Permission.MANAGE_USERS and not has_admin(bench)


def require(bench: Bench, permission: Permission) -> None:
    """Raises PermissionDenied ("permission denied: packer ana may not void labels") and audits it."""
    if can(bench, permission):
        return
    account = bench.account
    audit.record(
        bench,
        AuditAction.PERMISSION_DENIED,
        target_type="permission",
        target_id=permission.value,
        details={"role": account.role.value if account else ""},
    )
    if account is None:
        raise PermissionDenied(f"log in to {PERMISSION_TEXT[permission]}", permission)
    raise PermissionDenied(f"{account.role.value} {account.name} may not {PERMISSION_TEXT[permission]}", permission)


def sign_in(bench: Bench, account: Account) -> None:
    """Makes `account` the bench's person (after users.authenticate checked the secret)."""
    bench.account = account
    bench.user = account.name


def log_out(bench: Bench, reason: str = "logout") -> None:
    """Nobody is at the bench any more (reason: "logout", "idle", "switch user")."""
    account = bench.account
    if account is None:
        return
    audit.record(bench, AuditAction.LOGOUT, target_type="user", target_id=account.user_id, details={"reason": reason})
    bench.account = None
    bench.user = ""


def idle_lock(bench: Bench) -> IdleLock:
    """The bench's idle policy, counting from now; a bench without users never locks."""
    minutes = bench.settings.idle_lock_minutes if users_exist(bench) else 0
    return IdleLock.minutes(minutes, bench.clock.monotonic())


@contextmanager
def acting_as(account: Account | None) -> Iterator[None]:
    """Every bench opened inside belongs to `account` (None: a bench without users)."""
    token = _acting.set(account)
    try:
        yield
    finally:
        _acting.reset(token)


def adopt(bench: Bench) -> None:
    """Called when a bench opens: inside acting_as(), the person is already logged in."""
    account = _acting.get()
    if account is not None:
        sign_in(bench, account)
