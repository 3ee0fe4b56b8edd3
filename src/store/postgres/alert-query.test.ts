import { test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import type { Alert, AlertQuery, AlertStatus, Severity } from "../../core/index.ts";
import { openTestStore, requirePostgres, TEST_PG_URL } from "./test-db.ts";
import { pgTypes } from "./pg-db.ts";
import { likeOf } from "./rows.ts";

/** Plain COUNT and ILIKE over the alerts table: what the counts table, its deltas and the text plans must agree with. */
function reference(accountId: string, q: Omit<AlertQuery, "limit" | "offset">, skip?: string) {
  const w = ["account_id = $1"];
  const p: unknown[] = [accountId];
  for (const [col, v] of [["type", q.type], ["severity", q.severity], ["status", q.status], ["asset_id", q.assetId], ["source_ip", q.sourceIp]] as const) {
    if (v !== undefined && col !== skip) { p.push(v); w.push(`${col} = $${p.length}`); }
  }
  if (q.from !== undefined) { p.push(q.from); w.push(`last_seen >= $${p.length}`); }
  if (q.to !== undefined) { p.push(q.to); w.push(`first_seen <= $${p.length}`); }
  if (q.text) {
    p.push(likeOf(q.text));
    const t = `$${p.length}`;
    w.push(`(name ILIKE ${t} OR source_ip ILIKE ${t} OR user_name ILIKE ${t} OR type ILIKE ${t})`);
  }
  return { where: w.join(" AND "), p };
}

if (await requirePostgres("ALR-10 postgres alert queries")) {
  test("ALR-10 postgres: list totals, pages, keyset pages and counts (alert_counts + deltas, trigram text) agree with plain COUNT/ILIKE queries", async () => {
    const store = await openTestStore();
    const db = new pg.Client({ connectionString: TEST_PG_URL, types: pgTypes, options: `-c search_path=${store.schema},public` });
    await db.connect();
    let seed = 42;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const types = [["ssh_brute_force", "SSH brute force"], ["logon_after_brute_force", "Logon after brute force"], ["port_scan", "Port scan"], ["web_shell", "Web shell"], ["web_shell", "Web shell (PHP)"]] as const;
    const statuses: AlertStatus[] = ["unhandled", "handled", "expired", "blocked", "whitelisted_auto"];
    const severities: Severity[] = ["low", "medium", "high", "critical"];
    const users = [null, "root", "Root", "oracle", "józef", "x'; DROP TABLE alerts;--%_", 'say "hi"', "svc-scan"];
    const ips = [null, "203.0.113.5", "203.0.113.50", "198.51.100.7", "2001:db8::1", "185.220.101.4"];
    const alerts: Alert[] = [];
    const change = async (tx: typeof store | Parameters<Parameters<typeof store.transaction>[0]>[0], n: number) => {
      for (let i = 0; i < n; i++) {
        const a = alerts[Math.floor(rnd() * alerts.length)]!;
        Object.assign(a, rnd() < 0.5 ? { status: pick(statuses) } : { userName: pick(users), severity: pick(severities) });
        await tx.alerts.update(a);
      }
    };
    try {
      await store.transaction(async (tx) => {
        for (let i = 0; i < 4_000; i++) {
          const [type, name] = pick(types);
          const a: Alert = {
            id: `al_${String(i).padStart(5, "0")}`, accountId: rnd() < 0.8 ? "default" : "other", assetId: pick(["as1", "as2", "as3"]), type, ruleId: "r", name,
            severity: pick(severities), status: pick(statuses), dedupKey: `k${i}`, firstSeen: 1000 + i * 10, lastSeen: 1000 + i * 10 + Math.floor(rnd() * 50_000),
            count: 1, sourceIp: pick(ips), userName: i < 3_000 ? "root" : pick(users), attack: [], evidence: {}, triage: "", response: null, handledHow: null,
            whitelistedBy: null, createdAt: i, updatedAt: i,
          };
          alerts.push(a);
          await tx.alerts.insert(a);
        }
        // lifecycle changes and a user name learnt later: the trigger's deltas keep the counts in step
        await change(tx, 400);
      });
      const texts = ["root", "ROOT", "oot", "ro", "r", "brute", "Brute force", "shell", "PHP", "scan", "203.0.113.5", "203.0.113.", "db8::", "józ", "DROP TABLE alerts;--%_", "%", "_", '"hi"', "nothing-here"];
      for (let round = 0; round < 200; round++) {
        // deltas not folded yet, and folded ones, both count
        if (round % 50 === 25) await change(store, 50);
        const q: Omit<AlertQuery, "limit" | "offset"> = {};
        if (rnd() < 0.3) q.type = pick(types)[0];
        if (rnd() < 0.3) q.status = pick(statuses);
        if (rnd() < 0.2) q.severity = pick(severities);
        if (rnd() < 0.15) q.assetId = pick(["as1", "as2", "as3"]);
        if (rnd() < 0.1) q.sourceIp = pick(ips) ?? undefined;
        if (rnd() < 0.2) q.from = 1000 + Math.floor(rnd() * 45_000);
        if (rnd() < 0.1) q.to = 1000 + Math.floor(rnd() * 45_000);
        if (rnd() < 0.6) q.text = pick(texts);
        const account = rnd() < 0.8 ? "default" : "other";
        const limit = pick([1, 7, 50]);
        const offset = pick([0, 0, 3, 40]);
        const what = JSON.stringify({ account, ...q, limit, offset });

        const ref = reference(account, q);
        const n = ref.p.length;
        const total = Number((await db.query(`SELECT COUNT(*) AS n FROM alerts WHERE ${ref.where}`, ref.p)).rows[0].n);
        const ids = (await db.query(`SELECT id FROM alerts WHERE ${ref.where} ORDER BY last_seen DESC, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`, [...ref.p, limit, offset])).rows.map((r) => r.id);
        const page = await store.alerts.list(account, { ...q, limit, offset });
        assert.equal(page.total, total, `total of ${what}`);
        assert.deepEqual(page.items.map((a) => a.id), ids, `page of ${what}`);

        const last = page.items.at(-1);
        if (last) {
          const next = (await db.query(`SELECT id FROM alerts WHERE ${ref.where} AND (last_seen < $${n + 1} OR (last_seen = $${n + 1} AND id < $${n + 2})) ORDER BY last_seen DESC, id DESC LIMIT $${n + 3}`,
            [...ref.p, last.lastSeen, last.id, limit])).rows.map((r) => r.id);
          assert.deepEqual((await store.alerts.list(account, { ...q, limit, offset: 0, after: { lastSeen: last.lastSeen, id: last.id } })).items.map((a) => a.id), next, `next page of ${what}`);
        }

        const by = async (col: "status" | "severity") => {
          const r = reference(account, q, col);
          return Object.fromEntries((await db.query(`SELECT ${col} AS k, COUNT(*) AS n FROM alerts WHERE ${r.where} GROUP BY ${col} ORDER BY ${col}`, r.p)).rows.map((x) => [x.k, Number(x.n)]));
        };
        assert.deepEqual(await store.alerts.counts(account, q), { total, byStatus: await by("status"), bySeverity: await by("severity") }, `counts of ${what}`);
      }
    } finally {
      await db.end();
      await store.close();
    }
  });
}
