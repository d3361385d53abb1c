-- The daily jobs. The WhatsApp watchdog records every connection check it makes: which
-- instance, the state the provider reported ('error' when the check itself failed), how many
-- professionals were alerted, and when. Operators read the history here; the alerts
-- themselves are outbox rows keyed once per professional and local day.
CREATE TABLE whatsapp_instance_checks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance   text NOT NULL,
    state      text NOT NULL,
    alerts     integer NOT NULL DEFAULT 0 CHECK (alerts >= 0),
    error      text,
    checked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX whatsapp_instance_checks_instance_idx
    ON whatsapp_instance_checks (instance, checked_at DESC);
-- The watchdog finds the professionals of a disconnected instance.
CREATE INDEX professionals_whatsapp_instance_idx ON professionals (whatsapp_instance)
    WHERE active AND whatsapp_instance IS NOT NULL;
