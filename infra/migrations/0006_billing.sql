-- Plans and payments through Stripe.
--
-- A professional's subscription as Stripe last reported it (fetched from Stripe on every event
-- about it, so the stored state never goes back in time whatever order events arrive in), and
-- appointments paid at booking: the booking holds its slot as `pending_payment` until the
-- Checkout Session is paid, or frees it when the session expires.

ALTER TABLE professionals
    -- 'none' until the first subscription; afterwards Stripe's own status of the subscription.
    ADD COLUMN subscription_status text NOT NULL DEFAULT 'none'
        CHECK (subscription_status IN ('none', 'incomplete', 'incomplete_expired', 'trialing',
                                       'active', 'past_due', 'canceled', 'unpaid', 'paused')),
    -- When Stripe created the stored subscription: a resubscription (a newer one) replaces it,
    -- news about an older one does not.
    ADD COLUMN subscription_created_at timestamptz,
    ADD COLUMN subscription_period_end timestamptz,
    ADD COLUMN subscription_cancel_at_period_end boolean NOT NULL DEFAULT false,
    -- When the subscription was first seen past due: the paid plan lasts a grace period from it.
    ADD COLUMN past_due_since timestamptz,
    -- Collect the session price at booking through Stripe Checkout: the booking waits as
    -- pending_payment and holds its slot until paid. Needs a price and a way to pay online.
    ADD COLUMN payment_at_booking boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT professionals_payment_at_booking_check CHECK (
        NOT payment_at_booking
        OR (payment_type IN ('card', 'pix', 'pix_or_card') AND session_price > 0)
    );

ALTER TABLE appointments
    -- Until when an unpaid booking holds its slot (the Checkout Session expires then).
    ADD COLUMN payment_expires_at timestamptz,
    ADD COLUMN stripe_checkout_session_id text UNIQUE,
    ADD COLUMN amount_due numeric(10, 2) CHECK (amount_due >= 0),
    ADD COLUMN paid_at timestamptz;
-- The hold sweep finds expired holds across professionals. A booking awaiting a payment the
-- professional collects by hand (a Pix key, marked paid later) has no expiry and is left alone.
CREATE INDEX appointments_payment_holds_idx ON appointments (payment_expires_at)
    WHERE status = 'pending_payment';

-- Changes made by the system rather than a person: a payment Stripe reported (actor_id
-- "stripe:<event id>") or a hold the sweep released (actor_id "job:payment_holds").
ALTER TABLE appointment_changes DROP CONSTRAINT appointment_changes_action_check;
ALTER TABLE appointment_changes ADD CONSTRAINT appointment_changes_action_check
    CHECK (action IN ('confirm', 'reject', 'cancel', 'paid', 'complete', 'no_show', 'reschedule',
                      'expire'));
ALTER TABLE appointment_changes DROP CONSTRAINT appointment_changes_actor_role_check;
ALTER TABLE appointment_changes ADD CONSTRAINT appointment_changes_actor_role_check
    CHECK (actor_role IN ('professional', 'client', 'guest', 'system'));

-- What each processed event was about, for an operator reading the history.
ALTER TABLE processed_stripe_events
    ADD COLUMN object_id text,
    ADD COLUMN outcome text NOT NULL DEFAULT 'applied';
CREATE INDEX processed_stripe_events_object_idx ON processed_stripe_events (object_id);
