-- Hostward schema v1. Times are ms since the Unix epoch (INTEGER / BIGINT).
CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  hostname TEXT NOT NULL,
  version TEXT NOT NULL,
  os TEXT NOT NULL,
  enrolled_at BIGINT NOT NULL,
  last_seen_at BIGINT,
  revoked_at BIGINT,
  credential_hash TEXT NOT NULL,
  rejected_records BIGINT NOT NULL DEFAULT 0,
  dropped_records BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE enrol_tokens (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  note TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  used_by_agent_id TEXT
);

CREATE TABLE telemetry (
  agent_id TEXT NOT NULL,
  id TEXT NOT NULL,
  kind TEXT NOT NULL,
  ts BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (agent_id, id)
);
CREATE INDEX telemetry_ts ON telemetry (ts);

CREATE TABLE alerts (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  type TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  name TEXT NOT NULL,
  severity TEXT NOT NULL,
  status TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  count BIGINT NOT NULL,
  source_ip TEXT,
  user_name TEXT,
  attack TEXT NOT NULL,
  evidence TEXT NOT NULL,
  triage TEXT NOT NULL,
  response TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX alerts_dedup ON alerts (asset_id, dedup_key, status);
CREATE INDEX alerts_last_seen ON alerts (last_seen);

CREATE TABLE ip_policies (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  ip TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  alert_id TEXT,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  updated_at BIGINT NOT NULL,
  last_result TEXT
);
CREATE INDEX ip_policies_live ON ip_policies (asset_id, ip, status);

CREATE TABLE agent_actions (
  id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL,
  type TEXT NOT NULL,
  params TEXT NOT NULL,
  policy_id TEXT,
  status TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  sent_at BIGINT,
  finished_at BIGINT,
  result TEXT
);
CREATE INDEX agent_actions_queue ON agent_actions (agent_id, status, created_at);

CREATE TABLE allowlist (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  cidr TEXT NOT NULL,
  note TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL
);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  revoked_at BIGINT,
  last_used_at BIGINT
);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
