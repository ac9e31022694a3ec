"""Use cases that connect this bench to the center: register, sync once, resync, status."""

from __future__ import annotations

from dataclasses import dataclass

from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.sync import central_client, credentials
from shipstation_desktop.sync.syncer import Syncer, SyncReport, SyncStatus, read_status

from . import numbers
from .bench import Bench


def is_registered(bench: Bench) -> bool:
    return bool(bench.settings.central.url.strip())


def register(bench: Bench, url: str, name: str) -> str:
    """Points this data dir's bench at the center: a token from the center into the keyring, the URL
    (password moved to the keyring too) and the name into settings. Re-registering rotates the token."""
    bench_id = bench.store.bench_id
    plain_url, password = credentials.split_password(url)
    port = central_client.port_for(url)
    try:
        registration = port.register(bench_id, name)
    finally:
        port.close()
    bench.secrets.set(credentials.token_key(bench_id), registration.token)
    if password:
        bench.secrets.set(credentials.password_key(bench_id), password)
    else:
        bench.secrets.delete(credentials.password_key(bench_id))
    bench.settings.central.url = plain_url
    bench.settings.bench_name = name
    bench.save_settings()
    numbers.top_up(bench)  # a first block of shipment references, so purchases never wait on the center
    return bench_id


def _syncer(bench: Bench) -> Syncer:
    port, login = central_client.connect(bench.settings.central.url, bench.store.bench_id, bench.secrets)

    def announce(what: set[str]) -> None:
        for entity in sorted(what):
            bench.changed(entity)

    return Syncer(bench.store, port, login.token, on_applied=announce)


def sync_once(bench: Bench) -> SyncReport:
    syncer = _syncer(bench)
    try:
        report = syncer.run_once()
    finally:
        syncer.port.close()
    numbers.top_up(bench)  # online now: refill the block of shipment references if it runs low
    return report


def resync(bench: Bench) -> SyncReport:
    syncer = _syncer(bench)
    try:
        return syncer.resync()
    finally:
        syncer.port.close()


@dataclass(frozen=True, slots=True)
class CenterStatus:
    online: bool
    status: SyncStatus


def status(bench: Bench, *, probe: bool = True) -> CenterStatus:
    """The stored sync state, plus whether the center answers right now (probe=True)."""
    state = read_status(bench.store)
    online = False
    if probe and is_registered(bench):
        try:
            syncer = _syncer(bench)
        except Exception:
            return CenterStatus(False, state)
        try:
            syncer.port.pull(syncer.bench_id, syncer.token, syncer.read_cursor(), 0)
            online = True
        except UserError:  # unreachable, or reachable but refusing this bench: not online either way
            online = False
        finally:
            syncer.port.close()
    return CenterStatus(online, state)
