"""Thin Kafka consumers: each binds the inbox transaction to a unit of work and calls handlers/."""
