-- The appointment lifecycle after a booking lands: each professional's policy for clients who
-- cancel or reschedule, an audit trail of every change (who, what, from and to, when), and the
-- keyset index behind the professional's paginated dashboard.

-- Clients (registered or through their guest link) may cancel or reschedule until this many
-- hours before the session; the professional always may.
ALTER TABLE professionals
    ADD COLUMN cancellation_notice_hours integer NOT NULL DEFAULT 24
        CHECK (cancellation_notice_hours BETWEEN 0 AND 720),
    ADD COLUMN reschedule_notice_hours integer NOT NULL DEFAULT 24
        CHECK (reschedule_notice_hours BETWEEN 0 AND 720);

-- One row per change, written in the change's own transaction. Never updated.
CREATE TABLE appointment_changes (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    appointment_id      uuid NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
    professional_id     uuid NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
    action              text NOT NULL
                        CHECK (action IN ('confirm', 'reject', 'cancel', 'paid', 'complete',
                                          'no_show', 'reschedule')),
    -- professional and client act with a verified JWT (actor_id is its subject); a guest acts
    -- through the signed link sent to the client, which names no account.
    actor_role          text NOT NULL CHECK (actor_role IN ('professional', 'client', 'guest')),
    actor_id            text,
    from_status         text NOT NULL,
    to_status           text NOT NULL,
    from_payment_status text NOT NULL,
    to_payment_status   text NOT NULL,
    from_starts_at      timestamptz NOT NULL,
    to_starts_at        timestamptz NOT NULL,
    from_ends_at        timestamptz NOT NULL,
    to_ends_at          timestamptz NOT NULL,
    sequence            integer NOT NULL,  -- the appointment's sequence after the change
    reason              text CHECK (length(reason) <= 500),
    changed_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((actor_role = 'guest') = (actor_id IS NULL))
);
CREATE INDEX appointment_changes_appointment_idx ON appointment_changes (appointment_id, changed_at);
CREATE INDEX appointment_changes_professional_idx
    ON appointment_changes (professional_id, changed_at);

-- The dashboard pages by (starts_at, id) within a professional, in both directions; the id
-- breaks ties between appointments sharing a start (a cancelled one and its replacement). The
-- index also serves everything the two-column index it replaces served.
CREATE INDEX appointments_professional_starts_id_idx
    ON appointments (professional_id, starts_at, id);
DROP INDEX appointments_professional_starts_idx;
