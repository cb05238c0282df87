"""Kafka wiring: one idempotent batch consumer per input topic, and the request/reply
responder. Thin: each binds the inbox's transaction to a unit of work and calls a handler."""
