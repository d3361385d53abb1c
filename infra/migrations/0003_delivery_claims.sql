-- Delivery records become claims: a consumer takes a message for a lease before calling the
-- provider, so a redelivered SQS message, a re-run job or a double enqueue is sent once.
--   sending        claimed, the provider call may be under way until lease_until
--   sent           the provider accepted it (provider_message_id)
--   failed         a temporary failure; the next delivery of the message tries again
--   undeliverable  the provider refused it for good (a 4xx other than 429)
--   unknown        a claim expired without an outcome on a channel with no idempotency key:
--                  the provider may have sent it, so it is not sent again (see docs)
ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_status_check;
ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_status_check
    CHECK (status IN ('sending', 'sent', 'failed', 'undeliverable', 'unknown'));
ALTER TABLE notification_deliveries ALTER COLUMN status SET DEFAULT 'sending';
ALTER TABLE notification_deliveries ADD COLUMN lease_until timestamptz;
ALTER TABLE notification_deliveries ADD COLUMN template text;

DROP INDEX notification_deliveries_failed_idx;
-- The watchdog's "failed deliveries of the last day" and operators' views.
CREATE INDEX notification_deliveries_problems_idx ON notification_deliveries (updated_at)
    WHERE status IN ('failed', 'undeliverable', 'unknown');
