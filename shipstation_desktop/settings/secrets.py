"""Carrier credentials and other secrets: only in the OS keyring, never in settings.json."""

from __future__ import annotations

import contextlib
from functools import cached_property
from typing import TYPE_CHECKING

from shipstation_desktop.domain.errors import UserError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "shipstation-desktop"

NO_KEYRING_MESSAGE = (
    "No secure keyring is available on this computer, so credentials cannot be saved. "
    "Install and unlock a keyring (GNOME Keyring, KWallet, macOS Keychain, Windows Credential "
    "Manager); until then carrier accounts that need credentials stay disabled."
)


def _is_insecure(backend: KeyringBackend) -> bool:
    # keyring falls back to its "fail" backend (priority 0) or a chainer with nothing in it when the
    # desktop has no secret service; both would lose or refuse every secret.
    module = type(backend).__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return True
    if module.startswith("keyring.backends.chainer"):
        return not getattr(backend, "backends", [])
    return False


def secret_key(carrier_code: str, field: str) -> str:
    """The keyring entry for one carrier credential, e.g. "carrier/ups/api_key".

    The Preferences dialog writes these and the carrier adapters read them: one naming rule.
    """
    return f"carrier/{carrier_code}/{field}"


class NoKeyring(UserError):
    """Saving a secret was asked for on a machine with no secure keyring."""


class SecretStore:
    """The OS keyring, resolved on first use: finding it can mean a D-Bus round trip, and the
    bench should not wait for that before its window appears."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._given = backend

    @cached_property
    def _backend(self) -> KeyringBackend:
        if self._given is not None:
            return self._given
        import keyring

        return keyring.get_keyring()

    @property
    def available(self) -> bool:
        return not _is_insecure(self._backend)

    def set(self, key: str, value: str) -> None:
        if not self.available:
            raise NoKeyring(NO_KEYRING_MESSAGE)
        self._backend.set_password(SERVICE, key, value)

    def get(self, key: str) -> str | None:
        from keyring.errors import KeyringError

        if not self.available:
            return None
        try:
            return self._backend.get_password(SERVICE, key)
        except KeyringError:
            return None

    def delete(self, key: str) -> None:
        from keyring.errors import PasswordDeleteError

        if not self.available:
            return
        with contextlib.suppress(PasswordDeleteError):
            self._backend.delete_password(SERVICE, key)
