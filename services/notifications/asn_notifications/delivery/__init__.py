"""Leaving the service: composing a message from its templates and the sender loop."""
