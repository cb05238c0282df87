-- Personal data retention (UU 27/2022): after ASN_PERSONAL_DATA_RETENTION_DAYS a scheduled job
-- removes the comment and the exact age of a response and keeps only its age band. The IKM
-- buckets already hold every count, so IKM and reports do not change.
ALTER TABLE responses ALTER COLUMN age DROP NOT NULL;
ALTER TABLE responses ADD COLUMN age_band text;
ALTER TABLE responses ADD COLUMN anonymised_at timestamptz;
CREATE INDEX responses_to_anonymise ON responses (received_at) WHERE anonymised_at IS NULL;
