"""Pure rules of the notifications service: no I/O, no clock reads (time is passed in)."""
