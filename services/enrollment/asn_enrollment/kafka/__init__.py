"""Thin Kafka consumers of the enrollment service: the inbox's transaction bound to a unit of
work, then a handler."""
