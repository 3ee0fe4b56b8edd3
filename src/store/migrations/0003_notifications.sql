-- ALR-9 notification channels and a durable outbox (a receiver that is down is retried; nothing is lost).
CREATE TABLE notification_channels (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  config TEXT NOT NULL,
  min_severity TEXT NOT NULL,
  types TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX notification_channels_account ON notification_channels (account_id);

CREATE TABLE notification_outbox (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  alert_id TEXT,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  sent_at BIGINT
);
CREATE INDEX notification_outbox_due ON notification_outbox (status, next_attempt_at);
CREATE INDEX notification_outbox_account ON notification_outbox (account_id, created_at);
