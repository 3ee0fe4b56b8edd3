/**
 * `hostward baseline run`: asks the agents to run the baseline now (BF-5 weak passwords,
 * AGT-7 account inventory) through the REST API, waits for their results and prints them.
 */
import { parseArgs } from "node:util";

export const BASELINE_HELP = `Usage: hostward baseline run [options]

Runs the baseline on your assets now instead of at the next daily run: each agent
checks the local password hashes against a dictionary of common passwords (the hashes
never leave the host) and sends its account inventory. Waits for the results and
prints them; a changed password clears its finding at once.

Options:
  --api URL          The server's console/API address (default http://127.0.0.1:8080,
                     or HOSTWARD_API_URL)
  --token TOKEN      An API token (or HOSTWARD_API_TOKEN); make one with
                     'hostward token create --api'
  --asset ID         Only this asset (repeatable; default every asset)
  --check NAME       weak_password or account_inventory (repeatable; default both)
  --timeout DURATION How long to wait for the agents (default 10m)
  --no-wait          Queue the runs and return
  --json             One JSON object per asset on stdout
  -h, --help         This help

Exit status: 0 no weak password found, 1 weak passwords found (or an asset did not
answer in time), 2 bad usage or the server refused.

Example:
  HOSTWARD_API_TOKEN=hwk_… hostward baseline run --asset ag_01J…
`;

interface Io { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; isTty?: boolean }

interface Run { assetId: string; hostname: string; check: string; ts: string; trigger: string; checked: number; findings: number; skipped: { subject: string; reason: string }[]; durationMs: number }
interface Finding { assetId: string; hostname: string; subject: string; reason: string; scheme: string }

function duration(s: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new Error(`--timeout wants a duration such as 90s or 10m, not ${JSON.stringify(s)}`);
  return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? "s"] ?? 1000);
}

export async function baselineCommand(args: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "run" || rest.includes("-h") || rest.includes("--help")) {
    io.stdout.write(BASELINE_HELP);
    return sub === undefined || sub === "run" || sub === "-h" || sub === "--help" ? 0 : 2;
  }
  let v: Record<string, string | string[] | boolean | undefined>;
  let timeout: number;
  try {
    ({ values: v } = parseArgs({ args: rest, options: { api: { type: "string" }, token: { type: "string" }, asset: { type: "string", multiple: true }, check: { type: "string", multiple: true }, timeout: { type: "string" }, "no-wait": { type: "boolean" }, json: { type: "boolean" } }, strict: true }));
    timeout = duration(String(v.timeout ?? "10m"));
  } catch (e) {
    io.stderr.write(`hostward baseline run: ${(e as Error).message}\n\n${BASELINE_HELP}`);
    return 2;
  }
  const base = String(v.api ?? env.HOSTWARD_API_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
  const token = String(v.token ?? env.HOSTWARD_API_TOKEN ?? "");
  if (!token) {
    io.stderr.write("hostward baseline run: an API token is needed (--token or HOSTWARD_API_TOKEN; make one with 'hostward token create --api')\n");
    return 2;
  }
  const checks = (v.check as string[] | undefined) ?? ["weak_password", "account_inventory"];
  for (const c of checks) if (!["weak_password", "account_inventory"].includes(c)) return io.stderr.write(`hostward baseline run: unknown check ${JSON.stringify(c)} (weak_password or account_inventory)\n`), 2;

  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
    } catch (e) {
      throw new Error(`cannot reach the server at ${base} (${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}); is it running? (--api)`);
    }
    const json = (await res.json().catch(() => ({}))) as { error?: { message: string } };
    if (!res.ok) throw new Error(`the server said ${res.status}: ${json.error?.message ?? res.statusText}`);
    return json as T;
  };

  let queued: { queued: { assetId: string }[]; requestedAt: string };
  try {
    queued = await call("POST", "/api/v1/baseline/run", { ...(v.asset ? { assetIds: v.asset } : {}), checks });
  } catch (e) {
    io.stderr.write(`hostward baseline run: ${(e as Error).message}\n`);
    return 2;
  }
  const ids = queued.queued.map((q) => q.assetId);
  if (ids.length === 0) return io.stderr.write("hostward baseline run: no assets to run on\n"), 0;
  io.stderr.write(`baseline queued on ${ids.length} asset${ids.length === 1 ? "" : "s"}\n`);
  if (v["no-wait"]) return 0;
  if (!checks.includes("weak_password")) return 0;

  // wait for each asset's weak-password run newer than the request
  const since = Date.parse(queued.requestedAt);
  const t0 = Date.now();
  const done = new Map<string, Run>();
  const tty = io.isTty ?? (io.stderr as { isTTY?: boolean }).isTTY ?? false;
  const frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
  let frame = 0;
  while (done.size < ids.length && Date.now() - t0 < timeout) {
    const runs = (await call<{ items: Run[] }>("GET", "/api/v1/baseline/runs?check=weak_password").catch(() => ({ items: [] as Run[] }))).items;
    for (const r of runs) if (ids.includes(r.assetId) && Date.parse(r.ts) >= since) done.set(r.assetId, r);
    if (tty) {
      const width = 24, filled = Math.round((done.size / ids.length) * width);
      io.stderr.write(`\r${frames[frame++ % frames.length]} [${"█".repeat(filled)}${"░".repeat(width - filled)}] ${done.size}/${ids.length} assets reported · ${Math.round((Date.now() - t0) / 1000)} s `);
    }
    if (done.size < ids.length) await new Promise((r) => setTimeout(r, 1000));
  }
  if (tty) io.stderr.write("\n");
  const findings = (await call<{ items: Finding[] }>("GET", "/api/v1/baseline/findings?check=weak_password")).items.filter((f) => ids.includes(f.assetId));
  const missing = ids.filter((id) => !done.has(id));
  for (const id of ids) {
    const r = done.get(id);
    const weak = findings.filter((f) => f.assetId === id);
    if (v.json) {
      io.stdout.write(JSON.stringify({ assetId: id, hostname: r?.hostname ?? null, reported: !!r, checked: r?.checked ?? null, weak: weak.map((f) => ({ user: f.subject, reason: f.reason, scheme: f.scheme })), skipped: r?.skipped ?? [], durationMs: r?.durationMs ?? null }) + "\n");
      continue;
    }
    if (!r) {
      io.stdout.write(`${id}: no result within ${Math.round(timeout / 1000)} s (agent offline, or still checking: see the console later)\n`);
      continue;
    }
    const name = JSON.stringify(r.hostname).slice(1, -1);
    io.stdout.write(`${name} (${id}): ${r.checked} account${r.checked === 1 ? "" : "s"} checked in ${(r.durationMs / 1000).toFixed(1)} s — ` +
      (weak.length ? `${weak.length} weak: ${weak.map((f) => `${JSON.stringify(f.subject)} (${f.reason}, ${f.scheme})`).join(", ")}` : "no weak password") +
      (r.skipped.length ? `; ${r.skipped.length} skipped (${r.skipped.slice(0, 3).map((s) => `${JSON.stringify(s.subject)}: ${s.reason}`).join("; ")})` : "") + "\n");
  }
  return findings.length > 0 || missing.length > 0 ? 1 : 0;
}
