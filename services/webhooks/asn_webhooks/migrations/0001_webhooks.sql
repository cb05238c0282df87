-- Webhook subscriptions of agencies without Kafka, and one delivery row per
-- (subscription, event): the rows are each subscription's position.
CREATE TABLE webhook_subscriptions (
    id uuid PRIMARY KEY,
    agency text NOT NULL CHECK (length(agency) BETWEEN 1 AND 200),
    url text NOT NULL,
    event_types text[] NOT NULL,
    allow_personal_data boolean NOT NULL DEFAULT false,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
    paused_reason text,
    secret text NOT NULL,
    previous_secret text,
    previous_secret_until timestamptz,
    consecutive_failures integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_subscriptions_types ON webhook_subscriptions USING gin (event_types);

CREATE TABLE webhook_deliveries (
    id bigserial PRIMARY KEY,                 -- arrival order: the order per key
    subscription_id uuid NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    event_key text NOT NULL,
    body bytea NOT NULL,                      -- the CloudEvent JSON, sent and signed as is
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz,                 -- a sender's lease on an attempt in flight
    last_status integer,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (subscription_id, event_key, id)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (subscription_id, id)
    WHERE status = 'dead';
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (finished_at)
    WHERE status = 'delivered';
