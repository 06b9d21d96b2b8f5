-- Idempotency-Key records (Stripe semantics): one row per key, claimed before
-- the request runs; response_* filled when it completes. Kept 24 h.
create table if not exists idempotency_keys (
  key text primary key,
  fingerprint text not null,
  created_at timestamptz not null default now(),
  completed_at timestamptz,
  response_status integer,
  response_headers jsonb,
  response_body text
);

create index if not exists idempotency_keys_created_at on idempotency_keys (created_at);
