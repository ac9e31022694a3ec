"""Customer PII sealed at rest (persistence/pii.py, services/pii_keys.py): the raw database file and
its WAL never hold it, the services read it back, the key lives in the keyring (or a private file,
said plainly), rotation and its crash recovery, a bench from before encryption, a lost keyring."""

from __future__ import annotations

import json
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import PasswordDeleteError
from sqlalchemy import select

from shipstation_desktop.cli import main
from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.persistence import db
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.customer_tables import CustomerCommunication, CustomerNote
from shipstation_desktop.persistence.notification_tables import Notification
from shipstation_desktop.persistence.pii import LOOKUP, SEALED, Keyset, PiiKeyMissing
from shipstation_desktop.persistence.store import Store
from shipstation_desktop.services import audit, customer_csv, customer_privacy, diagnostics, pii_keys
from shipstation_desktop.services import customers as customer_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.bootstrap import open_bench
from shipstation_desktop.settings.secrets import SERVICE, SecretStore
from tests.fakes.pii_person import Added, Person, add_person

PERSON = Person()
IMPORTED = Person(
    name="Żaneta Ćwierkówna",
    email="zaneta.cwierk@Pelikanowo.example",
    phone="+48512333444",
    line1="Aleja Wiewiórcza 5",
    note="imported note: gate code 4417",
)


def _raw(data_dir: Path) -> bytes:
    """The database file and its WAL, as a disk thief would read them."""
    out = b""
    for name in (db.DB_FILENAME, db.DB_FILENAME + "-wal"):
        path = data_dir / name
        if path.exists():
            out += path.read_bytes()
    return out


def _forms(text: str) -> list[bytes]:
    """The byte forms a value could take in the file: UTF-8, and JSON's \\u escapes."""
    escaped = json.dumps(text)[1:-1].encode()
    return list({text.encode(), escaped})


def _leaks(data_dir: Path, secrets: list[str]) -> list[str]:
    raw = _raw(data_dir)
    return [s for s in secrets if any(form in raw for form in _forms(s))]


