-- A recipient's preferences (locale, addresses, channel switches per category).
-- Recipients without a row use the defaults.
CREATE TABLE notify_recipients (
  id             text PRIMARY KEY,
  preferences    jsonb NOT NULL,
  webhook_secret text,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- One row per message per channel: the in-app feed, the email and webhook
-- delivery queue (pending -> sent, or dead after the last attempt) and the
-- dead letters, all in one place.
CREATE TABLE notifications (
  id               uuid PRIMARY KEY,
  recipient_id     text NOT NULL,
  channel          text NOT NULL CHECK (channel IN ('email', 'in_app', 'webhook')),
  category         text NOT NULL,
  source_event_id  text NOT NULL,
  template         text NOT NULL,
  locale           text NOT NULL,
  template_version integer NOT NULL,
  subject          text NOT NULL,
  body             text NOT NULL,
  address          text,
  status           text NOT NULL CHECK (status IN ('pending', 'sent', 'dead')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,
  lease_until      timestamptz,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz,
  UNIQUE (source_event_id, recipient_id, channel, template)
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notifications_feed ON notifications (recipient_id, created_at DESC) WHERE channel = 'in_app';
CREATE INDEX notifications_dead ON notifications (created_at) WHERE status = 'dead';
