#!/usr/bin/env bash
# Prints a new .env for docker-compose.yml with random secrets:
#   deploy/make-env.sh > .env && chmod 600 .env
# Keep .env out of version control (it is in .gitignore) and in your secret store.
set -euo pipefail
rand() { python3 -c 'import secrets; print(secrets.token_urlsafe(24))'; }
cluster_id() { python3 -c 'import base64, uuid
while (c := base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()).startswith("-"): pass
print(c)'; }
cat <<ENV
KAFKA_CLUSTER_ID=$(cluster_id)
KAFKA_ADMIN_PASSWORD=$(rand)
KAFKA_PASSWORD_SURVEYS=$(rand)
KAFKA_PASSWORD_ENROLLMENT=$(rand)
KAFKA_PASSWORD_RECOMMENDATIONS=$(rand)
POSTGRES_PASSWORD=$(rand)
KEYCLOAK_ADMIN_PASSWORD=$(rand)
KEYCLOAK_SECRET_KIOSK=$(rand)
KEYCLOAK_SECRET_PROMETHEUS=$(rand)
KEYCLOAK_SECRET_DEMO=$(rand)
CONSOLE_SESSION_SECRET=$(rand)
ENV
