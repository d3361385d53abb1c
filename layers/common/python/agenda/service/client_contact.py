"""PATCH /api/client-profile and POST /api/client-profile/contact/confirm: a registered client
changes their own details (docs/client-profile.md).

- ``name`` and ``language`` apply at once; the name reaches every claimed client row, so each
  professional sees what the client calls themselves.
- A new ``phone`` or ``email`` is 202: a code goes to the NEW destination (purpose
  ``contact``), and nothing changes until it comes back through ``contact/confirm``, which
  writes the account and every claimed row in one statement.
- A new phone or email that another client of one of those professionals holds is 409
  ``CONTACT_IN_USE``, checked when asked (no code is sent for a change that cannot apply) and
  again when confirmed, where the database's key on (professional, phone) decides: the change
  is refused whole, nothing half written.

Writes count against the ``account`` rate limit (as the professional's own account does); a
code sent counts against ``verification`` too, and a try against ``verification_attempts``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from agenda.domain.client_contact import CONTACT_IN_USE, in_use_fields, parse_contact_changes
from agenda.domain.errors import ClientProfileNotFound, ContactInUse, Forbidden
from agenda.domain.verification import WRONG_CODE, WRONG_CODE_FIELDS, new_code
from agenda.observability import count, logger
from agenda.service.verification import CodeSent, send_code, try_code

if TYPE_CHECKING:
    from agenda.service.links import GuestLinks
    from agenda.service.ports import ClientContactStores, Clock, RateLimiter, UnitOfWork
    from agenda.service.records import ClientAccountContact


@dataclass(frozen=True, slots=True)
class ContactDependencies:
    uow: UnitOfWork[ClientContactStores]
    links: GuestLinks
    clock: Clock
    account: RateLimiter  # ``account``: writes, per sign-in
    code_requests: RateLimiter  # ``verification``
    code_attempts: RateLimiter  # ``verification_attempts``
    new_code: Callable[[], str] = field(default=new_code)


def update_contact(
    deps: ContactDependencies, body: dict[str, Any], *, user_id: str
) -> tuple[int, dict[str, Any]]:
    """PATCH /api/client-profile: (200 or 202, the account's details and the code sent)."""
    deps.account.check(user_id)
    changes = parse_contact_changes(body)
    if changes.phone or changes.email:
        # Outside the transaction: a retried transaction must not spend the budget twice.
        deps.code_requests.check(user_id)
        deps.links.ready()
    now = deps.clock()

    def work(stores: ClientContactStores) -> tuple[ClientAccountContact, CodeSent | None]:
        contacts = stores.client_contacts
        account = contacts.lock(user_id)
        if account is None:
            raise ClientProfileNotFound()
        name, language = changes.name or account.name, changes.language or account.language
        if (name, language) != (account.name, account.language):
            contacts.rename(user_id, name=name, language=language)
        phone = changes.phone if changes.phone and changes.phone != account.phone else None
        email = changes.email if changes.email and changes.email != account.email else None
        sent = None
        if phone or email:
            if contacts.held_elsewhere(user_id, phone=phone, email=email):
                raise ContactInUse(CONTACT_IN_USE, fields=in_use_fields(phone))
            sent = send_code(
                stores.verification_codes,
                stores.outbox,
                deps.links,
                new_code=deps.new_code,
                user_id=user_id,
                purpose="contact",
                channel="whatsapp" if phone else "email",
                destination=phone or email or "",
                client_id=None,
                now=now,
                language=language,
                words={"clientName": name},
            )
        return replace(account, name=name, language=language), sent

    account, sent = deps.uow.run(work)
    count("ClientContactChanged", pending=str(sent is not None))
    logger.info(
        "client contact changed",
        extra={"changed": sorted(k for k in body if k in ("name", "language", "phone", "email"))},
    )
    if sent is not None:
        count("VerificationCodeSent", purpose="contact", channel=sent.channel)
    return (202 if sent else 200), contact_document(account, sent)


def confirm_contact(
    deps: ContactDependencies, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    """POST /api/client-profile/contact/confirm {"code"}: the new phone or email applied to the
    account and every claimed row."""
    from agenda.contract import ContactConfirm, validate

    deps.account.check(user_id)
    deps.code_attempts.check(user_id)
    request = validate(ContactConfirm, body)
    deps.links.ready()
    now = deps.clock()

    def work(stores: ClientContactStores) -> ClientAccountContact | None:
        contacts = stores.client_contacts
        account = contacts.lock(user_id)
        if account is None:
            raise ClientProfileNotFound()
        live = stores.verification_codes.live(user_id, "contact")
        if not try_code(stores.verification_codes, deps.links, live, request.code, now):
            return None  # committed: the wrong try counts against the code
        assert live is not None
        phone = live.destination if live.channel == "whatsapp" else None
        email = live.destination if live.channel == "email" else None
        if contacts.held_elsewhere(user_id, phone=phone, email=email):
            raise ContactInUse(CONTACT_IN_USE, fields=in_use_fields(phone))
        contacts.change_contact(user_id, phone=phone, email=email)
        return contacts.lock(user_id)

    account = deps.uow.run(work)
    if account is None:
        count("ClientContactRefused", reason="code")
        raise Forbidden(WRONG_CODE, fields=WRONG_CODE_FIELDS)
    count("ClientContactConfirmed")
    return contact_document(account, None)


def contact_document(account: ClientAccountContact, sent: CodeSent | None) -> dict[str, Any]:
    return {
        "name": account.name,
        "phone": account.phone,
        "email": account.email,
        "language": account.language,
        "pending": sent.document() if sent else None,
    }
