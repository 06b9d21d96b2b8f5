CREATE INDEX trust_attempts_campaign ON trust_attempts (campaign_id, currency) WHERE outcome = 'succeeded';
DROP INDEX trust_attempts_campaign_latest;
DROP INDEX trust_attempts_donor_succeeded;
