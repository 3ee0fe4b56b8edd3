import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { SqliteStore } from "./sqlite-store.ts";
import type { Alert, AlertQuery, AlertStatus, Severity } from "../../core/index.ts";

/** The alert queries before 0005: plain COUNT and LIKE over the alerts table. The new plans must agree with it. */
function reference(db: DatabaseSync, accountId: string, q: Omit<AlertQuery, "limit" | "offset">, skip?: string) {
  const w = ["account_id = ?"];
  const p: SQLInputValue[] = [accountId];
  for (const [col, v] of [["type", q.type], ["severity", q.severity], ["status", q.status], ["asset_id", q.assetId], ["source_ip", q.sourceIp]] as const) {
    if (v !== undefined && col !== skip) { w.push(`${col} = ?`); p.push(v); }
  }
  if (q.from !== undefined) { w.push("last_seen >= ?"); p.push(q.from); }
  if (q.to !== undefined) { w.push("first_seen <= ?"); p.push(q.to); }
  if (q.text) {
    const like = `%${q.text.replace(/[\\%_]/g, (m) => "\\" + m)}%`;
    w.push("(name LIKE ? ESCAPE '\\' OR source_ip LIKE ? ESCAPE '\\' OR user_name LIKE ? ESCAPE '\\' OR type LIKE ? ESCAPE '\\')");
    p.push(like, like, like, like);
  }
  return { where: w.join(" AND "), p };
}

test("ALR-10 list totals, pages and counts (alert_counts, trigram text index) agree with plain COUNT/LIKE queries", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hw-alert-query-"));
  const store = new SqliteStore({ path: join(dir, "hostward.db") });
  const db = new DatabaseSync(join(dir, "hostward.db"), { readOnly: true });
  let seed = 42;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const types = [["ssh_brute_force", "SSH brute force"], ["logon_after_brute_force", "Logon after brute force"], ["port_scan", "Port scan"], ["web_shell", "Web shell"], ["web_shell", "Web shell (PHP)"]] as const;
  const statuses: AlertStatus[] = ["unhandled", "handled", "expired", "blocked", "whitelisted_auto"];
  const severities: Severity[] = ["low", "medium", "high", "critical"];
  // more than 5,000 alerts carry "root": both the text-driven and the index-driven list plans run
  const users = [null, "root", "Root", "oracle", "józef", "x'; DROP TABLE alerts;--%_", 'say "hi"', "svc-scan"];
  const ips = [null, "203.0.113.5", "203.0.113.50", "198.51.100.7", "2001:db8::1", "185.220.101.4"];
  const alerts: Alert[] = [];
  try {
    await store.transaction(async (tx) => {
      for (let i = 0; i < 6_500; i++) {
        const [type, name] = pick(types);
        const a: Alert = {
          id: `al_${String(i).padStart(5, "0")}`, accountId: rnd() < 0.8 ? "default" : "other", assetId: pick(["as1", "as2", "as3"]), type, ruleId: "r", name,
          severity: pick(severities), status: pick(statuses), dedupKey: `k${i}`, firstSeen: 1000 + i * 10, lastSeen: 1000 + i * 10 + Math.floor(rnd() * 50_000),
          count: 1, sourceIp: pick(ips), userName: i < 5_200 ? "root" : pick(users), attack: [], evidence: {}, triage: "", response: null, handledHow: null,
          whitelistedBy: null, createdAt: i, updatedAt: i,
        };
        alerts.push(a);
        await tx.alerts.insert(a);
      }
      // lifecycle changes and a user name learnt later: the triggers keep counts and the text index in step
      for (let i = 0; i < 600; i++) {
        const a = alerts[Math.floor(rnd() * alerts.length)]!;
        Object.assign(a, rnd() < 0.5 ? { status: pick(statuses) } : { userName: pick(users), severity: pick(severities) });
        await tx.alerts.update(a);
      }
    });
    const texts = ["root", "ROOT", "oot", "ro", "r", "brute", "Brute force", "shell", "PHP", "scan", "203.0.113.5", "203.0.113.", "db8::", "józ", "DROP TABLE alerts;--%_", "%", "_", '"hi"', "nothing-here"];
    for (let round = 0; round < 300; round++) {
      const q: Omit<AlertQuery, "limit" | "offset"> = {};
      if (rnd() < 0.3) q.type = pick(types)[0];
      if (rnd() < 0.3) q.status = pick(statuses);
      if (rnd() < 0.2) q.severity = pick(severities);
      if (rnd() < 0.15) q.assetId = pick(["as1", "as2", "as3"]);
      if (rnd() < 0.1) q.sourceIp = pick(ips) ?? undefined;
      if (rnd() < 0.2) q.from = 1000 + Math.floor(rnd() * 65_000);
      if (rnd() < 0.1) q.to = 1000 + Math.floor(rnd() * 65_000);
      if (rnd() < 0.6) q.text = pick(texts);
      const account = rnd() < 0.8 ? "default" : "other";
      const limit = pick([1, 7, 50]);
      const offset = pick([0, 0, 3, 40]);
      const what = JSON.stringify({ account, ...q, limit, offset });

      const ref = reference(db, account, q);
      const total = Number((db.prepare(`SELECT COUNT(*) AS n FROM alerts WHERE ${ref.where}`).get(...ref.p) as { n: number }).n);
      const ids = (db.prepare(`SELECT id FROM alerts WHERE ${ref.where} ORDER BY last_seen DESC, id DESC LIMIT ? OFFSET ?`).all(...ref.p, limit, offset) as { id: string }[]).map((r) => r.id);
      const page = await store.alerts.list(account, { ...q, limit, offset });
      assert.equal(page.total, total, `total of ${what}`);
      assert.deepEqual(page.items.map((a) => a.id), ids, `page of ${what}`);

      const last = page.items.at(-1);
      if (last) {
        const after = { lastSeen: last.lastSeen, id: last.id };
        const next = (db.prepare(`SELECT id FROM alerts WHERE ${ref.where} AND (last_seen < ? OR (last_seen = ? AND id < ?)) ORDER BY last_seen DESC, id DESC LIMIT ?`).all(...ref.p, after.lastSeen, after.lastSeen, after.id, limit) as { id: string }[]).map((r) => r.id);
        assert.deepEqual((await store.alerts.list(account, { ...q, limit, offset: 0, after })).items.map((a) => a.id), next, `next page of ${what}`);
      }

      const by = (col: "status" | "severity") => {
        const r = reference(db, account, q, col);
        return Object.fromEntries((db.prepare(`SELECT ${col} AS k, COUNT(*) AS n FROM alerts WHERE ${r.where} GROUP BY ${col}`).all(...r.p) as { k: string; n: number }[]).map((x) => [x.k, Number(x.n)]));
      };
      assert.deepEqual(await store.alerts.counts(account, q), { total, byStatus: by("status"), bySeverity: by("severity") }, `counts of ${what}`);
    }
  } finally {
    db.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
