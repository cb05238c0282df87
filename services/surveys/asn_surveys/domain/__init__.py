"""Pure domain logic of the surveys service (no I/O): SKM/IKM maths per Permenpan RB 14/2017,
Krejcie-Morgan sample adequacy, incremental aggregates, the intake model, gap decisions and
per-unit reports. Adapters (database, Kafka, HTTP) build on these modules.
"""
