-- The scheduled purge of settled delivery rows (handlers/deliveries.purge_settled) finds the
-- old ones without reading the whole table.
CREATE INDEX deliveries_settled ON deliveries ((coalesce(sent_at, created_at)))
    WHERE status IN ('sent', 'skipped');
