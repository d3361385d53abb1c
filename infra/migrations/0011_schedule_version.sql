-- A version of everything a booking decision reads from a professional, so a booking function
-- may decide from a schedule it read earlier (agenda.service.schedule.ScheduleCache) and the
-- write can tell, in the same round trip, whether that schedule is still the one in force.
--
-- Every change of the professional's row (rules, plan, subscription, active, price) and of
-- their weekly hours, date overrides and blocked periods moves the version on. Appointments do
-- not: the busy ranges are never taken from a remembered schedule, the exclusion constraint
-- decides overlaps.

ALTER TABLE professionals ADD COLUMN schedule_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION next_schedule_version() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.schedule_version := OLD.schedule_version + 1;
    RETURN NEW;
END
$$;

CREATE TRIGGER professionals_schedule_version
BEFORE UPDATE ON professionals
FOR EACH ROW EXECUTE FUNCTION next_schedule_version();

-- A row of a rule table changed: its professional's schedule did. (On a professional's own
-- deletion the cascade finds the row already gone and updates nothing.)
CREATE FUNCTION rules_changed() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE professionals SET schedule_version = schedule_version + 1
        WHERE id = OLD.professional_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE professionals SET schedule_version = schedule_version + 1
        WHERE id = NEW.professional_id AND (TG_OP = 'INSERT' OR OLD.professional_id <> NEW.professional_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER availability_rules_changed
AFTER INSERT OR UPDATE OR DELETE ON availability
FOR EACH ROW EXECUTE FUNCTION rules_changed();

CREATE TRIGGER availability_overrides_rules_changed
AFTER INSERT OR UPDATE OR DELETE ON availability_overrides
FOR EACH ROW EXECUTE FUNCTION rules_changed();

CREATE TRIGGER blocked_periods_rules_changed
AFTER INSERT OR UPDATE OR DELETE ON blocked_periods
FOR EACH ROW EXECUTE FUNCTION rules_changed();

-- The booking write of 0009, now given the schedule version its decision was made with: under
-- the professional's lock it compares, and answers `schedule_changed` (writing nothing) when
-- the rules moved on, so the function decides again from a fresh read. It also leaves a known
-- client's row alone unless the booking brings the email it lacked, and answers the outbox
-- rows' ids and keys only (the caller holds the payloads it sent), and finds a returning client
-- by the (professional, phone) key before trying the email.
DROP FUNCTION book_appointment(jsonb, integer, integer);

CREATE FUNCTION book_appointment(
    booking jsonb, max_clients integer, max_appointments integer, decided_with bigint
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    professional uuid := CAST(booking ->> 'professional_id' AS uuid);
    client_phone text := booking ->> 'phone';
    client_email text := booking ->> 'email';
    in_force bigint;
    client uuid;
    clients_count bigint;
    month_count bigint;
    written jsonb;
BEGIN
    -- Serialises this professional's bookings, and their rule changes, until the end.
    SELECT schedule_version INTO in_force
    FROM professionals WHERE id = professional FOR NO KEY UPDATE;
    IF in_force IS DISTINCT FROM decided_with THEN
        RETURN jsonb_build_object('schedule_changed', true);
    END IF;

    -- The client with this phone (one at most, the unique key's lookup), else the oldest one
    -- with this email.
    SELECT c.id INTO client
    FROM clients c
    WHERE c.professional_id = professional AND c.phone = client_phone;
    IF client IS NULL AND client_email IS NOT NULL THEN
        SELECT c.id INTO client
        FROM clients c
        WHERE c.professional_id = professional AND lower(c.email) = client_email
        ORDER BY c.created_at
        LIMIT 1;
    END IF;

    IF client IS NOT NULL THEN
        IF client_email IS NOT NULL THEN
            UPDATE clients SET email = client_email, updated_at = now()
            WHERE id = client AND email IS NULL;
        END IF;
    ELSE
        -- A client already known may always book again: the caps limit growth.
        IF max_clients IS NOT NULL OR max_appointments IS NOT NULL THEN
            SELECT count(*) INTO clients_count FROM clients WHERE professional_id = professional;
            SELECT count(*) INTO month_count
            FROM appointments
            WHERE professional_id = professional
              AND status NOT IN ('rejected', 'cancelled')
              AND starts_at >= CAST(booking ->> 'month_start' AS timestamptz)
              AND starts_at < CAST(booking ->> 'month_end' AS timestamptz);
            IF clients_count >= max_clients OR month_count >= max_appointments THEN
                RETURN jsonb_build_object(
                    'refused', true,
                    'clients', clients_count,
                    'appointments_this_month', month_count
                );
            END IF;
        END IF;
        INSERT INTO clients (professional_id, name, phone, email)
        VALUES (professional, booking ->> 'client_name', client_phone, client_email)
        RETURNING id INTO client;
    END IF;

    WITH appointment AS (
        INSERT INTO appointments (id, professional_id, client_id, starts_at, ends_at, status,
                                  buffer_before_minutes, buffer_after_minutes, payment_status,
                                  payment_expires_at, stripe_checkout_session_id, amount_due)
        VALUES (CAST(booking ->> 'appointment_id' AS uuid), professional, client,
                CAST(booking ->> 'starts_at' AS timestamptz),
                CAST(booking ->> 'ends_at' AS timestamptz),
                booking ->> 'status',
                CAST(booking ->> 'buffer_before' AS integer),
                CAST(booking ->> 'buffer_after' AS integer),
                booking ->> 'payment_status',
                CAST(booking ->> 'payment_expires_at' AS timestamptz),
                booking ->> 'checkout_session_id',
                CAST(booking ->> 'amount_due' AS numeric))
        RETURNING id, status
    ), in_app AS (
        -- A booking held for payment reaches the professional once it is paid.
        INSERT INTO notifications (professional_id, recipient, type, title, body, data)
        SELECT professional, 'professional', 'booking_request', booking ->> 'title',
               booking ->> 'body', jsonb_build_object('appointmentId', appointment.id)
        FROM appointment
        WHERE booking ->> 'title' IS NOT NULL
    ), outbox AS (
        INSERT INTO notification_outbox (message_key, payload, professional_id)
        SELECT m ->> 'messageKey', m, professional
        FROM appointment, jsonb_array_elements(booking -> 'messages') AS m
        RETURNING id, message_key
    )
    SELECT jsonb_build_object(
               'appointment_id', appointment.id,
               'status', appointment.status,
               'outbox', COALESCE((SELECT jsonb_object_agg(message_key, id) FROM outbox),
                                  '{}'::jsonb))
    INTO written
    FROM appointment;
    RETURN written;
END
$$;
