"""Each carrier's published sandbox and production base URLs, kept as data.

An IT admin can point an account elsewhere (a proxy, a carrier's new host) with the account's
`base_url` setting; otherwise `sandbox` picks the column.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Endpoints:
    sandbox: str
    production: str


CARRIER_ENDPOINTS: dict[str, Endpoints] = {
    "ups": Endpoints("https://wwwcie.ups.com", "https://onlinetools.ups.com"),
    "fedex": Endpoints("https://apis-sandbox.fedex.com", "https://apis.fedex.com"),
    "usps": Endpoints("https://apis-tem.usps.com", "https://apis.usps.com"),
    "dhl": Endpoints("https://express.api.dhl.com/mydhlapi/test", "https://express.api.dhl.com/mydhlapi"),
    "shipstation": Endpoints("https://api.shipengine.com", "https://api.shipengine.com"),
    # LSO's API is not public: the sandbox is the local fake server (carriers/lso/fake_server.py).
    "lso": Endpoints("http://127.0.0.1:8765", "https://services.lso.com"),
    "china_post": Endpoints("https://api.chinapost.com.cn", "https://api.chinapost.com.cn"),
    "correos": Endpoints("https://api1.correos.es", "https://api1.correos.es"),
}


def base_url(code: str, sandbox: bool, override: str = "") -> str:
    if override:
        return override.rstrip("/")
    endpoints = CARRIER_ENDPOINTS.get(code)
    if endpoints is None:
        raise KeyError(f"no endpoints known for carrier {code!r}")
    return endpoints.sandbox if sandbox else endpoints.production
