#!/usr/bin/env bash
# Prints a new .env for docker-compose.yml with random secrets:
#   deploy/make-env.sh > .env && chmod 600 .env
# Keep .env out of version control (it is in .gitignore) and in your secret store.
set -euo pipefail
rand() { python3 -c 'import secrets; print(secrets.token_urlsafe(24))'; }
# A Fernet key (32 random bytes, url-safe base64): seals the webhook signing secrets.
fernet_key() { python3 -c 'import base64, secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())'; }
cluster_id() { python3 -c 'import base64, uuid
while (c := base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()).startswith("-"): pass
print(c)'; }
cat <<ENV
KAFKA_CLUSTER_ID=$(cluster_id)
KAFKA_ADMIN_PASSWORD=$(rand)
KAFKA_PASSWORD_SURVEYS=$(rand)
KAFKA_PASSWORD_ENROLLMENT=$(rand)
KAFKA_PASSWORD_RECOMMENDATIONS=$(rand)
KAFKA_PASSWORD_WEBHOOKS=$(rand)
KAFKA_PASSWORD_NOTIFICATIONS=$(rand)
POSTGRES_PASSWORD=$(rand)
KEYCLOAK_ADMIN_PASSWORD=$(rand)
KEYCLOAK_SECRET_KIOSK=$(rand)
KEYCLOAK_SECRET_PROMETHEUS=$(rand)
KEYCLOAK_SECRET_DEMO=$(rand)
CONSOLE_SESSION_SECRET=$(rand)
# Rotation: put a new key first, comma, the old one; restart webhooks; then drop the old one.
WEBHOOKS_SECRET_KEYS=$(fernet_key)
# The city's SMTP relay (fill in; STARTTLS on 587 unless SMTP_SECURITY=tls or none):
SMTP_HOST=
SMTP_PORT=587
SMTP_SECURITY=starttls
SMTP_USERNAME=
SMTP_PASSWORD=
# Demo deployments only: -28 schedules the sessions four weeks back so asn-demo can mark their
# attendance (enrollment refuses it before a session starts). Leave empty in production.
DEMO_LEAD_TIME_DAYS=
ENV
