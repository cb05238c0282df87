"""All SQL of the surveys service: functions taking a connection, returning domain values or rows."""
