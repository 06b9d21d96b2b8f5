-- A donation's assessment reads bounded slices of trust_attempts (src/db/signals.ts):
-- whether the donor has a succeeded donation stops at the first one, and the
-- amount percentile takes the campaign's latest succeeded donations in order.
CREATE INDEX trust_attempts_donor_succeeded ON trust_attempts (donor_key) WHERE outcome = 'succeeded';
CREATE INDEX trust_attempts_campaign_latest ON trust_attempts (campaign_id, currency, created_at DESC) WHERE outcome = 'succeeded';
-- Replaced by trust_attempts_campaign_latest (same rows, plus their order).
DROP INDEX trust_attempts_campaign;
