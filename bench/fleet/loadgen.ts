/**
 * The simulated fleet: N agents, each the real agent-protocol client (src/agent/transport.ts
 * `ServerChannel`: its own keep-alive TLS connection, the server's CA pinned, Bearer credential
 * from its own enrolment), run in K child processes. Each agent
 *   - fleet mode: makes R records a second into its spool and, once a second, sends what is
 *     spooled (up to 5,000) unless its previous batch is still in flight — as the real agent does;
 *   - flood mode: sends batches of B records back to back (one in flight per agent);
 *   - keeps an action long-poll open (GET /agent/v1/actions?wait=…) and answers each action;
 *   - given several worker URLs, moves to the next when its worker refuses or drops connections.
 * The parent scrapes each worker's /metrics at the start and end of the measurement window
 * (detection-latency histogram delta, summed across workers) and reads the CPU time of the
 * generator's and the servers' processes from /proc.
 *
 * CLI: node bench/fleet/loadgen.ts --url https://127.0.0.1:8443[,https://…] --ca CA.pem
 *        --creds creds.json --agents N [--rate 10] [--flood --batch 500] [--procs 1]
 *        [--warmup 8] [--seconds 30] [--metrics http://127.0.0.1:8080[,…]]
 * (creds.json: [{"agentId":"…","secret":"…"}], e.g. written by bench/fleet.ts.)
 * FLEET_TRACE=/path writes each child's telemetry requests (sent ms from the window's start,
 * latency ms, agent, records) to /path.<pid>, for looking at latency over time.
 */
import { fork, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ServerChannel, HttpStatusError } from "../../src/agent/transport.ts";
import { RecordSource } from "./records.ts";

export interface Cred {
  agentId: string;
  secret: string;
}

export interface LoadOptions {
  /** Agent-channel URLs of the workers; agent i starts on urls[i % n]. */
  urls: string[];
  caPem: string;
  creds: Cred[];
  mode: "fleet" | "flood";
  /** fleet: records per agent per second. */
  rate: number;
  /** flood: records per request. */
  batch: number;
  /** Seconds from start before the window opens (agents connect over the first `rampS`). */
  warmupS: number;
  rampS: number;
  measureS: number;
  /** Child processes that run the agents (≥ 1). */
  procs: number;
  /** Unique per run: record ids are `<tag>-<agent>-<seq>`, so reruns are not duplicates. */
  tag: string;
  /** API base URLs whose /metrics are scraped at the window's edges. */
  metricsUrls: string[];
  /** Long-poll for actions like a real agent (default true). */
  poll?: boolean;
  /** Other processes (the servers) whose CPU time over the window is reported. */
  watchPids?: number[];
  /** Services by process name (e.g. postgres, nats-server) whose CPU time over the window is reported, summed per name. */
  watchNames?: string[];
}

export interface Quantiles {
  n: number;
  p50: number | null;
  p99: number | null;
  /** Histogram only: the quantile lies past the largest finite bucket, whose bound it shows. */
  p50Over?: boolean;
  p99Over?: boolean;
}

export interface LoadResult {
  agents: number;
  mode: "fleet" | "flood";
  /** What the fleet offered (fleet mode: agents × rate). */
  offeredPerS: number | null;
  /** Records acknowledged by the workers within the window, per second. */
  ackedPerS: number;
  /** Server side: hostward_records_accepted_total delta over the window / seconds, summed across workers. */
  serverAcceptedPerS: number | null;
  requestsPerS: number;
  /** Request sent → answer, ms. */
  ackLatencyMs: Quantiles;
  /** Oldest spooled record made → its batch acknowledged, ms (fleet mode: includes waiting in the spool). */
  recordAgeMs: Quantiles;
  /** From the workers' hostward_detection_latency_seconds histogram (delta, summed), ms; null when absent. */
  detectionLatencyMs: Quantiles | null;
  detections: number | null;
  alertsOpened: number | null;
  errors: Record<string, number>;
  actionsDone: number;
  /** Agents that moved to another worker URL. */
  failovers: number;
  /** Records an agent dropped because its spool was full. */
  spoolDropped: number;
  /** CPU over the window, % of one core; `stalled`: share of the window some task of this machine waited for a CPU (PSI, /proc/pressure/cpu). */
  cpu: { loadgen: number; servers: number[]; stalled: number | null; services?: Record<string, number> };
  windowS: number;
}

