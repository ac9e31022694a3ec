"""Bench users: adding and changing them, and logging in with a password or a PIN.

Secrets are stored as Argon2id hashes (argon2-cffi, RFC 9106's low-memory profile: 64 MiB, 3 passes,
4 lanes); a hash made with older parameters is redone at the next good log-in. Five wrong secrets in
a row lock the user on this bench for 15 minutes (the counter is local, table login_failures: it
follows the keyboard being tried, and works with the network down). Every log-in, failure, lock and
change goes to the audit log, under the name that was typed.

The first user of a bench can be added by anyone (the bench is being set up); after that only
people who may manage users can (services/access.py).
"""

from __future__ import annotations

import sqlite3
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.domain.password_policy import looks_like_pin, require_password, require_pin
from shipstation_desktop.domain.roles import Account, LoginFailed, Permission, Role, UserInfo, UserLocked
from shipstation_desktop.persistence.user_tables import LoginFailures, User

from . import access, audit
from .bench import Bench

HASHER = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)  # Argon2id
LOCK_AFTER = 5  # wrong secrets in a row
LOCK_FOR = timedelta(minutes=15)
NAME_MAX = 64


# ------------------------------------------------------------------------------------ managing


def add_user(bench: Bench, name: str, role: Role | str, password: str, pin: str | None = None) -> str:
    """Returns the new user's id. Raises WeakPassword (naming the broken rules), UserError, or
    PermissionDenied when users exist and the person logged in may not manage them."""
    role = Role(role)
    name = _valid_name(name)
    require_password(password)
    if pin is not None:
        require_pin(pin)
    first = not access.users_exist(bench)
    if not first:
        access.require(bench, Permission.MANAGE_USERS)
    with bench.store.session() as s:
        if _find(s, name) is not None:
            raise UserError(f"there is already a user called {name}")
        user = User(
            name=name,
            role=role.value,
            password_hash=HASHER.hash(password),
            pin_hash=HASHER.hash(pin) if pin else "",
            password_changed_at=bench.clock.now(),
        )
        s.add(user)
        s.flush()
        # Nobody is logged in on a bench without users: the first user is written down as adding themself.
        audit.record(
            bench,
            AuditAction.USER_ADD,
            target_type="user",
            target_id=user.id,
            details={"role": role.value, "first_user": True} if first else {"role": role.value},
            session=s,
            user=name if first else None,
        )
        return user.id


def list_users(bench: Bench) -> list[UserInfo]:
    access.require(bench, Permission.MANAGE_USERS)
    now = bench.clock.now()
    with bench.store.session() as s:
        locks = {f.user_name: f.locked_until for f in s.scalars(select(LoginFailures))}
        rows = s.scalars(select(User).where(User.deleted_at.is_(None))).all()
        return [
            UserInfo(
                id=u.id,
                name=u.name,
                role=Role(u.role),
                active=u.active,
                has_pin=bool(u.pin_hash),
                language=u.language,
                password_changed_at=u.password_changed_at,
                locked_until=until if (until := locks.get(_key(u.name))) is not None and until > now else None,
            )
            for u in sorted(rows, key=lambda u: u.name.casefold())
        ]


def login_names(bench: Bench) -> list[str]:
    """Who can log in here, for the log-in screen's list (no permission needed: names are not secret)."""
    with bench.store.session() as s:
        rows = s.scalars(select(User.name).where(User.deleted_at.is_(None), User.active.is_(True))).all()
    return sorted(rows, key=str.casefold)


def set_password(bench: Bench, name: str, password: str) -> None:
    """Anyone may change their own password; other people's need the user manager."""
    require_password(password)
    with bench.store.session() as s:
        user = _get(s, name)
        _require_self_or_manager(bench, user)
        user.password_hash = HASHER.hash(password)
        user.password_changed_at = bench.clock.now()
        _changed(bench, s, user, {"field": "password"})


def set_pin(bench: Bench, name: str, pin: str | None) -> None:
    """A PIN for quick user switching; None removes it (the password still works)."""
    if pin is not None:
        require_pin(pin)
    with bench.store.session() as s:
        user = _get(s, name)
        _require_self_or_manager(bench, user)
        user.pin_hash = HASHER.hash(pin) if pin else ""
        _changed(bench, s, user, {"field": "pin", "to": "set" if pin else "removed"})


# The GUI languages shipped (ui/i18n.SUPPORTED; ui/ cannot be imported from here).
LANGUAGES = ("en", "es", "ro", "ru", "zh")


