-- A professional's deletion (LGPD) in two phases (docs/privacy.md). Phase one marks the row,
-- hides the page, cancels the upcoming appointments and queues a message to each of their
-- clients, in one transaction; phase two, the account_purge job, deletes everything of the
-- professional once those messages are out. The mark is what carries the purge across a crash
-- between the phases: a marked row is purged by whichever run of the job finds it ready.
ALTER TABLE professionals ADD COLUMN deletion_requested_at timestamptz;

-- The purge job looks for marked professionals only; there are few at any time.
CREATE INDEX professionals_deletion_requested_idx ON professionals (deletion_requested_at)
    WHERE deletion_requested_at IS NOT NULL;
