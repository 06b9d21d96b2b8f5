-- Transactional outbox: producers insert here in the same transaction as the
-- change that caused the event; the relay publishes rows in position order.
CREATE TABLE IF NOT EXISTS event_outbox (
  position     bigserial PRIMARY KEY,
  event_id     uuid        NOT NULL UNIQUE,
  type         text        NOT NULL,
  occurred_at  timestamptz NOT NULL,
  data         jsonb       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX IF NOT EXISTS event_outbox_unpublished ON event_outbox (position) WHERE published_at IS NULL;

-- Inbox: one row per (consumer, event) applied, written in the same
-- transaction as the effect, so a redelivered event is applied once.
CREATE TABLE IF NOT EXISTS processed_events (
  consumer     text        NOT NULL,
  event_id     uuid        NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
