"""PostgreSQL adapters of the enrollment service. Every function takes a connection and runs
inside the caller's transaction, so that state changes and their outbox events commit together."""
