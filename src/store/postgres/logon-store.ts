import type { BaselineStore, InventoryStore, LogonStore, QuarantineStore } from "../../core/index.ts";
import { type Db, Params } from "./pg-db.ts";
import { toApproval, toFinding, toInventory, toLocation, toQuarantined, toRun, num, str } from "./rows.ts";

/** RSP-2 on PostgreSQL: the vault state agents report. */
export function buildPgQuarantineStore(db: Db): QuarantineStore {
  return {
    // read-then-write over an asset's vault: one sync per asset at a time (advisory lock), and
    // set-based statements instead of one per entry
    sync: (s, now) => db.atomic(async (tx) => {
      await tx.lock(`vault:${s.assetId}`);
      const ids = s.entries.map((e) => e.entryId);
      const prev = new Map((await tx.all("SELECT entry_id, state, state_ts FROM quarantined_files WHERE asset_id = $1 AND entry_id = ANY($2::text[])", [s.assetId, ids]))
        .map((r) => [str(r.entry_id), { state: str(r.state), stateTs: num(r.state_ts) }]));
      const changed: string[] = [];
      const put = new Map<string, (typeof s.entries)[number]>();
      for (const e of s.entries) {
        const p = prev.get(e.entryId);
        if (p && p.stateTs > s.ts) continue;
        if ((!p || p.state !== "quarantined") && !put.has(e.entryId)) changed.push(e.entryId);
        put.set(e.entryId, e);
      }
      if (put.size) {
        const es = [...put.values()];
        await tx.run(
          `INSERT INTO quarantined_files (asset_id, entry_id, account_id, original_path, sha256, md5, size, mode, uid, gid, quarantined_at, expires_at, state, state_ts, updated_at)
           SELECT $1::text, e.*, 'quarantined', $3::bigint, $4::bigint FROM unnest($2::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[]) AS e
           ON CONFLICT (asset_id, entry_id) DO UPDATE SET state = 'quarantined', state_ts = excluded.state_ts, updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
          [s.assetId, es.map((e) => e.entryId), s.ts, now, es.map(() => s.accountId), es.map((e) => e.originalPath), es.map((e) => e.sha256), es.map((e) => e.md5),
            es.map((e) => e.size), es.map((e) => e.mode), es.map((e) => e.uid), es.map((e) => e.gid), es.map((e) => e.quarantinedAt), es.map((e) => e.expiresAt)]);
      }
      const inVault = new Set(ids);
      const restored = new Set(s.restoredIds);
      const gone = (await tx.all("SELECT entry_id FROM quarantined_files WHERE asset_id = $1 AND state = 'quarantined' AND state_ts <= $2", [s.assetId, s.ts]))
        .map((r) => str(r.entry_id)).filter((id) => !inVault.has(id));
      if (gone.length) {
        await tx.run(
          `UPDATE quarantined_files q SET state = g.state, state_ts = $2::bigint, updated_at = $3::bigint FROM unnest($4::text[], $5::text[]) AS g(entry_id, state)
           WHERE q.asset_id = $1 AND q.entry_id = g.entry_id`,
          [s.assetId, s.ts, now, gone, gone.map((id) => (restored.has(id) ? "restored" : "purged"))]);
        changed.push(...gone);
      }
      return changed;
    }),
    async list(accountId, q) {
      const p = new Params();
      const w = [`account_id = ${p.add(accountId)}`];
      if (q.assetId !== undefined) w.push(`asset_id = ${p.add(q.assetId)}`);
      if (q.state !== undefined) w.push(`state = ${p.add(q.state)}`);
      const total = num((await db.get(`SELECT COUNT(*) AS n FROM quarantined_files WHERE ${w.join(" AND ")}`, p.values))?.n);
      const items = (await db.all(`SELECT * FROM quarantined_files WHERE ${w.join(" AND ")} ORDER BY quarantined_at DESC, entry_id LIMIT ${p.add(q.limit)} OFFSET ${p.add(q.offset)}`, p.values)).map(toQuarantined);
      return { items, total };
    },
    async get(accountId, assetId, entryId) {
      const r = await db.get("SELECT * FROM quarantined_files WHERE account_id = $1 AND asset_id = $2 AND entry_id = $3", [accountId, assetId, entryId]);
      return r ? toQuarantined(r) : null;
    },
  };
}

/** LOG-2 … LOG-6, BF-5, AGT-7 on PostgreSQL. */
export function buildPgLogonStores(db: Db): { logon: LogonStore; baseline: BaselineStore; inventory: InventoryStore } {
  const logon: LogonStore = {
    async learningStartedAt(assetId) {
      const r = await db.get("SELECT started_at FROM logon_learning WHERE asset_id = $1", [assetId]);
      return r ? num(r.started_at) : null;
    },
    // two statements on purpose: after an insert that waited for a concurrent one, the second
    // statement's snapshot sees the row that won
    async startLearning(accountId, assetId, at) {
      await db.run("INSERT INTO logon_learning (asset_id, account_id, started_at) VALUES ($1,$2,$3) ON CONFLICT (asset_id) DO NOTHING", [assetId, accountId, at]);
      return num((await db.get("SELECT started_at FROM logon_learning WHERE asset_id = $1", [assetId]))!.started_at);
    },
    async approvedLocations(assetId) {
      return (await db.all("SELECT * FROM logon_locations WHERE asset_id = $1 ORDER BY approved_at, loc_key", [assetId])).map(toLocation);
    },
    async approveLocation(l) {
      return (await db.run("INSERT INTO logon_locations (asset_id, account_id, loc_key, label, how, ip, approved_at) VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (asset_id, loc_key) DO NOTHING",
        [l.assetId, l.accountId, l.key, l.label, l.how, l.ip, l.approvedAt])) > 0;
    },
    async listLocations(accountId, assetId) {
      const rows = assetId === undefined
        ? await db.all("SELECT * FROM logon_locations WHERE account_id = $1 ORDER BY asset_id, approved_at, loc_key", [accountId])
        : await db.all("SELECT * FROM logon_locations WHERE account_id = $1 AND asset_id = $2 ORDER BY approved_at, loc_key", [accountId, assetId]);
      return rows.map(toLocation);
    },
    async revokeLocation(accountId, assetId, key) {
      return (await db.run("DELETE FROM logon_locations WHERE account_id = $1 AND asset_id = $2 AND loc_key = $3", [accountId, assetId, key])) > 0;
    },
    // LOG-4: one atomic upsert returns the new total (two workers counting at once both count)
    async countSuccess(accountId, assetId, kind, value, at, n = 1) {
      const r = await db.get(
        `INSERT INTO logon_counters (asset_id, kind, value, account_id, successes, first_seen, last_seen) VALUES ($1,$2,$3,$4,$6,$5,$5)
         ON CONFLICT (asset_id, kind, value) DO UPDATE SET successes = logon_counters.successes + excluded.successes, last_seen = GREATEST(logon_counters.last_seen, excluded.last_seen)
         RETURNING successes`, [assetId, kind, value, accountId, at, n]);
      return num(r!.successes);
    },
    async insertApproval(a) {
      await db.run("INSERT INTO logon_approvals (id, account_id, factor, value, tz, asset_ids, source, note, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        [a.id, a.accountId, a.factor, a.value, a.tz, a.assetIds === null ? null : JSON.stringify(a.assetIds), a.source, a.note, a.createdBy, a.createdAt]);
    },
    async listApprovals(accountId) {
      return (await db.all("SELECT * FROM logon_approvals WHERE account_id = $1 ORDER BY factor, created_at, id", [accountId])).map(toApproval);
    },
    async deleteApproval(accountId, id) {
      return (await db.run("DELETE FROM logon_approvals WHERE account_id = $1 AND id = $2", [accountId, id])) > 0;
    },
  };

  const baseline: BaselineStore = {
    // BF-5: what changed is computed against the stored findings: one replace per asset+check at a time
    replace: (run, findings) => db.atomic(async (tx) => {
      await tx.lock(JSON.stringify(["baseline", run.assetId, run.check]));
      const before = new Set((await tx.all("SELECT subject FROM baseline_findings WHERE asset_id = $1 AND check_name = $2", [run.assetId, run.check])).map((r) => str(r.subject)));
      // the last finding of a subject wins, as one upsert after another would
      const bySubject = new Map(findings.map((f) => [f.subject, f]));
      const cleared = [...before].filter((s) => !bySubject.has(s));
      const added = [...bySubject.keys()].filter((s) => !before.has(s));
      if (cleared.length) await tx.run("DELETE FROM baseline_findings WHERE asset_id = $1 AND check_name = $2 AND subject = ANY($3::text[])", [run.assetId, run.check, cleared]);
      if (bySubject.size) {
        const fs = [...bySubject.values()];
        await tx.run(
          `INSERT INTO baseline_findings (asset_id, check_name, subject, account_id, reason, scheme, first_seen, last_seen)
           SELECT $1::text, $2::text, f.subject, $3::text, f.reason, f.scheme, $4::bigint, $4::bigint FROM unnest($5::text[], $6::text[], $7::text[]) AS f(subject, reason, scheme)
           ON CONFLICT (asset_id, check_name, subject) DO UPDATE SET reason = excluded.reason, scheme = excluded.scheme, last_seen = excluded.last_seen`,
          [run.assetId, run.check, run.accountId, run.ts, fs.map((f) => f.subject), fs.map((f) => f.reason), fs.map((f) => f.scheme)]);
      }
      await tx.run(
        `INSERT INTO baseline_runs (asset_id, check_name, account_id, ts, trigger, checked, skipped, duration_ms, findings, received_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)
         ON CONFLICT (asset_id, check_name) DO UPDATE SET ts = excluded.ts, trigger = excluded.trigger, checked = excluded.checked, skipped = excluded.skipped,
           duration_ms = excluded.duration_ms, findings = excluded.findings, received_at = excluded.received_at`,
        [run.assetId, run.check, run.accountId, run.ts, run.trigger, run.checked, JSON.stringify(run.skipped), run.durationMs, findings.length, run.receivedAt]);
      return { added, cleared };
    }),
    async findings(accountId, q) {
      const p = new Params();
      const w = [`account_id = ${p.add(accountId)}`];
      if (q.assetId !== undefined) w.push(`asset_id = ${p.add(q.assetId)}`);
      if (q.check !== undefined) w.push(`check_name = ${p.add(q.check)}`);
      return (await db.all(`SELECT * FROM baseline_findings WHERE ${w.join(" AND ")} ORDER BY asset_id, subject, check_name`, p.values)).map(toFinding);
    },
    async runs(accountId, q) {
      const p = new Params();
      const w = [`account_id = ${p.add(accountId)}`];
      if (q.assetId !== undefined) w.push(`asset_id = ${p.add(q.assetId)}`);
      if (q.check !== undefined) w.push(`check_name = ${p.add(q.check)}`);
      return (await db.all(`SELECT * FROM baseline_runs WHERE ${w.join(" AND ")} ORDER BY asset_id, check_name`, p.values)).map(toRun);
    },
    async finding(assetId, check, subject) {
      const r = await db.get("SELECT * FROM baseline_findings WHERE asset_id = $1 AND check_name = $2 AND subject = $3", [assetId, check, subject]);
      return r ? toFinding(r) : null;
    },
  };

  const inventory: InventoryStore = {
    // returns the inventory it replaces: read and write under the asset's lock
    put: (s) => db.atomic(async (tx) => {
      await tx.lock(`inventory:${s.assetId}`);
      const prev = await tx.get("SELECT * FROM inventories WHERE asset_id = $1", [s.assetId]);
      await tx.run(
        `INSERT INTO inventories (asset_id, account_id, ts, uid_min, accounts, received_at) VALUES ($1,$2,$3,$4,$5,$6)
         ON CONFLICT (asset_id) DO UPDATE SET ts = excluded.ts, uid_min = excluded.uid_min, accounts = excluded.accounts, received_at = excluded.received_at
         WHERE excluded.ts >= inventories.ts`,
        [s.assetId, s.accountId, s.ts, s.uidMin, JSON.stringify(s.accounts), s.receivedAt]);
      return prev ? toInventory(prev) : null;
    }),
    async latest(assetId) {
      const r = await db.get("SELECT * FROM inventories WHERE asset_id = $1", [assetId]);
      return r ? toInventory(r) : null;
    },
    async get(accountId, assetId) {
      const r = await db.get("SELECT * FROM inventories WHERE account_id = $1 AND asset_id = $2", [accountId, assetId]);
      return r ? toInventory(r) : null;
    },
  };

  return { logon, baseline, inventory };
}
