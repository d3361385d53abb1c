"""A professional's privacy rights (LGPD): the export of everything they own, and the
deletion of their account in the two phases of DESIGN.md's decision (docs/privacy.md).

``delete_account`` is phase one: it ends the Stripe subscription and deletes the photo (before
anything is written, so an outage is a 503 with nothing changed), then in one transaction marks
the professional, hides the page, cancels every upcoming appointment and queues the
cancellation to each client; the messages go to the queue once it commits. ``purge_deleted``
is phase two, the account_purge job: it deletes a marked professional, with every row that
names them, once their messages are out. The mark is committed with phase one, so a crash
between the phases only delays the purge to the job's next run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from agenda.domain.account_deletion import (
    PURGE_DEADLINE_SECONDS,
    check_confirmation,
    deletion_messages,
    reason_for,
)
from agenda.domain.billing import ENDED
from agenda.domain.errors import NotFound
from agenda.observability import count, logger
from agenda.service.site_publisher import publish_after_change

if TYPE_CHECKING:
    from datetime import datetime

    from agenda.service.ports import (
        Clock,
        Media,
        PrivacyStores,
        RateLimiter,
        Stripe,
        UnitOfWork,
    )
    from agenda.service.site_publisher import PublisherDependencies

NO_ACCOUNT = "No professional account for this sign-in"
# Professionals purged per transaction run by run: each is one statement, and a run stops
# when none is ready, so a backlog drains over a few runs without a long transaction.
PURGE_BATCH = 25


@dataclass(frozen=True, slots=True)
class PrivacyDependencies:
    uow: UnitOfWork[PrivacyStores]
    stripe: Stripe
    limiter: RateLimiter  # the account limit, on writes only
    clock: Clock
    media: Media  # the photo goes with the account
    pages: PublisherDependencies | None = None  # the public page, removed after phase one


@dataclass(frozen=True, slots=True)
class PurgeDependencies:
    uow: UnitOfWork[PrivacyStores]
    clock: Clock


def export_account(deps: PrivacyDependencies, *, user_id: str) -> dict[str, Any]:
    """GET /api/account/export: every section of the account, rows in camelCase."""
    found = deps.uow.read(lambda stores: stores.privacy.export(user_id))
    if found is None:
        raise NotFound(NO_ACCOUNT)
    sections = {camel(name): value for name, value in found.items()}
    document: dict[str, Any] = {"exportedAt": deps.clock().isoformat()}
    for name, value in sections.items():
        document[name] = camel_row(value) if isinstance(value, dict) else camel_rows(value)
    logger.info("account exported", extra={"sections": len(sections)})
    count("AccountExported")
    return document


def delete_account(
    deps: PrivacyDependencies, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    """DELETE /api/account with {"confirm": "<slug>"}: phase one of the deletion. A repeat
    while the purge waits does nothing new (no appointment is left to cancel) and answers the
    same."""
    from agenda.contract import AccountDeletion, validate

    deps.limiter.check(user_id)
    confirm = validate(AccountDeletion, body).confirm
    subject = deps.uow.read(lambda stores: stores.privacy.subject(user_id))
    if subject is None:
        raise NotFound(NO_ACCOUNT)
    check_confirmation(confirm, subject.slug)
    if subject.subscription_id is not None and subject.subscription_status not in ENDED:
        deps.stripe.cancel_subscription(subject.subscription_id)
    photo = deps.media.key_of(subject.avatar_url)
    if photo is not None:
        deps.media.delete(photo)  # deleting a key already gone succeeds: a repeat is safe
    now = deps.clock()

    def first_phase(stores: PrivacyStores) -> tuple[int, int]:
        cancelled = stores.privacy.begin_deletion(
            subject.id, now=now, reason=reason_for(subject.locale)
        )
        envelopes = deletion_messages(
            cancelled,
            professional_name=subject.contact.name,
            timezone=subject.timezone,
            locale=subject.locale,
        )
        stores.outbox.add([(subject.id, envelope) for envelope in envelopes])
        clients = {(a.client.phone, a.client.email) for a in cancelled}
        return len(cancelled), len(clients)

    cancelled, clients = deps.uow.run(first_phase)
    publish_after_change(deps.pages, subject.id)
    count("AccountDeletionRequested")
    logger.info(
        "account deletion requested",
        extra={
            "professional_id": str(subject.id),
            "cancelled_appointments": cancelled,
            "notified_clients": clients,
            "repeat": subject.deletion_requested_at is not None,
        },
    )
    return {
        "status": "deletion_scheduled",
        "cancelledAppointments": cancelled,
        "notifiedClients": clients,
    }


def purge_deleted(deps: PurgeDependencies, *, batch: int = PURGE_BATCH) -> dict[str, int]:
    """Phase two, for every marked professional whose messages are out (or whose deadline
    passed). Each in its own transaction, locked with SKIP LOCKED, so two runs never purge
    the same professional and a failure leaves the others' purges done."""
    return purge_in_turn(
        lambda: deps.uow.run(partial(_purge_one, now=deps.clock())),
        batch=batch,
        metric="AccountsPurged",
    )


def purge_in_turn(
    purge_one: Callable[[], dict[str, int] | None], *, batch: int, metric: str
) -> dict[str, int]:
    """Phase two of a deletion, one person after the other, each in its own transaction
    (`purge_one` answers None once nobody is ready), at most `batch` a run; answers how many
    were purged and the rows removed of each kind, summed."""
    purged = 0
    removed: dict[str, int] = {}
    while purged < batch:
        done = purge_one()
        if done is None:
            break
        purged += 1
        for name, value in done.items():
            removed[name] = removed.get(name, 0) + value
    if purged:
        count(metric, purged)
    return {"purged": purged, **removed}


def _purge_one(stores: PrivacyStores, *, now: datetime) -> dict[str, int] | None:
    ready = stores.privacy.ready_for_purge(
        now=now, deadline_seconds=PURGE_DEADLINE_SECONDS, limit=1
    )
    if not ready:
        return None
    done = stores.privacy.purge(ready[0])
    logger.info("account purged", extra={"professional_id": str(ready[0]), **done})
    return done


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camel_row(row: dict[str, Any]) -> dict[str, Any]:
    return {camel(name): value for name, value in row.items()}


def camel_rows(rows: Any) -> list[dict[str, Any]]:
    return [camel_row(row) for row in rows or ()]
