-- The client relationship (docs/client-relationship.md): the professional's own details about
-- a client (tags, a client added by hand) and the record of their changes; bounds on the
-- private notes and the messages; a review's reply and its hiding, and their record.

-- Tags are the professional's words for a client ("couple", "online", "monthly"): a handful,
-- each short. Where the row came from: a booking (the booking write's upsert) or the
-- professional adding the client by hand (a phone booking, a series).
ALTER TABLE clients
    ADD COLUMN tags text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(tags) <= 20 AND array_position(tags, NULL) IS NULL),
    ADD COLUMN source text NOT NULL DEFAULT 'booking'
        CHECK (source IN ('booking', 'professional'));

-- The client list is in name order and found by a part of the name, both ignoring case and
-- accents ("Ágata" beside "Agata", "joao" finds "João"). unaccent is a trusted extension (the
-- database's owner creates it, here and on RDS); it is only STABLE (its dictionary could
-- change), so an index and a sort key need this IMMUTABLE wrapper naming the dictionary.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE FUNCTION client_name_key(name text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN lower(public.unaccent('public.unaccent'::regdictionary, name));
-- The list's pages: a professional's clients by that key, then id. A search for a part of a
-- name reads a professional's clients through it too (hundreds, rarely thousands: no trigram
-- index needed for a scan of one professional's rows).
CREATE INDEX clients_professional_name_idx ON clients (professional_id, client_name_key(name), id);

-- Who changed a client's details and which of them: the names of the fields, never their values,
-- so the record carries no contact data a client's deletion would have to scrub.
CREATE TABLE client_changes (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    professional_id uuid NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
    client_id       uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    action          text NOT NULL CHECK (action IN ('created', 'updated')),
    fields          text[] NOT NULL DEFAULT '{}',
    actor_role      text NOT NULL CHECK (actor_role IN ('professional', 'system')),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX client_changes_client_idx ON client_changes (client_id, created_at DESC);
CREATE INDEX client_changes_professional_idx ON client_changes (professional_id);

-- A note is a professional's record of a session: long enough for one, bounded all the same.
ALTER TABLE client_notes
    ADD CONSTRAINT client_notes_body_length CHECK (length(body) BETWEEN 1 AND 10000);
-- A client's notes, newest first, in pages.
CREATE INDEX client_notes_client_created_idx ON client_notes (client_id, created_at DESC, id DESC);

-- A message is a chat message, not a letter.
ALTER TABLE messages
    ADD CONSTRAINT messages_body_length CHECK (length(body) BETWEEN 1 AND 2000);
-- A thread, newest first, in pages; and what one side has not read yet.
CREATE INDEX messages_thread_idx ON messages (client_id, created_at DESC, id DESC);
CREATE INDEX messages_unread_idx ON messages (client_id, sender) WHERE read_at IS NULL;

-- The professional's one reply to a review, and the hiding of a review with its reason. A hidden
-- review stays (never deleted by the professional) and counts in neither the average nor the
-- count a page shows.
ALTER TABLE reviews
    ADD COLUMN reply text CHECK (length(reply) BETWEEN 1 AND 2000),
    ADD COLUMN replied_at timestamptz,
    ADD COLUMN hidden_at timestamptz,
    ADD COLUMN hidden_reason text CHECK (length(hidden_reason) BETWEEN 1 AND 500),
    ADD CONSTRAINT reviews_comment_length CHECK (length(comment) <= 2000),
    ADD CONSTRAINT reviews_reply_once CHECK ((reply IS NULL) = (replied_at IS NULL)),
    ADD CONSTRAINT reviews_hidden_with_reason CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL));
CREATE INDEX reviews_shown_idx ON reviews (professional_id, created_at DESC) WHERE hidden_at IS NULL;

-- Every hiding, showing again and reply, with its reason: the record the issue asks for.
CREATE TABLE review_changes (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    review_id       uuid NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    professional_id uuid NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
    action          text NOT NULL CHECK (action IN ('hidden', 'shown', 'replied')),
    reason          text,
    actor_id        text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX review_changes_review_idx ON review_changes (review_id, created_at);
CREATE INDEX review_changes_professional_idx ON review_changes (professional_id);
