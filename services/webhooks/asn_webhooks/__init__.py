"""Signed webhooks for agencies without Kafka: CloudEvents over HTTP, Standard Webhooks 1.0."""
