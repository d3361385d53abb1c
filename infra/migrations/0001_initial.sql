-- The booking schema: the ten tables of the product plus what correctness needs
-- (time zone of record, date overrides and blocked periods, the notification outbox,
-- delivery records, processed Stripe events). Instants are timestamptz; local
-- wall-clock rules (weekly hours) are time + the professional's IANA zone.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE professionals (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id                text NOT NULL UNIQUE,
    name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug                   text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    phone                  text,
    email                  text,
    profession             text NOT NULL,
    bio                    text,
    avatar_url             text,
    session_duration       integer NOT NULL DEFAULT 50 CHECK (session_duration BETWEEN 5 AND 480),
    session_price          numeric(10, 2) CHECK (session_price >= 0),
    currency               char(3) NOT NULL DEFAULT 'BRL',
    timezone               text NOT NULL DEFAULT 'America/Sao_Paulo',
    locale                 text NOT NULL DEFAULT 'pt-BR',
    auto_confirm           boolean NOT NULL DEFAULT false,
    -- How far ahead clients may book, in days from today in the professional's zone.
    booking_horizon_days   integer NOT NULL DEFAULT 60 CHECK (booking_horizon_days BETWEEN 1 AND 730),
    active                 boolean NOT NULL DEFAULT true,
    plan                   text NOT NULL DEFAULT 'free'
                           CHECK (plan IN ('free', 'basic', 'pro', 'premium')),
    trial_ends_at          timestamptz,
    payment_type           text NOT NULL DEFAULT 'none'
                           CHECK (payment_type IN ('none', 'pix', 'card', 'pix_or_card')),
    pix_key                text,
    stripe_customer_id     text UNIQUE,
    stripe_subscription_id text UNIQUE,
    whatsapp_instance      text,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
-- Related professionals on the public page: same profession, active.
CREATE INDEX professionals_profession_idx ON professionals (profession) WHERE active;

CREATE TABLE clients (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    professional_id uuid NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
    user_id         text,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    phone           text NOT NULL,
    email           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- A client is one person per professional, found by phone (normalised digits) or email.
    UNIQUE (professional_id, phone)
);
CREATE INDEX clients_professional_email_idx ON clients (professional_id, lower(email))
    WHERE email IS NOT NULL;
CREATE INDEX clients_user_id_idx ON clients (user_id) WHERE user_id IS NOT NULL;

