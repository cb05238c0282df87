-- Audit trail of every state-changing HTTP request (who, what, when, outcome). Append-only:
-- no route changes it and a trigger refuses UPDATE, DELETE and TRUNCATE. Rows of a successful
-- change are written in the same transaction as the change itself.
CREATE TABLE audit_log (
    audit_id    bigserial   PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    subject     text,                       -- token 'sub'; null: no valid token
    username    text,                       -- preferred_username or client id
    client_id   text,                       -- 'azp'
    roles       text[]      NOT NULL DEFAULT '{}',
    method      text        NOT NULL,
    route       text        NOT NULL,       -- the route template, e.g. /api/v1/asn/{nip}
    entity_id   text,                       -- path parameters, e.g. nip=1985...
    summary     jsonb       NOT NULL DEFAULT '{}'::jsonb,  -- the change, personal data masked
    outcome     text        NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
    status      int         NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at DESC, audit_id DESC);
CREATE INDEX audit_log_subject ON audit_log (subject, at DESC);
CREATE INDEX audit_log_entity ON audit_log (entity_id, at DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END
$$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
