-- ALR-10 at a million alerts (issue #4, bench/alerts.ts): counts without counting, free text without scanning.
-- SQLite only (FTS5, trigger bodies). PostgreSQL would use: the same alert_counts table kept by a PL/pgSQL
-- trigger (or exact COUNTs on index-only scans), and for text a pg_trgm GIN index
-- (CREATE INDEX ... USING gin (source_ip gin_trgm_ops, user_name gin_trgm_ops)) under plain ILIKE.
-- Alerts are written with INSERT/UPDATE/DELETE only: REPLACE's implicit delete fires no trigger.

-- Alerts per account by (type, name, status, severity): a few hundred rows answer list totals and
-- counts without an asset/address/time filter, and tell which names/types a search text matches.
CREATE TABLE alert_counts (
  account_id TEXT NOT NULL,
  type TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  severity TEXT NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (account_id, type, name, status, severity)
);
INSERT INTO alert_counts (account_id, type, name, status, severity, n)
  SELECT account_id, type, name, status, severity, COUNT(*) FROM alerts GROUP BY account_id, type, name, status, severity;

CREATE TRIGGER alert_counts_insert AFTER INSERT ON alerts BEGIN
  INSERT INTO alert_counts (account_id, type, name, status, severity, n) VALUES (new.account_id, new.type, new.name, new.status, new.severity, 1)
    ON CONFLICT (account_id, type, name, status, severity) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER alert_counts_delete AFTER DELETE ON alerts BEGIN
  UPDATE alert_counts SET n = n - 1
    WHERE account_id = old.account_id AND type = old.type AND name = old.name AND status = old.status AND severity = old.severity;
END;
-- a recurrence rewrites every column but changes none of these: the WHEN keeps it to one comparison
CREATE TRIGGER alert_counts_update AFTER UPDATE OF account_id, type, name, status, severity ON alerts
WHEN old.account_id <> new.account_id OR old.type <> new.type OR old.name <> new.name OR old.status <> new.status OR old.severity <> new.severity
BEGIN
  UPDATE alert_counts SET n = n - 1
    WHERE account_id = old.account_id AND type = old.type AND name = old.name AND status = old.status AND severity = old.severity;
  INSERT INTO alert_counts (account_id, type, name, status, severity, n) VALUES (new.account_id, new.type, new.name, new.status, new.severity, 1)
    ON CONFLICT (account_id, type, name, status, severity) DO UPDATE SET n = n + 1;
END;

-- Source address and user name, trigram-indexed: any substring of 3+ characters, case-insensitive.
-- External content: the text stays in alerts; rows are tied by rowid, which VACUUM keeps for a table
-- with indexes. After anything that rebuilds alerts: INSERT INTO alerts_text (alerts_text) VALUES ('rebuild').
CREATE VIRTUAL TABLE alerts_text USING fts5(source_ip, user_name, content = 'alerts', content_rowid = 'rowid', tokenize = 'trigram');
INSERT INTO alerts_text (alerts_text) VALUES ('rebuild');

CREATE TRIGGER alerts_text_insert AFTER INSERT ON alerts BEGIN
  INSERT INTO alerts_text (rowid, source_ip, user_name) VALUES (new.rowid, new.source_ip, new.user_name);
END;
CREATE TRIGGER alerts_text_delete AFTER DELETE ON alerts BEGIN
  INSERT INTO alerts_text (alerts_text, rowid, source_ip, user_name) VALUES ('delete', old.rowid, old.source_ip, old.user_name);
END;
CREATE TRIGGER alerts_text_update AFTER UPDATE OF source_ip, user_name ON alerts
WHEN old.source_ip IS NOT new.source_ip OR old.user_name IS NOT new.user_name
BEGIN
  INSERT INTO alerts_text (alerts_text, rowid, source_ip, user_name) VALUES ('delete', old.rowid, old.source_ip, old.user_name);
  INSERT INTO alerts_text (rowid, source_ip, user_name) VALUES (new.rowid, new.source_ip, new.user_name);
END;

-- A text match (rowids from alerts_text) checks its account here, not in the 500-byte table row.
CREATE INDEX alerts_account ON alerts (account_id);
