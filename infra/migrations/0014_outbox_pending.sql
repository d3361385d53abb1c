-- The outbox's queue state moves out of its rows into a narrow table of its own
-- (docs/notifications.md, "The outbox").
--
-- An outbox row is written once and read many times (the message, its key, the exactly-once
-- record of what was queued); whether the queue has it yet changes once, right after the
-- commit. Kept in the row, that change rewrote the whole row (its payload and every index
-- entry: an indexed column, the pending index's predicate, changed, so no HOT update), which
-- was the largest single cost of the morning's reminder run. Here a message waiting for the
-- queue is a row of `notification_outbox_pending`; the queue taking it deletes that row, and
-- the outbox row is never updated at all.
--
-- Triggers keep the two in step for every statement, whoever wrote it (the outbox adapter,
-- the booking statement, an operator's SQL, a cascade from a deleted professional): one
-- writes the pending rows of the outbox rows a statement inserts, so no writer can forget one
-- and leave a message that neither the writer nor the relay ever sends; the other deletes
-- those of the rows a statement deletes. Statement triggers over the statement's rows, not a
-- foreign key, whose check would run once per row: a page of the morning's reminders writes
-- 1,500 of them at once.
CREATE TABLE notification_outbox_pending (
    id         bigint PRIMARY KEY,
    created_at timestamptz NOT NULL,
    -- Enqueue attempts that failed, and the last failure, for the relay and the operators.
    attempts   integer NOT NULL DEFAULT 0,
    last_error text
);

INSERT INTO notification_outbox_pending (id, created_at, attempts, last_error)
SELECT id, created_at, attempts, last_error FROM notification_outbox WHERE enqueued_at IS NULL;

CREATE FUNCTION notification_outbox_queue() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notification_outbox_pending (id, created_at)
    SELECT id, created_at FROM written;
    RETURN NULL;
END
$$;

CREATE TRIGGER notification_outbox_queue
    AFTER INSERT ON notification_outbox
    REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION notification_outbox_queue();

CREATE FUNCTION notification_outbox_unqueue() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM notification_outbox_pending q USING removed WHERE q.id = removed.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER notification_outbox_unqueue
    AFTER DELETE ON notification_outbox
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION notification_outbox_unqueue();

DROP INDEX notification_outbox_pending_idx;
ALTER TABLE notification_outbox DROP COLUMN enqueued_at;
ALTER TABLE notification_outbox DROP COLUMN attempts;
ALTER TABLE notification_outbox DROP COLUMN last_error;
