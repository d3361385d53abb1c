-- A booking's write in one round trip: lock the professional, count what the plan caps, and
-- write the client, the appointment, the in-app notice and the outgoing messages, in one call
-- (agenda.adapters.professionals.PostgresBookings.insert).
--
-- The rules stay in the domain (agenda.domain.plans): it decides the caps and passes them in;
-- this only counts and compares, and answers the counts when a cap is reached, so the domain
-- words the refusal. A NULL cap is no cap.
--
-- Each statement of a plpgsql function reads with its own snapshot (READ COMMITTED), so the
-- counts taken after the lock see every booking of this professional committed before it:
-- the caps are exact under concurrent bookings, as they were with one statement per step. The
-- exclusion constraint still has the last word on overlaps (23P01 ends the call, nothing of it
-- written).

CREATE FUNCTION book_appointment(booking jsonb, max_clients integer, max_appointments integer)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    professional uuid := CAST(booking ->> 'professional_id' AS uuid);
    client_phone text := booking ->> 'phone';
    client_email text := booking ->> 'email';
    existing uuid;
    clients_count bigint;
    month_count bigint;
    written jsonb;
BEGIN
    -- Serialises this professional's bookings until the transaction ends.
    PERFORM 1 FROM professionals WHERE id = professional FOR NO KEY UPDATE;

    SELECT c.id INTO existing
    FROM clients c
    WHERE c.professional_id = professional
      AND (c.phone = client_phone
           OR (client_email IS NOT NULL AND lower(c.email) = client_email))
    ORDER BY (c.phone = client_phone) DESC, c.created_at
    LIMIT 1;

    -- A client already known may always book again: the caps limit growth.
    IF existing IS NULL AND (max_clients IS NOT NULL OR max_appointments IS NOT NULL) THEN
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

    WITH upserted_client AS (
        INSERT INTO clients (id, professional_id, name, phone, email)
        VALUES (COALESCE(existing, gen_random_uuid()), professional,
                booking ->> 'client_name', client_phone, client_email)
        ON CONFLICT (id) DO UPDATE SET email = COALESCE(clients.email, EXCLUDED.email),
                                       updated_at = now()
        RETURNING id
    ), appointment AS (
        INSERT INTO appointments (id, professional_id, client_id, starts_at, ends_at, status,
                                  buffer_before_minutes, buffer_after_minutes, payment_status,
                                  payment_expires_at, stripe_checkout_session_id, amount_due)
        SELECT CAST(booking ->> 'appointment_id' AS uuid), professional, upserted_client.id,
               CAST(booking ->> 'starts_at' AS timestamptz),
               CAST(booking ->> 'ends_at' AS timestamptz),
               booking ->> 'status',
               CAST(booking ->> 'buffer_before' AS integer),
               CAST(booking ->> 'buffer_after' AS integer),
               booking ->> 'payment_status',
               CAST(booking ->> 'payment_expires_at' AS timestamptz),
               booking ->> 'checkout_session_id',
               CAST(booking ->> 'amount_due' AS numeric)
        FROM upserted_client
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
        RETURNING id, message_key, payload
    )
    SELECT jsonb_build_object(
               'appointment_id', appointment.id,
               'status', appointment.status,
               'outbox', COALESCE((SELECT jsonb_agg(jsonb_build_object(
                                              'id', id, 'message_key', message_key,
                                              'payload', payload))
                                   FROM outbox), '[]'::jsonb))
    INTO written
    FROM appointment;
    RETURN written;
END
$$;
