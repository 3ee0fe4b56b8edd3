-- AGT-3/AGT-4: an asset's latest records of one kind (its processes, its connections), newest first.
CREATE INDEX telemetry_agent_kind_ts ON telemetry (agent_id, kind, ts);
