"""Racing claims through the local stack, with real concurrent requests: the gateway runs each
in its own Lambda container, so the claims meet in Postgres at once. One row has one holder,
whatever the timing; the others get the contract's 409."""

from __future__ import annotations

from collections import Counter
from functools import partial

import pg8000.native
import pytest

from infra.local.stack import LocalStack
from tests.account_helpers import new_user
from tests.appointment_helpers import add_client, bearer, new_professional
from tests.client_claim_helpers import claim, client_accounts, client_row, invite
from tests.conftest import MakeProfessional
from tests.e2e.test_account_concurrency import race

pytestmark = pytest.mark.e2e

RACERS = 4
ROUNDS = 3


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_sign_ins_racing_for_one_row_give_it_to_exactly_one(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    round_: int,
) -> None:
    pro = new_professional(make_professional)
    client_id = add_client(db, pro)
    token = invite(stack, client_id)
    users = [new_user() for _ in range(RACERS)]

    answers = race([partial(claim, api, bearer(stack, u), {"invite": token}) for u in users])

    outcomes = Counter(
        (a.status_code, a.json().get("error", {}).get("code") if a.status_code != 200 else None)
        for a in answers
    )
    assert outcomes == {(200, None): 1, (409, "ALREADY_CLAIMED"): RACERS - 1}
    [winner] = [u for u, a in zip(users, answers, strict=True) if a.status_code == 200]
    assert client_row(db, client_id)["user_id"] == winner
    assert len(client_accounts(db, winner)) == 1
    # The losers were left with nothing: no account made for a claim that lost.
    assert all(client_accounts(db, u) == [] for u in users if u != winner)


def test_one_sign_in_claiming_two_rows_at_once_gets_one_account_with_both(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    rows_ = [add_client(db, new_professional(make_professional)) for _ in range(RACERS)]
    user = new_user()
    headers = bearer(stack, user)

    answers = race([partial(claim, api, headers, {"invite": invite(stack, r)}) for r in rows_])

    assert [a.status_code for a in answers] == [200] * RACERS, [a.text for a in answers]
    assert all(client_row(db, r)["user_id"] == user for r in rows_)
    assert len(client_accounts(db, user)) == 1
