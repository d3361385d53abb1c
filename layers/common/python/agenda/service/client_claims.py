"""POST /api/client-profile/claim and /claim/codes: a signed-in user takes a client row of a
professional as theirs (docs/client-profile.md).

Two proofs claim a row:
- the registration invite of the client's confirmation message (a token of its own kind naming
  the row: agenda.domain.client_invite). The first claim makes the sign-in's client account
  from the row; every claim links the row to it (``clients.user_id``);
- for another professional's row with the account's phone or email (a row offered for
  claiming), a code sent to that row's phone or email (agenda.domain.verification).

What each refusal answers:
- A proof that does not hold: 403 ``FORBIDDEN`` naming the field (``invite`` or ``code``). An
  invite forged, altered, expired, signed with another key, or of another kind (a manage
  link's); a code wrong, expired, used, superseded or past its tries. Not 401: the request's
  credential is the sign-in, which the authorizer accepted, and a 401 would send the page to
  sign in again, which cannot help. Every defect of one proof gets the same answer, as on the
  guest routes.
- A row deleted or anonymised since: the same 403; the proof no longer grants anything.
- A row claimed by this sign-in already: 200 again, nothing changes (idempotent).
- A row another sign-in holds: 409 ``ALREADY_CLAIMED``; two sign-ins racing for one row are put
  in line by the row's lock, so exactly one wins.
- A code asked for a row that is not offered to the account (unknown, someone's, another
  contact's, no such channel): one 404 for all, so the route tells nobody whether a phone or an
  email is someone's client somewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agenda.domain.errors import (
    AlreadyClaimed,
    ClientProfileNotFound,
    Forbidden,
    NotFound,
    Unauthorized,
)
from agenda.domain.signed_token import INVALID
from agenda.domain.verification import WRONG_CODE, WRONG_CODE_FIELDS, new_code
from agenda.observability import count, logger
from agenda.service.verification import send_code, try_code

if TYPE_CHECKING:
    from uuid import UUID

    from agenda.service.links import GuestLinks
    from agenda.service.ports import ClientClaimStores, Clock, RateLimiter, UnitOfWork
    from agenda.service.records import ClaimedClient, ClaimTarget
    from agenda.service.verification import CodeSent

ALREADY_CLAIMED = "This client record belongs to another account"
NOT_OFFERED = "No client record to claim here"
BAD_INVITE = {"invite": "is invalid or has expired"}


@dataclass(frozen=True, slots=True)
class ClaimDependencies:
    uow: UnitOfWork[ClientClaimStores]
    links: GuestLinks
    clock: Clock
    code_requests: RateLimiter  # ``verification``: codes sent, per sign-in
    code_attempts: RateLimiter  # ``verification_attempts``: codes tried, per sign-in
    new_code: Callable[[], str] = field(default=new_code)


def claim(deps: ClaimDependencies, body: dict[str, Any], *, user_id: str) -> dict[str, Any]:
    """POST /api/client-profile/claim {"invite"} or {"clientId", "code"}: the claimed row and
    whose it is."""
    from agenda.contract import ClientClaim, validate

    request = validate(ClientClaim, body)
    if request.invite is not None:
        return claimed_document(_claim_by_invite(deps, request.invite, user_id))
    assert request.client_id is not None
    assert request.code is not None
    return claimed_document(_claim_by_code(deps, request.client_id, request.code, user_id))


def request_code(deps: ClaimDependencies, body: dict[str, Any], *, user_id: str) -> dict[str, Any]:
    """POST /api/client-profile/claim/codes {"clientId", "channel"}: a code sent to that row's
    phone (whatsapp) or email, if the row is offered to this account."""
    from agenda.contract import ClaimCodeRequest, validate

    # Counted before anything is looked at: probing unknown ids spends the budget too.
    deps.code_requests.check(user_id)
    request = validate(ClaimCodeRequest, body)
    deps.links.ready()
    now = deps.clock()

    def work(stores: ClientClaimStores) -> CodeSent:
        offered = stores.client_claims.offered(user_id, request.client_id)
        destination = (
            None
            if offered is None
            else offered.phone
            if request.channel == "whatsapp"
            else offered.email
        )
        if offered is None or destination is None:
            raise NotFound(NOT_OFFERED)
        return send_code(
            stores.verification_codes,
            stores.outbox,
            deps.links,
            new_code=deps.new_code,
            user_id=user_id,
            purpose="claim",
            channel=request.channel,
            destination=destination,
            client_id=offered.client_id,
            now=now,
            language=offered.language,
            words={
                "clientName": offered.account_name,
                "professionalName": offered.professional_name,
            },
        )

    sent = deps.uow.run(work)
    count("VerificationCodeSent", purpose="claim", channel=request.channel)
    return sent.document()


def _claim_by_invite(deps: ClaimDependencies, invite: str, user_id: str) -> ClaimedClient:
    try:
        grant = deps.links.verify_invite(invite, now=deps.clock())
    except Unauthorized:
        count("ClientClaimRefused", reason="invite")
        raise Forbidden(INVALID, fields=BAD_INVITE) from None

    def work(stores: ClientClaimStores) -> ClaimedClient:
        target = stores.client_claims.lock(
            grant.client_id, user_id, appointment_id=grant.appointment_id
        )
        if target is None or target.anonymised:
            raise Forbidden(INVALID, fields=BAD_INVITE)
        return _take(stores, target, user_id, proof="invite")

    return deps.uow.run(work)


def _claim_by_code(
    deps: ClaimDependencies, client_id: UUID, code: str, user_id: str
) -> ClaimedClient:
    deps.code_attempts.check(user_id)
    deps.links.ready()
    now = deps.clock()

    def work(stores: ClientClaimStores) -> ClaimedClient | None:
        target = stores.client_claims.lock(client_id, user_id)
        if target is None or target.anonymised:
            return None
        if target.user_id == user_id:
            return _take(stores, target, user_id, proof="code")
        if target.user_id is not None:
            raise AlreadyClaimed(ALREADY_CLAIMED)
        live = stores.verification_codes.live(user_id, "claim")
        if live is None or live.client_id != client_id:
            return None
        # Still offered now (the account's contact may have changed since the code was sent):
        # a row outside the offer is never claimed with a code.
        if stores.client_claims.offered(user_id, client_id) is None:
            return None
        if not try_code(stores.verification_codes, deps.links, live, code, now):
            return None  # committed: the wrong try counts against the code
        return _take(stores, target, user_id, proof="code")

    claimed = deps.uow.run(work)
    if claimed is None:
        count("ClientClaimRefused", reason="code")
        raise Forbidden(WRONG_CODE, fields=WRONG_CODE_FIELDS)
    return claimed


def _take(
    stores: ClientClaimStores, target: ClaimTarget, user_id: str, *, proof: str
) -> ClaimedClient:
    """The locked row for this sign-in: linked now, or already; another's is refused, and so
    is any claim of an account whose deletion is under way (its purge would take the row)."""
    from agenda.service.records import ClaimedClient

    if target.account_leaving:
        raise ClientProfileNotFound()
    if target.user_id is not None and target.user_id != user_id:
        count("ClientClaimRefused", reason="claimed")
        raise AlreadyClaimed(ALREADY_CLAIMED)
    if target.user_id is None:
        stores.client_claims.claim(target.client_id, user_id)
        count("ClientClaimed", proof=proof)
        logger.info(
            "client row claimed", extra={"client_id": str(target.client_id), "proof": proof}
        )
    return ClaimedClient(target.client_id, target.professional_name, target.professional_slug)


def claimed_document(claimed: ClaimedClient) -> dict[str, Any]:
    return {
        "clientId": str(claimed.client_id),
        "professionalName": claimed.professional_name,
        "professionalSlug": claimed.professional_slug,
    }
