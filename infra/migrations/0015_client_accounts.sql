-- Registered clients (docs/client-profile.md): the person behind client rows of one or more
-- professionals, once they signed in and claimed them.
--
-- A client row belongs to one professional (`clients`, one per professional and phone); a
-- client account belongs to one sign-in (`user_id`, the token's `sub`) and links the rows it
-- claimed through `clients.user_id`. Its contact details are the ones the person proved they
-- hold: the phone or email an invite or a code reached. A change of them reaches every claimed
-- row, so each professional sees the same phone and email the client keeps here.
CREATE TABLE client_accounts (
    user_id               text PRIMARY KEY,
    name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    phone                 text,
    email                 text,
    language              text NOT NULL DEFAULT 'pt-BR' CHECK (language IN ('pt-BR', 'en')),
    -- The deletion's first phase marks the account; the purge removes it (docs/privacy.md).
    deletion_requested_at timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX client_accounts_deletion_requested_idx ON client_accounts (deletion_requested_at)
    WHERE deletion_requested_at IS NOT NULL;

-- Rows of other professionals are found by the account's phone and email.
CREATE INDEX clients_phone_idx ON clients (phone);
CREATE INDEX clients_email_idx ON clients (lower(email)) WHERE email IS NOT NULL;

-- A one-time code sent to a phone or an email, proving the signed-in user holds it: to claim
-- another professional's row of theirs (`purpose` claim, `client_id` the row) or to change the
-- account's phone or email (`purpose` contact, `destination` the new value). Only a hash of
-- the code is kept; a code dies when used, when it expires, or after too many wrong tries.
CREATE TABLE verification_codes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     text NOT NULL,
    purpose     text NOT NULL CHECK (purpose IN ('claim', 'contact')),
    channel     text NOT NULL CHECK (channel IN ('whatsapp', 'email')),
    destination text NOT NULL,
    client_id   uuid REFERENCES clients (id) ON DELETE CASCADE,
    code_hash   bytea NOT NULL,
    attempts    smallint NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    expires_at  timestamptz NOT NULL,
    consumed_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((purpose = 'claim') = (client_id IS NOT NULL))
);
CREATE INDEX verification_codes_user_idx ON verification_codes (user_id, purpose, created_at DESC);
CREATE INDEX verification_codes_client_idx ON verification_codes (client_id)
    WHERE client_id IS NOT NULL;

-- A client's deletion keeps the professionals' records under an anonymised client: the row
-- stays (appointments, notes and reviews point at it), its name, phone and email are gone.
ALTER TABLE clients ADD COLUMN anonymised_at timestamptz;
