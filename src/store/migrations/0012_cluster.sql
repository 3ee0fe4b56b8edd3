-- Issue 10: what the workers of a cluster agree on through the store.
-- A lease is held by one worker until it expires; `epoch` grows each time it changes hands, so
-- a worker that lost a lease (paused past its expiry) cannot commit work under it (fencing).
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
-- Bus messages whose results are committed, per consumer, for the consumers whose work is not
-- already idempotent through the telemetry table: a message redelivered after a crash (committed,
-- not yet acknowledged) is recognised and skipped. Purged after a day.
CREATE TABLE bus_processed (
  consumer TEXT NOT NULL,
  msg_key TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (consumer, msg_key)
);
CREATE INDEX bus_processed_at ON bus_processed (at);
-- Live workers (heartbeats): partitions are shared out among those seen recently.
CREATE TABLE workers (
  id TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  seen_at INTEGER NOT NULL,
  info TEXT NOT NULL
);
