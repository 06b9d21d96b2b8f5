-- Every donation attempt trust-service has seen: recorded at assessment time
-- (outcome pending) and settled by donation.succeeded / donation.failed.
-- Velocity, card testing and the percentile rule all count these rows.
CREATE TABLE trust_attempts (
  id               uuid PRIMARY KEY,
  donation_id      text UNIQUE,
  campaign_id      text NOT NULL,
  donor_key        text,
  ip               text,
  card_fingerprint text,
  amount           bigint NOT NULL CHECK (amount >= 0),
  currency         text NOT NULL,
  outcome          text NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'succeeded', 'failed')),
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trust_attempts_ip ON trust_attempts (ip, created_at);
CREATE INDEX trust_attempts_donor ON trust_attempts (donor_key, created_at);
CREATE INDEX trust_attempts_card ON trust_attempts (card_fingerprint, created_at);
CREATE INDEX trust_attempts_campaign ON trust_attempts (campaign_id, currency) WHERE outcome = 'succeeded';

CREATE TABLE trust_assessments (
  id          uuid PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('donation', 'campaign')),
  subject_id  text NOT NULL,
  campaign_id text NOT NULL,
  actor_key   text,
  score       integer NOT NULL CHECK (score BETWEEN 0 AND 100),
  decision    text NOT NULL CHECK (decision IN ('allow', 'review', 'block')),
  reasons     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trust_assessments_actor ON trust_assessments (kind, actor_key, created_at);

CREATE TABLE trust_reviews (
  id            uuid PRIMARY KEY,
  assessment_id uuid NOT NULL UNIQUE REFERENCES trust_assessments (id),
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'approved', 'rejected')),
  note          text,
  decided_by    text,
  decided_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trust_reviews_status ON trust_reviews (status, created_at);

CREATE TABLE trust_suspended_assets (
  id         uuid PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('card_fingerprint', 'email', 'ip')),
  value      text NOT NULL,
  reason     text,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, value)
);

-- A donation is assessed once: a retried call gets the first answer.
CREATE UNIQUE INDEX trust_assessments_donation ON trust_assessments (subject_id) WHERE kind = 'donation';
