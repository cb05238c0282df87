-- Signing secrets are stored encrypted (asn_webhooks.sealing: Fernet under the keys of
-- ASN_WEBHOOKS_SECRET_KEYS) in the *_sealed columns. SQL cannot encrypt with the service's key,
-- so rows from before keep their secret in the clear columns only until the service starts:
-- it seals them then, before it sends or consumes anything, and empties the clear columns
-- (handlers.subscriptions.seal_stored_secrets). Nothing writes the clear columns any more.
ALTER TABLE webhook_subscriptions
    ADD COLUMN secret_sealed text,
    ADD COLUMN previous_secret_sealed text,
    ALTER COLUMN secret DROP NOT NULL,
    ADD CONSTRAINT webhook_subscriptions_secret_kept
        CHECK (secret IS NOT NULL OR secret_sealed IS NOT NULL);
