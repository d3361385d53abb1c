"""WhatsApp (Evolution API) and email (Resend) senders, over requests with timeouts.

A provider's answer is classified once, here:
- 2xx: sent;
- 429, 5xx, or no connection at all: temporary, and the provider did not take the message;
- a timeout after the request went out: temporary, but the provider may have taken it
  (`uncertain`): only a sender with an idempotency key may simply send again;
- any other 4xx: permanent, retrying cannot help.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests

from agenda.service.ports import DeliveryError, Sent

if TYPE_CHECKING:
    from agenda.domain.messages import Rendered
    from agenda.settings import ProviderSettings


def _post(session: requests.Session, url: str, *, timeout: float, **kwargs: Any) -> Any:
    try:
        answer = session.post(url, timeout=timeout, **kwargs)
    except requests.ConnectionError as exc:
        # Refused or reset before an answer; a read timeout is a ConnectionError subclass in
        # some paths, so check for it first.
        if isinstance(exc, requests.ReadTimeout):
            raise DeliveryError("provider timed out", permanent=False, uncertain=True) from exc
        raise DeliveryError("provider unreachable", permanent=False) from exc
    except requests.Timeout as exc:
        raise DeliveryError("provider timed out", permanent=False, uncertain=True) from exc
    except requests.RequestException as exc:
        raise DeliveryError(type(exc).__name__, permanent=False, uncertain=True) from exc
    status = answer.status_code
    if status == 429 or status >= 500:
        raise DeliveryError(f"provider answered {status}", permanent=False, status=status)
    if status >= 400:
        raise DeliveryError(f"provider refused with {status}", permanent=True, status=status)
    try:
        return answer.json()
    except ValueError:
        return {}


class EvolutionWhatsApp:
    """Text messages through an Evolution API instance. It has no idempotency key."""

    idempotent = False

    def __init__(self, settings: ProviderSettings, session: requests.Session | None = None) -> None:
        self._settings = settings
        self._session = session or requests.Session()

    def send(self, to: str, message: Rendered, *, key: str) -> Sent:
        del key
        s = self._settings
        answer = _post(
            self._session,
            f"{s.whatsapp.url}/message/sendText/{s.whatsapp.instance}",
            timeout=s.timeout_seconds,
            headers={"apikey": s.whatsapp.key.value()},
            json={"number": to.lstrip("+"), "text": message.text},
        )
        return Sent(provider_message_id=(answer.get("key") or {}).get("id"))


class ResendEmail:
    """Email through Resend, whose Idempotency-Key makes a repeated send a no-op."""

    idempotent = True

    def __init__(self, settings: ProviderSettings, session: requests.Session | None = None) -> None:
        self._settings = settings
        self._session = session or requests.Session()

    def send(self, to: str, message: Rendered, *, key: str) -> Sent:
        s = self._settings
        body: dict[str, Any] = {
            "from": s.email_from,
            "to": [to],
            "subject": message.subject,
            "text": message.text,
        }
        if message.html:
            body["html"] = message.html
        answer = _post(
            self._session,
            f"{s.email_url}/emails",
            timeout=s.timeout_seconds,
            headers={
                "Authorization": f"Bearer {s.email_key.value()}",
                "Idempotency-Key": key[:256],
            },
            json=body,
        )
        return Sent(provider_message_id=answer.get("id"))