CREATE TABLE recurring_schedules (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    professional_id uuid NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
    client_id       uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    day_of_week     smallint NOT NULL CHECK (day_of_week BETWEEN 0 AND 6),
    start_time      time NOT NULL,
    frequency       text NOT NULL DEFAULT 'weekly' CHECK (frequency IN ('weekly', 'biweekly')),
    starts_on       date NOT NULL,
    ends_on         date,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX recurring_schedules_professional_idx ON recurring_schedules (professional_id);
CREATE INDEX recurring_schedules_client_idx ON recurring_schedules (client_id);

CREATE TABLE appointments (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    professional_id          uuid NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
    client_id                uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    recurring_schedule_id    uuid REFERENCES recurring_schedules (id) ON DELETE SET NULL,
    starts_at                timestamptz NOT NULL,
    ends_at                  timestamptz NOT NULL,
    status                   text NOT NULL DEFAULT 'pending_confirmation'
                             CHECK (status IN ('pending_payment', 'pending_confirmation', 'confirmed',
                                               'rejected', 'cancelled', 'completed', 'no_show')),
    payment_status           text NOT NULL DEFAULT 'none'
                             CHECK (payment_status IN ('none', 'pending', 'paid', 'refunded', 'failed')),
    stripe_payment_intent_id text,
    notes                    text,
    -- Bumped on every change that a calendar copy must pick up (ICS SEQUENCE).
    sequence                 integer NOT NULL DEFAULT 0,
    status_changed_by        text,
    status_changed_at        timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    -- The double-booking guarantee: no two live appointments of one professional overlap,
    -- whatever path wrote them. Pending ones hold their slot too.
    CONSTRAINT appointments_no_overlap EXCLUDE USING gist (
        professional_id WITH =,
        tstzrange(starts_at, ends_at) WITH &&
    ) WHERE (status NOT IN ('rejected', 'cancelled'))
);
CREATE INDEX appointments_professional_starts_idx ON appointments (professional_id, starts_at);
CREATE INDEX appointments_client_idx ON appointments (client_id);
CREATE INDEX appointments_recurring_schedule_idx ON appointments (recurring_schedule_id)
    WHERE recurring_schedule_id IS NOT NULL;
-- The reminder job scans confirmed appointments by start time across professionals.
CREATE INDEX appointments_confirmed_starts_idx ON appointments (starts_at) WHERE status = 'confirmed';

CREATE TABLE availability (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    professional_id uuid NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
    day_of_week     smallint NOT NULL CHECK (day_of_week BETWEEN 0 AND 6),  -- 0 = Sunday
    start_time      time NOT NULL,
    end_time        time NOT NULL,
    CHECK (end_time > start_time)
);
CREATE INDEX availability_professional_idx ON availability (professional_id, day_of_week);

-- A date whose hours differ from the weekly rule: its rows replace that weekday's windows.
CREATE TABLE availability_overrides (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    professional_id uuid NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
    on_date         date NOT NULL,
    start_time      time NOT NULL,
    end_time        time NOT NULL,
    CHECK (end_time > start_time)
);
CREATE INDEX availability_overrides_professional_idx
    ON availability_overrides (professional_id, on_date);

-- Local dates with no slots at all (vacation, holidays), inclusive.
CREATE TABLE blocked_periods (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    professional_id uuid NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
    starts_on       date NOT NULL,
    ends_on         date NOT NULL,
    reason          text,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX blocked_periods_professional_idx ON blocked_periods (professional_id, starts_on);

CREATE TABLE messages (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    professional_id uuid NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
    client_id       uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    sender          text NOT NULL CHECK (sender IN ('professional', 'client')),
    body            text NOT NULL,
    channel         text NOT NULL DEFAULT 'app' CHECK (channel IN ('app', 'whatsapp', 'email')),
    read_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_professional_client_idx ON messages (professional_id, client_id, created_at);
CREATE INDEX messages_client_idx ON messages (client_id);

CREATE TABLE client_notes (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    professional_id uuid NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
    client_id       uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX client_notes_professional_client_idx ON client_notes (professional_id, client_id);
CREATE INDEX client_notes_client_idx ON client_notes (client_id);

CREATE TABLE follows (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         text NOT NULL,
    professional_id uuid NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, professional_id)
);
CREATE INDEX follows_professional_idx ON follows (professional_id);

CREATE TABLE reviews (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    professional_id uuid NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
    client_id       uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    appointment_id  uuid NOT NULL UNIQUE REFERENCES appointments (id) ON DELETE CASCADE,
    rating          smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment         text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reviews_professional_idx ON reviews (professional_id, created_at DESC);
CREATE INDEX reviews_client_idx ON reviews (client_id);

-- In-app notifications shown to a professional (or to a registered client).
CREATE TABLE notifications (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    professional_id uuid NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
    client_id       uuid REFERENCES clients (id) ON DELETE CASCADE,
    recipient       text NOT NULL CHECK (recipient IN ('professional', 'client')),
    type            text NOT NULL,
    title           text NOT NULL,
    body            text NOT NULL,
    data            jsonb NOT NULL DEFAULT '{}'::jsonb,
    read_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_professional_idx ON notifications (professional_id, created_at DESC);
CREATE INDEX notifications_client_idx ON notifications (client_id) WHERE client_id IS NOT NULL;
CREATE INDEX notifications_unread_idx ON notifications (professional_id) WHERE read_at IS NULL;

-- Outgoing WhatsApp/email messages, written in the same transaction as the change that
-- caused them. A row leaves the outbox once SQS has accepted it; the relay re-sends rows
-- whose enqueue failed, so a queue outage delays messages but never loses them.
CREATE TABLE notification_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_key     text NOT NULL UNIQUE,
    payload         jsonb NOT NULL,
    professional_id uuid REFERENCES professionals (id) ON DELETE CASCADE,
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    enqueued_at     timestamptz
);
CREATE INDEX notification_outbox_pending_idx ON notification_outbox (created_at)
    WHERE enqueued_at IS NULL;
CREATE INDEX notification_outbox_professional_idx ON notification_outbox (professional_id);

-- One row per message actually handed to a provider: the consumer's exactly-once record.
CREATE TABLE notification_deliveries (
    message_key         text PRIMARY KEY,
    channel             text NOT NULL CHECK (channel IN ('whatsapp', 'email')),
    recipient           text NOT NULL,
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts            integer NOT NULL DEFAULT 0,
    provider_message_id text,
    last_error          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    sent_at             timestamptz
);
CREATE INDEX notification_deliveries_failed_idx ON notification_deliveries (updated_at)
    WHERE status = 'failed';

CREATE TABLE processed_stripe_events (
    event_id     text PRIMARY KEY,
    type         text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);
