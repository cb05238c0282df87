#!/usr/bin/env bash
# One-shot topic initialiser for docker compose: creates every platform topic with its partition
# count, as the admin principal (services may not create topics under the ACLs; the kafka-access
# initialiser, asn-kafka-init, creates the same topics from asn_platform/topics.py too). It lists
# the topics once and starts the CLI only for the missing ones: each start is a JVM, and this
# runs at every `up`.
set -euo pipefail
BOOTSTRAP=${KAFKA_BOOTSTRAP_SERVERS:-kafka:9092}
KT=/opt/kafka/bin/kafka-topics.sh
bash /init/admin-client.sh /tmp/admin.properties
list() { "$KT" --bootstrap-server "$BOOTSTRAP" --command-config /tmp/admin.properties --list; }
existing=" $(list | tr '\n' ' ') "
create() {
  [[ "$existing" == *" $1 "* ]] && return 0
  "$KT" --bootstrap-server "$BOOTSTRAP" --command-config /tmp/admin.properties --create --if-not-exists --topic "$1" --partitions "$2" --replication-factor 1 ${3:+--config "$3"}
  existing="$existing$1 "
}
create asn.surveys.survey-submitted.v1 6
create asn.surveys.service-gap-detected.v1 3
create asn.surveys.response-intake.v1 6
create asn.enrollment.asn-profile-changed.v1 6 cleanup.policy=compact
create asn.enrollment.enrollment-changed.v1 6
create asn.enrollment.training-completed.v1 6
create asn.enrollment.programme-catalogue-changed.v1 1 cleanup.policy=compact
create asn.enrollment.session-changed.v1 3
create asn.recommendations.programme-scheduled.v1 3
create asn.recommendations.recommendation-issued.v1 6
create asn.recommendations.nudge-requested.v1 3
create asn-internal.rpc.recommendations.request.v1 3
for t in $(tr ' ' '\n' <<< "$existing" | grep -E '^asn(\.|-internal\.)' | grep -v '\.dlq$' | grep -v '^asn-internal\.rpc\.reply\.'); do
  create "$t.dlq" 1
done
echo "topics ready"
