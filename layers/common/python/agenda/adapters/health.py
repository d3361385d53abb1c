"""What the watchdog asks outside systems: a WhatsApp instance's connection state (Evolution
API) and the depth of the notifications dead-letter queue (SQS)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

import requests

from agenda.adapters.queue import LazySqs
from agenda.service.ports import CheckFailed
from agenda.settings import QueueSettings

if TYPE_CHECKING:
    from agenda.settings import WatchdogSettings


class EvolutionConnectionStates:
    """GET {WHATSAPP_API_URL}/instance/connectionState/{instance} with the apikey header."""

    def __init__(self, settings: WatchdogSettings, session: requests.Session | None = None) -> None:
        self._settings = settings
        self._session = session or requests.Session()

    def state(self, instance: str) -> str:
        s = self._settings
        try:
            answer = self._session.get(
                f"{s.whatsapp.url}/instance/connectionState/{quote(instance, safe='')}",
                headers={"apikey": s.whatsapp.key.value()},
                timeout=s.timeout_seconds,
            )
        except requests.RequestException as exc:
            raise CheckFailed(type(exc).__name__) from exc
        if answer.status_code == 404:
            return "missing"  # the provider does not know the instance: nothing goes through it
        if answer.status_code != 200:
            raise CheckFailed(f"provider answered {answer.status_code}")
        try:
            state = answer.json()["instance"]["state"]
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckFailed("unexpected answer") from exc
        if not isinstance(state, str) or not state:
            raise CheckFailed("unexpected answer")
        return state


class SqsQueueDepth:
    """ApproximateNumberOfMessages of the dead-letter queue; boto3 loads on first use."""

    def __init__(self, settings: WatchdogSettings) -> None:
        self._sqs = LazySqs(
            QueueSettings(
                queue_url=settings.dead_letter_queue_url,
                region=settings.region,
                endpoint_url=settings.sqs_endpoint_url,
            )
        )

    def depth(self) -> int:
        answer = self._sqs.client().get_queue_attributes(
            QueueUrl=self._sqs.settings.queue_url,
            AttributeNames=["ApproximateNumberOfMessages"],
        )
        return int(answer["Attributes"]["ApproximateNumberOfMessages"])
