-- ALR-1 transitions, ALR-4/5 whitelist entries, ALR-6/7 custom whitelist rules, list indexes (ALR-10).
ALTER TABLE alerts ADD COLUMN handled_how TEXT;
ALTER TABLE alerts ADD COLUMN whitelisted_by TEXT;

CREATE TABLE alert_transitions (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  actor TEXT NOT NULL,
  how TEXT NOT NULL,
  remark TEXT NOT NULL
);
CREATE INDEX alert_transitions_alert ON alert_transitions (alert_id, at);

CREATE TABLE whitelist_entries (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  alert_type TEXT NOT NULL,
  fields TEXT NOT NULL,
  asset_id TEXT,
  source_alert_id TEXT,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX whitelist_entries_account ON whitelist_entries (account_id, alert_type);

CREATE TABLE whitelist_rules (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  alert_type TEXT NOT NULL,
  field TEXT NOT NULL,
  operator TEXT NOT NULL,
  value TEXT NOT NULL,
  asset_id TEXT,
  note TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX whitelist_rules_account ON whitelist_rules (account_id, deleted_at);

DROP INDEX alerts_last_seen;
CREATE INDEX alerts_account_last_seen ON alerts (account_id, last_seen, id);
CREATE INDEX alerts_account_status ON alerts (account_id, status, last_seen, id);
CREATE INDEX alerts_account_severity ON alerts (account_id, severity, last_seen, id);
CREATE INDEX alerts_account_type ON alerts (account_id, type, last_seen, id);
CREATE INDEX alerts_account_asset ON alerts (account_id, asset_id, last_seen, id);
CREATE INDEX alerts_account_source ON alerts (account_id, source_ip, last_seen, id);
CREATE INDEX alerts_expiry ON alerts (status, last_seen);
