#!/usr/bin/env bash
# One-shot: formats the KRaft log directory on first start with the cluster id and the admin's
# SCRAM-SHA-512 credential (a SCRAM user must exist before the broker can authenticate anyone,
# itself included). Does nothing on an already formatted volume.
set -euo pipefail
: "${KAFKA_CLUSTER_ID:?set KAFKA_CLUSTER_ID in .env (see README)}"
: "${ASN_KAFKA_ADMIN_PASSWORD:?set KAFKA_ADMIN_PASSWORD in .env (see README)}"
cat > /tmp/format.properties <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@kafka:9093
controller.listener.names=CONTROLLER
listeners=CLIENT://:9092,CONTROLLER://:9093
listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
inter.broker.listener.name=CLIENT
log.dirs=/var/lib/kafka/data
PROPS
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted \
  --cluster-id="$KAFKA_CLUSTER_ID" --config /tmp/format.properties \
  --add-scram "SCRAM-SHA-512=[name=admin,password=$ASN_KAFKA_ADMIN_PASSWORD]"
echo "storage ready"
