"""Use cases of the surveys service: one function per command or event, each on a unit of work."""
