"""An in-memory keyring: the test machine has no desktop keyring, and tests must not touch a real one."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import ClassVar

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

# Benches' PII keys outlive one test's keyring: a seeded template bench is copied into many tests,
# and CLI tests run the bench in child processes. Bench ids are unique, so sharing cannot mix benches.
PII_PREFIX = "pii/keyset/"
SHARED_FILE_ENV = "SSD_TEST_PII_KEYS"  # a JSON file the keys are mirrored to, for child processes


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]
    _pii: ClassVar[dict[tuple[str, str], str]] = {}

    def __init__(self) -> None:
        super().__init__()
        self._data: dict[tuple[str, str], str] = {}

    @staticmethod
    def _shared_file() -> Path | None:
        name = os.environ.get(SHARED_FILE_ENV)
        return Path(name) if name else None

    def _load_shared(self) -> None:
        path = self._shared_file()
        if path is not None and path.exists():
            for key, value in json.loads(path.read_text(encoding="utf-8")).items():
                service, _, username = key.partition("\x1f")
                self._pii.setdefault((service, username), value)

    def _save_shared(self) -> None:
        path = self._shared_file()
        if path is not None:
            data = {f"{s}\x1f{u}": v for (s, u), v in self._pii.items()}
            path.write_text(json.dumps(data), encoding="utf-8")

    def get_password(self, service: str, username: str) -> str | None:
        if username.startswith(PII_PREFIX):
            if (service, username) not in self._pii:
                self._load_shared()
            return self._pii.get((service, username))
        return self._data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if username.startswith(PII_PREFIX):
            self._load_shared()
            self._pii[(service, username)] = password
            self._save_shared()
            return
        self._data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        store = self._pii if username.startswith(PII_PREFIX) else self._data
        try:
            del store[(service, username)]
        except KeyError:
            raise PasswordDeleteError(username) from None
        if store is self._pii:
            self._save_shared()
