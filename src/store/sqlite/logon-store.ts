import type { SQLInputValue } from "node:sqlite";
import type { ApprovedLocation, BaselineFinding, BaselineRun, BaselineStore, InventorySnapshot, InventoryStore, LogonApproval, LogonStore, QuarantinedFile, QuarantineStore } from "../../core/index.ts";

type Row = Record<string, SQLInputValue>;
type P = SQLInputValue;

export interface LogonConn {
  all(sql: string, ...p: P[]): Row[];
  get(sql: string, ...p: P[]): Row | undefined;
  run(sql: string, ...p: P[]): number;
}

const num = (v: SQLInputValue | undefined): number => Number(v);
const str = (v: SQLInputValue | undefined): string => String(v);

const toLocation = (r: Row): ApprovedLocation => ({
  accountId: str(r.account_id), assetId: str(r.asset_id), key: str(r.loc_key), label: str(r.label),
  how: str(r.how) as ApprovedLocation["how"], ip: str(r.ip), approvedAt: num(r.approved_at),
});
const toApproval = (r: Row): LogonApproval => ({
  id: str(r.id), accountId: str(r.account_id), factor: str(r.factor) as LogonApproval["factor"], value: str(r.value),
  tz: r.tz === null ? null : str(r.tz), assetIds: r.asset_ids === null ? null : (JSON.parse(str(r.asset_ids)) as string[]),
  source: str(r.source) as LogonApproval["source"], note: str(r.note), createdBy: str(r.created_by), createdAt: num(r.created_at),
});
const toRun = (r: Row): BaselineRun => ({
  accountId: str(r.account_id), assetId: str(r.asset_id), check: str(r.check_name), ts: num(r.ts), trigger: str(r.trigger),
  checked: num(r.checked), skipped: JSON.parse(str(r.skipped)) as BaselineRun["skipped"], durationMs: num(r.duration_ms),
  findings: num(r.findings), receivedAt: num(r.received_at),
});
const toFinding = (r: Row): BaselineFinding => ({
  accountId: str(r.account_id), assetId: str(r.asset_id), check: str(r.check_name), subject: str(r.subject),
  reason: str(r.reason), scheme: str(r.scheme), firstSeen: num(r.first_seen), lastSeen: num(r.last_seen),
});
const toInventory = (r: Row): InventorySnapshot => ({
  accountId: str(r.account_id), assetId: str(r.asset_id), ts: num(r.ts), uidMin: num(r.uid_min),
  accounts: JSON.parse(str(r.accounts)) as InventorySnapshot["accounts"], receivedAt: num(r.received_at),
});

const toQuarantined = (r: Row): QuarantinedFile => ({
  accountId: str(r.account_id), assetId: str(r.asset_id), entryId: str(r.entry_id), originalPath: str(r.original_path),
  sha256: str(r.sha256), md5: r.md5 === null ? null : str(r.md5), size: num(r.size), mode: num(r.mode), uid: num(r.uid), gid: num(r.gid),
  quarantinedAt: num(r.quarantined_at), expiresAt: num(r.expires_at), state: str(r.state) as QuarantinedFile["state"],
  stateTs: num(r.state_ts), updatedAt: num(r.updated_at),
});

