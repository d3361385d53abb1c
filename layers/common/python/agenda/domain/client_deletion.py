"""The rules of a registered client's deletion (LGPD), in two phases (docs/privacy.md, "Clients").

Phase one cancels every upcoming live appointment of theirs, with any professional, as a
cancellation by the client, and tells each of their professionals. Phase two anonymises the
client rows the account claimed: the professionals' records about that person (notes, the
appointment history) stay, under a client with no name, phone or email. Pure: no I/O.

A session inside the professional's cancellation notice is cancelled too (the person is
leaving; a live appointment for nobody would only hold the professional's time), but as a
late cancellation: the money stays with the professional, as it would had the professional
cancelled it and counted it late. The notices to the professionals carry no name, phone or
email of the client: they outlive the purge. They say what the professional needs to place
it: which sessions were cancelled, and how many appointments stay as anonymous history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from agenda.domain.errors import ValidationFailed
from agenda.domain.language import EN, language_of
from agenda.domain.lifecycle import Appointment, Change, Policy, decide
from agenda.domain.messages import to_both_channels
from agenda.domain.messages.formatting import when_in
from agenda.domain.parties import Party
from agenda.domain.phone import normalize_phone

# Past this long after phase one the purge runs even if a message to the client is still
# not delivered (as a professional's deletion: docs/privacy.md).
PURGE_DEADLINE_SECONDS = 24 * 3600
# What an anonymised client is called, in the professional's language: the professional's
# list and history show it where the name was.
PLACEHOLDER_NAMES = {"pt-BR": "Cliente removido", EN: "Deleted client"}
# Why the sessions were cancelled, as the professional reads it (the audit's reason too).
REASONS = {
    "pt-BR": "O cliente excluiu a conta na plataforma.",
    EN: "The client deleted their account on the platform.",
}


def placeholder_name(locale: str) -> str:
    return PLACEHOLDER_NAMES[language_of(locale)]


def reason_for(locale: str) -> str:
    return REASONS[language_of(locale)]


def check_confirmation(confirm: str, *, phone: str | None, email: str | None) -> None:
    """The client types the account's email or phone: a deletion is never one stray click.
    The phone may be written however people write it (it is compared in E.164)."""
    typed = confirm.strip()
    if email and typed.lower() == email.strip().lower():
        return
    if phone and normalize_phone(typed) == phone:
        return
    raise ValidationFailed(
        "Type your account's email or phone to confirm the deletion",
        fields={"confirm": "must be your account's email or phone"},
    )


def deletion_change(appointment: Appointment, policy: Policy, *, now: datetime) -> Change:
    """The client's cancellation of one upcoming live appointment. Inside the notice it is a
    late cancellation: the lifecycle refuses a client that, so it is the client's change with
    the professional's late flag (no refund; ``refund_due`` reads the flag)."""
    if policy.client_may("cancel", appointment.starts_at, now):
        return decide(appointment, "cancel", role="client", policy=policy, now=now)
    change = decide(
        appointment, "cancel", role="professional", policy=policy, now=now, late_cancellation=True
    )
    return replace(change, role="client")


@dataclass(frozen=True, slots=True)
class CancelledSession:
    """An upcoming appointment the deletion cancelled, as its professional is told of it."""

    appointment_id: UUID
    starts_at: datetime
    sequence: int  # after the cancellation
    announced: bool  # False for a booking still held for payment: the professional never saw it


@dataclass(frozen=True, slots=True)
class ProfessionalTold:
    """One professional of the deleted client, with what the deletion did to their records."""

    professional_id: UUID
    client_id: UUID  # the professional's client row, which stays, anonymised
    contact: Party
    locale: str
    timezone: str
    cancelled: Sequence[CancelledSession]
    kept: int  # appointments that stay in the professional's history, anonymised


@dataclass(frozen=True, slots=True)
class DeletionNotice:
    """The professional's in-app notice of the deletion (no name, phone or email in it)."""

    title: str
    body: str
    data: dict[str, Any]


def _sessions(told: ProfessionalTold) -> str:
    return ", ".join(when_in(told.locale, s.starts_at, told.timezone) for s in told.cancelled)


def deletion_notice(told: ProfessionalTold) -> DeletionNotice:
    cancelled, kept = len(told.cancelled), told.kept
    english = language_of(told.locale) == EN
    name = placeholder_name(told.locale)
    if english:
        title = "A client deleted their account"
        body = "One of your clients deleted their account on the platform."
        if cancelled:
            body += f" Sessions cancelled: {_sessions(told)}."
        body += (
            f" {kept} appointment{'s' if kept != 1 else ''} stay in your history under"
            f" “{name}”, with your notes."
        )
    else:
        title = "Um cliente excluiu a conta"
        body = "Um dos seus clientes excluiu a conta na plataforma."
        if cancelled:
            body += f" Sessões canceladas: {_sessions(told)}."
        body += (
            f" {kept} atendimento{'s' if kept != 1 else ''} seguem no seu histórico como"
            f" “{name}”, com as suas notas."
        )
    data = {
        "clientId": str(told.client_id),
        "cancelledAppointmentIds": [str(s.appointment_id) for s in told.cancelled],
        "historyKept": kept,
    }
    return DeletionNotice(title, body, data)


def deletion_messages(told: ProfessionalTold) -> list[dict[str, Any]]:
    """The catalogue's "cancelled by the client" for each announced session, to the
    professional on every channel they have, naming the client by the placeholder. No manage
    link: the professional's dashboard is theirs."""
    zone = ZoneInfo(told.timezone)
    envelopes: list[dict[str, Any]] = []
    for session in told.cancelled:
        if not session.announced:
            continue
        envelopes += to_both_channels(
            told.contact,
            audience="professional",
            template="cancelled_by_client",
            subject_id=session.appointment_id,
            version=session.sequence,
            params={
                "professionalName": told.contact.name,
                "clientName": placeholder_name(told.locale),
                "startsAt": session.starts_at.astimezone(zone).isoformat(),
                "timezone": told.timezone,
                "locale": told.locale,
                "reason": reason_for(told.locale),
            },
        )
    return envelopes
