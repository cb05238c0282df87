-- Enrollment service: roster, catalogue, sessions, enrollments, JP ledger, scheduled programmes.

CREATE TABLE civil_servants (
    nip            text PRIMARY KEY CHECK (nip ~ '^[0-9]{18}$'),
    name           text NOT NULL,
    unit_id        text NOT NULL,
    bidang         text NOT NULL,
    position       text NOT NULL,
    position_type  text NOT NULL CHECK (position_type IN ('struktural', 'fungsional', 'pelaksana')),
    rank           text NOT NULL,
    supervisor_nip text CHECK (supervisor_nip IS NULL OR supervisor_nip <> nip),
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX civil_servants_unit ON civil_servants (unit_id, nip);

CREATE TABLE programmes (
    code             text PRIMARY KEY,
    title            text NOT NULL,
    kind             text NOT NULL,
    competencies     text[] NOT NULL,
    target_fields    text[] NOT NULL DEFAULT '{}',
    jp               int NOT NULL CHECK (jp > 0),
    benefit_id       text NOT NULL,
    benefit_en       text NOT NULL,
    default_capacity int NOT NULL CHECK (default_capacity > 0),
    days             int NOT NULL DEFAULT 1 CHECK (days > 0),
    active           boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    id                     uuid PRIMARY KEY,
    programme_code         text NOT NULL REFERENCES programmes (code),
    starts_at              timestamptz NOT NULL,
    ends_at                timestamptz NOT NULL,
    place                  text,
    online_url             text,
    capacity               int NOT NULL CHECK (capacity > 0),
    speakers               jsonb NOT NULL DEFAULT '[]',
    -- Set when opened for a scheduled programme: (id, ref) is unique, so a redelivered or
    -- re-sent ProgrammeScheduled can never open the same session twice.
    scheduled_programme_id text,
    session_ref            text,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (place IS NOT NULL OR online_url IS NOT NULL),
    UNIQUE (scheduled_programme_id, session_ref)
);
CREATE INDEX sessions_programme ON sessions (programme_code, starts_at);
CREATE INDEX sessions_starts ON sessions (starts_at);

-- Waitlist order: a sequence value taken under the session lock is a strict queue position,
-- unlike now(), which is the same for statements of one transaction and can tie.
CREATE SEQUENCE waitlist_position;

CREATE TABLE enrollments (
    id                     uuid PRIMARY KEY,
    session_id             uuid NOT NULL REFERENCES sessions (id),
    nip                    text NOT NULL REFERENCES civil_servants (nip),
    status                 text NOT NULL CHECK (status IN ('invited', 'enrolled', 'waitlisted',
                               'declined', 'cancelled', 'attended', 'no_show', 'completed')),
    invited_at             timestamptz NOT NULL,
    changed_at             timestamptz NOT NULL,
    waitlisted_at          timestamptz,
    waitlist_position      bigint,
    reason                 text,
    score                  int CHECK (score BETWEEN 0 AND 100),
    scheduled_programme_id text,
    UNIQUE (session_id, nip)
);
CREATE INDEX enrollments_person ON enrollments (nip, status);
CREATE INDEX enrollments_waitlist ON enrollments (session_id, waitlist_position)
    WHERE status = 'waitlisted';
CREATE INDEX enrollments_session_status ON enrollments (session_id, status);

-- Every status change, for audit and for the persuasion work (who declined, why, when).
CREATE TABLE enrollment_history (
    id            bigserial PRIMARY KEY,
    enrollment_id uuid NOT NULL REFERENCES enrollments (id),
    from_status   text,
    to_status     text NOT NULL,
    at            timestamptz NOT NULL,
    reason        text,
    score         int
);
CREATE INDEX enrollment_history_enrollment ON enrollment_history (enrollment_id, id);

-- The JP ledger: one row per completed enrollment (primary key = enrollment: credited once).
-- year is the Jakarta calendar year of completion (domain.jp_ledger.ledger_year).
CREATE TABLE jp_entries (
    enrollment_id  uuid PRIMARY KEY REFERENCES enrollments (id),
    nip            text NOT NULL REFERENCES civil_servants (nip),
    programme_code text NOT NULL,
    jp             int NOT NULL CHECK (jp > 0),
    completed_at   timestamptz NOT NULL,
    year           int NOT NULL
);
CREATE INDEX jp_entries_year_nip ON jp_entries (year, nip);

-- Applied ProgrammeScheduled decisions: one row per decision (both keys unique).
CREATE TABLE scheduled_programmes (
    scheduled_programme_id text PRIMARY KEY,
    idempotency_key        text NOT NULL UNIQUE,
    programme_code         text NOT NULL,
    unit_id                text NOT NULL,
    event_id               uuid,
    sessions_opened        int NOT NULL,
    invited                int NOT NULL,
    unknown_members        int NOT NULL,
    skipped_members        int NOT NULL,
    received_at            timestamptz NOT NULL DEFAULT now()
);
