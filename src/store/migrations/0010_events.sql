-- EVT-1 … EVT-13: security events. Correlation state lives here (not in a worker's memory):
-- the entities an event holds are what later alerts are joined on.
CREATE TABLE security_events (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  title TEXT NOT NULL,
  -- unhandled | handling | handled | failed
  status TEXT NOT NULL,
  severity TEXT NOT NULL,
  severity_override TEXT,
  owner_user_id TEXT,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  alert_count INTEGER NOT NULL,
  -- JSON arrays of strings
  asset_ids TEXT NOT NULL,
  tactics TEXT NOT NULL,
  techniques TEXT NOT NULL,
  stage TEXT,
  alert_types TEXT NOT NULL,
  joined_by TEXT NOT NULL,
  handled_how TEXT,
  handled_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX security_events_account_last_seen ON security_events (account_id, last_seen, id);
CREATE INDEX security_events_account_status ON security_events (account_id, status, last_seen, id);
CREATE INDEX security_events_account_owner ON security_events (account_id, owner_user_id, last_seen, id);
-- EVT-3: the purge job walks events by age, all accounts
CREATE INDEX security_events_last_seen ON security_events (last_seen);

-- An alert belongs to at most one event.
CREATE TABLE event_alerts (
  alert_id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  added_at INTEGER NOT NULL
);
CREATE INDEX event_alerts_event ON event_alerts (event_id, added_at, alert_id);

-- EVT-1/EVT-5: an entity as one event holds it; last_seen is when an alert of this event last carried it.
CREATE TABLE event_entities (
  event_id TEXT NOT NULL,
  entity_key TEXT NOT NULL,
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  label TEXT NOT NULL,
  asset_id TEXT,
  malicious INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (event_id, entity_key)
);
-- the join lookup (per alert, inside ingest): account + key, recent first
CREATE INDEX event_entities_key ON event_entities (account_id, entity_key, last_seen);

-- EVT-4: the provenance graph's edges, between entity keys.
CREATE TABLE event_edges (
  event_id TEXT NOT NULL,
  from_key TEXT NOT NULL,
  to_key TEXT NOT NULL,
  relation TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  PRIMARY KEY (event_id, from_key, to_key, relation, alert_id)
);

-- EVT-13: every change and task result of an event.
CREATE TABLE event_activity (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL,
  remark TEXT NOT NULL
);
CREATE INDEX event_activity_event ON event_activity (event_id, at, id);
