-- A claim released after a 5xx keeps its row, marked released, so the next
-- claim of the key can say it took over a released one (the route then looks
-- for effects of the earlier attempt; a brand-new key needs no lookup).
alter table idempotency_keys add column if not exists released_at timestamptz;
