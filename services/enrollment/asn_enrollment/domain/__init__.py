"""Pure domain layer of the enrollment service: no database, no network, no clock reads.

Modules: nip (civil-servant numbers), roster and roster_csv (ASN profiles and their CSV import),
catalogue (programmes and sessions), lifecycle (enrollment state machine, capacity, double
booking), session_changes (reschedule and cancel rules), jp_ledger (annual JP hours and
compliance).
Anything that needs "today" or "now" takes it as an argument so results are reproducible.
"""
