"""SMS through an HTTP provider: one JSON POST per message with a bearer token.

Providers differ in field names, so the adapter speaks one small shape that a shop points at its
provider or at its own relay: POST {url} with `{"to": "+34…", "from": "…", "body": "…"}` and
`Authorization: Bearer <token>`; a 2xx answer with `id` (or `message_id`, or Twilio's `sid`) is the
provider's message id. 429 and 5xx are worth a retry; any other 4xx is permanent.
"""

from __future__ import annotations

from typing import Any

import httpx

from .port import MessagingError


class HttpSmsSender:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        sender_id: str = "",
        client: httpx.Client | None = None,
        timeout_s: float = 15.0,
    ) -> None:
        if not url:
            raise MessagingError("SMS is not set up on this bench: no provider URL is configured", permanent=True)
        if not token:
            raise MessagingError("SMS is not set up on this bench: no provider token in the keyring", permanent=True)
        self.url = url
        self._token = token
        self.sender_id = sender_id
        self._client = client or httpx.Client(timeout=timeout_s)

    def send(self, to: str, body: str) -> str:
        payload: dict[str, Any] = {"to": to, "body": body}
        if self.sender_id:
            payload["from"] = self.sender_id
        try:
            response = self._client.post(self.url, json=payload, headers={"Authorization": f"Bearer {self._token}"})
        except httpx.HTTPError as exc:
            raise MessagingError(f"cannot reach the SMS provider ({exc})") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise MessagingError(f"the SMS provider is busy or failing (HTTP {response.status_code})")
        if response.status_code in (401, 403):
            raise MessagingError(
                f"the SMS provider refused the token (HTTP {response.status_code}); check it in settings",
                permanent=True,
            )
        if not response.is_success:
            raise MessagingError(
                f"the SMS provider rejected the message (HTTP {response.status_code}: {_detail(response)})",
                permanent=True,
            )
        try:
            data = response.json()
        except ValueError:
            data = {}
        if isinstance(data, dict):
            for key in ("id", "message_id", "sid"):
                if data.get(key):
                    return str(data[key])
        return ""

    def close(self) -> None:
        self._client.close()


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200].strip() or response.reason_phrase
    if isinstance(data, dict):
        for key in ("message", "error", "detail"):
            if isinstance(data.get(key), str):
                return str(data[key])
    return response.reason_phrase