// ---------------------------------------------------------------------------------------------
// child: the agents

interface ChildStart {
  type: "start";
  urls: string[];
  caPem: string;
  creds: { cred: Cred; index: number }[];
  mode: "fleet" | "flood";
  rate: number;
  batch: number;
  tag: string;
  poll: boolean;
  /** epoch ms */
  startAt: number;
  rampMs: number;
  from: number;
  to: number;
}

interface ChildResult {
  type: "result";
  acked: number;
  requests: number;
  ackLatency: number[];
  recordAge: number[];
  errors: Record<string, number>;
  actionsDone: number;
  failovers: number;
  spoolDropped: number;
  /** CPU time of this process over the window, ms. */
  cpuMs: number;
}

const MAX_BATCH = 5000;
const MAX_SPOOL = 100_000;

function errorKey(e: unknown): string {
  if (e instanceof HttpStatusError) return `HTTP ${e.status}`;
  const err = e as NodeJS.ErrnoException;
  return err.code ?? err.message?.slice(0, 60) ?? String(e);
}

/** Connection-level failures after which a real agent behind a load balancer lands elsewhere. */
const MOVE_ON = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "HTTP 502", "HTTP 503", "EHOSTUNREACH", "HW_ERR_AGENT_TIMEOUT"]);

async function runChild(s: ChildStart): Promise<ChildResult> {
  const res: ChildResult = { type: "result", acked: 0, requests: 0, ackLatency: [], recordAge: [], errors: {}, actionsDone: 0, failovers: 0, spoolDropped: 0, cpuMs: 0 };
  let stopped = false;
  const inWindow = (t: number) => t >= s.from && t < s.to;
  const countError = (e: unknown) => {
    if (stopped) return;
    const k = errorKey(e);
    res.errors[k] = (res.errors[k] ?? 0) + 1;
    return k;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  class SimAgent {
    urlIdx: number;
    ch: ServerChannel;
    src: RecordSource;
    spool: Record<string, unknown>[] = [];
    /** When the oldest spooled record was made (epoch ms). */
    spoolSince = 0;
    inflight = false;
    timer: NodeJS.Timeout | null = null;
    readonly cred: Cred;

    constructor(cred: Cred, index: number) {
      this.cred = cred;
      this.urlIdx = index % s.urls.length;
      this.ch = this.#channel();
      this.src = new RecordSource(s.tag, index);
    }

    #channel(): ServerChannel {
      const ch = new ServerChannel(s.urls[this.urlIdx]!, s.caPem);
      ch.setCredential(this.cred.agentId, this.cred.secret);
      return ch;
    }

    moveOn(): void {
      if (s.urls.length < 2 || stopped) return;
      this.ch.close();
      this.urlIdx = (this.urlIdx + 1) % s.urls.length;
      this.ch = this.#channel();
      res.failovers++;
    }

    start(): void {
      if (s.mode === "fleet") {
        this.tick();
        this.timer = setInterval(() => this.tick(), 1000);
      } else void this.flood();
      if (s.poll) void this.poll();
    }

    tick(): void {
      if (stopped || Date.now() >= s.to) return;
      const now = Date.now();
      if (this.spool.length === 0) this.spoolSince = now;
      const room = MAX_SPOOL - this.spool.length;
      const n = Math.min(s.rate, room);
      res.spoolDropped += s.rate - n;
      for (const r of this.src.make(n, now)) this.spool.push(r);
      if (!this.inflight) void this.send();
    }

    /** The telemetry request in flight, if any (awaited after the window). */
    current: Promise<void> | null = null;

    send(): Promise<void> {
      this.current = this.#send().finally(() => (this.current = null));
      return this.current;
    }

    async #send(): Promise<void> {
      const records = this.spool.length > MAX_BATCH ? this.spool.splice(0, MAX_BATCH) : this.spool.splice(0);
      if (records.length === 0) return;
      const since = this.spoolSince;
      this.spoolSince = Date.now();
      this.inflight = true;
      const t0 = Date.now();
      try {
        const r = await this.ch.call<{ accepted: number; duplicates: number; rejected: unknown[] }>("POST", "/agent/v1/telemetry", { agentVersion: "fleet-sim", dropped: 0, records });
        const t1 = Date.now();
        if (inWindow(t1)) {
          res.acked += r.accepted + r.duplicates;
          res.requests++;
        }
        // latency of the batches sent in the window (those still in flight at its end are awaited)
        if (inWindow(t0)) {
          res.ackLatency.push(t1 - t0);
          res.recordAge.push(t1 - since);
        }
        if (process.env.FLEET_TRACE) trace.push(`${t0 - s.from} ${t1 - t0} ${this.cred.agentId} ${records.length}`);
        if (r.rejected.length) countError(new Error("record rejected"));
      } catch (e) {
        // keep the records (the real agent's spool does) and try again at the next tick
        if (!stopped) {
          this.spool = records.concat(this.spool);
          this.spoolSince = since;
          const k = countError(e);
          if (k && MOVE_ON.has(k)) this.moveOn();
        }
      } finally {
        this.inflight = false;
      }
    }

    async flood(): Promise<void> {
      while (!stopped && Date.now() < s.to) {
        const t0 = Date.now();
        const records = this.src.make(s.batch, t0);
        try {
          const call = this.ch.call<{ accepted: number; duplicates: number }>("POST", "/agent/v1/telemetry", { agentVersion: "fleet-sim", dropped: 0, records });
          this.current = call.then(() => {}, () => {});
          const r = await call;
          this.current = null;
          const t1 = Date.now();
          if (inWindow(t1)) {
            res.acked += r.accepted + r.duplicates;
            res.requests++;
          }
          if (inWindow(t0)) {
            res.ackLatency.push(t1 - t0);
            res.recordAge.push(t1 - t0);
          }
          if (process.env.FLEET_TRACE) trace.push(`${t0 - s.from} ${t1 - t0} ${this.cred.agentId}`);
        } catch (e) {
          const k = countError(e);
          if (k && MOVE_ON.has(k)) this.moveOn();
          await sleep(200);
        }
      }
    }

    async poll(): Promise<void> {
      while (!stopped) {
        try {
          const r = await this.ch.call<{ actions: { id: string; type: string }[] }>("GET", "/agent/v1/actions?wait=25000", undefined, 40_000);
          for (const a of r.actions) {
            // a simulated host: every action "succeeds" (the firewall is not touched)
            await this.ch.call("POST", `/agent/v1/actions/${encodeURIComponent(a.id)}/result`, { status: "succeeded", result: `simulated ${a.type}` });
            res.actionsDone++;
          }
        } catch (e) {
          if (stopped) return;
          const k = countError(e);
          if (k && MOVE_ON.has(k)) this.moveOn();
          await sleep(1000);
        }
      }
    }

    stop(): void {
      if (this.timer) clearInterval(this.timer);
      this.ch.close();
    }
  }

  const trace: string[] = [];
  const agents = s.creds.map((c) => new SimAgent(c.cred, c.index));
  await sleep(Math.max(0, s.startAt - Date.now()));
  // spread the agents' first connection (and their once-a-second ticks) over the ramp
  agents.forEach((a, i) => setTimeout(() => !stopped && a.start(), Math.floor((i / agents.length) * s.rampMs + Math.random() * Math.min(1000, s.rampMs))));
  await sleep(Math.max(0, s.from - Date.now()));
  const cpu0 = process.cpuUsage();
  await sleep(Math.max(0, s.to - Date.now()));
  const cpu = process.cpuUsage(cpu0);
  res.cpuMs = (cpu.user + cpu.system) / 1000;
  // batches sent in the window and still unanswered: their latency counts (at most 30 s more)
  const inflight = agents.map((a) => a.current).filter((p): p is Promise<void> => p !== null);
  await Promise.race([Promise.allSettled(inflight), sleep(30_000)]);
  stopped = true;
  for (const a of agents) a.stop();
  if (process.env.FLEET_TRACE) (await import("node:fs")).writeFileSync(`${process.env.FLEET_TRACE}.${process.pid}`, trace.join("\n"));
  return res;
}

