"""`hub serve`: the webhook / Custom Store / tracking-page hub (FastAPI under uvicorn).

Start-up refuses, in one line and a non-zero exit, what would only fail later: no webhook secret
(SSD_WEBHOOK_SECRET or the keyring entry hub/webhook_secret), a center that cannot be reached, or a
center whose schema is not the one this version writes.
"""

from __future__ import annotations

import argparse
import ipaddress
from typing import Any

COMMANDS = {"hub"}


def _cidr(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text.strip(), strict=False))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an IP address or CIDR range like 203.0.113.0/24") from None


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (0 turns the limit off)")
    return int(text)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (1-65535)")
    return int(text)


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    hub = sub.add_parser("hub", help="the hub: carrier webhooks, ShipStation Custom Store, tracking page")
    actions = hub.add_subparsers(dest="action", required=True, parser_class=parser_class)
    serve = actions.add_parser("serve", help="serve the hub over HTTP until Ctrl+C")
    serve.add_argument("--central", required=True, metavar="URL", help="postgresql://user@host/db of the center")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8080, help="TCP port (default 8080)")
    serve.add_argument(
        "--allow-ip",
        type=_cidr,
        action="append",
        default=[],
        metavar="CIDR",
        help="only these addresses may call the hub (repeatable; default: any)",
    )
    serve.add_argument("--rate-limit", type=_count, default=600, metavar="N", help="requests per minute per client")
    serve.add_argument("--max-body", type=_count, default=1_000_000, metavar="BYTES", help="largest request body")
    serve.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))


def config_of(args: argparse.Namespace) -> Any:
    from shipstation_desktop.hub.state import HubConfig

    return HubConfig(
        central_url=args.central,
        allow_ips=tuple(args.allow_ip),
        rate_limit_per_minute=args.rate_limit,
        max_body_bytes=args.max_body or 1,
    )


def prepare(args: argparse.Namespace) -> Any:
    """The hub's state after the start-up checks (raises UserError with one clear sentence)."""
    from shipstation_desktop.domain.errors import UserError
    from shipstation_desktop.hub.state import SECRET_ENV, HubState

    config = config_of(args)
    if not config.secret("webhook_secret"):
        raise UserError(
            f"the webhook secret is not set: export {SECRET_ENV['webhook_secret']} "
            "(or store it in the keyring as hub/webhook_secret) before starting the hub"
        )
    state = HubState(config)
    try:
        schema = state.schema_ok()  # raises CenterUnavailable (a UserError) when unreachable
        if schema["central_schema"] != schema["expected"]:
            found = schema["central_schema"] or "no schema"
            raise UserError(
                f"the center has {found}, this hub needs {schema['expected']}: "
                "run `shipstation-desktop central upgrade` first"
            )
    except Exception:
        state.close()
        raise
    return state


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from shipstation_desktop.hub.app import create_app

    state = prepare(args)
    app = create_app(state.config, state)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, proxy_headers=False)
    return 0
