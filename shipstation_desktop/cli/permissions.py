"""Who may run which command, and the log-in that comes first (issue 11).

Once a bench has users, every command runs as `--user NAME` with the password (or PIN) in the
environment variable SSD_PASSWORD; a bench without users is the single-user demo bench and runs
everything as before. The check happens once, before the command: log in, then the command's
permission from COMMAND_PERMISSIONS (a test keeps every command in it). Services that must never
run for the wrong person check again themselves (void, resolve, users, the audit log, PII).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType

from shipstation_desktop.domain.roles import Account, Permission, PermissionDenied

PASSWORD_ENV = "SSD_PASSWORD"
P = Permission

# "command" or "command action" -> what it needs. None: no log-in (the GUI has its own log-in
# screen; `db upgrade` must run before the users table even exists).
COMMAND_PERMISSIONS: Mapping[str, Permission | None] = MappingProxyType(
    {
        "gui": None,
        "db upgrade": None,
        "demo seed": P.CHANGE_SETTINGS,
        "diagnostics": P.LIST,
        # the pack flow
        "ship": P.SHIP,
        "rates": P.SHIP,
        "pickup request": P.SHIP,
        "shipments list": P.LIST,
        "shipments show": P.LIST,
        "shipments track": P.LIST,
        "shipments reprint": P.PRINT,
        "shipments void": P.VOID_LABELS,
        "scale read": P.WEIGH,
        "scale list": P.WEIGH,
        "scale decode-hid": P.WEIGH,
        "scale simulate": P.WEIGH,
        "label render": P.PRINT,
        "label print": P.PRINT,
        "printer status": P.PRINT,
        "tracking identify": P.LIST,
        "tracking parse": P.LIST,
        "tracking poll": P.LIST,  # one run of the background poller: routine, anyone may start it
        "track": P.LIST,
        # orders, exceptions, stock, invoices, reports
        "orders list": P.LIST,
        "orders show": P.LIST,
        "orders history": P.LIST,
        "orders workflow": P.LIST,
        "orders status": P.CHANGE_ORDER_STATUS,
        "exceptions list": P.LIST,
        "exceptions resolve": P.RESOLVE_EXCEPTIONS,
        "exceptions assign": P.RESOLVE_EXCEPTIONS,
        "exceptions note": P.RESOLVE_EXCEPTIONS,
        "inventory list": P.LIST,
        "inventory show": P.LIST,
        "inventory adjust": P.ADJUST_INVENTORY,
        "inventory receive": P.ADJUST_INVENTORY,
        "inventory threshold": P.ADJUST_INVENTORY,
        "invoices list": P.LIST,
        "invoices show": P.LIST,
        "invoices import": P.IMPORT_INVOICES,
        "report carriers": P.VIEW_REPORTS,
        "report productivity": P.VIEW_REPORTS,
        "report health": P.VIEW_REPORTS,
        "jobs list": P.LIST,
        "jobs stats": P.LIST,
        "jobs requeue": P.RESOLVE_EXCEPTIONS,  # a dead letter is the supervisor's to retry
        "jobs cleanup": P.CHANGE_SETTINGS,
        # customers (search and list mask e-mail and phone without VIEW_PII: services/pii_view.py)
        "customers list": P.LIST,
        "customers search": P.LIST,
        "customers show": P.LIST,
        "customers add": P.EDIT_CUSTOMERS,
        "customers update": P.EDIT_CUSTOMERS,
        "customers delete": P.EDIT_CUSTOMERS,
        "customers restore": P.EDIT_CUSTOMERS,
        "customers status": P.EDIT_CUSTOMERS,
        "customers note": P.EDIT_CUSTOMERS,
        "customers timeline": P.VIEW_PII,  # notes and communications hold the customer's own words
        # `customers address add|validate|override|default|delete`: checked as "customers address"
        "customers address": P.EDIT_CUSTOMERS,
        "customers address add": P.EDIT_CUSTOMERS,
        "customers address validate": P.EDIT_CUSTOMERS,
        "customers address override": P.EDIT_CUSTOMERS,
        "customers address default": P.EDIT_CUSTOMERS,
        "customers address delete": P.EDIT_CUSTOMERS,
        "customers import": P.IMPORT_CUSTOMERS,
        "customers export": P.EXPORT_DATA,
        "customers gdpr-export": P.EXPORT_DATA,
        "customers erase": P.ERASE_CUSTOMERS,
        "customers rotate-key": P.CHANGE_SETTINGS,
        "customers duplicates": P.EDIT_CUSTOMERS,  # ids only, but it is the merge work list
        "customers merge": P.EDIT_CUSTOMERS,
        "customers analytics": P.VIEW_REPORTS,
        "customers cohorts": P.VIEW_REPORTS,
        # customer notifications: the log names recipients
        "notify list": P.VIEW_PII,
        "notify run": P.LIST,  # one run of the background sender
        "notify test": P.CHANGE_SETTINGS,
        # the center, the hub, this bench's identity
        "central init": P.CHANGE_SETTINGS,
        "central upgrade": P.CHANGE_SETTINGS,
        "bench register": P.CHANGE_SETTINGS,
        "sync run": P.LIST,
        "sync status": P.LIST,
        "sync resync": P.CHANGE_SETTINGS,
        "hub serve": P.CHANGE_SETTINGS,
        # users and the audit log
        "users add": P.MANAGE_USERS,
        "users list": P.MANAGE_USERS,
        "users passwd": P.LIST,  # your own password; someone else's: MANAGE_USERS (services/users.py)
        "users pin": P.LIST,  # likewise
        "users language": P.LIST,  # likewise
        "users role": P.MANAGE_USERS,
        "users deactivate": P.MANAGE_USERS,
        "users activate": P.MANAGE_USERS,
        "users unlock": P.MANAGE_USERS,
        "audit list": P.VIEW_AUDIT,
    }
)
# A command nobody put in the table yet is an admin's until someone does.
UNMAPPED = P.MANAGE_USERS
# Commands with a --user filter of their own (`audit list --user U`). On a bench with users, when
# no log-in name came before the command, that --user is the log-in name (and filters nothing):
# `audit list --user admin` logs in; `--user admin audit list --user bob` shows bob's entries.
OWN_USER_OPTION: Mapping[str, str] = MappingProxyType({"audit list": "audit_user"})


def command_key(args: argparse.Namespace) -> str:
    action = getattr(args, "action", None)
    return f"{args.command} {action}" if action else str(args.command)


def permission_for(key: str) -> Permission | None:
    if key in COMMAND_PERMISSIONS:
        return COMMAND_PERMISSIONS[key]
    return UNMAPPED


def accept_user_anywhere(parser: argparse.ArgumentParser) -> None:
    """`ship X --user ana` works as well as `--user ana ship X` (like --data-dir)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                if not any(a.dest == "user" or "--user" in a.option_strings for a in child._actions):
                    child.add_argument("--user", metavar="NAME", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
                accept_user_anywhere(child)


@contextmanager
def logged_in(args: argparse.Namespace) -> Iterator[Account | None]:
    """Logs in and checks the command's permission; every bench the command opens inside is the
    person's (bench.user = their name). Yields None on a bench without users."""
    from shipstation_desktop.services import access

    key = command_key(args)
    permission = permission_for(key)
    account = _log_in(args, permission, OWN_USER_OPTION.get(key)) if permission is not None else None
    with access.acting_as(account):
        yield account


def _log_in(args: argparse.Namespace, permission: Permission, own_user_option: str | None) -> Account | None:
    from shipstation_desktop.domain.errors import UserError
    from shipstation_desktop.services import access, bootstrap, users
    from shipstation_desktop.settings import paths

    name = getattr(args, "user", None)
    if not name and not users.has_users(paths.resolve(args.data_dir).database):
        return None  # the single-user bench: nothing to open, nothing to check
    borrowed = bool(not name and own_user_option and getattr(args, own_user_option, None))
    if borrowed:
        name = getattr(args, str(own_user_option))
        setattr(args, str(own_user_option), None)
    bench = bootstrap.open_bench(args.data_dir, reconcile=False)
    try:
        if not access.users_exist(bench):
            if borrowed:
                setattr(args, str(own_user_option), name)  # a filter after all
            elif name:
                raise UserError(f"unknown user {name}: this bench has no users yet (add one with `users add`)")
            return None
        if not name:
            raise PermissionDenied(f"log in with --user NAME (password in {PASSWORD_ENV})")
        secret = os.environ.get(PASSWORD_ENV, "")
        if not secret:
            raise PermissionDenied(f"no password for {name}: put it (or the PIN) in {PASSWORD_ENV}")
        account = users.log_in(bench, name, secret)
        access.require(bench, permission)
        return account
    finally:
        bench.close()
