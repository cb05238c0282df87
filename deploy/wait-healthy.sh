#!/usr/bin/env bash
# Waits until the container of each named compose service reports healthy (deploy/README.md):
#   deploy/wait-healthy.sh surveys enrollment        (at most $TIMEOUT seconds each, 300)
# Run it where you run `docker compose` (the checkout with docker-compose.yml).
set -euo pipefail
timeout=${TIMEOUT:-300}
for service in "$@"; do
  deadline=$((SECONDS + timeout))
  while :; do
    id=$(docker compose ps -q "$service")
    status=$([ -n "$id" ] && docker inspect -f '{{.State.Health.Status}}' "$id" 2>/dev/null || true)
    [ "$status" = healthy ] && break
    if ((SECONDS > deadline)); then
      echo "$service is ${status:-not running} after ${timeout}s" >&2
      exit 1
    fi
    sleep 2
  done
  echo "$service healthy"
done