def _imported_csv(tmp_path: Path) -> Path:
    path = tmp_path / "import.csv"
    path.write_text(
        "\n".join(
            [
                ",".join(customer_csv.NATIVE_COLUMNS),
                ",".join(
                    {
                        "email": IMPORTED.email,
                        "name": IMPORTED.name,
                        "phone": IMPORTED.phone,
                        "address_line1": IMPORTED.line1,
                        "address_city": "Gdansk",
                        "address_postal_code": "80-001",
                        "address_country": "PL",
                        "notes": IMPORTED.note,
                    }.get(column, "")
                    for column in customer_csv.NATIVE_COLUMNS
                ),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return path


def _imported_secrets() -> list[str]:
    return [IMPORTED.name, IMPORTED.email, IMPORTED.email.lower(), IMPORTED.phone, IMPORTED.line1, IMPORTED.note]


@pytest.fixture
def bench_dir(tmp_path: Path) -> Path:
    return tmp_path / "bench"


@pytest.fixture
def filled(bench_dir: Path, tmp_path: Path) -> Iterator[tuple[Bench, Added]]:
    bench = open_bench(bench_dir)
    added = add_person(bench)
    result = customer_csv.import_customers(bench, _imported_csv(tmp_path))
    assert result.imported == 1 and not result.errors
    yield bench, added
    bench.close()


def _read_back(bench: Bench, added: Added) -> None:
    """Every sealed value opens to exactly what was written."""
    with bench.store.session() as s:
        c = s.get_one(t.Customer, added.customer_id)
        assert (c.name, c.email, c.email_normalized, c.phone, c.date_of_birth) == (
            PERSON.name,
            PERSON.email,
            PERSON.email.lower(),
            PERSON.phone,
            PERSON.date_of_birth,
        )
        assert c.custom_fields == {"notes": PERSON.note}
        a = s.get_one(t.Address, added.address_id)
        assert (a.recipient_name, a.line1, a.line2, a.phone) == (PERSON.name, PERSON.line1, PERSON.line2, PERSON.phone)
        assert s.get_one(t.Order, added.order_id).ship_to["name"] == PERSON.recipient
        assert s.get_one(CustomerNote, added.note_id).body == PERSON.note
        call = s.get_one(CustomerCommunication, added.communication_id)
        assert (call.subject, call.body) == (PERSON.subject, PERSON.message)
        sent = s.get_one(Notification, added.notification_id)
        assert sent.recipient == PERSON.email and PERSON.name in sent.body
        payloads = [o.payload for o in s.scalars(select(t.Outbox).where(t.Outbox.entity_id == added.customer_id))]
        assert payloads and payloads[0]["name"] == PERSON.name  # the outbox holds it too, sealed
    found = customer_service.search_customers(bench, "vexmarth")
    assert [c.id for c in found] == [added.customer_id]
    assert [c.name for c in customer_service.search_customers(bench, "cwierkowna")] == [IMPORTED.name]


def _sealed_values(path: Path) -> list[tuple[str, str, str]]:
    """(table.column, id, stored text) of every non-empty sealed cell, read with plain sqlite3."""
    out = []
    conn = sqlite3.connect(path)
    try:
        for table, columns in pii_keys.sealed_tables():
            for column in columns:
                for row_id, value in conn.execute(
                    f'SELECT id, "{column}" FROM "{table.name}" WHERE "{column}" IS NOT NULL AND "{column}" <> \'\''
                ):
                    out.append((f"{table.name}.{column}", row_id, value))
    finally:
        conn.close()
    return out


def _keyring_keyset(bench_id: str) -> Keyset | None:
    stored = keyring.get_keyring().get_password(SERVICE, pii_keys.keyring_entry(bench_id))
    return None if stored is None else Keyset.from_json(stored)


# ----------------------------------------------------------------------------------- sealed at rest


def test_the_database_file_holds_no_customer_pii(filled: tuple[Bench, Added], bench_dir: Path) -> None:
    bench, added = filled
    secrets = [*PERSON.secrets(), *_imported_secrets()]
    assert _leaks(bench_dir, secrets) == []
    _read_back(bench, added)
    # Every PII column holds ciphertext; the non-PII ones beside them stay plain (city, totals).
    sealed = _sealed_values(bench.paths.database)
    assert sealed and all(v.startswith((SEALED, LOOKUP)) for _, _, v in sealed)
    assert {"customers.name", "orders.ship_to", "outbox.payload", "customer_notes.body"} <= {c for c, _, _ in sealed}
    with sqlite3.connect(bench.paths.database) as conn:
        assert conn.execute("SELECT city FROM addresses WHERE id = ?", (added.address_id,)).fetchone() == (PERSON.city,)
    bench.close()
    assert _leaks(bench_dir, secrets) == []  # after the close's checkpoint too


def test_a_bench_opened_again_reads_its_customers(filled: tuple[Bench, Added], bench_dir: Path) -> None:
    bench, added = filled
    key_id = bench.store.cipher.key_id if bench.store.cipher else None
    bench.close()
    again = open_bench(bench_dir)  # as a new process would: the key comes from the keyring
    try:
        assert again.store.cipher is not None and again.store.cipher.key_id == key_id
        assert again.pii_key_warning == ""
        _read_back(again, added)
    finally:
        again.close()


def test_a_bench_from_before_encryption_is_sealed_when_it_opens(bench_dir: Path, tmp_path: Path) -> None:
    legacy = Store(bench_dir / db.DB_FILENAME)  # no cipher: rows are written as plain text
    assert legacy.cipher is None
    legacy_bench = Bench.__new__(Bench)  # add_person needs only the store and the clock
    object.__setattr__(legacy_bench, "store", legacy)
    object.__setattr__(legacy_bench, "clock", legacy.clock)
    added = add_person(legacy_bench)
    # Rows deleted back then leave their plain text in free space that no reseal rewrites: the
    # first sealing also rewrites the whole file (VACUUM).
    crowd = [f"Legacyperson Number{i:03d}" for i in range(300)]
    with legacy.session() as s:
        for i, name in enumerate(crowd):
            email = f"legacy{i}@crowd.example"
            s.add(t.Customer(email=email, email_normalized=email, name=name, tags=[], custom_fields={}))
    with legacy.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA secure_delete = OFF")  # as SQLite builds without SECURE_DELETE do
        conn.exec_driver_sql(
            "DELETE FROM customers WHERE name LIKE 'Legacyperson Number%' AND name > 'Legacyperson Number049'"
        )
    legacy.close()
    assert f"{crowd[150]}".encode() in _raw(bench_dir)  # deleted, but still in the file
    assert set(_leaks(bench_dir, PERSON.secrets())) >= {PERSON.name, PERSON.line1, PERSON.note}

    bench = open_bench(bench_dir)
    try:
        assert _leaks(bench_dir, [*PERSON.secrets(), *crowd]) == []
        assert all(v.startswith((SEALED, LOOKUP)) for _, _, v in _sealed_values(bench.paths.database))
        with bench.store.session() as s:
            assert s.get_one(t.Customer, added.customer_id).name == PERSON.name
        assert [c.id for c in customer_service.search_customers(bench, "Quillonia")] == [added.customer_id]
    finally:
        bench.close()


# ----------------------------------------------------------------------------------------- rotation


def test_rotation_reseals_every_value_with_the_new_key(filled: tuple[Bench, Added], bench_dir: Path) -> None:
    bench, added = filled
    old = bench.store.cipher.key_id if bench.store.cipher else ""
    before = {(c, i): v for c, i, v in _sealed_values(bench.paths.database)}

    rotation = customer_privacy.rotate_key(bench)

    assert rotation.old_key == old and rotation.new_key != old
    after = _sealed_values(bench.paths.database)
    assert rotation.values == len(before)
    # Beside the resealed values, only the rotation's own audit row has reached the outbox since.
    assert {c for c, i, _ in after if (c, i) not in before} <= {"outbox.payload"}
    for column, row_id, value in after:
        assert value.startswith((f"{SEALED}{rotation.new_key}:", f"{LOOKUP}{rotation.new_key}:")), column
        assert value != before.get((column, row_id))
    keyset = _keyring_keyset(bench.store.bench_id)
    assert keyset is not None and keyset.current == rotation.new_key and set(keyset.keys) == {rotation.new_key}
    _read_back(bench, added)
    # The deterministic e-mail column still finds by equality (imports match on it).
    with bench.store.session() as s:
        hit = s.scalars(select(t.Customer.id).where(t.Customer.email_normalized == PERSON.email.lower())).all()
    assert hit == [added.customer_id]
    assert _leaks(bench_dir, PERSON.secrets()) == []
    entry = audit.entries(bench, action=AuditAction.PII_KEY_ROTATE.value)
    assert entry and entry[0].details["new_key"] == rotation.new_key and entry[0].user == bench.user
    bench.close()
    again = open_bench(bench_dir)
    try:
        _read_back(again, added)
    finally:
        again.close()


class PowerCut(Exception):
    pass


def test_a_rotation_cut_off_before_its_commit_is_finished_at_the_next_start(
    filled: tuple[Bench, Added], bench_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench, added = filled
    old = bench.store.cipher.key_id if bench.store.cipher else ""

    def cut(store: Store) -> int:
        raise PowerCut  # the new key is saved beside the old one; no row has changed

    with monkeypatch.context() as m:
        m.setattr(pii_keys, "reseal", cut)
        with pytest.raises(PowerCut):
            customer_privacy.rotate_key(bench)
    bench.close()
    both = _keyring_keyset(bench.store.bench_id)
    assert both is not None and old in both.keys and both.current != old

    again = open_bench(bench_dir)
    try:
        values = _sealed_values(again.paths.database)
        assert all(v.split(":")[1] == both.current for _, _, v in values)
        final = _keyring_keyset(again.store.bench_id)
        assert final is not None and set(final.keys) == {both.current}
        _read_back(again, added)
    finally:
        again.close()


def test_a_rotation_cut_off_after_its_commit_drops_the_old_key_at_the_next_start(
    filled: tuple[Bench, Added], bench_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench, added = filled
    real_save = pii_keys.save_keyset
    calls: list[Keyset] = []

    def save_then_cut(secrets: SecretStore, paths: object, bench_id: str, keyset: Keyset) -> pii_keys.KeyLocation:
        calls.append(keyset)
        if len(calls) == 2:  # the rows are resealed; the old key was about to be dropped
            raise PowerCut
        return real_save(secrets, paths, bench_id, keyset)  # type: ignore[arg-type]

    with monkeypatch.context() as m:
        m.setattr(pii_keys, "save_keyset", save_then_cut)
        with pytest.raises(PowerCut):
            customer_privacy.rotate_key(bench)
    bench.close()
    new = calls[1].current
    assert all(v.split(":")[1] == new for _, _, v in _sealed_values(bench.paths.database))
    again = open_bench(bench_dir)
    try:
        final = _keyring_keyset(again.store.bench_id)
        assert final is not None and set(final.keys) == {new}
        _read_back(again, added)
    finally:
        again.close()


# ------------------------------------------------------------------------------ where the key lives


def test_without_a_keyring_the_key_is_in_a_private_file_and_the_bench_says_so(bench_dir: Path) -> None:
    bench = open_bench(bench_dir, secrets=SecretStore(fail.Keyring()))
    key_file = bench_dir / pii_keys.KEY_FILE
    try:
        assert key_file.exists()
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert str(key_file) in bench.pii_key_warning and "keyring" in bench.pii_key_warning
        assert f"Customer-data key: in the file {key_file}" in diagnostics.diagnostics(bench)
        added = add_person(bench)
        assert _leaks(bench_dir, PERSON.secrets()) == []  # still sealed, only the key is nearer
    finally:
        bench.close()

    moved = open_bench(bench_dir)  # a keyring now (the test's in-memory one)
    try:
        assert not key_file.exists()
        assert moved.pii_key_warning == ""
        assert _keyring_keyset(moved.store.bench_id) is not None
        assert "Customer-data key: in the keyring" in diagnostics.diagnostics(moved)
        _read_back_person(moved, added)
    finally:
        moved.close()


def _read_back_person(bench: Bench, added: Added) -> None:
    with bench.store.session() as s:
        c = s.get_one(t.Customer, added.customer_id)
        assert (c.name, c.email, c.phone) == (PERSON.name, PERSON.email, PERSON.phone)


class OtherKeyring(KeyringBackend):
    """A different, empty keyring: the one the bench's key was in is gone."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._data.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


def test_a_lost_keyring_is_one_clear_line_never_a_traceback(
    filled: tuple[Bench, Added], bench_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bench, _ = filled
    bench.close()
    with pytest.raises(PiiKeyMissing, match="does not hold"):
        open_bench(bench_dir, secrets=SecretStore(OtherKeyring()))

    keyring.set_keyring(OtherKeyring())  # the autouse fixture puts the test keyring back
    code = main(["--data-dir", str(bench_dir), "customers", "list"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "sealed with key" in err and "does not hold" in err and "Traceback" not in err
