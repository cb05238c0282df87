"""One small function per event or command, each taking a unit of work first.

- gaps: a gap announced -> decided (schedule, flag, skip) and stored, programme-scheduled out;
- surveys, profiles, enrollments, completions, bookings, catalogue: the read model updated, then
  what the change causes (nudges, conversions, fresh recommendations);
- follow_ups: the periodic sweep of persisting and retryable gaps;
- reads: the read side the HTTP API and the request/reply answer need.
"""
