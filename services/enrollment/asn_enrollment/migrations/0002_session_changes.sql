-- Session changes (SessionChanged): the iCalendar SEQUENCE of a session's invitations, 0 when
-- opened and one more on every reschedule or cancellation, and the cancellation itself.
ALTER TABLE sessions
    ADD COLUMN sequence      int NOT NULL DEFAULT 0 CHECK (sequence >= 0),
    ADD COLUMN cancelled_at  timestamptz,
    ADD COLUMN cancel_reason text;
