/**
 * Alert store benchmark (issue #4): alert upsert throughput (new alerts and dedup hits) and
 * console list-query latency at 1,000,000 stored alerts, on the real SqliteStore (a temp
 * file, WAL, synchronous=FULL as in production) with the real applyDetection.
 * Writes bench/work/alerts.json; bench/run.ts renders it into bench/REPORT.md.
 *
 *   node bench/alerts.ts [--alerts N] [--runs N] [--seed S] [--db FILE] [--keep] [--out FILE]
 *
 * --alerts: stored alerts for the query phase (default 1000000); --runs: timed runs per
 * query kind (default 200); --db: use this file and keep it (a file already filled with
 * the same --alerts and --seed is reused, and migrations not yet applied run on it);
 * --keep: keep the temp directory; --out: write the JSON elsewhere (e.g. bench/work/alerts-baseline.json
 * from a checkout before migration 0005: bench/run.ts then shows both).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { DatabaseSync } from "node:sqlite";
import { SqliteStore } from "../src/store/index.ts";
import { applyDetection } from "../src/alerting/index.ts";
import { newId, type Alert, type AlertQuery, type AlertStatus, type Severity } from "../src/core/index.ts";
import type { Detection } from "../src/detection/index.ts";

const WORK = join(import.meta.dirname, "work");
const DAY = 86_400_000;
/** The end of the generated history: "now" for the console queries. */
const NOW = Date.parse("2026-11-20T00:00:00Z");
const DAYS = 180;
const ACCOUNTS = [{ id: "default", share: 0.9 }, { id: "acct-b", share: 0.1 }] as const;
const ASSETS = 2_000;
const IP_POOL = 200_000;
const USER_POOL = 300;
const BATCH = 500;
const TARGET_MS = 100;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(name);
const OUT = arg("--out") ?? join(WORK, "alerts.json");
const log = (msg: string) => process.stderr.write(`[bench:alerts] ${msg}\n`);

