/**
 * The "## Fleet" section of bench/REPORT.md from bench/work/fleet-<profile>-<workers>.json
 * (written by bench/fleet.ts). `node bench/run.ts --only fleet` measures and splices it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FleetRun } from "../fleet.ts";
import type { LoadResult, Quantiles } from "./loadgen.ts";

const WORK = join(import.meta.dirname, "..", "work");
/** The configurations issue 10 asks for, in report order. */
export const FLEET_CONFIGS = ["standalone-1", "cluster-1", "cluster-2", "cluster-3"];

const int = (n: number | null | undefined) => (n === null || n === undefined ? "–" : Math.round(n).toLocaleString("en-US"));
const ms = (n: number | null | undefined) => (n === null || n === undefined ? "–" : n >= 100 ? int(n) : String(Math.round(n * 10) / 10));
const pq = (q: Quantiles | null | undefined) => (q && q.n ? `${q.p50Over ? "> " : ""}${ms(q.p50)} / ${q.p99Over ? "> " : ""}${ms(q.p99)}` : "–");
const errs = (e: Record<string, number>) => Object.entries(e).map(([k, v]) => `${k} ×${v}`).join(", ") || "0";
const cpu = (r: LoadResult) =>
  `${r.cpu.servers.map((c) => Math.round(c)).join(" + ")}${r.cpu.services ? ` (+ ${Object.entries(r.cpu.services).map(([k, v]) => `${k} ${v}`).join(", ")})` : ""} / ${Math.round(r.cpu.loadgen)}${r.cpu.stalled !== null ? ` / ${r.cpu.stalled}` : ""}`;

/** Server-side CPU time per acknowledged record (all workers, and PostgreSQL and NATS in the cluster profile), µs. */
const usPerRecord = (r: LoadResult) => {
  const pct = r.cpu.servers.reduce((a, b) => a + b, 0) + Object.values(r.cpu.services ?? {}).reduce((a, b) => a + b, 0);
  return r.ackedPerS > 0 ? String(Math.round((pct * 10_000) / r.ackedPerS)) : "–";
};

function load(name: string): FleetRun | null {
  const f = join(WORK, `fleet-${name}.json`);
  if (!existsSync(f)) return null;
  try {
    return JSON.parse(readFileSync(f, "utf8")) as FleetRun;
  } catch {
    return null;
  }
}

function title(r: { profile: string; workers: number }): string {
  return r.profile === "standalone" ? "Standalone (SQLite, in-process bus), 1 worker" : `Cluster (PostgreSQL + NATS JetStream), ${r.workers} worker${r.workers > 1 ? "s" : ""}`;
}

function runSection(r: FleetRun): string {
  const out = [`### ${title(r)}`, ""];
  if (r.status !== "measured") {
    out.push(`${r.status} (${r.at.slice(0, 16).replace("T", " ")} UTC).`, "");
    return out.join("\n");
  }
  if (r.flood) {
    const f = r.flood;
    out.push(
      `Throughput: **${int(f.ackedPerS)} records/s** acknowledged (${f.agents} agents, batches of ${int(f.batch)} back to back, ${f.windowS} s window${f.serverAcceptedPerS !== null ? `; the workers counted ${int(f.serverAcceptedPerS)}/s accepted` : ""}); ` +
        `answer p50 / p99 ${pq(f.ackLatencyMs)} ms, detection p50 / p99 ${pq(f.detectionLatencyMs)} ms; CPU % server / load generator / machine stalled ${cpu(f)} (${usPerRecord(f)} µs of server CPU per record); errors ${errs(f.errors)}.`,
      "",
    );
  }
  if (r.ramp.length) {
    out.push(
      "| agents | offered rec/s | acknowledged rec/s | answer p50 / p99 ms | detection p50 / p99 ms | CPU % server / loadgen / stalled | actions | errors | held |",
      "|---:|---:|---:|---:|---:|---:|---:|---|---|",
    );
    for (const s of r.ramp) out.push(`| ${int(s.agents)} | ${int(s.offeredPerS)} | ${int(s.ackedPerS)} | ${pq(s.ackLatencyMs)} | ${pq(s.detectionLatencyMs)} | ${cpu(s)} | ${int(s.actionsDone)} | ${errs(s.errors)} | ${s.held ? "yes" : "**no**"} |`);
    out.push("", `Largest fleet held: **${r.largestHeld === null ? "none of the steps" : `${int(r.largestHeld)} agents`}**${r.largestHeld !== null && r.ramp.every((s) => s.held) ? " (the largest step run)" : ""}.`, "");
  }
  if (r.cpuProfile) {
    out.push(
      `Where worker 0's time went over the whole run (\`--cpu-prof\`, ${r.cpuProfile.sampledS} s sampled, self time by file): ` +
        r.cpuProfile.byFile.slice(0, 10).map(([k, v]) => `${k.replace(/^\(\((.*)\)\)$/, "$1")} ${(v * 100).toFixed(1)} %`).join(", ") + ".",
      "",
    );
  }
  for (const n of r.notes) out.push(`- ${n}`);
  return out.join("\n");
}

