from __future__ import annotations

from pathlib import Path

import pytest

from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.settings import model, paths
from shipstation_desktop.settings.secrets import NO_KEYRING_MESSAGE, SecretStore
from tests.fakes.keyring_backend import MemoryKeyring


def test_round_trip_and_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "settings.json"
    s = model.BenchSettings()
    s.bench_name = "Bench 7"
    s.central.url = "postgresql://center/db"
    model.save(file, s)
    assert model.load(file).bench_name == "Bench 7"
    monkeypatch.setenv("SSD_BENCH_NAME", "From IT")
    loaded = model.load(file)
    assert loaded.bench_name == "From IT" and loaded.central.url == "postgresql://center/db"


def test_bad_settings_file_names_the_problem(tmp_path: Path) -> None:
    file = tmp_path / "settings.json"
    file.write_text("{not json")
    with pytest.raises(UserError, match="is not valid JSON"):
        model.load(file)
    file.write_text('{"weight_tolerance_pct": 500}')
    with pytest.raises(UserError, match="weight_tolerance_pct"):
        model.load(file)


def test_data_dir_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIPSTATION_DESKTOP_HOME", str(tmp_path / "env"))
    assert paths.resolve().data_dir == tmp_path / "env"
    explicit = paths.resolve(tmp_path / "flag")
    assert explicit.data_dir == tmp_path / "flag" and explicit.log_dir == tmp_path / "flag" / "logs"
    monkeypatch.delenv("SHIPSTATION_DESKTOP_HOME")
    assert "shipstation-desktop" in str(paths.resolve().data_dir)


def test_secrets_go_to_the_keyring(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    assert store.available
    store.set("carrier.ups.client_secret", "s3cret")
    assert store.get("carrier.ups.client_secret") == "s3cret"
    store.delete("carrier.ups.client_secret")
    assert store.get("carrier.ups.client_secret") is None


def test_no_keyring_is_said_plainly() -> None:
    from keyring.backends.fail import Keyring as FailKeyring

    store = SecretStore(FailKeyring())
    assert not store.available
    assert store.get("anything") is None
    with pytest.raises(Exception, match="No secure keyring"):
        store.set("k", "v")
    assert "credentials cannot be saved" in NO_KEYRING_MESSAGE
