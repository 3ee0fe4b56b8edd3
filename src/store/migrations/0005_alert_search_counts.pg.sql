-- ALR-10 on PostgreSQL (the SQLite form: 0005_alert_search_counts.sqlite.sql; ADR 0007).
-- Counts: the same alert_counts table, kept through an append-only delta table. The trigger only
-- appends +1/-1 rows, so concurrent writers never wait on (or deadlock over) a hot counter row;
-- hw_alert_counts_fold() moves the deltas into alert_counts; readers sum both (alert_counts_live).
CREATE TABLE alert_counts (
  account_id TEXT COLLATE "C" NOT NULL,
  type TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  severity TEXT COLLATE "C" NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (account_id, type, name, status, severity)
);
INSERT INTO alert_counts (account_id, type, name, status, severity, n)
  SELECT account_id, type, name, status, severity, COUNT(*) FROM alerts GROUP BY account_id, type, name, status, severity;

CREATE TABLE alert_count_deltas (
  account_id TEXT COLLATE "C" NOT NULL,
  type TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  severity TEXT COLLATE "C" NOT NULL,
  n BIGINT NOT NULL
);
CREATE INDEX alert_count_deltas_account ON alert_count_deltas (account_id);
-- folded deltas are dead rows every reader would step over until vacuumed: vacuum this small
-- table after a few thousand, not after 20 % of its size
ALTER TABLE alert_count_deltas SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000);

CREATE VIEW alert_counts_live AS
  SELECT account_id, type, name, status, severity, n FROM alert_counts
  UNION ALL
  SELECT account_id, type, name, status, severity, n FROM alert_count_deltas;

CREATE FUNCTION hw_alert_counts_track() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO alert_count_deltas VALUES (OLD.account_id, OLD.type, OLD.name, OLD.status, OLD.severity, -1);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO alert_count_deltas VALUES (NEW.account_id, NEW.type, NEW.name, NEW.status, NEW.severity, 1);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER alert_counts_insert_delete AFTER INSERT OR DELETE ON alerts FOR EACH ROW EXECUTE FUNCTION hw_alert_counts_track();
-- a recurrence rewrites every column but changes none of these: the WHEN keeps it to one comparison
CREATE TRIGGER alert_counts_update AFTER UPDATE OF account_id, type, name, status, severity ON alerts FOR EACH ROW
  WHEN (OLD.account_id <> NEW.account_id OR OLD.type <> NEW.type OR OLD.name <> NEW.name OR OLD.status <> NEW.status OR OLD.severity <> NEW.severity)
  EXECUTE FUNCTION hw_alert_counts_track();

-- Folds the deltas committed so far (deltas of open transactions stay for the next fold). One folder
-- at a time: two would lock alert_counts rows in any order. Returns the number of counter rows touched.
CREATE FUNCTION hw_alert_counts_fold() RETURNS bigint LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE moved bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext(current_schema() || '.alert_counts_fold')) THEN
    RETURN 0;
  END IF;
  WITH d AS (DELETE FROM alert_count_deltas RETURNING *),
  s AS (
    INSERT INTO alert_counts (account_id, type, name, status, severity, n)
      SELECT account_id, type, name, status, severity, SUM(n) FROM d GROUP BY account_id, type, name, status, severity
    ON CONFLICT (account_id, type, name, status, severity) DO UPDATE SET n = alert_counts.n + excluded.n
    RETURNING 1
  )
  SELECT COUNT(*) INTO moved FROM s;
  RETURN moved;
END $$;

-- Source address and user name: a pg_trgm GIN index under plain ILIKE (any substring of 3+
-- characters; shorter text scans). pg_trgm is a trusted extension: it is created (in public) when
-- it is missing and the role may; otherwise the text search works unindexed, and says so.
DO $$
DECLARE s text;
BEGIN
  SELECT extnamespace::regnamespace::text INTO s FROM pg_extension WHERE extname = 'pg_trgm';
  IF s IS NULL THEN
    BEGIN
      CREATE EXTENSION pg_trgm SCHEMA public;
      s := 'public';
    EXCEPTION WHEN OTHERS THEN
      RAISE WARNING 'pg_trgm is not available (%): alert text search runs without a trigram index', SQLERRM;
    END;
  END IF;
  IF s IS NOT NULL THEN
    EXECUTE format('CREATE INDEX alerts_text ON alerts USING gin (source_ip %s.gin_trgm_ops, user_name %s.gin_trgm_ops)', s, s);
  END IF;
END $$;

CREATE INDEX alerts_account ON alerts (account_id);
