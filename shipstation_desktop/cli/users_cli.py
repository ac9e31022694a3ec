"""`users add|list|passwd|pin|role|language|deactivate|activate|unlock` (issue 11): bench users from a terminal.

`users add NAME --role {packer,supervisor,admin} --password-stdin --json` prints {"user_id": str}; a
weak password exits 1 naming the broken rule. Secrets come on stdin, one per line (the password,
then the PIN when both are asked for), never as arguments: those end up in shell history and `ps`.
The first user of a bench needs no log-in; after that these commands are for admins (your own
password and PIN excepted).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from shipstation_desktop.domain.roles import Role

COMMANDS = {"users"}


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    users = sub.add_parser("users", help="bench users: roles, passwords, PINs, lock-outs").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    roles = [r.value for r in Role]
    add = users.add_parser("add", help="add a user (the first one needs no log-in)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", choices=roles, required=True)
    add.add_argument("--password-stdin", action="store_true", required=True, help="read the password from stdin")
    add.add_argument("--pin-stdin", action="store_true", help="also read a PIN (4-8 digits), on the next line")
    add.add_argument("--json", action="store_true")
    users.add_parser("list", help="every user with role, state and lock-out").add_argument(
        "--json", action="store_true"
    )
    pw = users.add_parser("passwd", help="set a user's password (yours, or anyone's as an admin)")
    pw.add_argument("name", metavar="NAME")
    pw.add_argument("--password-stdin", action="store_true", required=True)
    pw.add_argument("--json", action="store_true")
    pin = users.add_parser("pin", help="set (or --remove) a user's PIN for quick switching")
    pin.add_argument("name", metavar="NAME")
    what = pin.add_mutually_exclusive_group(required=True)
    what.add_argument("--pin-stdin", action="store_true")
    what.add_argument("--remove", action="store_true")
    pin.add_argument("--json", action="store_true")
    role = users.add_parser("role", help="give a user another role")
    role.add_argument("name", metavar="NAME")
    role.add_argument("role", choices=roles)
    role.add_argument("--json", action="store_true")
    lang = users.add_parser("language", help="the GUI language a user works in (empty: the bench's)")
    lang.add_argument("name", metavar="NAME")
    lang.add_argument("language", metavar="CODE", help="en, es, ro, ru or zh; '' for the bench's language")
    lang.add_argument("--json", action="store_true")
    for name, text in (
        ("deactivate", "stop a user from logging in (their name stays on what they did)"),
        ("activate", "let a deactivated user log in again"),
        ("unlock", "lift a lock-out after too many wrong passwords"),
    ):
        cmd = users.add_parser(name, help=text)
        cmd.add_argument("name", metavar="NAME")
        cmd.add_argument("--json", action="store_true")


def _secrets(*what: str) -> list[str]:
    """One stdin line per secret named, without line ends (spaces are part of a password)."""
    lines = [sys.stdin.readline().rstrip("\r\n") for _ in what]
    if any(not line for line in lines):
        from shipstation_desktop.domain.errors import UserError

        raise UserError(f"expected {' and '.join(what)} on stdin, one per line")
    return lines


def run(args: argparse.Namespace) -> int:
    from shipstation_desktop.cli import emit, table
    from shipstation_desktop.services import access, bootstrap
    from shipstation_desktop.services import users as service

    bench = bootstrap.open_bench(args.data_dir, reconcile=False)
    try:
        if args.action == "add":
            secrets = _secrets("the password", "the PIN") if args.pin_stdin else _secrets("the password")
            user_id = service.add_user(bench, args.name, args.role, secrets[0], secrets[1] if args.pin_stdin else None)
            if not access.has_admin(bench):
                print(
                    f"warning: this bench has no admin yet; until it has one, any of its users may manage users "
                    f"(add one: users add NAME --role admin --user {args.name})",
                    file=sys.stderr,
                )
            emit(args, {"user_id": user_id}, lambda: f"added {args.role} {args.name} ({user_id})")
        elif args.action == "list":
            people = service.list_users(bench)
            emit(
                args,
                [
                    {
                        "user_id": u.id,
                        "name": u.name,
                        "role": u.role.value,
                        "active": u.active,
                        "has_pin": u.has_pin,
                        "locked_until": u.locked_until.isoformat() if u.locked_until else None,
                        "password_changed_at": u.password_changed_at.isoformat() if u.password_changed_at else None,
                    }
                    for u in people
                ],
                lambda: table(
                    [
                        (
                            u.name,
                            u.role.value,
                            "active" if u.active else "deactivated",
                            "pin" if u.has_pin else "-",
                            f"locked until {u.locked_until.astimezone():%H:%M}" if u.locked_until else "",
                        )
                        for u in people
                    ]
                ),
            )
        elif args.action == "passwd":
            service.set_password(bench, args.name, _secrets("the password")[0])
            emit(args, {"name": args.name, "changed": "password"}, lambda: f"password of {args.name} changed")
        elif args.action == "pin":
            service.set_pin(bench, args.name, None if args.remove else _secrets("the PIN")[0])
            done = "removed" if args.remove else "set"
            emit(args, {"name": args.name, "pin": done}, lambda: f"PIN of {args.name} {done}")
        elif args.action == "role":
            service.set_role(bench, args.name, args.role)
            emit(args, {"name": args.name, "role": args.role}, lambda: f"{args.name} is now {args.role}")
        elif args.action == "language":
            service.set_language(bench, args.name, args.language)
            emit(
                args,
                {"name": args.name, "language": args.language},
                lambda: f"{args.name} works in {args.language or 'the bench language'} from the next log-in",
            )
        elif args.action == "unlock":
            service.unlock(bench, args.name)
            emit(args, {"name": args.name, "locked": False}, lambda: f"{args.name} unlocked")
        else:
            active = args.action == "activate"
            service.set_active(bench, args.name, active)
            state = "active" if active else "deactivated"
            emit(args, {"name": args.name, "active": active}, lambda: f"{args.name} is {state}")
    finally:
        bench.close()
    return 0
