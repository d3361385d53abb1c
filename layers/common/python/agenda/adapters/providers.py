"""WhatsApp (Evolution API) and email (Resend) senders, over requests with timeouts.

A provider answer is classified once, here: 2xx sent; 429, 5xx and network failures are
temporary (the queue retries); any other 4xx is permanent (retrying cannot help).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import requests

if TYPE_CHECKING:
    from agenda.settings import ProviderSettings


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.status = status


@dataclass(frozen=True, slots=True)
class Sent:
    provider_message_id: str | None


class Sender(Protocol):
    def send(self, to: str, subject: str, text: str) -> Sent: ...


def _post(session: requests.Session, url: str, *, timeout: float, **kwargs: Any) -> Any:
    try:
        answer = session.post(url, timeout=timeout, **kwargs)
    except requests.RequestException as exc:
        raise DeliveryError(type(exc).__name__, permanent=False) from exc
    if answer.status_code == 429 or answer.status_code >= 500:
        raise DeliveryError(
            f"provider answered {answer.status_code}", permanent=False, status=answer.status_code
        )
    if answer.status_code >= 400:
        raise DeliveryError(
            f"provider refused with {answer.status_code}", permanent=True, status=answer.status_code
        )
    try:
        return answer.json()
    except ValueError:
        return {}


class EvolutionWhatsApp:
    def __init__(self, settings: ProviderSettings, session: requests.Session | None = None) -> None:
        self._settings = settings
        self._session = session or requests.Session()

    def send(self, to: str, subject: str, text: str) -> Sent:
        del subject
        s = self._settings
        answer = _post(
            self._session,
            f"{s.whatsapp_url}/message/sendText/{s.whatsapp_instance}",
            timeout=s.timeout_seconds,
            headers={"apikey": s.whatsapp_key},
            json={"number": to.lstrip("+"), "text": text},
        )
        return Sent(provider_message_id=(answer.get("key") or {}).get("id"))


class ResendEmail:
    def __init__(self, settings: ProviderSettings, session: requests.Session | None = None) -> None:
        self._settings = settings
        self._session = session or requests.Session()

    def send(self, to: str, subject: str, text: str) -> Sent:
        s = self._settings
        answer = _post(
            self._session,
            f"{s.email_url}/emails",
            timeout=s.timeout_seconds,
            headers={"Authorization": f"Bearer {s.email_key}"},
            json={"from": s.email_from, "to": [to], "subject": subject, "text": text},
        )
        return Sent(provider_message_id=answer.get("id"))
