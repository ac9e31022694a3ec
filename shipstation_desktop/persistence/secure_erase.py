"""Making overwritten values really leave the database file (sealing plain rows, erasing a customer).

SQLite keeps a rewritten row's old bytes in the page's free space, and the WAL keeps whole old page
images until a checkpoint: plain text sealed at the first start, or an erased customer's ciphertext
(which the bench key still opens), would stay readable on disk. `zeroing` (secure_delete) clears
the cells a rewrite frees, and a TRUNCATE checkpoint copies the clean pages home and empties the WAL.

Neither reaches copies left earlier by b-tree page splits (free space SQLite never zeroes). For
plain text (a bench sealed for the first time) `vacuum` rewrites the whole file; ciphertext left
that way is shredded by a key rotation instead (the old key is dropped, so nothing opens it).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)


@contextlib.contextmanager
def zeroing(conn: Connection) -> Iterator[None]:
    """Inside the caller's transaction: content freed by the statements run meanwhile is zeroed.
    The connection's own setting comes back afterwards (some SQLite builds zero by default)."""
    before = int(conn.exec_driver_sql("PRAGMA secure_delete").scalar_one())
    conn.exec_driver_sql("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA secure_delete = {before}")


def checkpoint(engine: Engine) -> bool:
    """Copies the WAL into the database file and empties it; False when a reader held it back
    (another window of this bench): then the old page images go at a later checkpoint."""
    with engine.connect() as conn:
        busy, _log_pages, _moved = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        conn.commit()
    if busy:
        log.info("WAL checkpoint held back by a reader; old page images stay until the next one")
    return not busy


def vacuum(engine: Engine) -> bool:
    """Rewrites the whole file (no free space left, so nothing in it) and empties the WAL. Rowids
    of tables without an INTEGER PRIMARY KEY may change: rebuild what is keyed by them. False when
    another process held the file (the bench still starts; the leftovers stay until a later VACUUM)."""
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM")
    except OperationalError as exc:
        log.warning("could not VACUUM the database (%s); freed pages may keep old values for now", exc)
        return False
    checkpoint(engine)
    return True