// ---------------------------------------------------------------------------------------------
// parent: children, metrics, CPU

/** Prometheus text → series name (with labels except le) → value; histogram buckets summed by le. */
export interface Scrape {
  counters: Map<string, number>;
  /** le → cumulative count, summed over label sets and workers */
  buckets: Map<number, number>;
  histCount: number;
  histSum: number;
}

const HIST = "hostward_detection_latency_seconds";

export function parseMetrics(texts: string[]): Scrape {
  const s: Scrape = { counters: new Map(), buckets: new Map(), histCount: 0, histSum: 0 };
  for (const text of texts) {
    for (const line of text.split("\n")) {
      if (!line || line.startsWith("#")) continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
      if (!m) continue;
      const [, name, labels, raw] = m as unknown as [string, string, string | undefined, string];
      const v = Number(raw);
      if (!Number.isFinite(v)) continue;
      if (name === `${HIST}_bucket`) {
        const le = /le="([^"]+)"/.exec(labels ?? "")?.[1];
        if (le === undefined) continue;
        const k = le === "+Inf" ? Infinity : Number(le);
        s.buckets.set(k, (s.buckets.get(k) ?? 0) + v);
      } else if (name === `${HIST}_count`) s.histCount += v;
      else if (name === `${HIST}_sum`) s.histSum += v;
      else s.counters.set(name, (s.counters.get(name) ?? 0) + v);
    }
  }
  return s;
}