def set_language(bench: Bench, name: str, language: str) -> None:
    """The GUI language this user works in ("" = the bench's); applied at their next log-in."""
    code = language.strip().replace("-", "_").split("_")[0].lower()
    if code and code not in LANGUAGES:
        raise UserError(f"language {language!r} is not available; choose one of: {', '.join(LANGUAGES)}")
    with bench.store.session() as s:
        user = _get(s, name)
        _require_self_or_manager(bench, user)
        if user.language == code:
            return
        previous = user.language
        user.language = code
        _changed(bench, s, user, {"field": "language", "from": previous, "to": code})


def set_role(bench: Bench, name: str, role: Role | str) -> None:
    role = Role(role)
    access.require(bench, Permission.MANAGE_USERS)
    with bench.store.session() as s:
        user = _get(s, name)
        if user.role == role.value:
            return
        if role is not Role.ADMIN:
            _keep_an_admin(s, user)
        previous = user.role
        user.role = role.value
        _changed(bench, s, user, {"field": "role", "from": previous, "to": role.value})


def set_active(bench: Bench, name: str, active: bool) -> None:
    """Deactivated users cannot log in; their name stays on everything they did."""
    access.require(bench, Permission.MANAGE_USERS)
    with bench.store.session() as s:
        user = _get(s, name)
        if user.active == active:
            return
        if not active:
            _keep_an_admin(s, user)
        user.active = active
        _changed(bench, s, user, {"field": "active", "to": active})


def deactivate(bench: Bench, name: str) -> None:
    set_active(bench, name, False)


def unlock(bench: Bench, name: str) -> None:
    """Lifts a lock-out on this bench before its 15 minutes are up."""
    access.require(bench, Permission.MANAGE_USERS)
    with bench.store.session() as s:
        user = _get(s, name)
        failures = s.get(LoginFailures, _key(user.name))
        if failures is not None:
            s.delete(failures)
        audit.record(
            bench,
            AuditAction.USER_CHANGE,
            target_type="user",
            target_id=user.id,
            details={"field": "lock", "to": "unlocked"},
            session=s,
        )


def locked_until(bench: Bench, name: str) -> datetime | None:
    with bench.store.session() as s:
        failures = s.get(LoginFailures, _key(name))
        if failures is None or failures.locked_until is None or failures.locked_until <= bench.clock.now():
            return None
        return failures.locked_until


# ------------------------------------------------------------------------------------ logging in


def authenticate(bench: Bench, name: str, secret: str) -> Account:
    """Checks a password or a PIN (4-8 digits). Raises LoginFailed, or UserLocked while locked.

    The outcome is committed before anything is raised: a wrong try must count even though the
    caller sees an exception."""
    now = bench.clock.now()
    failure: LoginFailed | None = None
    account: Account | None = None
    with bench.store.session() as s:
        user = _find(s, name)
        if user is None:
            audit.record(bench, AuditAction.LOGIN_FAILED, details={"reason": "unknown_user"}, session=s, user=name)
            failure = LoginFailed(f"unknown user {name}")
        elif not user.active:
            _login_audit(bench, s, user, AuditAction.LOGIN_FAILED, {"reason": "deactivated"})
            failure = LoginFailed(f"{user.name} is deactivated; an admin can reactivate the user")
        else:
            failure = _check_secret(bench, s, user, secret, now)
            if failure is None:
                account = Account(user.id, user.name, Role(user.role), user.language)
    if failure is not None:
        raise failure
    assert account is not None  # no failure: the secret was right
    return account


def log_in(bench: Bench, name: str, secret: str) -> Account:
    """authenticate(), then the bench is this person's; switching user is just logging in again."""
    account = authenticate(bench, name, secret)
    previous = bench.account
    if previous is not None and previous.user_id != account.user_id:
        access.log_out(bench, "switch user")
    access.sign_in(bench, account)
    return account


def has_users(database: Path) -> bool:
    """Whether a bench's database has users, read without opening the bench (the CLI asks before
    every command; a bench without users must not pay for a second open). True when unsure."""
    if not database.exists():
        return False
    try:
        conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT 1 FROM users WHERE deleted_at IS NULL LIMIT 1").fetchone() is not None
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        return "no such table" not in str(exc)  # an old schema has no users; anything else: open and see
    except sqlite3.Error:
        return True


