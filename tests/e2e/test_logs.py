"""No phone number, email address or token ever appears in clear in a log line."""

from __future__ import annotations

import json
import time

import pytest
import requests

from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional, captured_logs, fresh_ip, next_weekday

pytestmark = pytest.mark.e2e


def test_a_booking_and_its_messages_log_no_personal_data(
    stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    token = stack.authority.mint("someone")
    with captured_logs() as emitted:
        starts = pro.at(next_weekday(4), "09:00")
        body = {
            "slug": pro.slug,
            "startsAt": starts.isoformat(),
            "clientName": "Joana Prado",
            "clientPhone": "(21) 99876-5432",
            "clientEmail": "joana.prado@example.com",
        }
        answer = requests.post(
            f"{stack.api_url}/api/booking",
            json=body,
            headers={"x-forwarded-for": fresh_ip(), "authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert answer.status_code == 201
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if any(m.recipient == "5521998765432" for m in stack.providers.messages()):
                break
            time.sleep(0.2)
        else:
            pytest.fail("the client's message was never delivered")
    out = "\n".join(emitted)
    lines = [json.loads(line) for line in emitted]
    assert any(line["message"] == "booking created" for line in lines)
    assert any(line["message"] == "notification sent" for line in lines)
    for secret in ("99876", "98765", "joana.prado", "example.com", pro.phone[3:], token[:20]):
        assert secret not in out, f"{secret!r} leaked into the logs"
