-- Exactly-once money across crashes (issue 13).

-- The caller-scoped Idempotency-Key that created a donation, so a retry after
-- a crash answers this donation instead of running again.
ALTER TABLE donations ADD COLUMN IF NOT EXISTS idempotency_key text;
CREATE INDEX IF NOT EXISTS donations_idempotency_key ON donations (idempotency_key, created_at) WHERE idempotency_key IS NOT NULL;
-- Until when a reconciler has claimed a donation (so two replicas never settle the same one at once).
ALTER TABLE donations ADD COLUMN IF NOT EXISTS reconcile_until timestamptz;
CREATE INDEX IF NOT EXISTS donations_unsettled ON donations (updated_at) WHERE status IN ('NEW', 'PROCESSING', 'IN_REVIEW');

-- A refund is recorded PENDING (its id is the provider's idempotency key)
-- before the provider is asked, and SUCCEEDED or FAILED after.
ALTER TABLE refunds ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'SUCCEEDED' CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED'));
ALTER TABLE refunds ADD COLUMN IF NOT EXISTS idempotency_key text;
ALTER TABLE refunds ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE refunds ADD COLUMN IF NOT EXISTS reconcile_until timestamptz;
CREATE INDEX IF NOT EXISTS refunds_idempotency_key ON refunds (idempotency_key, created_at) WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS refunds_pending ON refunds (updated_at) WHERE status = 'PENDING';

-- The sandbox provider's own books: what a real provider keeps on its side,
-- written outside the service's transactions, so they survive its crashes.
CREATE TABLE IF NOT EXISTS sandbox_charges (
  id           text PRIMARY KEY,
  reference    text        NOT NULL UNIQUE,
  amount       bigint      NOT NULL CHECK (amount > 0),
  currency     char(3)     NOT NULL,
  state        text        NOT NULL CHECK (state IN ('declined', 'held', 'captured', 'cancelled')),
  decline_code text,
  charge_id    text UNIQUE,
  fee          bigint,
  refunded     bigint      NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS sandbox_refunds (
  id         text PRIMARY KEY,
  reference  text        NOT NULL UNIQUE,
  charge_id  text        NOT NULL REFERENCES sandbox_charges (charge_id),
  amount     bigint      NOT NULL CHECK (amount > 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
