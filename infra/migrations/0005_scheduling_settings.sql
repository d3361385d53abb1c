-- The professional's own scheduling settings, and buffers the database itself keeps clear.
--
-- Weekly windows, date overrides and blocked periods already exist (0001) as local times and
-- local dates in the professional's zone. This adds the settings the slot engine takes from
-- the row (buffers, step, minimum notice), and makes the double-booking guarantee cover the
-- buffers: each appointment keeps the buffers it was booked with, and the exclusion constraint
-- compares the buffered ranges, so no session can start inside another one's buffer, whatever
-- path wrote it and however the requests race.

ALTER TABLE professionals
    -- Free time kept before and after every session (preparation, notes, travel).
    ADD COLUMN buffer_before_minutes integer NOT NULL DEFAULT 0
        CHECK (buffer_before_minutes BETWEEN 0 AND 240),
    ADD COLUMN buffer_after_minutes integer NOT NULL DEFAULT 0
        CHECK (buffer_after_minutes BETWEEN 0 AND 240),
    -- Minutes between candidate starts; NULL: one session after another, buffers included.
    ADD COLUMN slot_step_minutes integer CHECK (slot_step_minutes BETWEEN 5 AND 480),
    -- No booking may start sooner than this after the moment it is made.
    ADD COLUMN min_notice_minutes integer NOT NULL DEFAULT 0
        CHECK (min_notice_minutes BETWEEN 0 AND 43200);

-- The range an appointment keeps from every other live appointment of its professional.
-- Only whole minutes are ever subtracted, so the result does not depend on the session's
-- TimeZone: the function is immutable in fact. plpgsql, so the planner never inlines the
-- (formally stable) timestamptz arithmetic into the generated column and the index.
CREATE FUNCTION appointment_blocked_range(
    starts_at timestamptz, ends_at timestamptz, before_minutes integer, after_minutes integer
) RETURNS tstzrange
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    RETURN tstzrange(starts_at - before_minutes * interval '1 minute',
                     ends_at + after_minutes * interval '1 minute');
END
$$;

-- The buffers an appointment was booked (or last rescheduled) with. Changing the
-- professional's buffers later does not move existing appointments' buffers.
ALTER TABLE appointments
    ADD COLUMN buffer_before_minutes integer NOT NULL DEFAULT 0
        CHECK (buffer_before_minutes BETWEEN 0 AND 240),
    ADD COLUMN buffer_after_minutes integer NOT NULL DEFAULT 0
        CHECK (buffer_after_minutes BETWEEN 0 AND 240),
    ADD COLUMN blocked_during tstzrange NOT NULL GENERATED ALWAYS AS (
        appointment_blocked_range(starts_at, ends_at, buffer_before_minutes, buffer_after_minutes)
    ) STORED;

-- The double-booking guarantee, now over the buffered ranges (half-open, so a session may
-- start exactly where the previous one's buffer ends). Same name, same live statuses.
ALTER TABLE appointments DROP CONSTRAINT appointments_no_overlap;
ALTER TABLE appointments ADD CONSTRAINT appointments_no_overlap EXCLUDE USING gist (
    professional_id WITH =,
    blocked_during WITH &&
) WHERE (status NOT IN ('rejected', 'cancelled'));