def _check_secret(bench: Bench, s: Session, user: User, secret: str, now: datetime) -> LoginFailed | None:
    key = _key(user.name)
    failures = s.get(LoginFailures, key)
    if failures is not None and failures.locked_until is not None:
        if failures.locked_until > now:
            _login_audit(bench, s, user, AuditAction.LOGIN_FAILED, {"reason": "locked"})
            return _locked(user.name, failures.locked_until)
        s.delete(failures)  # the lock ran out: a fresh start
        s.flush()
        failures = None
    if failures is not None and failures.last_failure_at is not None and now - failures.last_failure_at >= LOCK_FOR:
        failures.failures = 0  # old mistakes do not add up to a lock-out forever
    use_pin = looks_like_pin(secret) and bool(user.pin_hash)
    stored = user.pin_hash if use_pin else user.password_hash
    if _verify(stored, secret):
        if failures is not None:
            s.delete(failures)
        if HASHER.check_needs_rehash(stored):  # parameters changed since: redo it while we have the secret
            if use_pin:
                user.pin_hash = HASHER.hash(secret)
            else:
                user.password_hash = HASHER.hash(secret)
        _login_audit(bench, s, user, AuditAction.LOGIN, {"method": "pin" if use_pin else "password"})
        return None
    if failures is None:
        failures = LoginFailures(user_name=key, failures=0)
        s.add(failures)
    failures.failures += 1
    failures.last_failure_at = now
    left = max(0, LOCK_AFTER - failures.failures)
    _login_audit(bench, s, user, AuditAction.LOGIN_FAILED, {"reason": "wrong_secret", "attempts_left": left})
    what = "PIN" if use_pin else "password"
    if left == 0:
        failures.locked_until = now + LOCK_FOR
        _login_audit(
            bench,
            s,
            user,
            AuditAction.USER_LOCKED,
            {"until": failures.locked_until.isoformat(), "failures": LOCK_AFTER},
        )
        locked = _locked(user.name, failures.locked_until)
        return UserLocked(f"wrong {what} for {user.name}; {locked}", failures.locked_until)
    return LoginFailed(f"wrong {what} for {user.name} ({left} attempt{'s' if left != 1 else ''} left)")


def _locked(name: str, until: datetime) -> UserLocked:
    return UserLocked(f"{name} is locked until {until.astimezone():%H:%M}", until)


def _verify(stored: str, secret: str) -> bool:
    if not stored:
        return False
    try:
        return HASHER.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False


def _login_audit(bench: Bench, s: Session, user: User, action: AuditAction, details: dict[str, object]) -> None:
    audit.record(bench, action, target_type="user", target_id=user.id, details=details, session=s, user=user.name)


# ------------------------------------------------------------------------------------ helpers


def _key(name: str) -> str:
    return name.casefold()


def _valid_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name.strip())
    if not name:
        raise UserError("a user needs a name")
    if len(name) > NAME_MAX:
        raise UserError(f"a user name has at most {NAME_MAX} characters")
    if name.startswith("-") or any(unicodedata.category(ch).startswith("C") for ch in name):
        raise UserError(f"{name!r} cannot be a user name (no leading '-', no control characters)")
    return name


def _find(s: Session, name: str) -> User | None:
    """By name, ignoring case: "Ana" and "ana" are one person at the log-in screen."""
    key = _key(unicodedata.normalize("NFC", name.strip()))
    for user in s.scalars(select(User).where(User.deleted_at.is_(None))):
        if _key(user.name) == key:
            return user
    return None


def _get(s: Session, name: str) -> User:
    user = _find(s, name)
    if user is None:
        raise NotFound(f"no user called {name}")
    return user


def _require_self_or_manager(bench: Bench, user: User) -> None:
    if bench.account is None or bench.account.user_id != user.id:
        access.require(bench, Permission.MANAGE_USERS)


def _keep_an_admin(s: Session, user: User) -> None:
    """Refuses to leave the bench without an active admin (nobody could manage users again)."""
    if user.role != Role.ADMIN.value or not user.active:
        return
    others = s.scalar(
        select(User.id)
        .where(User.deleted_at.is_(None), User.active.is_(True), User.role == Role.ADMIN.value, User.id != user.id)
        .limit(1)
    )
    if others is None:
        raise UserError(f"{user.name} is the last admin; make another user admin first")


def _changed(bench: Bench, s: Session, user: User, details: dict[str, object]) -> None:
    audit.record(bench, AuditAction.USER_CHANGE, target_type="user", target_id=user.id, details=details, session=s)
