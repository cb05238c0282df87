#!/usr/bin/env bash
# Consumer-group offsets, backed up and restored as the admin principal (deploy/README.md):
#   offsets.sh export                  > offsets.csv   every group's committed offsets, as CSV
#                                                      group,topic,partition,offset
#   offsets.sh import GROUP-PREFIX     < offsets.csv   sets the groups named GROUP-PREFIX... back
#                                                      to the file's offsets
# Export reads committed offsets with --describe, so it works while the services run (a reset
# would refuse an active group). Import needs the groups inactive: stop their service first; it
# waits for the group to empty and fails on Kafka's "Error" lines, because the tool itself
# exits 0 when it skips a group that still has members.
set -euo pipefail
BOOTSTRAP=${KAFKA_BOOTSTRAP_SERVERS:-localhost:9092}
CG=/opt/kafka/bin/kafka-consumer-groups.sh
bash /init/admin-client.sh /tmp/offsets.properties
cg() { "$CG" --bootstrap-server "$BOOTSTRAP" --command-config /tmp/offsets.properties "$@"; }

case "${1:-}" in
  export)
    # Columns: GROUP TOPIC PARTITION CURRENT-OFFSET ...; "-" means nothing committed yet.
    cg --describe --all-groups --offsets 2>/dev/null \
      | awk '$1 != "GROUP" && NF >= 4 && $4 ~ /^[0-9]+$/ { print $1 "," $2 "," $3 "," $4 }' \
      | sort
    ;;
  import)
    prefix=${2:?usage: offsets.sh import GROUP-PREFIX < offsets.csv}
    plan=/tmp/offsets-plan.csv
    awk -F, -v p="$prefix" 'index($1, p) == 1' > "$plan"
    [ -s "$plan" ] || { echo "no offsets for groups named $prefix... in the file" >&2; exit 1; }
    groups=$(cut -d, -f1 "$plan" | sort -u)
    for g in $groups; do
      for _ in $(seq 1 60); do  # a stopped consumer leaves its group within seconds
        members=$(cg --describe --group "$g" --state 2>/dev/null | awk 'NR > 1 && NF > 0 { print $NF }' | tail -1)
        [ "${members:-0}" = 0 ] && break
        sleep 2
      done
    done
    args=()
    for g in $groups; do args+=(--group "$g"); done
    out=$(cg --reset-offsets "${args[@]}" --from-file "$plan" --execute 2>&1) || { echo "$out" >&2; exit 1; }
    echo "$out"
    if grep -q '^Error' <<< "$out"; then exit 1; fi
    ;;
  *)
    echo "usage: offsets.sh export | offsets.sh import GROUP-PREFIX" >&2
    exit 2
    ;;
esac