/** histogram_quantile over the delta of two cumulative histograms; seconds (negative: past the largest finite bucket, whose bound it is). */
export function histQuantile(before: Map<number, number>, after: Map<number, number>, q: number): number | null {
  const les = [...after.keys()].sort((a, b) => a - b);
  const cum = les.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = cum[cum.length - 1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0, prevCum = 0;
  for (let i = 0; i < les.length; i++) {
    const le = les[i]!, c = cum[i]!;
    if (c >= rank) {
      if (le === Infinity) return -prevLe; // beyond the last finite bucket: its bound, negated to say so
      return prevLe + (le - prevLe) * ((rank - prevCum) / Math.max(1e-9, c - prevCum));
    }
    prevLe = le;
    prevCum = c;
  }
  return prevLe;
}

async function scrape(urls: string[]): Promise<Scrape | null> {
  if (!urls.length) return null;
  try {
    const texts = await Promise.all(urls.map(async (u) => {
      const r = await fetch(new URL("/metrics", u), { signal: AbortSignal.timeout(5000) });
      return r.ok ? r.text() : "";
    }));
    return parseMetrics(texts);
  } catch {
    return null;
  }
}

/** utime + stime of a process, in ms (Linux /proc). */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields 14 and 15 (utime, stime) are at 11 and 12 after the ")"
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // CLK_TCK is 100 on Linux
  } catch {
    return null;
  }
}

/** CPU ms of every process whose name (comm) is one of `names`, summed per name. */
function cpuByName(names: string[]): Map<string, number> {
  const out = new Map<string, number>();
  if (!names.length) return out;
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const comm = readFileSync(`/proc/${d}/comm`, "utf8").trim();
      if (!names.includes(comm)) continue;
      const t = cpuMs(Number(d));
      if (t !== null) out.set(comm, (out.get(comm) ?? 0) + t);
    } catch { /* gone */ }
  }
  return out;
}

