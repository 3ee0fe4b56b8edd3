/**
 * Issue 10: the coordination port's statements, one text for both dialects (`$n` parameters;
 * the SQLite adapter turns them into `?n`). The lease take-or-renew is one statement, so two
 * workers racing for a free lease cannot both win.
 */
export const COORD_SQL = {
  acquire: `INSERT INTO leases (name, holder, epoch, expires_at) VALUES ($1, $2, 1, $4)
    ON CONFLICT (name) DO UPDATE SET
      epoch = CASE WHEN leases.holder = excluded.holder THEN leases.epoch ELSE leases.epoch + 1 END,
      holder = excluded.holder, expires_at = excluded.expires_at
    WHERE leases.holder = excluded.holder OR leases.expires_at <= $3
    RETURNING name, holder, epoch, expires_at`,
  release: `UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2 AND expires_at > 0`,
  holds: `SELECT 1 AS ok FROM leases WHERE name = $1 AND holder = $2 AND epoch = $3`,
  leases: `SELECT name, holder, epoch, expires_at FROM leases WHERE substr(name, 1, length($1)) = $1 ORDER BY name`,
  heartbeat: `INSERT INTO workers (id, started_at, seen_at, info) VALUES ($1, $2, $3, $4)
    ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at, info = excluded.info`,
  workers: `SELECT id, started_at, seen_at, info FROM workers WHERE seen_at >= $1 ORDER BY started_at, id`,
  removeWorker: `DELETE FROM workers WHERE id = $1`,
  mark: `INSERT INTO bus_processed (consumer, msg_key, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
  purge: `DELETE FROM bus_processed WHERE at < $1`,
  processed: `SELECT msg_key FROM bus_processed WHERE consumer = $1 AND at >= $2`,
} as const;

type Row = Record<string, unknown>;

export function toLease(r: Row): { name: string; holder: string; epoch: number; expiresAt: number } {
  return { name: String(r.name), holder: String(r.holder), epoch: Number(r.epoch), expiresAt: Number(r.expires_at) };
}

export function toWorker(r: Row): { id: string; startedAt: number; seenAt: number; info: Record<string, unknown> } {
  return { id: String(r.id), startedAt: Number(r.started_at), seenAt: Number(r.seen_at), info: JSON.parse(String(r.info)) as Record<string, unknown> };
}
