#!/bin/bash
# kafka-run-class.sh CLASS [ARGS]: the JVM with every jar of the distribution on the class path.
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} ${KAFKA_OPTS:-} \
  -Dlog4j2.configurationFile="${KAFKA_LOG4J_CONFIG:-/opt/kafka/config-default/log4j2.yaml}" \
  -cp '/opt/kafka/libs/*' "$@"
