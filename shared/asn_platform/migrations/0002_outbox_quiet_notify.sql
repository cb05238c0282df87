-- NOTIFY serialises committing transactions on a database-wide lock (held through the WAL
-- flush), which capped concurrent writers at well under 1,000 commits/s in our measurements.
-- So the outbox trigger now notifies only when a relay is asleep; a relay that is busy polls
-- with a short, growing delay instead and registers as sleeping before it waits for NOTIFY.
CREATE UNLOGGED TABLE outbox_relays (
    relay    text        PRIMARY KEY,
    sleeping boolean     NOT NULL DEFAULT false,
    seen_at  timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM outbox_relays
        WHERE sleeping AND seen_at > now() - interval '1 minute'
    ) THEN
        PERFORM pg_notify('asn_outbox', '');
    END IF;
    RETURN NULL;
END
$$;
