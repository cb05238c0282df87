-- The programme catalogue as enrollment announces it (programme-catalogue-changed, compacted,
-- key = code): one row per programme, the latest entry by (changed_at, event_id). A read model:
-- the replay command empties and refills it like the others.
CREATE TABLE rm_programmes (
    code            text PRIMARY KEY,
    title           text NOT NULL,
    kind            text NOT NULL,
    competencies    text[] NOT NULL,
    target_fields   text[] NOT NULL,
    jp              int NOT NULL,
    capacity        int NOT NULL,
    days            int NOT NULL,
    benefit_id      text NOT NULL,
    benefit_en      text NOT NULL,
    active          boolean NOT NULL,
    changed_at      timestamptz NOT NULL,
    event_id        uuid NOT NULL
);
