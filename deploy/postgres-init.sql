-- Each service creates its own database at start if missing; nothing else is needed here.
-- Kept for operators who pre-create databases with restricted owners.
SELECT 1;
