"""Thin HTTP routes: contacts, undelivered messages and re-send, certificates, verification."""
