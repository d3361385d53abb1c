"""The deletion's rules: the confirmation, and the message each upcoming client gets."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from agenda.domain.account_deletion import check_confirmation, deletion_messages, reason_for
from agenda.domain.errors import ValidationFailed
from agenda.domain.parties import Party
from agenda.service.records.privacy import CancelledForDeletion

pytestmark = pytest.mark.unit


def test_only_the_professionals_own_slug_confirms() -> None:
    check_confirmation("dr-ana", "dr-ana")
    check_confirmation("  DR-ANA ", "dr-ana")  # typed as people type
    for wrong in ("", "dr-ana-2", "dra-carla", "dr ana"):
        with pytest.raises(ValidationFailed) as caught:
            check_confirmation(wrong, "dr-ana")
        assert "confirm" in caught.value.fields


def test_each_cancelled_session_tells_its_client_on_every_channel_they_have() -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    cancelled = [
        CancelledForDeletion(
            first, datetime(2030, 3, 4, 12, tzinfo=UTC), 2, Party("Ana", "+5511987654321", "a@x.io")
        ),
        CancelledForDeletion(
            second, datetime(2030, 3, 5, 17, tzinfo=UTC), 1, Party("Bia", "+5511912345678", None)
        ),
    ]

    envelopes = deletion_messages(
        cancelled, professional_name="Dra. Ana", timezone="America/Sao_Paulo", locale="pt-BR"
    )

    assert [(e["to"], e["channel"]) for e in envelopes] == [
        ("+5511987654321", "whatsapp"),
        ("a@x.io", "email"),
        ("+5511912345678", "whatsapp"),
    ]
    assert {e["template"] for e in envelopes} == {"cancelled_by_professional"}
    assert envelopes[0]["messageKey"].startswith(f"{first}:2:cancelled_by_professional:")
    assert envelopes[0]["params"]["startsAt"] == "2030-03-04T09:00:00-03:00"
    assert envelopes[0]["params"]["reason"] == reason_for("pt-BR")
    # Neither the manage link nor the booking page: both are about to go.
    assert not {"manageUrl", "bookingUrl"} & set(envelopes[0]["params"])


def test_the_reason_follows_the_professionals_language() -> None:
    assert "account" in reason_for("en")
    assert "conta" in reason_for("pt-BR")
    assert reason_for("xx") == reason_for("pt-BR")
