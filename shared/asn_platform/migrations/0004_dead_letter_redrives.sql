-- Re-drives of dead letters through the HTTP API (asn_platform.dead_letters_http): which dead
-- letter, by whom, when, and how it went; the list of dead letters shows the latest one. The
-- audit trail has the same change; this table is what the list reads.
CREATE TABLE dead_letter_redrives (
    redrive_id     bigserial   PRIMARY KEY,
    dlq_topic      text        NOT NULL,
    dlq_partition  int         NOT NULL,
    dlq_offset     bigint      NOT NULL,
    consumer_group text        NOT NULL,
    redriven_at    timestamptz NOT NULL DEFAULT now(),
    username       text,
    outcome        text        NOT NULL CHECK (outcome IN ('applied', 'duplicate', 'dead_lettered')),
    error          text
);
CREATE INDEX dead_letter_redrives_letter
    ON dead_letter_redrives (dlq_topic, dlq_partition, dlq_offset, redriven_at DESC);
