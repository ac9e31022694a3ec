"""The bench's PII key: kept in the OS keyring, created on first start, rotated on request.

Where there is no secure keyring the key is kept in a file readable only by this user, and the
bench says so plainly (diagnostics, the GUI's status bar): the data is still sealed, but the key
sits on the same disk. Installing a keyring and running `customers rotate-key` moves it there.

Rotation is crash-safe: the new key is saved (beside the old one) before any row changes, every
sealed column is rewritten in ONE transaction that also records the key id in the database, and
only then is the old key dropped. A start after a cut-off rotation finishes it (ensure_ready).
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnClause, Table, bindparam, delete, insert, literal_column, select, update

from shipstation_desktop.persistence import search_index, secure_erase
from shipstation_desktop.persistence.pii import (
    Keyset,
    PiiCipher,
    PiiKeyMissing,
    SealedJSON,
    SealedLookup,
    SealedText,
)
from shipstation_desktop.persistence.store import Store
from shipstation_desktop.persistence.tables import Base, LocalMeta
from shipstation_desktop.settings.paths import BenchPaths
from shipstation_desktop.settings.secrets import SecretStore

log = logging.getLogger(__name__)

KEY_META = "pii.key_id"  # the key every sealed value in this database is sealed with
# The sealed columns the rows were sealed for: a column sealed by a newer version is sealed at start.
COLUMNS_META = "pii.columns"
INDEX_META = "pii.search_index"  # search_index.stamp(): the key and term scheme the index was built with
KEY_FILE = "pii-keyset.json"
_BATCH = 2000
_SEALED_TYPES = (SealedText, SealedLookup, SealedJSON)

NO_KEYRING_PII = (
    "No secure keyring: customer data is encrypted, but its key is kept in {path}. Install and unlock "
    "a keyring, then run `shipstation-desktop customers rotate-key` to move the key into it."
)


@dataclass(frozen=True)
class KeyLocation:
    in_keyring: bool
    path: Path | None = None

    def warning(self) -> str:
        return "" if self.in_keyring else NO_KEYRING_PII.format(path=self.path)


def keyring_entry(bench_id: str) -> str:
    # Per bench: two benches (or a test bench) on one computer keep separate keys.
    return f"pii/keyset/{bench_id}"


def _key_file(paths: BenchPaths) -> Path:
    return paths.data_dir / KEY_FILE


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_keyset(secrets: SecretStore, paths: BenchPaths, bench_id: str) -> tuple[Keyset, KeyLocation]:
    """This bench's keyset, made on first use; a key file left from a keyring-less past moves in."""
    file = _key_file(paths)
    if secrets.available:
        stored = secrets.get(keyring_entry(bench_id))
        if stored is not None:
            return _parse(stored, "keyring"), KeyLocation(True)
        keyset = _parse(file.read_text(encoding="utf-8"), str(file)) if file.exists() else Keyset.generate()
        secrets.set(keyring_entry(bench_id), keyset.to_json())
        if file.exists():
            file.unlink()
            log.info("PII key moved from %s into the keyring", file)
        return keyset, KeyLocation(True)
    if file.exists():
        return _parse(file.read_text(encoding="utf-8"), str(file)), KeyLocation(False, file)
    keyset = Keyset.generate()
    _write_private(file, keyset.to_json())
    return keyset, KeyLocation(False, file)


def _parse(text: str, where: str) -> Keyset:
    try:
        return Keyset.from_json(text)
    except (ValueError, KeyError, TypeError) as exc:
        raise PiiKeyMissing(f"the customer-data key in {where} cannot be read ({exc})") from None


def save_keyset(secrets: SecretStore, paths: BenchPaths, bench_id: str, keyset: Keyset) -> KeyLocation:
    if secrets.available:
        secrets.set(keyring_entry(bench_id), keyset.to_json())
        return KeyLocation(True)
    _write_private(_key_file(paths), keyset.to_json())
    return KeyLocation(False, _key_file(paths))


