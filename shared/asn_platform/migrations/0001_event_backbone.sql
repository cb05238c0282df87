-- The event backbone's tables, shared by every service database (migrate(dsn, ["asn_platform", ...])).

-- Transactional outbox: a row is written in the same transaction as the state change it reports;
-- the relay publishes it and sets sent_at. lane = crc32(key) % 16: one relay at a time works a
-- lane (advisory lock), so events with the same key are published in commit order even when
-- several relay instances run.
CREATE TABLE outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    uuid        NOT NULL UNIQUE,
    lane        smallint    NOT NULL,
    topic       text        NOT NULL,
    event_type  text        NOT NULL,
    key         bytea       NOT NULL,
    value       bytea       NOT NULL,
    headers     jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    sent_at     timestamptz,
    attempts    integer     NOT NULL DEFAULT 0,
    last_error  text
);
CREATE INDEX outbox_pending ON outbox (lane, id) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Wake the relays when a transaction that enqueued events commits (one notification per
-- transaction: PostgreSQL folds identical notifications).
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('asn_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Inbox: the events each consumer group has applied, written in the same transaction as the
-- handler's effects. A redelivered event finds its row and is skipped.
CREATE TABLE inbox (
    consumer_group text        NOT NULL,
    event_id       uuid        NOT NULL,
    topic          text        NOT NULL,
    "partition"    integer     NOT NULL,
    "offset"       bigint      NOT NULL,
    processed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, event_id)
);
CREATE INDEX inbox_processed_at ON inbox (processed_at);