// ---- deterministic data ------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/** A generator per alert index, so alert i can be rebuilt (for its recurrences) without the others. */
const rngAt = (seed: number, i: number) => mulberry32(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35));
/** Skewed pick in [0, n): a few values are very common (noisy scanners, noisy hosts). */
const pick = <T,>(r: () => number, xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
const skewed = (r: () => number, n: number, k: number) => Math.min(n - 1, Math.floor(n * r() ** k));

interface AlertType {
  type: string; ruleId: string; name: string; severity: Severity; weight: number;
  /** What the dedup key is made of besides the asset. */
  key: "ip" | "ip+user" | "user" | "thing";
  sourceIp: boolean; user: "always" | "sometimes" | "never"; attack: string[];
}
/** ~20 types: the two shipped rules plus the planned ones of docs/alert-types.md and a few more. SSH brute force dominates, as on internet-facing hosts. */
const TYPES: AlertType[] = [
  { type: "ssh_brute_force", ruleId: "hw-ssh-brute-force", name: "SSH brute force", severity: "high", weight: 35, key: "ip", sourceIp: true, user: "sometimes", attack: ["T1110.001"] },
  { type: "port_scan", ruleId: "hw-port-scan", name: "Port scan", severity: "low", weight: 15, key: "ip", sourceIp: true, user: "never", attack: ["T1046"] },
  { type: "unusual_logon", ruleId: "hw-unusual-logon", name: "Unusual logon", severity: "medium", weight: 8, key: "ip", sourceIp: true, user: "always", attack: ["T1078"] },
  { type: "suspicious_process", ruleId: "hw-suspicious-process", name: "Suspicious process", severity: "medium", weight: 7, key: "thing", sourceIp: false, user: "always", attack: ["T1059.004"] },
  { type: "sensitive_file_tampering", ruleId: "hw-sensitive-file", name: "Sensitive file tampering", severity: "medium", weight: 5, key: "thing", sourceIp: false, user: "sometimes", attack: ["T1565.001"] },
  { type: "new_listening_port", ruleId: "hw-new-listener", name: "New listening port", severity: "low", weight: 5, key: "thing", sourceIp: false, user: "sometimes", attack: ["T1571"] },
  { type: "malicious_ip", ruleId: "hw-malicious-ip", name: "Connection to a malicious address", severity: "high", weight: 4, key: "thing", sourceIp: false, user: "sometimes", attack: ["T1071"] },
  { type: "malicious_domain", ruleId: "hw-malicious-domain", name: "Lookup of a malicious domain", severity: "medium", weight: 4, key: "thing", sourceIp: false, user: "never", attack: ["T1071.004"] },
  { type: "suspicious_connection", ruleId: "hw-suspicious-connection", name: "Suspicious outbound connection", severity: "medium", weight: 4, key: "thing", sourceIp: false, user: "sometimes", attack: ["T1095"] },
  { type: "sudo_failure", ruleId: "hw-sudo-failure", name: "Repeated sudo failures", severity: "low", weight: 4, key: "user", sourceIp: false, user: "always", attack: ["T1548.003"] },
  { type: "account_created", ruleId: "hw-account-created", name: "Local account created", severity: "low", weight: 3, key: "user", sourceIp: false, user: "always", attack: ["T1136.001"] },
  { type: "mining_pool", ruleId: "hw-mining-pool", name: "Connection to a mining pool", severity: "high", weight: 2, key: "thing", sourceIp: false, user: "sometimes", attack: ["T1496"] },
  { type: "malicious_download", ruleId: "hw-malicious-download", name: "Malicious download", severity: "high", weight: 2, key: "thing", sourceIp: false, user: "sometimes", attack: ["T1105"] },
  { type: "application_intrusion", ruleId: "hw-app-intrusion", name: "Application intrusion", severity: "high", weight: 2, key: "ip", sourceIp: true, user: "never", attack: ["T1190"] },
  { type: "malicious_script", ruleId: "hw-malicious-script", name: "Malicious script", severity: "high", weight: 1.5, key: "thing", sourceIp: false, user: "sometimes", attack: ["T1059"] },
  { type: "web_shell", ruleId: "hw-web-shell", name: "Web shell", severity: "critical", weight: 1, key: "thing", sourceIp: false, user: "never", attack: ["T1505.003"] },
  { type: "malicious_process", ruleId: "hw-malicious-process", name: "Malicious process", severity: "critical", weight: 1, key: "thing", sourceIp: false, user: "sometimes", attack: ["T1204.002"] },
  { type: "malware", ruleId: "hw-malware", name: "Malware file", severity: "critical", weight: 1, key: "thing", sourceIp: false, user: "never", attack: ["T1204"] },
  { type: "logon_after_brute_force", ruleId: "hw-logon-after-brute-force", name: "Logon after brute force", severity: "critical", weight: 0.5, key: "ip+user", sourceIp: true, user: "always", attack: ["T1110", "T1078"] },
  { type: "log_tampering", ruleId: "hw-log-tampering", name: "Log tampering", severity: "medium", weight: 0.5, key: "thing", sourceIp: false, user: "sometimes", attack: ["T1070.002"] },
];
const TYPE_CDF = (() => {
  const total = TYPES.reduce((n, t) => n + t.weight, 0);
  let acc = 0;
  return TYPES.map((t) => (acc += t.weight / total));
})();
const pickType = (u: number) => TYPES[Math.max(0, TYPE_CDF.findIndex((c) => u < c))] ?? TYPES[0]!;
const TRIAGE = "Check whether the source is yours (a script with an old password, a monitoring probe). If not, keep it blocked; look for related alerts on the same asset and for the accounts it touched.";
const COMMON_USERS = ["root", "admin", "ubuntu", "test", "user", "oracle", "postgres", "git", "deploy", "ftpuser", "pi", "guest", "support", "www-data", "mysql", "jenkins", "ansible", "backup", "nagios", "hadoop"];

interface Pools { ips: string[]; users: string[]; assets: string[][] }

function makePools(seed: number): Pools {
  const r = mulberry32(seed);
  const ips: string[] = [];
  while (ips.length < IP_POOL) {
    const a = 1 + Math.floor(r() * 223);
    if (a === 10 || a === 100 || a === 127) continue; // 100.x is kept for the fresh sources of the upsert phase
    ips.push(`${a}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`);
  }
  const users = [...COMMON_USERS];
  while (users.length < USER_POOL) users.push(`${["svc", "dev", "ops", "app", "u"][users.length % 5]}-${users.length.toString(36)}${Math.floor(r() * 1000)}`);
  // 2,000 assets, 90 / 10 like the alerts
  const assets = ACCOUNTS.map((acc, k) => Array.from({ length: Math.round(ASSETS * acc.share) }, (_, j) => `ag_${k}${j.toString(16).padStart(5, "0")}${Math.floor(r() * 0xffff).toString(16)}`));
  return { ips, users, assets };
}

/** Alert i of the generated history: deterministic, in creation order (alerts are stored as they arrive). */
function genAlert(seed: number, i: number, n: number, pools: Pools): Alert {
  const r = rngAt(seed, i);
  const acc = r() < ACCOUNTS[0].share ? 0 : 1;
  const accountId = ACCOUNTS[acc]!.id;
  const assets = pools.assets[acc]!;
  const assetId = assets[skewed(r, assets.length, 2)]!;
  const t = pickType(r());
  const createdAt = NOW - DAYS * DAY + Math.floor(((i + r()) / n) * DAYS * DAY);
  const firstSeen = createdAt - Math.floor(r() * 10 * 60_000);
  const span = r();
  const dur = span < 0.7 ? r() * 3_600_000 : span < 0.95 ? r() * 3 * DAY : r() * 29 * DAY;
  const lastSeen = Math.min(NOW, Math.floor(createdAt + dur));
  const sourceIp = t.sourceIp ? pools.ips[skewed(r, pools.ips.length, 3)]! : null;
  const userName = t.user === "always" || (t.user === "sometimes" && r() < 0.5) ? pools.users[skewed(r, pools.users.length, 2.5)]! : null;
  const thing = `${t.type === "malicious_domain" ? "dns" : "path"}-${Math.floor(r() * 5000).toString(36)}`;
  const dedupKey = `${t.type}:${t.key === "ip" ? sourceIp : t.key === "ip+user" ? `${sourceIp}|${userName}` : t.key === "user" ? userName : thing}`;
  const old = NOW - lastSeen > 30 * DAY;
  const s = r();
  const status: AlertStatus = old
    ? s < 0.8 ? "expired" : s < 0.94 ? "handled" : s < 0.96 ? "whitelisted_auto" : s < 0.97 ? "whitelisted_manual" : "blocked"
    : s < 0.5 ? "unhandled" : s < 0.85 ? "handled" : s < 0.89 ? "whitelisted_auto" : s < 0.91 ? "whitelisted_manual" : "blocked";
  const evidence: Record<string, unknown> = sourceIp ? { "source.ip": [sourceIp], "event.count": 5 + Math.floor(r() * 50) } : { "file.path": `/var/www/${thing}`, "process.executable": `/usr/bin/${t.type.slice(0, 6)}` };
  if (userName) evidence["user.name"] = [userName, ...(r() < 0.3 ? [pools.users[skewed(r, pools.users.length, 2.5)]!] : [])];
  return {
    id: newId("al", createdAt), accountId, assetId, type: t.type, ruleId: t.ruleId, name: t.name, severity: t.severity, status, dedupKey,
    firstSeen, lastSeen, count: 1 + Math.floor(-Math.log(1 - r()) * 20), sourceIp, userName, attack: t.attack, evidence, triage: TRIAGE,
    response: status === "blocked" ? "blocked by policy ip_000000000000" : null, handledHow: status === "handled" ? "marked handled by analyst" : null,
    whitelistedBy: status.startsWith("whitelisted") ? "wl_000000000000" : null, createdAt, updatedAt: lastSeen,
  };
}

function detectionOf(a: Pick<Alert, "assetId" | "type" | "ruleId" | "name" | "severity" | "dedupKey" | "sourceIp" | "userName" | "attack" | "evidence">, at: number): Detection {
  return {
    ruleId: a.ruleId, type: a.type, name: a.name, severity: a.severity, assetId: a.assetId, dedupKey: a.dedupKey, opened: true,
    firstSeen: at - 60_000, lastSeen: at, count: 5, sourceIp: a.sourceIp, userName: a.userName, attack: a.attack, triage: TRIAGE,
    response: a.sourceIp ? "block_source" : "none", whitelistFields: ["source.ip"], notify: "every", evidence: a.evidence,
  };
}

/** A detection that opens a new alert: a source outside the pool (100.64.0.0/10), so no open alert has its key. */
function freshDetection(seed: number, i: number, pools: Pools, at: number, account: number): Detection {
  const a = genAlert(seed ^ 0x5bd1e995, i, 1, pools);
  const t = TYPES[0]!;
  const ip = `100.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}`;
  const assets = pools.assets[account]!;
  return detectionOf({ ...a, assetId: assets[i % assets.length]!, type: t.type, ruleId: t.ruleId, name: t.name, severity: t.severity, dedupKey: `${t.type}:${ip}`, sourceIp: ip, evidence: { "source.ip": [ip], "event.count": 5 } }, at);
}

// ---- measuring ---------------------------------------------------------------------------------

interface UpsertResult { store: string; kind: "new alert" | "dedup hit"; batch: number; n: number; created: number; seconds: number; perSecond: number }

/** Ingest's shape: one transaction per batch, applyDetection per detection. */
async function upsert(store: SqliteStore, dets: Detection[], batch: number, at: number, accountOf: (d: Detection) => string): Promise<{ n: number; created: number; seconds: number; perSecond: number }> {
  let created = 0;
  const t0 = performance.now();
  for (let i = 0; i < dets.length; i += batch) {
    const slice = dets.slice(i, i + batch);
    await store.transaction(async (tx) => {
      for (const d of slice) if ((await applyDetection(tx, d, at, accountOf(d))).created) created++;
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  return { n: dets.length, created, seconds, perSecond: dets.length / seconds };
}

interface QueryResult { name: string; what: string; runs: number; p50: number; p95: number; p99: number; max: number; meanItems: number; meanTotal: number }

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Times `runs` queries with fresh random parameters each; a query that needs untimed setup reports its own `ms`. */
async function measure(name: string, what: string, runs: number, make: () => () => Promise<{ items: number; total: number; ms?: number }>): Promise<QueryResult> {
  for (let i = 0; i < 5; i++) await make()(); // warm-up, not timed
  const ms: number[] = [];
  let items = 0;
  let total = 0;
  for (let i = 0; i < runs; i++) {
    const q = make();
    const t0 = performance.now();
    const r = await q();
    ms.push(r.ms ?? performance.now() - t0);
    items += r.items;
    total += r.total;
  }
  ms.sort((a, b) => a - b);
  const res = { name, what, runs, p50: round2(pct(ms, 50)), p95: round2(pct(ms, 95)), p99: round2(pct(ms, 99)), max: round2(ms.at(-1)!), meanItems: Math.round(items / runs), meanTotal: Math.round(total / runs) };
  log(`${name}: p50 ${res.p50} ms, p95 ${res.p95} ms, p99 ${res.p99} ms (mean total ${res.meanTotal})`);
  return res;
}

function machine(): string {
  const cpu = cpus();
  const osRelease = existsSync("/etc/os-release") ? (/PRETTY_NAME="([^"]+)"/.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "") : "";
  const kernel = spawnSync("uname", ["-r"], { encoding: "utf8" }).stdout.trim();
  return `${cpu.length} × ${cpu[0]?.model ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${osRelease}, Linux ${kernel}`;
}

const fileBytes = (f: string) => (existsSync(f) ? statSync(f).size : 0);

// ---- main ----------------------------------------------------------------------------------------

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const N = Number(arg("--alerts") ?? 1_000_000);
  const runs = Number(arg("--runs") ?? 200);
  const seed = Number(arg("--seed") ?? 7);
  const dbArg = arg("--db");
  const tmp = mkdtempSync(join(tmpdir(), "hostward-bench-alerts-"));
  const dbFile = dbArg ?? join(tmp, "alerts.db");
  const pools = makePools(seed);
  const upserts: UpsertResult[] = [];
  const sqliteVersion = String((new DatabaseSync(":memory:").prepare("SELECT sqlite_version() AS v").get() as { v: string }).v);

  try {
    // 1. upserts on a small store: new alerts, then recurrences of them, at three batch sizes
    {
      const small = new SqliteStore({ path: join(tmp, "small.db") });
      let k = 0;
      for (const [batch, n] of [[1, 2_000], [50, 20_000], [BATCH, 50_000]] as const) {
        const at = NOW + k;
        const fresh = Array.from({ length: n }, (_, j) => freshDetection(seed, k + j, pools, at, 0));
        k += n;
        const r1 = await upsert(small, fresh, batch, at, () => "default");
        upserts.push({ store: "small (< 80k alerts)", kind: "new alert", batch, ...r1 });
        // recurrences: the same keys again, shuffled
        const r = mulberry32(seed + batch);
        const again = fresh.map((d) => ({ ...d, firstSeen: at + 1, lastSeen: at + 60_000 })).sort(() => r() - 0.5);
        const r2 = await upsert(small, again, batch, at + 60_000, () => "default");
        upserts.push({ store: "small (< 80k alerts)", kind: "dedup hit", batch, ...r2 });
        log(`upserts, batch ${batch}: new ${Math.round(r1.perSecond)}/s (${r1.created} created), dedup hit ${Math.round(r2.perSecond)}/s (${r2.created} created)`);
      }
      await small.close();
    }

    // 2. fill to N alerts
    let fillSeconds: number | null = null;
    let migrateSeconds: number | null = null;
    const reuse = existsSync(dbFile);
    {
      const t0 = performance.now();
      const store = new SqliteStore({ path: dbFile }); // applies pending migrations (timed when reusing a filled file)
      if (reuse) migrateSeconds = (performance.now() - t0) / 1000;
      const have = Number((await store.settings.get<{ n: number; seed: number }>("bench.fill"))?.n ?? -1);
      const haveSeed = (await store.settings.get<{ n: number; seed: number }>("bench.fill"))?.seed;
      if (have !== N || haveSeed !== seed) {
        if (have > 0) throw new Error(`${dbFile} holds another fill (${have} alerts, seed ${haveSeed}); remove it`);
        log(`filling ${N} alerts`);
        const t1 = performance.now();
        const chunk = 50_000;
        for (let i = 0; i < N; i += chunk) {
          await store.transaction(async (tx) => {
            for (let j = i; j < Math.min(N, i + chunk); j++) await tx.alerts.insert(genAlert(seed, j, N, pools));
          });
          if ((i / chunk) % 4 === 3) log(`  ${i + chunk} alerts, ${((performance.now() - t1) / 1000).toFixed(0)} s`);
        }
        await store.settings.set("bench.fill", { n: N, seed });
        fillSeconds = (performance.now() - t1) / 1000;
        migrateSeconds = null;
        log(`filled in ${fillSeconds.toFixed(1)} s`);
      }
      await store.close();
    }

    // 3. the dataset's shape, as stored
    const ro = new DatabaseSync(dbFile, { readOnly: true });
    const group = (col: string) => Object.fromEntries((ro.prepare(`SELECT ${col} AS k, COUNT(*) AS n FROM alerts GROUP BY ${col} ORDER BY n DESC`).all() as { k: string; n: number }[]).map((x) => [x.k, Number(x.n)]));
    const dataset = {
      alerts: Number((ro.prepare("SELECT COUNT(*) AS n FROM alerts").get() as { n: number }).n),
      byAccount: group("account_id"), byStatus: group("status"), bySeverity: group("severity"), byType: group("type"),
      assets: Number((ro.prepare("SELECT COUNT(DISTINCT asset_id) AS n FROM alerts").get() as { n: number }).n),
      sourceIps: Number((ro.prepare("SELECT COUNT(DISTINCT source_ip) AS n FROM alerts").get() as { n: number }).n),
      userNames: Number((ro.prepare("SELECT COUNT(DISTINCT user_name) AS n FROM alerts").get() as { n: number }).n),
      withSourceIp: Number((ro.prepare("SELECT COUNT(*) AS n FROM alerts WHERE source_ip IS NOT NULL").get() as { n: number }).n),
      lastSeenFrom: new Date(Number((ro.prepare("SELECT MIN(last_seen) AS t FROM alerts").get() as { t: number }).t)).toISOString(),
      lastSeenTo: new Date(Number((ro.prepare("SELECT MAX(last_seen) AS t FROM alerts").get() as { t: number }).t)).toISOString(),
      days: DAYS, ipPool: IP_POOL, userPool: USER_POOL, seed,
      dbMiB: Math.round((fileBytes(dbFile) + fileBytes(`${dbFile}-wal`)) / 2 ** 20),
      fillSeconds, migrateSeconds,
      migrations: (ro.prepare("SELECT version, name FROM schema_migrations ORDER BY version").all() as { version: number; name: string }[]).map((m) => `${String(m.version).padStart(4, "0")}_${m.name}`),
    };
    ro.close();
    log(`dataset: ${dataset.alerts} alerts, ${dataset.dbMiB} MiB`);

    // 4. console queries, on the big account (90 % of the alerts)
    const store = new SqliteStore({ path: dbFile });
    const acct = "default";
    const r = mulberry32(seed * 31 + 1);
    const mainAssets = pools.assets[0]!;
    const anAsset = () => mainAssets[skewed(r, mainAssets.length, 2)]!;
    const anIp = () => pools.ips[skewed(r, pools.ips.length, 3)]!;
    const aUser = () => pools.users[skewed(r, pools.users.length, 2.5)]!;
    const aType = () => pickType(r()).type;
    const list = (q: Omit<AlertQuery, "limit" | "offset"> & { limit?: number; offset?: number }) => async () => {
      const p = await store.alerts.list(acct, { limit: 50, offset: 0, ...q });
      return { items: p.items.length, total: p.total };
    };
    const nameWords = ["brute", "scan", "logon", "process", "malicious", "mining", "shell", "sudo", "tampering", "download"];
    const queries: QueryResult[] = [];
    queries.push(await measure("first page", "no filter, newest first, limit 50", runs, () => list({})));
    queries.push(await measure("status=unhandled", "first page", runs, () => list({ status: "unhandled" })));
    queries.push(await measure("status=handled", "first page (the second largest open status)", runs, () => list({ status: "handled" })));
    queries.push(await measure("severity=critical, last 7 days", "first page", runs, () => list({ severity: "critical", from: NOW - 7 * DAY })));
    queries.push(await measure("type + asset", "random type (by frequency) and asset (by noise)", runs, () => list({ type: aType(), assetId: anAsset() })));
    queries.push(await measure("sourceIp exact", "random address of the pool (by frequency)", runs, () => list({ sourceIp: anIp() })));
    queries.push(await measure("text: an address", "q = a full source address", runs, () => list({ text: anIp() })));
    queries.push(await measure("text: address prefix", "q = first two octets and a dot, e.g. \"185.220.\"", runs, () => list({ text: anIp().split(".").slice(0, 2).join(".") + "." })));
    queries.push(await measure("text: user name", "q = a user name of the pool", runs, () => list({ text: aUser() })));
    queries.push(await measure("text: word of a name", `q = one of ${nameWords.length} words of alert names (matches 1–45 % of alerts)`, runs, () => list({ text: nameWords[Math.floor(r() * nameWords.length)]! })));
    queries.push(await measure("text: no match", "q = a string no alert has", runs, () => list({ text: `nohit-${Math.floor(r() * 1e6)}` })));
    queries.push(await measure("text: 1–2 characters", "q = \"pi\", \"ad\", \"ro\", \"x\"…: too short for the trigram index, scans", runs, () => list({ text: pick(r, ["pi", "ad", "ro", "sv", "x", "10"]) })));
    queries.push(await measure("text + status=unhandled", "q = a user name, status unhandled", runs, () => list({ text: aUser(), status: "unhandled" })));
    const filters: (() => Omit<AlertQuery, "limit" | "offset">)[] = [() => ({}), () => ({ status: "unhandled" }), () => ({ type: aType() }), () => ({ severity: "high" })];
    queries.push(await measure("page 21 by cursor", "`after` = last alert of page 20 (limit 50); filter: none, unhandled, a type or high", runs, () => {
      const f = filters[Math.floor(r() * filters.length)]!();
      return async () => {
        const last = (await store.alerts.list(acct, { ...f, limit: 50, offset: 950 })).items.at(-1); // untimed: where page 20 ends
        const t0 = performance.now();
        const p = await store.alerts.list(acct, { ...f, limit: 50, offset: 0, after: last ? { lastSeen: last.lastSeen, id: last.id } : undefined });
        return { items: p.items.length, total: p.total, ms: performance.now() - t0 };
      };
    }));
    queries.push(await measure("page 20 by offset", "offset 950, limit 50, no filter (for comparison with the cursor)", runs, () => list({ offset: 950 })));
    const countsOf = (q: Omit<AlertQuery, "limit" | "offset" | "after">) => async () => {
      const c = await store.alerts.counts(acct, q);
      return { items: 0, total: c.total };
    };
    const countFilters: (() => Omit<AlertQuery, "limit" | "offset" | "after">)[] = [() => ({ type: aType() }), () => ({ from: NOW - 7 * DAY }), () => ({ status: "unhandled" }), () => ({ assetId: anAsset() }), () => ({ severity: "critical" })];
    queries.push(await measure("counts, one filter", "alerts.counts: a type, last 7 days, unhandled, an asset or critical", runs, () => countsOf(countFilters[Math.floor(r() * countFilters.length)]!())));
    queries.push(await measure("counts, no filter", "alerts.counts for the whole account (the console's landing view)", runs, () => countsOf({})));

    // 5. upserts at N stored alerts: new alerts, then recurrences of open stored ones
    const at = NOW + DAY;
    const freshBig = Array.from({ length: 20_000 }, (_, j) => freshDetection(seed + 1, j, pools, at, 0));
    const r1 = await upsert(store, freshBig, BATCH, at, () => acct);
    upserts.push({ store: `${dataset.alerts.toLocaleString("en-US")} alerts`, kind: "new alert", batch: BATCH, ...r1 });
    const rr = mulberry32(seed + 99);
    const hits: Detection[] = [];
    while (hits.length < 20_000) {
      const a = genAlert(seed, Math.floor(rr() * N), N, pools);
      if (a.status !== "expired") hits.push({ ...detectionOf(a, at), evidence: a.evidence });
    }
    const accountOfAsset = new Map(pools.assets.flatMap((as, k) => as.map((x) => [x, ACCOUNTS[k]!.id] as const)));
    const r2 = await upsert(store, hits, BATCH, at, (d) => accountOfAsset.get(d.assetId)!);
    upserts.push({ store: `${dataset.alerts.toLocaleString("en-US")} alerts`, kind: "dedup hit", batch: BATCH, ...r2 });
    log(`upserts at ${dataset.alerts}: new ${Math.round(r1.perSecond)}/s (${r1.created} created), dedup hit ${Math.round(r2.perSecond)}/s (${r2.created} created)`);
    await store.close();

    const out = {
      generatedAt: new Date().toISOString(), machine: machine(), node: process.versions.node, sqlite: sqliteVersion,
      pragmas: "journal_mode=WAL, synchronous=FULL, default page cache: as SqliteStore opens it", dbFile: dbArg ? dbFile : "(temp file)",
      dataset, upserts: upserts.map((u) => ({ ...u, seconds: round2(u.seconds), perSecond: Math.round(u.perSecond) })),
      queries, targetMs: TARGET_MS, account: acct, runs,
    };
    writeFileSync(OUT, JSON.stringify(out, null, 2) + "\n");
    log(`wrote ${OUT}; p95 over ${TARGET_MS} ms: ${queries.filter((q) => q.p95 >= TARGET_MS).map((q) => q.name).join(", ") || "none"}`);
  } finally {
    if (!flag("--keep")) rmSync(tmp, { recursive: true, force: true });
    else log(`kept ${tmp}`);
  }
}

await main();
