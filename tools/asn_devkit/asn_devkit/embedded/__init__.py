"""Embedded parts for running without Docker: the Tansu Kafka-protocol broker and PostgreSQL."""