def ensure_ready(store: Store, secrets: SecretStore, paths: BenchPaths) -> KeyLocation:
    """Attaches the bench key to the store; seals plain rows, finishes a cut-off rotation, and
    rebuilds the search index when the schema or the key changed. Called once per start."""
    keyset, location = load_keyset(secrets, paths, store.bench_id)
    sealed_with = store.get_meta(KEY_META)
    if sealed_with is not None and sealed_with not in keyset.keys:
        raise PiiKeyMissing(
            f"customer data on this bench is sealed with key {sealed_with}, which "
            + ("the keyring" if location.in_keyring else str(location.path))
            + " does not hold; restore it (from a keyring backup) or set up the bench again and sync"
        )
    store.attach_cipher(PiiCipher(keyset))
    # Plain text in the file: a bench from before encryption, or columns sealed since the last start.
    had_plain = sealed_with is None or store.get_meta(COLUMNS_META) != sealed_columns_stamp()
    vacuumed = False
    if sealed_with != keyset.current or had_plain:
        count = reseal(store)
        log.info("sealed %d values of customer data with key %s", count, keyset.current)
        if had_plain and count:
            vacuumed = secure_erase.vacuum(store.engine)  # copies of the plain text in free space go too
    if len(keyset.keys) > 1:  # a rotation cut off after its commit (or just finished above): drop the old key
        keyset = keyset.only_current()
        save_keyset(secrets, paths, store.bench_id, keyset)
        store.attach_cipher(PiiCipher(keyset))
    if store.upgraded or vacuumed or store.get_meta(INDEX_META) != search_index.stamp(keyset.current):
        with store.engine.begin() as conn:
            search_index.rebuild(conn)
        store.set_meta(INDEX_META, search_index.stamp(keyset.current))
    return location


def sealed_tables() -> list[tuple[Table, list[str]]]:
    out = []
    for table in Base.metadata.sorted_tables:
        columns = [c.name for c in table.columns if isinstance(c.type, _SEALED_TYPES)]
        if columns:
            out.append((table, columns))
    return out


def sealed_columns_stamp() -> str:
    """A short fingerprint of which columns are sealed (the list itself would not fit a meta row)."""
    names = sorted(f"{table.name}.{c}" for table, columns in sealed_tables() for c in columns)
    return hashlib.sha256(",".join(names).encode()).hexdigest()[:16]


def reseal(store: Store) -> int:
    """Rewrites every sealed column under the store's current key, in one transaction; returns how
    many values (non-empty cells) it sealed.

    Core statements on purpose: these are not changes to sync (no outbox rows, no version bumps).
    The customers' update triggers re-index each row with the new key as it is rewritten."""
    cipher = store.cipher
    if cipher is None:
        raise RuntimeError("reseal needs a cipher attached to the store")
    total = 0
    # Zeroed and checkpointed: the plain text (or the old key's ciphertext) must not stay on disk.
    with store.engine.begin() as conn, secure_erase.zeroing(conn):
        for table, columns in sealed_tables():
            rowid: ColumnClause[Any] = literal_column("rowid")
            stmt = (
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values({c: bindparam(f"v_{c}", type_=table.c[c].type) for c in columns})
            )
            last = 0
            while True:
                rows = conn.execute(
                    select(rowid, table.c.id, *(table.c[c] for c in columns))
                    .where(rowid > last)
                    .order_by(rowid)
                    .limit(_BATCH)
                ).all()
                if not rows:
                    break
                last = rows[-1][0]
                params: list[dict[str, Any]] = [
                    {"_id": r[1], **{f"v_{c}": r[2 + i] for i, c in enumerate(columns)}} for r in rows
                ]
                conn.execute(stmt, params)
                total += sum(1 for r in rows for v in r[2:] if v not in (None, ""))
        conn.execute(delete(LocalMeta).where(LocalMeta.key.in_([KEY_META, INDEX_META, COLUMNS_META])))
        conn.execute(
            insert(LocalMeta),
            [
                {"key": KEY_META, "value": cipher.key_id},
                {"key": COLUMNS_META, "value": sealed_columns_stamp()},
                {"key": INDEX_META, "value": search_index.stamp(cipher.key_id)},
            ],
        )
    secure_erase.checkpoint(store.engine)
    return total


@dataclass(frozen=True)
class Rotation:
    old_key: str
    new_key: str
    values: int  # non-empty sealed cells rewritten with the new key
    location: KeyLocation


def rotate(store: Store, secrets: SecretStore, paths: BenchPaths) -> Rotation:
    """A new key for this bench's PII; every sealed value is rewritten with it, the old one dropped."""
    keyset, _ = load_keyset(secrets, paths, store.bench_id)
    old = keyset.current
    both = keyset.with_new_key()
    save_keyset(secrets, paths, store.bench_id, both)  # first: a crash now still holds both keys
    store.attach_cipher(PiiCipher(both))
    values = reseal(store)
    final = both.only_current()
    location = save_keyset(secrets, paths, store.bench_id, final)
    store.attach_cipher(PiiCipher(final))
    return Rotation(old_key=old, new_key=final.current, values=values, location=location)
