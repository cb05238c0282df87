-- Contacts (personal data kept here only), read models from enrollment's events, the
-- delivery table and the certificates.

CREATE TABLE contacts (
    nip           text PRIMARY KEY,
    email         text,
    mobile        text,             -- E.164
    channel       text NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'whatsapp')),
    lang          text NOT NULL DEFAULT 'id' CHECK (lang IN ('id', 'en')),
    nudge_opt_out boolean NOT NULL DEFAULT false,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rm_profiles (
    nip            text PRIMARY KEY,
    name           text NOT NULL,
    unit_id        text NOT NULL,
    position       text NOT NULL,
    supervisor_nip text,
    active         boolean NOT NULL,
    changed_at     timestamptz NOT NULL
);

CREATE TABLE rm_programmes (
    code         text PRIMARY KEY,
    title        text NOT NULL,
    benefit_id   text NOT NULL,
    benefit_en   text NOT NULL,
    jp           int NOT NULL,
    competencies text[] NOT NULL,
    changed_at   timestamptz NOT NULL
);

CREATE TABLE rm_sessions (
    session_id     text PRIMARY KEY,
    programme_code text NOT NULL,
    sequence       int NOT NULL,
    change         text NOT NULL,
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz NOT NULL,
    place          text,
    online_url     text,
    speakers       jsonb NOT NULL DEFAULT '[]',
    reason         text,
    changed_at     timestamptz NOT NULL
);

CREATE TABLE rm_enrollments (
    enrollment_id  text PRIMARY KEY,
    nip            text NOT NULL,
    programme_code text NOT NULL,
    session_id     text NOT NULL,
    status         text NOT NULL,
    changed_at     timestamptz NOT NULL
);
CREATE INDEX rm_enrollments_session ON rm_enrollments (session_id, status);

-- One row per message. message_key says what the message is about (kind, enrollment or
-- session and its sequence, recipient), so the same decision taken twice adds nothing.
CREATE TABLE deliveries (
    id            bigserial PRIMARY KEY,
    message_key   text NOT NULL UNIQUE,
    kind          text NOT NULL,
    recipient_nip text NOT NULL,
    payload       jsonb NOT NULL DEFAULT '{}',
    status        text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    channel       text,             -- the channel it went (or last tried) by
    attempts      int NOT NULL DEFAULT 0,
    not_before    timestamptz NOT NULL,
    lease_until   timestamptz,
    last_error    text,
    provider_id   text,             -- SMTP Message-ID or WhatsApp message id
    created_at    timestamptz NOT NULL,
    sent_at       timestamptz
);
CREATE INDEX deliveries_due ON deliveries (not_before) WHERE status IN ('pending', 'sending');
CREATE INDEX deliveries_undelivered ON deliveries (created_at) WHERE status IN ('pending', 'sending', 'failed');
CREATE INDEX deliveries_persuasion ON deliveries (recipient_nip, created_at) WHERE kind IN ('nudge', 'escalation');

CREATE TABLE certificates (
    number         text PRIMARY KEY,
    enrollment_id  text NOT NULL UNIQUE,
    nip            text NOT NULL,
    programme_code text NOT NULL,
    competencies   text[] NOT NULL,
    jp             double precision NOT NULL,
    session_id     text,
    completed_at   timestamptz NOT NULL,
    issued_at      timestamptz NOT NULL
);
CREATE INDEX certificates_nip ON certificates (nip);
