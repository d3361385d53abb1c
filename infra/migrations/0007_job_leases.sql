-- One run at a time per scheduled job (reminders_24h, reminders_1h). A run takes its job's
-- row for a while (leased_until, on the database's clock) and renews it while it works; a
-- run that finds the row held by another holder until later does nothing. A held row whose
-- run died simply runs out. The holder is the run's Lambda request id, so the retry of an
-- invocation takes its own lease back. Released rows stay, naming the last run that held them.
-- A row, not an advisory lock: session-level locks would pin connections behind RDS Proxy.
CREATE TABLE job_leases (
    job          text PRIMARY KEY,
    holder       text NOT NULL,
    leased_until timestamptz NOT NULL
);