/** Total µs some task waited for a CPU (Linux PSI), or null. */
function cpuPressureUs(): number | null {
  try {
    return Number(/some .*total=(\d+)/.exec(readFileSync("/proc/pressure/cpu", "utf8"))?.[1] ?? NaN) || null;
  } catch {
    return null;
  }
}

export function quantiles(xs: number[]): Quantiles {
  if (!xs.length) return { n: 0, p50: null, p99: null };
  const s = Float64Array.from(xs).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { n: s.length, p50: at(0.5), p99: at(0.99) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function hq(n: number, p50: number | null, p99: number | null): Quantiles {
  const ms = (v: number | null) => (v === null ? null : Math.round(Math.abs(v) * 10_000) / 10);
  return { n, p50: ms(p50), p99: ms(p99), ...(p50 !== null && p50 < 0 ? { p50Over: true } : {}), ...(p99 !== null && p99 < 0 ? { p99Over: true } : {}) };
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const procs = Math.max(1, Math.min(o.procs, o.creds.length));
  const children: ChildProcess[] = [];
  const results: Promise<ChildResult>[] = [];
  const startAt = Date.now() + 1500;
  const from = startAt + o.warmupS * 1000;
  const to = from + o.measureS * 1000;
  for (let k = 0; k < procs; k++) {
    const child = fork(import.meta.filename, ["--child"], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] });
    children.push(child);
    const slice = o.creds.map((cred, index) => ({ cred, index })).filter((_, i) => i % procs === k);
    results.push(new Promise<ChildResult>((resolve, reject) => {
      child.once("message", (m) => resolve(m as ChildResult));
      child.once("exit", (code) => reject(new Error(`load generator child exited ${code} before reporting`)));
    }));
    const start: ChildStart = { type: "start", urls: o.urls, caPem: o.caPem, creds: slice, mode: o.mode, rate: o.rate, batch: o.batch, tag: o.tag, poll: o.poll ?? true, startAt, rampMs: o.rampS * 1000, from, to };
    child.send(start);
  }
  await sleep(Math.max(0, from - Date.now()));
  const m0 = await scrape(o.metricsUrls);
  const cpu0 = (o.watchPids ?? []).map(cpuMs);
  const svc0 = cpuByName(o.watchNames ?? []);
  const psi0 = cpuPressureUs();
  const t0 = Date.now();
  await sleep(Math.max(0, to - Date.now()));
  const cpu1 = (o.watchPids ?? []).map(cpuMs);
  const svc1 = cpuByName(o.watchNames ?? []);
  const psi1 = cpuPressureUs();
  const m1 = await scrape(o.metricsUrls);
  const windowS = (Date.now() - t0) / 1000;
  let rs: ChildResult[];
  try {
    rs = await Promise.all(results);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
  }
  const pct = (a: number | null, b: number | null) => (a === null || b === null ? 0 : Math.round(((b - a) / (windowS * 1000)) * 1000) / 10);
  const errors: Record<string, number> = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  const delta = (name: string) => (m0 && m1 && m1.counters.has(name) ? (m1.counters.get(name)! - (m0.counters.get(name) ?? 0)) : null);
  const accepted = delta("hostward_records_accepted_total");
  const hasHist = !!m1 && m1.buckets.size > 0;
  const detN = hasHist ? m1!.histCount - (m0?.histCount ?? 0) : 0;
  const q = (p: number) => (hasHist ? histQuantile(m0?.buckets ?? new Map(), m1!.buckets, p) : null);
  const acked = rs.reduce((a, r) => a + r.acked, 0);
  return {
    agents: o.creds.length,
    mode: o.mode,
    offeredPerS: o.mode === "fleet" ? o.creds.length * o.rate : null,
    ackedPerS: Math.round(acked / o.measureS),
    serverAcceptedPerS: accepted === null ? null : Math.round(accepted / windowS),
    requestsPerS: Math.round(rs.reduce((a, r) => a + r.requests, 0) / o.measureS),
    ackLatencyMs: quantiles(rs.flatMap((r) => r.ackLatency)),
    recordAgeMs: quantiles(rs.flatMap((r) => r.recordAge)),
    detectionLatencyMs: hasHist ? hq(detN, q(0.5), q(0.99)) : null,
    detections: delta("hostward_detections_total"),
    alertsOpened: delta("hostward_alerts_opened_total"),
    errors,
    actionsDone: rs.reduce((a, r) => a + r.actionsDone, 0),
    failovers: rs.reduce((a, r) => a + r.failovers, 0),
    spoolDropped: rs.reduce((a, r) => a + r.spoolDropped, 0),
    cpu: { loadgen: Math.round(rs.reduce((a, r) => a + r.cpuMs, 0) / o.measureS) / 10, servers: (o.watchPids ?? []).map((_p, i) => pct(cpu0[i]!, cpu1[i]!)), stalled: psi0 === null || psi1 === null ? null : Math.round((psi1 - psi0) / (windowS * 1e4)),
      ...(o.watchNames?.length ? { services: Object.fromEntries(o.watchNames.map((n) => [n, Math.round(((svc1.get(n) ?? 0) - (svc0.get(n) ?? 0)) / (windowS * 10))])) } : {}) },
    windowS: Math.round(windowS * 10) / 10,
  };
}

