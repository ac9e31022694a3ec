"""Where a bench's center identity lives: the URL (without password) in settings, secrets in the keyring."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import make_url

from shipstation_desktop.settings.secrets import SecretStore

from .port import CenterRefused


def token_key(bench_id: str) -> str:
    return f"central/{bench_id}/token"


def password_key(bench_id: str) -> str:
    return f"central/{bench_id}/password"


@dataclass(frozen=True, slots=True)
class CenterLogin:
    url: str  # with the password put back, for the driver only: never logged, never saved
    bench_id: str
    token: str


def split_password(url: str) -> tuple[str, str | None]:
    """settings.json gets the URL without its password; the keyring gets the password."""
    parsed = make_url(url)
    return parsed.set(password=None).render_as_string(hide_password=False), parsed.password and str(parsed.password)


def login(settings_url: str, bench_id: str, secrets: SecretStore) -> CenterLogin:
    if not settings_url.strip():
        raise CenterRefused("this bench is not connected to a center; run `bench register --central URL --name NAME`")
    token = secrets.get(token_key(bench_id))
    if not token:
        raise CenterRefused("this bench has no center credentials in the keyring; run `bench register` again")
    url = settings_url
    password = secrets.get(password_key(bench_id))
    if password:
        url = make_url(settings_url).set(password=password).render_as_string(hide_password=False)
    return CenterLogin(url, bench_id, token)