/** RSP-2: the SQLite adapter of the quarantine port (host state reported by agents, like the inventory). */
export function buildSqliteQuarantineStore(c: LogonConn, g: () => Promise<void>): QuarantineStore {
  return {
    async sync(s, now) {
      await g();
      const changed: string[] = [];
      const inVault = new Set<string>();
      for (const e of s.entries) {
        inVault.add(e.entryId);
        const prev = c.get("SELECT state, state_ts FROM quarantined_files WHERE asset_id = ? AND entry_id = ?", s.assetId, e.entryId);
        if (prev && num(prev.state_ts) > s.ts) continue;
        if (!prev || str(prev.state) !== "quarantined") changed.push(e.entryId);
        c.run(
          `INSERT INTO quarantined_files (asset_id, entry_id, account_id, original_path, sha256, md5, size, mode, uid, gid, quarantined_at, expires_at, state, state_ts, updated_at)
           VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'quarantined',?,?)
           ON CONFLICT (asset_id, entry_id) DO UPDATE SET state = 'quarantined', state_ts = excluded.state_ts, updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
          s.assetId, e.entryId, s.accountId, e.originalPath, e.sha256, e.md5, e.size, e.mode, e.uid, e.gid, e.quarantinedAt, e.expiresAt, s.ts, now);
      }
      const restored = new Set(s.restoredIds);
      for (const r of c.all("SELECT entry_id, state_ts FROM quarantined_files WHERE asset_id = ? AND state = 'quarantined'", s.assetId)) {
        const id = str(r.entry_id);
        if (inVault.has(id) || num(r.state_ts) > s.ts) continue;
        c.run("UPDATE quarantined_files SET state = ?, state_ts = ?, updated_at = ? WHERE asset_id = ? AND entry_id = ?", restored.has(id) ? "restored" : "purged", s.ts, now, s.assetId, id);
        changed.push(id);
      }
      return changed;
    },
    async list(accountId, q) {
      await g();
      const where = ["account_id = ?"];
      const p: P[] = [accountId];
      if (q.assetId !== undefined) { where.push("asset_id = ?"); p.push(q.assetId); }
      if (q.state !== undefined) { where.push("state = ?"); p.push(q.state); }
      const total = num(c.get(`SELECT COUNT(*) AS n FROM quarantined_files WHERE ${where.join(" AND ")}`, ...p)?.n);
      const items = c.all(`SELECT * FROM quarantined_files WHERE ${where.join(" AND ")} ORDER BY quarantined_at DESC, entry_id LIMIT ? OFFSET ?`, ...p, q.limit, q.offset).map(toQuarantined);
      return { items, total };
    },
    async get(accountId, assetId, entryId) {
      await g();
      const r = c.get("SELECT * FROM quarantined_files WHERE account_id = ? AND asset_id = ? AND entry_id = ?", accountId, assetId, entryId);
      return r ? toQuarantined(r) : null;
    },
  };
}

/** SQLite adapters of the logon-intelligence ports (LOG-2 … LOG-6, BF-5, AGT-7). */
export function buildSqliteLogonStores(c: LogonConn, g: () => Promise<void>): { logon: LogonStore; baseline: BaselineStore; inventory: InventoryStore } {
  const logon: LogonStore = {
    async learningStartedAt(assetId) {
      await g();
      const r = c.get("SELECT started_at FROM logon_learning WHERE asset_id = ?", assetId);
      return r ? num(r.started_at) : null;
    },
    async startLearning(accountId, assetId, at) {
      await g();
      c.run("INSERT INTO logon_learning (asset_id, account_id, started_at) VALUES (?,?,?) ON CONFLICT (asset_id) DO NOTHING", assetId, accountId, at);
      return num(c.get("SELECT started_at FROM logon_learning WHERE asset_id = ?", assetId)!.started_at);
    },
    async approvedLocations(assetId) {
      await g();
      return c.all("SELECT * FROM logon_locations WHERE asset_id = ? ORDER BY approved_at", assetId).map(toLocation);
    },
    async approveLocation(l) {
      await g();
      return c.run("INSERT INTO logon_locations (asset_id, account_id, loc_key, label, how, ip, approved_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (asset_id, loc_key) DO NOTHING",
        l.assetId, l.accountId, l.key, l.label, l.how, l.ip, l.approvedAt) > 0;
    },
    async listLocations(accountId, assetId) {
      await g();
      return assetId === undefined
        ? c.all("SELECT * FROM logon_locations WHERE account_id = ? ORDER BY asset_id, approved_at", accountId).map(toLocation)
        : c.all("SELECT * FROM logon_locations WHERE account_id = ? AND asset_id = ? ORDER BY approved_at", accountId, assetId).map(toLocation);
    },
    async revokeLocation(accountId, assetId, key) {
      await g();
      return c.run("DELETE FROM logon_locations WHERE account_id = ? AND asset_id = ? AND loc_key = ?", accountId, assetId, key) > 0;
    },
    async countSuccess(accountId, assetId, kind, value, at, n = 1) {
      await g();
      c.run(
        `INSERT INTO logon_counters (asset_id, kind, value, account_id, successes, first_seen, last_seen) VALUES (?,?,?,?,?,?,?)
         ON CONFLICT (asset_id, kind, value) DO UPDATE SET successes = successes + excluded.successes, last_seen = MAX(last_seen, excluded.last_seen)`,
        assetId, kind, value, accountId, n, at, at);
      return num(c.get("SELECT successes FROM logon_counters WHERE asset_id = ? AND kind = ? AND value = ?", assetId, kind, value)!.successes);
    },
    async insertApproval(a) {
      await g();
      c.run("INSERT INTO logon_approvals (id, account_id, factor, value, tz, asset_ids, source, note, created_by, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        a.id, a.accountId, a.factor, a.value, a.tz, a.assetIds === null ? null : JSON.stringify(a.assetIds), a.source, a.note, a.createdBy, a.createdAt);
    },
    async listApprovals(accountId) {
      await g();
      return c.all("SELECT * FROM logon_approvals WHERE account_id = ? ORDER BY factor, created_at", accountId).map(toApproval);
    },
    async deleteApproval(accountId, id) {
      await g();
      return c.run("DELETE FROM logon_approvals WHERE account_id = ? AND id = ?", accountId, id) > 0;
    },
  };

  const baseline: BaselineStore = {
    async replace(run, findings) {
      await g();
      const before = new Set(c.all("SELECT subject FROM baseline_findings WHERE asset_id = ? AND check_name = ?", run.assetId, run.check).map((r) => str(r.subject)));
      const now = new Set(findings.map((f) => f.subject));
      const cleared = [...before].filter((s) => !now.has(s));
      const added = [...now].filter((s) => !before.has(s));
      for (const s of cleared) c.run("DELETE FROM baseline_findings WHERE asset_id = ? AND check_name = ? AND subject = ?", run.assetId, run.check, s);
      for (const f of findings) {
        c.run(
          `INSERT INTO baseline_findings (asset_id, check_name, subject, account_id, reason, scheme, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?)
           ON CONFLICT (asset_id, check_name, subject) DO UPDATE SET reason = excluded.reason, scheme = excluded.scheme, last_seen = excluded.last_seen`,
          run.assetId, run.check, f.subject, run.accountId, f.reason, f.scheme, run.ts, run.ts);
      }
      c.run(
        `INSERT INTO baseline_runs (asset_id, check_name, account_id, ts, trigger, checked, skipped, duration_ms, findings, received_at) VALUES (?,?,?,?,?,?,?,?,?,?)
         ON CONFLICT (asset_id, check_name) DO UPDATE SET ts = excluded.ts, trigger = excluded.trigger, checked = excluded.checked, skipped = excluded.skipped,
           duration_ms = excluded.duration_ms, findings = excluded.findings, received_at = excluded.received_at`,
        run.assetId, run.check, run.accountId, run.ts, run.trigger, run.checked, JSON.stringify(run.skipped), run.durationMs, findings.length, run.receivedAt);
      return { added, cleared };
    },
    async findings(accountId, q) {
      await g();
      const where = ["account_id = ?"];
      const p: P[] = [accountId];
      if (q.assetId !== undefined) { where.push("asset_id = ?"); p.push(q.assetId); }
      if (q.check !== undefined) { where.push("check_name = ?"); p.push(q.check); }
      return c.all(`SELECT * FROM baseline_findings WHERE ${where.join(" AND ")} ORDER BY asset_id, subject`, ...p).map(toFinding);
    },
    async runs(accountId, q) {
      await g();
      const where = ["account_id = ?"];
      const p: P[] = [accountId];
      if (q.assetId !== undefined) { where.push("asset_id = ?"); p.push(q.assetId); }
      if (q.check !== undefined) { where.push("check_name = ?"); p.push(q.check); }
      return c.all(`SELECT * FROM baseline_runs WHERE ${where.join(" AND ")} ORDER BY asset_id, check_name`, ...p).map(toRun);
    },
    async finding(assetId, check, subject) {
      await g();
      const r = c.get("SELECT * FROM baseline_findings WHERE asset_id = ? AND check_name = ? AND subject = ?", assetId, check, subject);
      return r ? toFinding(r) : null;
    },
  };

  const inventory: InventoryStore = {
    async put(s) {
      await g();
      const prev = c.get("SELECT * FROM inventories WHERE asset_id = ?", s.assetId);
      c.run(
        `INSERT INTO inventories (asset_id, account_id, ts, uid_min, accounts, received_at) VALUES (?,?,?,?,?,?)
         ON CONFLICT (asset_id) DO UPDATE SET ts = excluded.ts, uid_min = excluded.uid_min, accounts = excluded.accounts, received_at = excluded.received_at
         WHERE excluded.ts >= inventories.ts`,
        s.assetId, s.accountId, s.ts, s.uidMin, JSON.stringify(s.accounts), s.receivedAt);
      return prev ? toInventory(prev) : null;
    },
    async latest(assetId) {
      await g();
      const r = c.get("SELECT * FROM inventories WHERE asset_id = ?", assetId);
      return r ? toInventory(r) : null;
    },
    async get(accountId, assetId) {
      await g();
      const r = c.get("SELECT * FROM inventories WHERE account_id = ? AND asset_id = ?", accountId, assetId);
      return r ? toInventory(r) : null;
    },
  };

  return { logon, baseline, inventory };
}
