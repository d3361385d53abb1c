"""Records of payments at booking and the plans sold as Stripe subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from agenda.domain.parties import Party

if TYPE_CHECKING:
    from agenda.domain.billing import BillingState
    from agenda.domain.lifecycle import Appointment, Change


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """An appointment with everything its payment needs: who to tell, how the professional
    confirms, what was charged."""

    id: UUID
    professional_id: UUID
    facts: Appointment
    checkout_session_id: str | None
    payment_intent_id: str | None
    amount_due: Decimal | None
    status_changed_by: str | None
    professional: Party
    timezone: str
    locale: str
    auto_confirm: bool
    currency: str
    client: Party
    client_id: UUID
    client_user_id: str | None = None
    refunded_amount: Decimal | None = None  # given back so far


@dataclass(frozen=True, slots=True)
class PaymentChange:
    """A change Stripe or the hold sweep makes, as the audit records it."""

    change: Change
    actor_id: str  # "stripe:<event id>" or "job:payment_holds"
    payment_intent: str | None = None
    reason: str | None = None
    refunded_amount: Decimal | None = None  # a refund Stripe reported: the total given back


@dataclass(frozen=True, slots=True)
class BillingAccount:
    """A professional's subscription columns and who to tell about them."""

    id: UUID
    user_id: str | None
    contact: Party
    locale: str
    state: BillingState
    stripe_customer_id: str | None
