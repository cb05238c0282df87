#!/usr/bin/env bash
# Writes the admin principal's client properties for Kafka's own CLI tools (healthcheck, topic
# initialiser) to $1, from ASN_KAFKA_ADMIN_PASSWORD; mode 0600.
set -euo pipefail
umask 077
cat > "$1" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${ASN_KAFKA_ADMIN_PASSWORD:?}";
PROPS
