"""`notify test|list|run`: customer notifications from a terminal (seed 002).

`notify test --channel email --to ADDR` sends a rendered sample now, so IT can check the SMTP
settings and keyring credentials; failures (not configured, refused) are one line and exit 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

COMMANDS = {"notify"}
STATES = ("pending", "deferred", "sent", "delivered", "failed", "clicked", "dead")


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    from shipstation_desktop.domain.notifications import LANGUAGES, NOTIFYING_STATUSES

    notify = sub.add_parser("notify", help="customer notifications (e-mail, SMS)").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    test = notify.add_parser("test", help="send a rendered sample message now")
    test.add_argument("--channel", choices=("email", "sms"), default="email")
    test.add_argument("--to", required=True, help="e-mail address or E.164 phone number")
    test.add_argument("--lang", default="es", help=f"template language ({', '.join(LANGUAGES)}; others fall back)")
    test.add_argument("--status", choices=[s.value for s in NOTIFYING_STATUSES], default="shipped")
    test.add_argument("--json", action="store_true")
    lst = notify.add_parser("list", help="the notification log, newest first")
    lst.add_argument("--state", choices=STATES)
    lst.add_argument("--order", help="only this order number")
    lst.add_argument("--limit", type=int, default=200)
    lst.add_argument("--json", action="store_true")
    notify.add_parser("run", help="send the notifications that are due now").add_argument("--json", action="store_true")


def _out(args: argparse.Namespace, data: Any, text: str) -> None:
    sys.stdout.write((json.dumps(data, ensure_ascii=False, indent=2) if args.json else text) + "\n")


def run(args: argparse.Namespace) -> int:
    from shipstation_desktop.domain.enums import OrderStatus
    from shipstation_desktop.domain.notifications import Channel, NotificationState
    from shipstation_desktop.services import bootstrap
    from shipstation_desktop.services import notifications as service

    bench = bootstrap.open_bench(args.data_dir, reconcile=False)
    try:
        if args.action == "test":
            result = service.send_test(
                bench, Channel(args.channel), args.to, language=args.lang, status=OrderStatus(args.status)
            )
            _out(
                args,
                result.as_json(),
                f"sent a {args.status} {args.channel} test to {result.to} in {result.language}"
                + (f" ({result.provider_message_id})" if result.provider_message_id else ""),
            )
        elif args.action == "list":
            state = NotificationState(args.state) if args.state else None
            rows = service.list_notifications(bench, state, order_number=args.order, limit=args.limit)
            lines = [
                f"{n.id}  {n.state.value:8}  {n.channel.value:5}  {n.trigger.value:16}  {n.order_number:10}  "
                f"{n.recipient}  {n.last_error}".rstrip()
                for n in rows
            ]
            _out(args, [n.as_json() for n in rows], "\n".join(lines) or "no notifications")
        else:
            counts = service.send_due(bench)
            text = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing due"
            _out(args, counts, text)
    finally:
        bench.close()
    return 0
