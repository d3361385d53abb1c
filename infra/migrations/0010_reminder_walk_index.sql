-- The reminder pages walk confirmed appointments in (starts_at, id) order, a thousand rows at a
-- time after the last one read (agenda.adapters.jobs.REMINDER_PAGE_SQL). With id in the index,
-- the keyset's row comparison is the index's own order: each page reads its thousand entries
-- and stops, so a run over N appointments reads each once.
CREATE INDEX appointments_confirmed_starts_id_idx ON appointments (starts_at, id)
    WHERE status = 'confirmed';
DROP INDEX appointments_confirmed_starts_idx;
