"""`audit list` (issue 11, admins): the append-only audit log, newest first.

`audit list --json` prints [{"time", "user", "bench", "action", "target", "target_type", "details"}];
time is ISO-8601 UTC, action a value of domain/audit.py's AuditAction (e.g. "label.void").
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from shipstation_desktop.domain.audit import AuditAction

COMMANDS = {"audit"}


def _since(text: str) -> datetime:
    """A day (YYYY-MM-DD, from its local midnight) or an ISO time (no zone: local)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD) or an ISO time") from None
    if value.tzinfo is None:
        value = value.astimezone()  # the person means their own clock
    return value.astimezone(UTC)


def _action(text: str) -> str:
    values = [a.value for a in AuditAction]
    if text not in values:
        raise argparse.ArgumentTypeError(f"{text!r} is not an audit action: {', '.join(values)}")
    return text


def _limit(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of entries (1 or more)")
    return int(text)


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser("audit", help="the audit log: privileged actions and views of personal data")
    actions = audit.add_subparsers(dest="action", required=True, parser_class=parser_class)
    lst = actions.add_parser("list", help="audit entries, newest first (admins)")
    lst.add_argument("--user", dest="audit_user", metavar="U", help="only what this user did")
    lst.add_argument("--action", dest="audit_action", type=_action, metavar="A", help="e.g. label.void, pii.list")
    lst.add_argument("--target", metavar="ID", help="only entries about this id (customer, shipment, user…)")
    lst.add_argument("--since", type=_since, metavar="DATE", help="YYYY-MM-DD or an ISO time")
    lst.add_argument("--limit", type=_limit, default=500, metavar="N")
    lst.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from shipstation_desktop.cli import emit, table
    from shipstation_desktop.services import audit_viewer, bootstrap

    bench = bootstrap.open_bench(args.data_dir, reconcile=False)
    try:
        rows = audit_viewer.view(
            bench,
            user=args.audit_user,
            action=args.audit_action,
            target_id=args.target,
            since=args.since,
            limit=args.limit,
        )
    finally:
        bench.close()
    emit(
        args,
        [
            {
                "time": r.at.astimezone(UTC).isoformat(),
                "user": r.user,
                "bench": r.bench_name,
                "action": r.action,
                "target": r.target_id,
                "target_type": r.target_type,
                "details": r.details,
            }
            for r in rows
        ],
        lambda: table(
            [
                (f"{r.at.astimezone():%Y-%m-%d %H:%M:%S}", r.user, r.bench_name, r.action, r.target_type, r.target_id)
                for r in rows
            ]
        ),
    )
    return 0
