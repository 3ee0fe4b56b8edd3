-- RSP-2 / WS-7: what each agent's quarantine vault holds (its vault records), and what left it.
CREATE TABLE quarantined_files (
  asset_id TEXT NOT NULL,
  entry_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  original_path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  md5 TEXT,
  size INTEGER NOT NULL,
  mode INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  gid INTEGER NOT NULL,
  quarantined_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  -- quarantined | restored | purged
  state TEXT NOT NULL,
  -- the vault record (agent time) that set the state: older records never undo newer ones
  state_ts INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (asset_id, entry_id)
);
CREATE INDEX quarantined_files_account ON quarantined_files (account_id, state, quarantined_at);
