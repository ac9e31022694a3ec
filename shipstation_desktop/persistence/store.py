"""The local store: one engine, short sessions, commit-or-rollback, outbox hooks attached."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shipstation_desktop.domain.clock import Clock, SystemClock
from shipstation_desktop.domain.ids import uuid7

from . import customer_totals, db, outbox, pii
from .pii import PiiCipher
from .tables import LocalMeta


class Store:
    def __init__(self, path: Path, clock: Clock | None = None, *, migrate: bool = True) -> None:
        self.path = path
        self.clock = clock or SystemClock()
        path.parent.mkdir(parents=True, exist_ok=True)
        db.check_file(path)
        self.engine = db.make_engine(path)
        # A schema change may rebuild tables and renumber rows: the search index is then rebuilt.
        self.upgraded = False
        if migrate:
            before, after = db.upgrade(self.engine)
            self.upgraded = before != after
        self._factory = sessionmaker(self.engine, expire_on_commit=False)
        customer_totals.install(self._factory)  # order writes keep their customer's totals current
        outbox.install(self._factory)

    @cached_property
    def bench_id(self) -> str:
        """This bench's identity, made on first use and kept in the database it belongs to."""
        factory = sessionmaker(self.engine)  # no outbox hooks needed for local meta
        with factory.begin() as s:
            row = s.get(LocalMeta, "bench_id")
            if row is None:
                row = LocalMeta(key="bench_id", value=uuid7())
                s.add(row)
            return row.value

    @contextmanager
    def session(self, *, remote: bool = False) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any exception.

        remote=True: the session applies the center's changes, which must not enter the outbox."""
        s = self._factory(info={"clock": self.clock, "bench_id": self.bench_id, outbox.REMOTE: remote})
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def attach_cipher(self, cipher: PiiCipher | None) -> None:
        """From now on PII columns are sealed with this cipher's key (persistence/pii.py)."""
        pii.attach(self.engine, cipher)

    def share_keys(self, other: Store) -> None:
        """This store seals and opens with `other`'s key, now and after any rotation."""
        pii.share_slot(self.engine, pii.slot_of(other.engine))

    @property
    def cipher(self) -> PiiCipher | None:
        return pii.cipher_of(self.engine.dialect)

    def get_meta(self, key: str) -> str | None:
        with self.session() as s:
            return s.scalar(select(LocalMeta.value).where(LocalMeta.key == key))

    def set_meta(self, key: str, value: str) -> None:
        with self.session() as s:
            s.merge(LocalMeta(key=key, value=value))

    def close(self) -> None:
        self.engine.dispose()
