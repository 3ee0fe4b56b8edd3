-- EVT-7 / RSP-1: the tasks of an event's resolution (recommended handling), one per entity,
-- action and asset, with the agent action that carries it out. An agent's result finds its
-- task by the action id and moves the event to Handled (every task of the newest resolution
-- succeeded) or Failed (one failed).
CREATE TABLE event_tasks (
  id TEXT PRIMARY KEY,
  resolution_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  target_account_id TEXT NOT NULL,
  asset_id TEXT NOT NULL,
  entity_key TEXT NOT NULL,
  action TEXT NOT NULL,
  what TEXT NOT NULL,
  action_id TEXT,
  policy_id TEXT,
  validity_ms BIGINT,
  -- queued | succeeded | failed
  status TEXT NOT NULL,
  result TEXT,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX event_tasks_event ON event_tasks (event_id, created_at, id);
CREATE INDEX event_tasks_action ON event_tasks (action_id);
