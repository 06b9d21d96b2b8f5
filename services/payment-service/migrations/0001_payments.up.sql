-- Donations: one row per POST /api/v1/donations that passed validation.
-- Never a card number: a keyed fingerprint and the last four digits.
CREATE TABLE IF NOT EXISTS donations (
  id               uuid PRIMARY KEY,
  campaign_id      text        NOT NULL,
  organizer_id     text,
  donor_id         text,
  email            text,
  ip               text,
  currency         char(3)     NOT NULL,
  amount           bigint      NOT NULL CHECK (amount > 0),
  tip              bigint      NOT NULL DEFAULT 0 CHECK (tip >= 0),
  fee              bigint      NOT NULL DEFAULT 0 CHECK (fee >= 0),
  refunded         bigint      NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
  status           text        NOT NULL CHECK (status IN ('NEW', 'PROCESSING', 'PAID', 'ERROR', 'IN_REVIEW', 'REFUNDED')),
  failure_code     text,
  card_fingerprint text        NOT NULL,
  card_last4       char(4)     NOT NULL,
  card_brand       text        NOT NULL,
  provider         text        NOT NULL,
  authorization_id text,
  charge_id        text,
  trust_score      integer,
  trust_decision   text,
  trust_reasons    jsonb       NOT NULL DEFAULT '[]'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  paid_at          timestamptz
);
CREATE INDEX IF NOT EXISTS donations_campaign ON donations (campaign_id, status);

CREATE TABLE IF NOT EXISTS refunds (
  id                 uuid PRIMARY KEY,
  donation_id        uuid        NOT NULL REFERENCES donations (id),
  amount             bigint      NOT NULL CHECK (amount > 0),
  currency           char(3)     NOT NULL,
  reason             text,
  provider_refund_id text,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS refunds_donation ON refunds (donation_id);

-- Double-entry ledger: entries are only ever inserted. A group (one movement)
-- has balanced DEBIT and CREDIT entries.
CREATE TABLE IF NOT EXISTS ledger_groups (
  id          uuid PRIMARY KEY,
  kind        text        NOT NULL CHECK (kind IN ('donation', 'tip', 'processor_fee', 'refund')),
  donation_id uuid        REFERENCES donations (id),
  refund_id   uuid        REFERENCES refunds (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  position    bigserial   UNIQUE
);
CREATE TABLE IF NOT EXISTS ledger_entries (
  id         bigserial PRIMARY KEY,
  group_id   uuid    NOT NULL REFERENCES ledger_groups (id),
  account    text    NOT NULL,
  direction  text    NOT NULL CHECK (direction IN ('DEBIT', 'CREDIT')),
  amount     bigint  NOT NULL CHECK (amount > 0),
  currency   char(3) NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_entries_group ON ledger_entries (group_id);
CREATE INDEX IF NOT EXISTS ledger_entries_account ON ledger_entries (account, currency);

-- Provider webhook events applied (each once).
CREATE TABLE IF NOT EXISTS provider_events (
  id          text PRIMARY KEY,
  type        text        NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
