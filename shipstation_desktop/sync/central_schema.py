"""Creating and upgrading the central PostgreSQL schema (its own Alembic environment)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from .port import CenterRefused, CenterUnavailable

if TYPE_CHECKING:
    from alembic.config import Config

# The newest central migration this version ships; a test checks it against the scripts.
CENTRAL_HEAD = "c0002"
CONNECT_TIMEOUT_S = 5


def engine_for(url: str) -> Engine:
    """postgresql://… URLs go through psycopg 3; statement and lock timeouts keep a stuck center from
    freezing a bench's sync thread forever."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise CenterRefused(f"{parsed.render_as_string(hide_password=True)} is not a postgresql:// URL")
    parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(
        parsed,
        pool_pre_ping=True,
        pool_size=2,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_S,
            "options": "-c statement_timeout=60000 -c lock_timeout=30000",
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
        },
    )


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "shipstation_desktop.sync:central_migrations")
    return cfg


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM central_alembic_version")).scalar()
    except ProgrammingError:
        return None  # an empty database: no schema yet
    except OperationalError as exc:
        raise CenterUnavailable(f"cannot reach the center: {_first_line(exc.orig)}") from exc


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Creates or upgrades the schema; harmless to run twice. Returns (from, to)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    before = current_revision(engine)
    script = ScriptDirectory.from_config(alembic_config())
    if before is not None and script.get_revision(before) is None:
        raise CenterRefused(f"the center's schema {before} is newer than this version knows; upgrade the app")
    if before != CENTRAL_HEAD:
        with engine.begin() as conn:
            # One upgrader at a time: two benches running `central init` together must not race.
            conn.execute(text("SELECT pg_advisory_xact_lock(813008)"))
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    return before, CENTRAL_HEAD


def _first_line(exc: object) -> str:
    return (str(exc).strip().splitlines() or ["no answer"])[0]
