-- The recommendations service's own database.
--
-- Two kinds of table:
--  rm_*  read models, built only from events of other services (and our own published
--        programme-scheduled topic). `asn-recommendations-replay` empties and rebuilds them
--        from the topics. Every update is order-tolerant: counters are sums, entities are
--        last-writer-wins on (event time, event id), sets are keyed on natural ids.
--  the rest: this service's decisions (scheduled programmes, flags, nudges, recommendations).
--        They are never replayed: replaying must not schedule or nudge anyone twice.

-- Units, as seen in service-gap-detected (name, field) and survey-submitted (field only).
CREATE TABLE rm_units (
    unit_id     text PRIMARY KEY,
    unit_name   text,
    bidang      text        NOT NULL,
    seen_at     timestamptz NOT NULL,  -- event time of the gap event that set it; -infinity
    event_id    uuid                   -- from survey-submitted, so any gap event wins
);

-- One row per gap key (unit:element:period), the latest announcement of it.
CREATE TABLE rm_gaps (
    gap_key                  text PRIMARY KEY,
    unit_id                  text             NOT NULL,
    element                  text             NOT NULL,
    period                   text             NOT NULL,
    period_kind              text             NOT NULL,
    period_start             date             NOT NULL,
    status                   text             NOT NULL CHECK (status IN ('opened', 'recovered')),
    unit_name                text             NOT NULL,
    bidang                   text             NOT NULL,
    score_nrr                double precision NOT NULL,
    score_converted          double precision NOT NULL,
    mutu                     text             NOT NULL,
    sample_size              integer          NOT NULL,
    required_sample          integer          NOT NULL,
    trend                    text             NOT NULL,
    previous_score_converted double precision,
    threshold                double precision NOT NULL,
    detected_at              timestamptz      NOT NULL,
    event_id                 uuid             NOT NULL
);
CREATE INDEX rm_gaps_unit ON rm_gaps (unit_id, element, period_kind, period_start);

-- Answer counters per unit, element and period (month, quarter, semester, year, in WIB), from
-- survey-submitted: sums commute, so any delivery order gives the same totals.
CREATE TABLE rm_element_counts (
    unit_id      text    NOT NULL,
    element      text    NOT NULL,
    period       text    NOT NULL,
    period_kind  text    NOT NULL,
    period_start date    NOT NULL,
    answer_sum   bigint  NOT NULL,
    answer_count bigint  NOT NULL,
    PRIMARY KEY (unit_id, element, period)
);

-- The roster: one row per NIP, the latest profile by change time.
CREATE TABLE rm_profiles (
    nip            text PRIMARY KEY,
    name           text        NOT NULL,
    unit_id        text        NOT NULL,
    bidang         text        NOT NULL,
    position       text        NOT NULL,
    position_type  text        NOT NULL,
    rank           text        NOT NULL,
    supervisor_nip text,
    active         boolean     NOT NULL,
    changed_at     timestamptz NOT NULL,
    event_id       uuid        NOT NULL
);
CREATE INDEX rm_profiles_unit ON rm_profiles (unit_id);

-- Completed training (JP credited), one row per enrollment.
CREATE TABLE rm_completions (
    enrollment_id          text PRIMARY KEY,
    nip                    text             NOT NULL,
    unit_id                text             NOT NULL,
    programme_code         text             NOT NULL,
    programme_kind         text             NOT NULL,
    competencies           text[]           NOT NULL,
    jp_credited            double precision NOT NULL,
    score                  double precision,
    completed_at           timestamptz      NOT NULL,
    completed_on           date             NOT NULL,  -- the Jakarta calendar day
    session_id             text,
    scheduled_programme_id text,
    event_id               uuid             NOT NULL
);
CREATE INDEX rm_completions_nip ON rm_completions (nip, completed_on);
CREATE INDEX rm_completions_programme ON rm_completions (scheduled_programme_id);

-- Each enrollment's latest status.
CREATE TABLE rm_enrollments (
    enrollment_id          text PRIMARY KEY,
    nip                    text        NOT NULL,
    programme_code         text        NOT NULL,
    session_id             text        NOT NULL,
    scheduled_programme_id text,
    status                 text        NOT NULL,
    previous_status        text,
    changed_at             timestamptz NOT NULL,
    event_id               uuid        NOT NULL
);
CREATE INDEX rm_enrollments_nip ON rm_enrollments (nip, programme_code);

-- Every decline and no-show ever seen (the history a nudge is decided from).
CREATE TABLE rm_non_attendance (
    enrollment_id  text        NOT NULL,
    status         text        NOT NULL CHECK (status IN ('declined', 'no_show')),
    changed_at     timestamptz NOT NULL,
    nip            text        NOT NULL,
    programme_code text        NOT NULL,
    reason         text,
    PRIMARY KEY (enrollment_id, status, changed_at)
);
CREATE INDEX rm_non_attendance_nip ON rm_non_attendance (nip, programme_code);

