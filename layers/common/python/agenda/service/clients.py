"""/api/clients (docs/client-relationship.md, "Clients"): the professional's client list, a
client's history, a client added by hand and their details changed.

Reads are one statement each, without a transaction. A sign-in without a professional account
is 404 ``NOT_FOUND`` as GET /api/account answers it, and another professional's client, or an
id that is not a UUID, is the 404 of a missing one.

Writes (``clients`` rate limit, per sign-in) run in one transaction that locks the
professional first, as the booking's upsert of a client does: the check for a phone or an
email another client has and the write are decided together, so two requests at once for one
phone give one 201 and one 409 ``CLIENT_EXISTS`` naming who has it. A change is recorded in
``client_changes`` with the names of the fields it changed (never their values); a change that
changes nothing records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn
from zoneinfo import ZoneInfo

from agenda.domain.clients import (
    DEFAULT_HISTORY_LIMIT,
    ClientDetails,
    changed_fields,
    given_fields,
    parse_clients_query,
    parse_history_query,
)
from agenda.domain.errors import ClientAnonymised, ClientExists, NotFound, known_id
from agenda.domain.plans import check_new_client_allowed, effective_plan
from agenda.observability import count, logger
from agenda.pagination import encode_cursor, encode_key_cursor

if TYPE_CHECKING:
    from collections.abc import Mapping
    from uuid import UUID

    from agenda.service.ports import ClientsStores, Clock, RateLimiter, UnitOfWork
    from agenda.service.records import (
        AppointmentMark,
        ClientAppointmentHistory,
        ClientClash,
        ClientSummary,
    )

NO_ACCOUNT = "No professional account for this sign-in"
NO_CLIENT = "We could not find this client"
CLIENT_EXISTS = "Another of your clients already has this phone number or email"
CLIENT_ANONYMISED = "This client deleted their data: their details can no longer be changed"
_CLASH_WORDS = {
    "phone": "another of your clients has this phone number",
    "email": "another of your clients has this email",
}


class _PhoneRaced(Exception):
    """A writer that takes no lock of the professional took the phone while it was checked."""


@dataclass(frozen=True, slots=True)
class ClientsDependencies:
    uow: UnitOfWork[ClientsStores]
    limiter: RateLimiter
    clock: Clock


# -- reads ------------------------------------------------------------------------------------


def list_clients(
    deps: ClientsDependencies, params: Mapping[str, str] | None, *, user_id: str
) -> dict[str, Any]:
    """GET /api/clients[?q=&cursor=&limit=]: one page of the list."""
    query = parse_clients_query(params)
    now = deps.clock()
    page = deps.uow.read(
        lambda stores: stores.clients.page(
            user_id, now=now, search=query.search, after=query.after, limit=query.limit + 1
        )
    )
    if page is None:
        raise NotFound(NO_ACCOUNT)
    items, more = page.items[: query.limit], len(page.items) > query.limit
    last = items[-1] if more else None
    return {
        "items": [client_document(item, page.currency) for item in items],
        "nextCursor": encode_key_cursor(last.sort_key, last.id) if last else None,
    }


def get_client(
    deps: ClientsDependencies,
    client_id: str,
    params: Mapping[str, str] | None,
    *,
    user_id: str,
) -> dict[str, Any]:
    """GET /api/clients/{id}[?cursor=&limit=]: the client and a page of their history."""
    query = parse_history_query(params)
    found = known_id(client_id, NO_CLIENT)
    return _detail(deps, found, user_id=user_id, after=query.after, limit=query.limit)


def _detail(
    deps: ClientsDependencies,
    client_id: UUID,
    *,
    user_id: str,
    after: tuple[datetime, UUID] | None = None,
    limit: int = DEFAULT_HISTORY_LIMIT,
) -> dict[str, Any]:
    now = deps.clock()
    record = deps.uow.read(
        lambda stores: stores.clients.detail(
            user_id, client_id, now=now, after=after, limit=limit + 1
        )
    )
    if record == "no_professional":
        raise NotFound(NO_ACCOUNT)
    if record == "no_client":
        raise NotFound(NO_CLIENT)
    zone = ZoneInfo(record.timezone)
    appointments, more = record.appointments[:limit], len(record.appointments) > limit
    last = appointments[-1] if more else None
    return {
        **client_document(record.client, record.currency),
        "timezone": record.timezone,
        "appointments": [history_document(item, zone) for item in appointments],
        "appointmentsCursor": encode_cursor(last.starts_at, last.id) if last else None,
        "changes": [
            {
                "at": _utc(change.at),
                "action": change.action,
                "fields": list(change.fields),
                "by": change.by,
            }
            for change in record.changes
        ],
    }


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _mark(mark: AppointmentMark | None) -> dict[str, Any] | None:
    if mark is None:
        return None
    return {"id": str(mark.id), "startsAt": _utc(mark.starts_at), "status": mark.status}


def client_document(item: ClientSummary, currency: str) -> dict[str, Any]:
    return {
        "id": str(item.id),
        "name": item.name,
        "phone": item.phone,
        "email": item.email,
        "tags": list(item.tags),
        "registered": item.registered,
        "anonymised": item.anonymised,
        "source": item.source,
        "createdAt": _utc(item.created_at),
        "lastAppointment": _mark(item.last_appointment),
        "nextAppointment": _mark(item.next_appointment),
        "counts": {
            "sessions": item.sessions,
            "noShows": item.no_shows,
            "cancellations": item.cancellations,
        },
        "owed": {"amount": float(item.owed), "currency": currency},
        "unreadMessages": item.unread_messages,
    }


def history_document(item: ClientAppointmentHistory, zone: ZoneInfo) -> dict[str, Any]:
    """One appointment of the history in the professional's zone, with its audit trail."""
    starts = item.starts_at.astimezone(zone)
    return {
        "id": str(item.id),
        "status": item.status,
        "paymentStatus": item.payment_status,
        "price": None if item.price is None else float(item.price),
        "startsAt": starts.isoformat(),
        "endsAt": item.ends_at.astimezone(zone).isoformat(),
        "localDate": starts.date().isoformat(),
        "time": f"{starts.hour:02d}:{starts.minute:02d}",
        "changes": [
            {
                "at": change.at.astimezone(zone).isoformat(),
                "action": change.action,
                "fromStatus": change.from_status,
                "toStatus": change.to_status,
                "by": change.by,
                "reason": change.reason,
            }
            for change in item.changes
        ],
    }


