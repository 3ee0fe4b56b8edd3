-- Accounts (tenants), sessions, login lock-out bookkeeping, audit log, per-account settings.
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  parent_id TEXT,
  created_at BIGINT NOT NULL
);
INSERT INTO accounts (id, name, parent_id, created_at) VALUES ('default', 'Default', NULL, 0);

ALTER TABLE users ADD COLUMN disabled_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'viewer';
ALTER TABLE agent_actions ADD COLUMN account_id TEXT NOT NULL DEFAULT 'default';

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  csrf TEXT NOT NULL,
  ip TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_failures (
  username TEXT NOT NULL,
  ip TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (username, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

CREATE TABLE known_sources (
  user_id TEXT NOT NULL,
  ip TEXT NOT NULL,
  last_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, ip)
);

CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  ip TEXT,
  action TEXT NOT NULL,
  target TEXT,
  outcome TEXT NOT NULL,
  details TEXT NOT NULL
);
CREATE INDEX audit_log_account_at ON audit_log (account_id, at);

CREATE TABLE account_settings (
  account_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (account_id, key)
);

INSERT INTO account_settings (account_id, key, value) SELECT 'default', key, value FROM settings WHERE key = 'defence.enabled';
DELETE FROM settings WHERE key = 'defence.enabled';