export function fleetSection(): string {
  const runs = FLEET_CONFIGS.map((c) => [c, load(c)] as const);
  const measured = runs.filter((x): x is readonly [string, FleetRun] => x[1] !== null);
  const head = `## Fleet (issue 10)

A simulated fleet against real \`hostward server\` processes (\`node bench/fleet.ts\`; the load
generator is bench/fleet/loadgen.ts). Each simulated agent is the real agent-protocol client
(\`ServerChannel\` of src/agent/transport.ts): enrolled with its own one-time token, its own
keep-alive TLS connection pinned to the server's CA, \`Bearer <agentId>.<secret>\`; once a second it
sends what its spool holds (10 records a second by default: ~42 % process starts and samples,
35 % connections, 12 % logons, 10 % DNS, ~1 % SSH failures from documentation-range attackers,
so brute-force detections, alerts, blocks and their action results happen), it keeps an action
long-poll open and answers each action, and it moves to the next worker URL when its worker
refuses or drops connections.

- **Throughput**: a few agents send large batches back to back (one in flight each); records/s
  acknowledged over the window.
- **Fleet ramp**: 250, 500, 1,000, 2,000, … agents at 10 records/s each; connections are opened
  over the first half of a 20 s warm-up (a reconnect storm is not what is measured), then a 20 s
  window. Latencies are of the batches *sent* in the window. A step is **held** when the
  acknowledged rate is ≥ 97 % of the offered rate, the answer p99 is under 2 s, the workers'
  detection-latency p99 (\`hostward_detection_latency_seconds\`, record received by a worker → its
  detection result committed, histogram delta over the window summed across workers) is under
  2 s, and errors stay under 1 %. The ramp stops at the first step not held. In standalone the
  answer comes after the detection result is committed, so the answer latency bounds detection
  latency including the wait in the ingest queue.
- **Sharing the 2 cores**: the load generator runs its agents in one child process (\`--procs\`;
  two processes cost more CPU for the same load here: both cores are then contended by three
  busy processes), and its CPU is reported beside the servers' ("CPU %" columns: % of one core over
  the window). "stalled" is the share of the window in which some task on the machine waited for a
  CPU (\`/proc/pressure/cpu\`): this machine is shared with other work, and a high figure means the
  run measured contention as much as Hostward.
`;
  const summary = measured.length
    ? [
        "| profile | workers | records/s sustained | server-side CPU µs per record | answer p50 / p99 ms | detection p50 / p99 ms (workers' histogram) | largest fleet held (10 rec/s each) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        ...measured.map(([, r]) => r.status !== "measured"
          ? `| ${r.profile} | ${r.workers} | not measured | – | – | – | – |`
          : `| ${r.profile} | ${r.workers} | ${int(r.flood?.ackedPerS)} | ${r.flood ? usPerRecord(r.flood) : "–"} | ${pq(r.flood?.ackLatencyMs)} | ${pq(r.flood?.detectionLatencyMs)} | ${r.largestHeld === null ? "none" : int(r.largestHeld)} |`),
        "",
        "Targets (issue 10, this 2-core machine): standalone ≥ 50,000 records/s; 2,000 simulated agents held.",
        "",
      ].join("\n")
    : "Not measured yet: run `node bench/run.ts --only fleet`.\n";
  const missing = runs.filter(([, r]) => r === null).map(([c]) => c);
  const sa = measured.find(([c]) => c === "standalone-1")?.[1];
  const reading: string[] = [];
  if (sa?.status === "measured" && sa.flood) {
    const us = Number(usPerRecord(sa.flood));
    reading.push(
      `- Standalone ingest is one thread (one ingest queue, node:sqlite synchronous on it): at ${us} µs of server CPU per record in large batches, one core carries ~${int(1e6 / us)} records/s; the 50,000 records/s target needs ≤ 20 µs. The cost per record is validation (zod), the SQLite insert (the row and three B-trees: the key, \`ts\`, and \`(agent_id, kind, ts)\`), intel enrichment and the rules; with small batches a fixed cost per batch (TLS, HTTP, authentication and one transaction, whose commit fsyncs the WAL) comes on top, which is what limits the fleet.`,
    );
    const held = sa.ramp.filter((x) => x.held).at(-1);
    if (held) reading.push(`- At the largest fleet held (${int(held.agents)} agents, ${int(held.requestsPerS)} batches/s) the server spent ${Math.round((held.cpu.servers[0]! * 10_000) / Math.max(1, held.requestsPerS))} µs of CPU per batch of ~${Math.round(held.ackedPerS / Math.max(1, held.requestsPerS))} records.`);
  }
  reading.push(
    "- More machines: standalone does not scale out (one SQLite file, one ingest queue). The cluster profile's workers share nothing but PostgreSQL and NATS, so its capacity is the per-worker figure times the workers, until PostgreSQL (one transaction per bus batch, its WAL fsyncs) or NATS becomes the limit; the CPU those take per record is in the cluster rows (\"+ postgres …, nats-server …\"). On this 2-core machine the workers, PostgreSQL, NATS and the load generator all share the same two cores, so adding workers here measures contention, not scale-out.",
  );
  return [head, summary, "### Reading the numbers", "", ...reading, "", ...measured.map(([, r]) => runSection(r)), missing.length ? `Not run: ${missing.join(", ")} (\`node bench/fleet.ts --profile P --workers N\`).\n` : ""].join("\n");
}
