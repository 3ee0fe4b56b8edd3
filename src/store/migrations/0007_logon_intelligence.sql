-- LOG-2/LOG-4: per asset, when learning began and the locations it approved.
CREATE TABLE logon_learning (
  asset_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  started_at INTEGER NOT NULL
);
CREATE TABLE logon_locations (
  asset_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  loc_key TEXT NOT NULL,
  label TEXT NOT NULL,
  how TEXT NOT NULL,
  ip TEXT NOT NULL,
  approved_at INTEGER NOT NULL,
  PRIMARY KEY (asset_id, loc_key)
);
CREATE INDEX logon_locations_account ON logon_locations (account_id, asset_id);
-- LOG-4: successful logons per asset and source address (and per account name).
CREATE TABLE logon_counters (
  asset_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  account_id TEXT NOT NULL,
  successes INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (asset_id, kind, value)
);
-- LOG-6: operators' approved locations, IPs, time ranges and accounts.
CREATE TABLE logon_approvals (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  factor TEXT NOT NULL,
  value TEXT NOT NULL,
  tz TEXT,
  asset_ids TEXT,
  source TEXT NOT NULL,
  note TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX logon_approvals_account ON logon_approvals (account_id, factor);
-- BF-5: the latest run of each baseline check per asset, and its findings.
CREATE TABLE baseline_runs (
  asset_id TEXT NOT NULL,
  check_name TEXT NOT NULL,
  account_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  trigger TEXT NOT NULL,
  checked INTEGER NOT NULL,
  skipped TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  findings INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (asset_id, check_name)
);
CREATE INDEX baseline_runs_account ON baseline_runs (account_id);
CREATE TABLE baseline_findings (
  asset_id TEXT NOT NULL,
  check_name TEXT NOT NULL,
  subject TEXT NOT NULL,
  account_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  scheme TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (asset_id, check_name, subject)
);
CREATE INDEX baseline_findings_account ON baseline_findings (account_id);
-- AGT-7: the latest account inventory per asset.
CREATE TABLE inventories (
  asset_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  uid_min INTEGER NOT NULL,
  accounts TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
