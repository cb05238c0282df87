"""Kafka consumers of the surveys service (thin: bind the inbox transaction, call handlers/)."""
