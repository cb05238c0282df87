"""All SQL of the notifications service: functions taking a connection."""