-- Session bookings from programme-scheduled (every instance's decisions), per participant.
-- A booking stops counting as busy once the person's enrollment for that programme is
-- declined or cancelled (joined at query time, so the two topics may arrive in any order).
CREATE TABLE rm_bookings (
    scheduled_programme_id text        NOT NULL,
    session_ref            text        NOT NULL,
    nip                    text        NOT NULL,
    programme_code         text        NOT NULL,
    unit_id                text        NOT NULL,
    starts_at              timestamptz NOT NULL,
    ends_at                timestamptz NOT NULL,
    PRIMARY KEY (scheduled_programme_id, session_ref, nip)
);
CREATE INDEX rm_bookings_nip ON rm_bookings (nip, ends_at);

-- Decisions -------------------------------------------------------------------------------

-- The latest decision per gap key. A 'scheduled' row is final; a skip or a flag may be
-- replaced when the same gap is announced again (e.g. the roster arrived meanwhile).
CREATE TABLE gap_decisions (
    gap_key                text PRIMARY KEY,
    unit_id                text        NOT NULL,
    element                text        NOT NULL,
    period                 text        NOT NULL,
    outcome                text        NOT NULL CHECK (outcome IN ('scheduled', 'skipped', 'flagged')),
    reason                 text,
    explanation_id         text        NOT NULL,
    explanation_en         text        NOT NULL,
    rule_version           text,
    scheduled_programme_id text,
    retry_after            date,
    first_decided_at       timestamptz NOT NULL,
    decided_at             timestamptz NOT NULL,
    trigger_event_id       uuid        NOT NULL
);
CREATE INDEX gap_decisions_unit ON gap_decisions (unit_id, outcome);

-- One programme per gap: the unique idempotency key makes a redelivered or repeated gap
-- event schedule nothing twice, whichever instance sees it.
CREATE TABLE scheduled_programmes (
    scheduled_programme_id text PRIMARY KEY,
    idempotency_key        text             NOT NULL UNIQUE,
    unit_id                text             NOT NULL,
    element                text             NOT NULL,
    period                 text             NOT NULL,
    period_kind            text             NOT NULL,
    programme_code         text             NOT NULL,
    competencies           text[]           NOT NULL,
    rule_version           text             NOT NULL,
    rule_line              integer          NOT NULL,
    gap_score              double precision NOT NULL,
    gap_mutu               text             NOT NULL,
    follow_up_of           text,
    first_day              date             NOT NULL,
    last_day               date             NOT NULL,
    cohort_size            integer          NOT NULL,
    waiting                integer          NOT NULL,  -- overflow + unplaced
    explanation_id         text             NOT NULL,
    explanation_en         text             NOT NULL,
    scheduled_at           timestamptz      NOT NULL,
    event_id               uuid             NOT NULL
);
CREATE INDEX scheduled_programmes_unit ON scheduled_programmes (unit_id, element);

CREATE TABLE scheduled_sessions (
    scheduled_programme_id text        NOT NULL REFERENCES scheduled_programmes ON DELETE CASCADE,
    session_ref            text        NOT NULL,
    days                   date[]      NOT NULL,
    starts_at              timestamptz NOT NULL,
    ends_at                timestamptz NOT NULL,
    capacity               integer     NOT NULL,
    place                  text,
    online_url             text,
    cohort                 text[]      NOT NULL,
    PRIMARY KEY (scheduled_programme_id, session_ref)
);

-- Reminders sent to people who declined or missed a programme, and whether they came after.
CREATE TABLE nudges (
    event_id           uuid PRIMARY KEY,  -- the nudge-requested event's id
    nip                text        NOT NULL,
    programme_code     text        NOT NULL,
    attempt            integer     NOT NULL,
    max_reminders      integer     NOT NULL,
    include_supervisor boolean     NOT NULL,
    supervisor_nip     text,
    copy_to_hr         boolean     NOT NULL,
    register           text        NOT NULL,  -- ramah | formal (rules file)
    tone               text        NOT NULL,  -- gentle | encouraging | firm
    message_id         text        NOT NULL,
    message_en         text        NOT NULL,
    enrollment_id      text,
    requested_at       timestamptz NOT NULL,
    trigger_event_id   uuid        NOT NULL UNIQUE,
    converted_at       timestamptz,
    converted_status   text,
    UNIQUE (nip, programme_code, attempt)
);
CREATE INDEX nudges_open ON nudges (nip, programme_code) WHERE converted_at IS NULL;

-- Reminders used up: the supervisor and the HR office take over (never a silent drop-out).
CREATE TABLE nudge_escalations (
    trigger_event_id uuid PRIMARY KEY,
    nip              text        NOT NULL,
    programme_code   text        NOT NULL,
    reminders_sent   integer     NOT NULL,
    non_attendances  integer     NOT NULL,
    supervisor_nip   text,
    message_id       text        NOT NULL,
    message_en       text        NOT NULL,
    escalated_at     timestamptz NOT NULL
);

-- A decline seen before the person's profile: nudged as soon as the profile arrives.
CREATE TABLE pending_nudges (
    trigger_event_id uuid PRIMARY KEY,
    nip              text        NOT NULL,
    programme_code   text        NOT NULL,
    enrollment_id    text,
    received_at      timestamptz NOT NULL
);
CREATE INDEX pending_nudges_nip ON pending_nudges (nip);

-- recommendation-issued events we published (what, why and when).
CREATE TABLE issued_recommendations (
    event_id   uuid PRIMARY KEY,
    nip        text        NOT NULL,
    unit_id    text        NOT NULL,
    cause      text        NOT NULL,  -- gap_scheduled | completion
    items      jsonb       NOT NULL,
    issued_at  timestamptz NOT NULL
);
CREATE INDEX issued_recommendations_nip ON issued_recommendations (nip, issued_at);