/** Enrols one agent per token (POST /agent/v1/enrol through ServerChannel), `concurrency` at a time. */
export async function enrolFleet(url: string, caPem: string, tokens: string[], concurrency = 8): Promise<Cred[]> {
  const ch = new ServerChannel(url, caPem);
  const out: Cred[] = new Array(tokens.length);
  let next = 0;
  try {
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < tokens.length) {
        const i = next++;
        const r = await ch.call<{ agentId: string; secret: string }>("POST", "/agent/v1/enrol", { token: tokens[i], hostname: `sim-${String(i).padStart(5, "0")}`, version: "fleet-sim", os: "linux" });
        out[i] = { agentId: r.agentId, secret: r.secret };
      }
    }));
  } finally {
    ch.close();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

if (process.argv.includes("--child")) {
  process.once("message", (m) => {
    void runChild(m as ChildStart).then(
      (r) => process.send!(r, () => process.exit(0)),
      (e) => {
        console.error(e);
        process.exit(1);
      },
    );
  });
} else if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      url: { type: "string" }, ca: { type: "string" }, creds: { type: "string" }, agents: { type: "string" },
      rate: { type: "string", default: "10" }, flood: { type: "boolean", default: false }, batch: { type: "string", default: "500" },
      procs: { type: "string", default: "1" }, warmup: { type: "string", default: "8" }, seconds: { type: "string", default: "30" },
      metrics: { type: "string", default: "" }, "no-poll": { type: "boolean", default: false },
    },
  });
  if (!values.url || !values.ca || !values.creds) {
    console.error("usage: loadgen.ts --url URL[,URL] --ca CA.pem --creds creds.json [--agents N] [--rate 10 | --flood --batch 500] [--procs 1] [--warmup 8] [--seconds 30] [--metrics API_URL[,…]]");
    process.exit(2);
  }
  const creds = (JSON.parse(readFileSync(values.creds, "utf8")) as Cred[]).slice(0, values.agents ? Number(values.agents) : undefined);
  const r = await runLoad({
    urls: values.url.split(","), caPem: readFileSync(values.ca, "utf8"), creds, mode: values.flood ? "flood" : "fleet", rate: Number(values.rate), batch: Number(values.batch),
    warmupS: Number(values.warmup), rampS: Math.min(5, Number(values.warmup)), measureS: Number(values.seconds), procs: Number(values.procs), tag: `cli${Date.now().toString(36)}`,
    metricsUrls: values.metrics ? values.metrics.split(",") : [], poll: !values["no-poll"],
  });
  console.log(JSON.stringify(r, null, 2));
}
