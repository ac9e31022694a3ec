"""Opening the local SQLite store: pragmas, schema checks and migrations at start-up."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError, OperationalError

from shipstation_desktop.domain.errors import UserError

from .pii import customer_tokens

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

DB_FILENAME = "bench.sqlite3"
# The newest migration this version ships. Kept here so a start-up on an up-to-date database needs no
# Alembic import (a fifth of a second); a test checks it against the migration scripts.
SCHEMA_HEAD = "0013"


class StoreError(UserError):
    """The database file cannot be used as it is (corrupt, newer schema, locked)."""


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the sync thread read while the bench writes; FULL fsyncs each commit so a power cut
    # after "label bought" never loses the label.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite+pysqlite:///{path}", future=True)
    event.listen(engine, "connect", _on_connect)
    tokens = customer_tokens(engine.dialect)

    def add_functions(dbapi_conn: Any, _record: Any) -> None:
        # The customer search triggers (migration 0013) compute their tokens with this.
        dbapi_conn.create_function("ssd_customer_tokens", 6, tokens)

    event.listen(engine, "connect", add_functions)
    return engine


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "shipstation_desktop.persistence:migrations")
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def check_file(path: Path) -> None:
    """Refuses a file that is not a SQLite database, naming it, instead of silently re-creating it."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            conn.execute("PRAGMA schema_version").fetchone()
            ok = conn.execute("PRAGMA quick_check(1)").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a usable bench database ({exc}); restore it from a backup") from exc
    if ok is None or ok[0] != "ok":
        raise StoreError(f"{path} is damaged (integrity check: {ok[0] if ok else 'no answer'}); restore it")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except OperationalError as exc:
            if "no such table" in str(exc.orig):
                return None  # a new, empty database
            raise


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Migrates to the newest schema; refuses a database written by a newer app. Returns (from, to)."""
    try:
        before = current_revision(engine)
    except DatabaseError as exc:
        raise StoreError(f"{engine.url.database} cannot be read ({exc.orig})") from exc
    if before == SCHEMA_HEAD:
        return before, before
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    if before is not None and not _known(script, before):
        raise StoreError(
            f"{engine.url.database} was written by a newer ShipStation Desktop (schema {before}); "
            "install the newer version instead of opening it with this one"
        )
    command.upgrade(alembic_config(engine), "head")
    return before, head_revision()


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises several error types for an unknown id
        return False