# -- writes -----------------------------------------------------------------------------------


def _refuse_clash(clash: ClientClash) -> NoReturn:
    raise ClientExists(
        CLIENT_EXISTS,
        fields={name: _CLASH_WORDS[name] for name in clash.fields},
        client_id=str(clash.client_id),
    )


def add_client(deps: ClientsDependencies, body: dict[str, Any], *, user_id: str) -> dict[str, Any]:
    """POST /api/clients: 201 with the client as GET /api/clients/{id} answers it."""
    from agenda.contract import NewClient, validate

    deps.limiter.check(user_id)
    new = validate(NewClient, body)
    now = deps.clock()
    details = ClientDetails(name=new.name, phone=new.phone, email=new.email, tags=tuple(new.tags))

    def work(stores: ClientsStores) -> UUID:
        professional_id = stores.clients.lock_professional(user_id)
        if professional_id is None:
            raise NotFound(NO_ACCOUNT)
        clash = stores.clients.clash(professional_id, phone=details.phone, email=details.email)
        if clash is not None:
            _refuse_clash(clash)
        # Under the professional's lock, as the booking counts: the cap holds for two at once.
        account, clients = stores.clients.plan_usage(professional_id)
        check_new_client_allowed(effective_plan(account, now).limits, clients=clients)
        written = stores.clients.insert(professional_id, details, given_fields(details))
        if written is None:
            # A writer that took no lock has the phone: now committed, so it is found.
            clash = stores.clients.clash(professional_id, phone=details.phone, email=None)
            if clash is None:
                raise RuntimeError("a client's phone was taken and then released")
            _refuse_clash(clash)
        return written

    client_id = deps.uow.run(work)
    count("ClientAdded")
    logger.info("client added", extra={"client_id": str(client_id)})
    return _detail(deps, client_id, user_id=user_id)


def change_client(
    deps: ClientsDependencies, client_id: str, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    """PATCH /api/clients/{id}: the details named in the body, the rest kept; 200 with the
    client."""
    from agenda.contract import ClientChanges, validate

    deps.limiter.check(user_id)
    changes = validate(ClientChanges, body)
    given = changes.model_fields_set
    found = known_id(client_id, NO_CLIENT)

    def work(stores: ClientsStores) -> tuple[str, ...]:
        professional_id = stores.clients.lock_professional(user_id)
        if professional_id is None:
            raise NotFound(NO_ACCOUNT)
        state = stores.clients.state(professional_id, found)
        if state is None:
            raise NotFound(NO_CLIENT)
        if state.anonymised:
            raise ClientAnonymised(CLIENT_ANONYMISED)
        before = state.details
        after = ClientDetails(
            name=changes.name if "name" in given else before.name,
            phone=changes.phone if "phone" in given else before.phone,
            email=changes.email if "email" in given else before.email,
            tags=tuple(changes.tags) if "tags" in given else before.tags,
        )
        fields = changed_fields(before, after)
        if not fields:
            return fields
        clash = stores.clients.clash(
            professional_id,
            phone=after.phone if "phone" in fields else None,
            email=after.email if "email" in fields else None,
            excluding=found,
        )
        if clash is not None:
            _refuse_clash(clash)
        if not stores.clients.update(professional_id, found, after, fields):
            raise _PhoneRaced()
        return fields

    try:
        fields = deps.uow.run(work)
    except _PhoneRaced:
        # Decided again from what committed since: the clash is found and named.
        fields = deps.uow.run(work)
    if fields:
        count("ClientChanged")
        logger.info("client changed", extra={"client_id": client_id, "changed": list(fields)})
    return _detail(deps, found, user_id=user_id)
