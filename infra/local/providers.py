"""One local HTTP server standing in for the WhatsApp provider (Evolution API v2) and the
email provider (Resend), and the sink where a developer reads what would have been sent.

Routes, with the providers' request and error shapes:
- POST /message/sendText/{instance} (header `apikey`), {"number", "text"} -> 201, key.id;
  GET /instance/connectionState/{instance} -> {"instance": {"instanceName", "state"}}.
  Any instance exists and is "open" until told otherwise; sending through one that is not
  open fails with 500 "Connection Closed".
- POST /emails (Authorization: Bearer), {"from", "to", "subject", "html"?, "text"?} -> {"id"}.
- GET /messages[?channel=whatsapp|email] -> delivered messages as JSON, oldest first;
  GET / -> the same as a page, newest first.
- POST /_control/faults {"failRate", "failStatus", "statusByRecipient", "delayMs"},
  POST /_control/instances {"name": "state"}, POST /_control/reset.

A request that fails (validation or an injected fault) is not recorded as delivered. The
JSON-lines log, when given, is history: reset() leaves it alone, and a stand-in starting on
an existing log shows what it holds (the page and /messages survive a restart of the stack).
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from infra.local._http import JsonRequestHandler, LocalHttpService

Channel = Literal["whatsapp", "email"]
INSTANCE_STATES = frozenset({"open", "close", "connecting"})
_MAX_DELAY_MS = 60_000
_MAX_EMAIL_RECIPIENTS = 50  # Resend's limit per email


@dataclass(frozen=True)
class DeliveredMessage:
    channel: Channel
    recipient: str
    provider_id: str
    received_at: str
    instance: str | None = None
    sender: str | None = None
    subject: str | None = None
    text: str | None = None
    html: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {_JSON_NAMES.get(k, k): v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> DeliveredMessage:
        names = {v: k for k, v in _JSON_NAMES.items()}
        return cls(**{names.get(k, k): v for k, v in payload.items()})


_JSON_NAMES = {"provider_id": "providerId", "received_at": "receivedAt"}


def _read_log(path: Path | None) -> list[DeliveredMessage]:
    """The messages a log holds; a line that is not a message (a write cut short by a killed
    process) is skipped."""
    if path is None or not path.exists():
        return []
    with path.open("rb+") as log:
        size = log.seek(0, os.SEEK_END)
        if size:
            log.seek(size - 1)
            if log.read(1) != b"\n":
                log.write(b"\n")  # the next message starts a line of its own
    found = []
    with path.open(encoding="utf-8") as log:
        for line in log:
            try:
                found.append(DeliveredMessage.from_json(json.loads(line)))
            except (TypeError, ValueError):
                continue
    return found


@dataclass(frozen=True)
class Faults:
    """Failures to inject. statusByRecipient wins over failRate; delay applies to every
    provider request, failed or not."""

    fail_rate: float = 0.0
    fail_status: int = 500
    status_by_recipient: Mapping[str, int] = field(default_factory=dict)
    delay_ms: int = 0
    # Accept and record a message, then hold the answer back this long: a caller that dies
    # meanwhile has had its message sent without learning it.
    hang_after_accept_ms: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ValueError("failRate must be between 0 and 1")
        for status in (self.fail_status, *self.status_by_recipient.values()):
            if not 400 <= status <= 599:
                raise ValueError("fault statuses must be between 400 and 599")
        if not 0 <= self.delay_ms <= _MAX_DELAY_MS:
            raise ValueError(f"delayMs must be between 0 and {_MAX_DELAY_MS}")
        if not 0 <= self.hang_after_accept_ms <= _MAX_DELAY_MS:
            raise ValueError(f"hangAfterAcceptMs must be between 0 and {_MAX_DELAY_MS}")

    @classmethod
    def from_json(cls, payload: Any) -> Faults:
        if not isinstance(payload, dict):
            raise ValueError("expected a JSON object")
        by_recipient = payload.get("statusByRecipient") or {}
        if not isinstance(by_recipient, dict):
            raise ValueError("statusByRecipient must be an object")
        try:
            return cls(
                fail_rate=float(payload.get("failRate", 0.0)),
                fail_status=int(payload.get("failStatus", 500)),
                status_by_recipient={str(k): int(v) for k, v in by_recipient.items()},
                delay_ms=int(payload.get("delayMs", 0)),
                hang_after_accept_ms=int(payload.get("hangAfterAcceptMs", 0)),
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(str(exc)) from exc


class LocalProviders(LocalHttpService):
    def __init__(
        self,
        port: int = 0,
        log_path: Path | None = None,
        *,
        evolution_api_key: str | None = None,
        resend_api_key: str | None = None,
        seed: int = 0,
    ) -> None:
        """With an API key left as None, any non-empty key is accepted."""
        super().__init__(port)
        self.log_path = log_path
        self.evolution_api_key = evolution_api_key
        self.resend_api_key = resend_api_key
        self._seed = seed
        self._state_lock = threading.Lock()
        self._messages: list[DeliveredMessage] = _read_log(log_path)
        self._faults = Faults()
        self._instances: dict[str, str] = {}
        self._email_ids: dict[str, str] = {}  # Idempotency-Key -> the email id first answered
        # Seeded so a failRate test sees the same failures on every run.
        self._random = random.Random(seed)  # noqa: S311 - fault injection, not security

    def handler_class(self) -> type[JsonRequestHandler]:
        return _ProvidersHandler

    # -- test and control surface ----------------------------------------------------------

    def messages(self, channel: Channel | None = None) -> list[DeliveredMessage]:
        with self._state_lock:
            return [m for m in self._messages if channel is None or m.channel == channel]

    def set_faults(
        self,
        *,
        fail_rate: float = 0.0,
        fail_status: int = 500,
        status_by_recipient: Mapping[str, int] | None = None,
        delay_ms: int = 0,
        hang_after_accept_ms: int = 0,
    ) -> None:
        """Replaces every fault setting (unnamed ones go back to their defaults)."""
        faults = Faults(
            fail_rate, fail_status, dict(status_by_recipient or {}), delay_ms, hang_after_accept_ms
        )
        with self._state_lock:
            self._faults = faults

    def faults(self) -> Faults:
        with self._state_lock:
            return self._faults

    def reset(self) -> None:
        """Forgets messages, faults and instance states; the random sequence starts over."""
        with self._state_lock:
            self._messages.clear()
            self._email_ids.clear()
            self._faults = Faults()
            self._instances.clear()
            self._random.seed(self._seed)

    def set_instance_state(self, name: str, state: str) -> None:
        if state not in INSTANCE_STATES:
            raise ValueError(f"state must be one of {sorted(INSTANCE_STATES)}")
        with self._state_lock:
            self._instances[name] = state

    def instance_state(self, name: str) -> str:
        with self._state_lock:
            return self._instances.get(name, "open")

    # -- used by the handler ---------------------------------------------------------------

    def injected_status(self, recipients: list[str]) -> int | None:
        with self._state_lock:
            faults = self._faults
            for recipient in recipients:
                if recipient in faults.status_by_recipient:
                    return faults.status_by_recipient[recipient]
            if faults.fail_rate and self._random.random() < faults.fail_rate:
                return faults.fail_status
        return None

    def record(self, message: DeliveredMessage) -> None:
        with self._state_lock:
            self._messages.append(message)
            if self.log_path is not None:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                with self.log_path.open("a", encoding="utf-8") as log:
                    log.write(json.dumps(message.to_json(), ensure_ascii=False) + "\n")
        hang = self.faults().hang_after_accept_ms
        if hang:
            time.sleep(hang / 1000)

    def email_id_for(self, idempotency_key: str | None, new_id: str) -> str | None:
        """The id already answered for this key (the email is not sent again), else None after
        remembering `new_id` for it. Resend keeps keys for 24 hours; this keeps them until
        reset()."""
        if not idempotency_key:
            return None
        with self._state_lock:
            previous = self._email_ids.get(idempotency_key)
            if previous is None:
                self._email_ids[idempotency_key] = new_id
            return previous


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _evolution_error(status: int, message: Any) -> dict[str, Any]:
    return {"status": status, "error": _phrase(status), "response": {"message": message}}


def _resend_error(status: int, name: str, message: str) -> dict[str, Any]:
    return {"statusCode": status, "name": name, "message": message}


_RESEND_FAULT_NAMES = {429: "rate_limit_exceeded", 401: "missing_api_key", 403: "invalid_api_key"}
_WHATSAPP_NUMBER = re.compile(r"\d{8,15}")


def _whatsapp_number(raw: str) -> str | None:
    number = re.sub(r"[\s()+-]", "", raw.removesuffix("@s.whatsapp.net"))
    return number if _WHATSAPP_NUMBER.fullmatch(number) else None


def _filled(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) and value.strip() else None


class _ProvidersHandler(JsonRequestHandler):
    service: ClassVar[LocalProviders]

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's dispatch name
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/") if p]
        if not parts:
            self.send_bytes(200, _page(self.service).encode(), "text/html; charset=utf-8")
        elif parts == ["messages"]:
            channels = parse_qs(url.query).get("channel")
            found = [
                m.to_json()
                for m in self.service.messages()
                if not channels or m.channel in channels
            ]
            self.send_json(200, found)
        elif len(parts) == 3 and parts[:2] == ["instance", "connectionState"]:
            if self._evolution_authorized():
                state = self.service.instance_state(parts[2])
                self.send_json(200, {"instance": {"instanceName": parts[2], "state": state}})
        else:
            self.send_json(404, {"error": "Not Found"})

    def do_POST(self) -> None:  # noqa: N802
        parts = [unquote(p) for p in urlsplit(self.path).path.split("/") if p]
        if len(parts) == 3 and parts[:2] == ["message", "sendText"]:
            if self._delayed():
                self._send_text(parts[2])
        elif parts == ["emails"]:
            if self._delayed():
                self._send_email()
        elif parts and parts[0] == "_control":
            self._control(parts[1:])
        else:
            self.send_json(404, {"error": "Not Found"})

    # -- Evolution -------------------------------------------------------------------------

    def _evolution_authorized(self) -> bool:
        key = self.headers.get("apikey") or ""
        expected = self.service.evolution_api_key
        if key and (expected is None or secrets.compare_digest(key, expected)):
            return True
        self.send_json(401, _evolution_error(401, "Unauthorized"))
        return False

    def _send_text(self, instance: str) -> None:
        if not self._evolution_authorized():
            return
        body = self._json_object() or {}
        number, text = _filled(body, "number"), _filled(body, "text")
        if number is None or text is None:
            problems = [
                f'instance requires property "{name}"'
                for name in ("number", "text")
                if _filled(body, name) is None
            ]
            self.send_json(400, _evolution_error(400, problems))
            return
        recipient = _whatsapp_number(number)
        if recipient is None:
            missing = [{"exists": False, "jid": f"{number}@s.whatsapp.net", "number": number}]
            self.send_json(400, _evolution_error(400, missing))
            return
        if self.service.instance_state(instance) != "open":
            self.send_json(500, _evolution_error(500, "Connection Closed"))
            return
        status = self.service.injected_status([recipient, number])
        if status is not None:
            self.send_json(status, _evolution_error(status, ["Simulated provider failure"]))
            return
        message_id = "BAE5" + secrets.token_hex(6).upper()
        self.service.record(
            DeliveredMessage(
                channel="whatsapp",
                recipient=recipient,
                provider_id=message_id,
                received_at=_now(),
                instance=instance,
                text=text,
            )
        )
        self.send_json(
            201,
            {
                "key": {
                    "remoteJid": f"{recipient}@s.whatsapp.net",
                    "fromMe": True,
                    "id": message_id,
                },
                "pushName": "",
                "status": "PENDING",
                "message": {"conversation": text},
                "messageType": "conversation",
                "messageTimestamp": int(time.time()),
                "source": "unknown",
            },
        )

    # -- Resend ----------------------------------------------------------------------------

    def _send_email(self) -> None:
        header = self.headers.get("Authorization") or ""
        key = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        if not key:
            message = "Missing API key in the authorization header."
            self.send_json(401, _resend_error(401, "missing_api_key", message))
            return
        expected = self.service.resend_api_key
        if expected is not None and not secrets.compare_digest(key, expected):
            self.send_json(403, _resend_error(403, "invalid_api_key", "API key is invalid"))
            return
        body = self._json_object()
        if body is None:
            self.send_json(400, _resend_error(400, "validation_error", "Invalid JSON body"))
            return
        for name in ("from", "to", "subject"):
            if not body.get(name):
                message = f"Missing `{name}` field."
                self.send_json(422, _resend_error(422, "missing_required_field", message))
                return
        for name in ("from", "subject", "html", "text"):
            if not isinstance(body.get(name), str | None):
                message = f"Invalid `{name}` field."
                self.send_json(422, _resend_error(422, "validation_error", message))
                return
        if not body.get("html") and not body.get("text"):
            message = "Missing `html` or `text` field."
            self.send_json(422, _resend_error(422, "missing_required_field", message))
            return
        to = body["to"] if isinstance(body["to"], list) else [body["to"]]
        if not (
            0 < len(to) <= _MAX_EMAIL_RECIPIENTS
            and all(isinstance(a, str) and "@" in a for a in to)
        ):
            self.send_json(422, _resend_error(422, "validation_error", "Invalid `to` field."))
            return
        status = self.service.injected_status(to)
        if status is not None:
            name = _RESEND_FAULT_NAMES.get(status) or (
                "application_error" if status >= 500 else "validation_error"
            )
            self.send_json(status, _resend_error(status, name, "Simulated provider failure"))
            return
        email_id = str(uuid.uuid4())
        previous = self.service.email_id_for(self.headers.get("Idempotency-Key"), email_id)
        if previous is not None:
            self.send_json(200, {"id": previous})
            return
        self.service.record(
            DeliveredMessage(
                channel="email",
                recipient=", ".join(to),
                provider_id=email_id,
                received_at=_now(),
                sender=body["from"],
                subject=body["subject"],
                text=body.get("text"),
                html=body.get("html"),
            )
        )
        self.send_json(200, {"id": email_id})

    # -- control ---------------------------------------------------------------------------

    def _control(self, parts: list[str]) -> None:
        body = self._json_object() if parts != ["reset"] else {}
        if body is None:
            self.send_json(400, {"error": "expected a JSON object"})
            return
        try:
            if parts == ["faults"]:
                faults = Faults.from_json(body)
                self.service.set_faults(
                    fail_rate=faults.fail_rate,
                    fail_status=faults.fail_status,
                    status_by_recipient=faults.status_by_recipient,
                    delay_ms=faults.delay_ms,
                    hang_after_accept_ms=faults.hang_after_accept_ms,
                )
            elif parts == ["instances"]:
                for name, state in body.items():
                    self.service.set_instance_state(str(name), str(state))
            elif parts == ["reset"]:
                self.service.reset()
            else:
                self.send_json(404, {"error": "Not Found"})
                return
        except ValueError as exc:
            self.send_json(400, {"error": str(exc)})
            return
        self.send_json(200, {"ok": True})

    # -- helpers ---------------------------------------------------------------------------

    def _json_object(self) -> dict[str, Any] | None:
        try:
            body = self.read_json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _delayed(self) -> bool:
        """Waits the configured delay; False (answered 503) when the server stops meanwhile."""
        delay_ms = self.service.faults().delay_ms
        # An event, not sleep: stop() must not wait out a long delay.
        if delay_ms and self.service.stopping.wait(delay_ms / 1000):
            self.send_json(503, {"error": "Service Unavailable"})
            return False
        return True


def _page(service: LocalProviders) -> str:
    rows = []
    for m in reversed(service.messages()):
        if m.channel == "whatsapp":
            what = f"<pre>{html.escape(m.text or '')}</pre>"
            via = f"WhatsApp via {html.escape(m.instance or '')}"
        else:
            what = f"<strong>{html.escape(m.subject or '')}</strong>"
            if m.text:
                what += f"<pre>{html.escape(m.text)}</pre>"
            if m.html:
                # Sandboxed: the email's HTML is shown as it would render, without scripts.
                what += f'<iframe sandbox srcdoc="{html.escape(m.html, quote=True)}"></iframe>'
            via = f"Email from {html.escape(m.sender or '')}"
        rows.append(
            f"<tr><td>{html.escape(m.received_at)}</td><td>{via}</td>"
            f"<td>{html.escape(m.recipient)}</td><td>{what}</td>"
            f"<td><code>{html.escape(m.provider_id)}</code></td></tr>"
        )
    body = "".join(rows) or '<tr><td colspan="5">Nothing sent yet.</td></tr>'
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta http-equiv='refresh' content='5'><title>Outbox</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
        "td,th{border-bottom:1px solid #ddd;padding:.5em;text-align:left;vertical-align:top}"
        "pre{white-space:pre-wrap;margin:.3em 0}"
        "iframe{width:100%;height:14em;border:1px solid #ccc}"
        "</style></head><body><h1>Outbox</h1><p>WhatsApp and email the local stack sent, "
        "newest first. JSON at <a href='/messages'>/messages</a>.</p><table><thead><tr>"
        "<th>Received</th><th>Channel</th><th>To</th><th>Message</th><th>Provider id</th>"
        f"</tr></thead><tbody>{body}</tbody></table></body></html>"
    )
