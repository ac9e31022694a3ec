"""Where the bench keeps its files: platformdirs by default, one override for tests and IT."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "shipstation-desktop"
ENV_HOME = "SHIPSTATION_DESKTOP_HOME"


@dataclass(frozen=True, slots=True)
class BenchPaths:
    data_dir: Path
    log_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "bench.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.data_dir / "settings.json"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "shipstation-desktop.log"


def resolve(data_dir: str | Path | None = None) -> BenchPaths:
    """--data-dir wins, then $SHIPSTATION_DESKTOP_HOME, then the platform's user data dir.

    With an explicit directory the logs live inside it too, so a test or a second bench on the same
    machine never writes into the default location.
    """
    chosen = data_dir or os.environ.get(ENV_HOME)
    if chosen:
        root = Path(chosen).expanduser().resolve()
        return BenchPaths(root, root / "logs")
    return BenchPaths(
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )
