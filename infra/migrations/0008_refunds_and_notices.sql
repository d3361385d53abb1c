-- Money returned when a paid session ends, who is told, and a way to reach the professional.
--
-- A paid appointment that is cancelled or rejected is refunded through Stripe in the change's
-- own transaction, unless the professional marks the cancellation late (DESIGN.md: late
-- cancellation); a refund made in Stripe's dashboard arrives as `charge.refunded`. Both are
-- recorded on the appointment and in its audit trail.

ALTER TABLE appointments
    -- The professional counted this cancellation as a late one by the client: no refund (and,
    -- with packages, a credit consumed).
    ADD COLUMN late_cancellation boolean NOT NULL DEFAULT false,
    ADD COLUMN stripe_refund_id text,
    ADD COLUMN refunded_amount numeric(10, 2) CHECK (refunded_amount >= 0),
    ADD COLUMN refunded_at timestamptz;

-- A refund Stripe reported that no change of ours made (one from Stripe's dashboard).
ALTER TABLE appointment_changes DROP CONSTRAINT appointment_changes_action_check;
ALTER TABLE appointment_changes ADD CONSTRAINT appointment_changes_action_check
    CHECK (action IN ('confirm', 'reject', 'cancel', 'paid', 'complete', 'no_show', 'reschedule',
                      'expire', 'refund'));

-- An in-app notice that must reach the professional once however often its cause repeats
-- (the plan's cap refusing clients all month long): written with its key, a second one with
-- the same key is dropped. Notices without a key are each their own.
ALTER TABLE notifications ADD COLUMN dedupe_key text UNIQUE;

-- A way for clients to reach the professional that the professional chose to publish (a
-- link: https, mailto: or tel:), offered where a refusal says "contact the professional".
-- Never the private phone and email the product sends its messages to.
ALTER TABLE professionals
    ADD COLUMN public_contact text
        CHECK (length(public_contact) <= 200
               AND public_contact ~ '^(https://|mailto:|tel:\+)[^[:space:][:cntrl:]]+$');
