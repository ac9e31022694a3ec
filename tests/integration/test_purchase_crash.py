"""A real process dies between a real carrier API's answer and the local commit: no second purchase.

The carrier is the local LSO server (a real HTTP server on 127.0.0.1 speaking the LSO API the
adapter is built for). The first `ship` runs in its own process and is killed with os._exit the
moment the carrier's answer is in hand; the restarted bench finds the label at the carrier by its
purchase reference instead of buying again (ARCHITECTURE §5, docs/adr/0002).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select

from shipstation_desktop.carriers.lso.fake_server import FakeLsoServer
from shipstation_desktop.domain.enums import LabelPurchaseState, OrderStatus
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services.bootstrap import open_bench
from shipstation_desktop.settings import model as settings_model
from tests.fakes.orders import add_order

REPO = Path(__file__).resolve().parents[2]
API_KEY = "lso-test-key"

# Runs the CLI in a fresh interpreter with an in-memory keyring holding the LSO key; with CRASH set,
# the process ends (no cleanup, no commit) right after the carrier sold the label.
SCRIPT = textwrap.dedent(
    """
    import os, sys
    import keyring
    from tests.fakes.keyring_backend import MemoryKeyring
    from shipstation_desktop.settings.secrets import SERVICE, secret_key
    backend = MemoryKeyring()
    backend.set_password(SERVICE, secret_key("lso", "api_key"), os.environ["LSO_KEY"])
    keyring.set_keyring(backend)
    if os.environ.get("CRASH"):
        from shipstation_desktop.services import packing
        def die(*_args, **_kwargs):
            os._exit(137)
        packing._complete = die
    from shipstation_desktop.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def _cli(data_dir: Path, *argv: str, crash: bool = False) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, LSO_KEY=API_KEY, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    env.pop("CRASH", None)
    if crash:
        env["CRASH"] = "1"
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, "--data-dir", str(data_dir), *argv],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_killed_after_the_carrier_answered_then_restarted_buys_nothing_twice(tmp_path: Path) -> None:
    with FakeLsoServer(api_key=API_KEY) as lso:
        data_dir = tmp_path / "bench"
        bench = open_bench(data_dir)
        try:
            add_order(bench, "SO-CRASH1")
            settings = bench.settings
            settings.carriers = [
                settings_model.CarrierAccount(code="simulated", enabled=False),
                settings_model.CarrierAccount(code="lso", sandbox=True, base_url=lso.url),
            ]
            bench.save_settings()
        finally:
            bench.close()

        died = _cli(data_dir, "ship", "SO-CRASH1", "--carrier", "lso", "--weight", "1.2kg", crash=True)
        assert died.returncode == 137, died.stderr
        assert len(lso.shipments) == 1  # the carrier sold one label; the bench never stored it
        (sold,) = lso.shipments.values()

        again = _cli(data_dir, "ship", "SO-CRASH1", "--carrier", "lso", "--weight", "1.2kg", "--json")
        assert again.returncode == 1
        assert "already shipped" in again.stderr and "Traceback" not in again.stderr
        assert len(lso.shipments) == 1  # start-up reconciled by reference instead of buying again

        shown = _cli(data_dir, "shipments", "show", sold.tracking_number, "--json")
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["carrier"] == "lso"

    bench = open_bench(data_dir, reconcile=False)
    try:
        with bench.store.session() as s:
            assert list(s.scalars(select(t.LabelPurchase.state))) == [LabelPurchaseState.DONE.value]
            order = s.scalars(select(t.Order).where(t.Order.order_number == "SO-CRASH1")).one()
            assert order.status == OrderStatus.SHIPPED.value
            assert s.scalars(select(t.Shipment.tracking_number)).all() == [sold.tracking_number]
    finally:
        bench.close()
