/**
 * AGT-11: what the process and connection collectors cost on this machine, and how many short-
 * lived processes the /proc scan catches. Not a test; run `node bench/agent-load.ts [--idle-s 60]
 * [--spawn-s 30]` (Linux; as root to see every process).
 *
 * 1. idle: both collectors with their defaults for --idle-s; CPU = process.cpuUsage() delta /
 *    wall time; RSS before and after.
 * 2. spawn load: a separate bash runs /bin/true ~200 times a second (batches of 10, then a 40 ms
 *    wait) for --spawn-s, once with fastScanMs 250 and once with 100; caught = start records whose
 *    executable is /usr/bin/true, of the number bash ran.
 * 3. processes that live 300 ms (`sleep 0.3`, 20 a second) for 10 s at fastScanMs 250.
 * Run with --expose-gc (`node --expose-gc bench/agent-load.ts`) so RSS is taken after a GC.
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { ConnectionCollector } from "../src/agent/collectors/connections.ts";
import { ExeHashCache } from "../src/agent/collectors/exe-hash-cache.ts";
import { ProcessCollector } from "../src/agent/collectors/processes.ts";
import type { ProcessRecord } from "../src/protocol/index.ts";

const { values } = parseArgs({ options: { "idle-s": { type: "string", default: "60" }, "spawn-s": { type: "string", default: "30" } } });
const IDLE_S = Number(values["idle-s"]);
const SPAWN_S = Number(values["spawn-s"]);
const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  wallS: number;
  cpuPct: number;
  /** From 10 s after start (past the first hashes of running executables), when the run is longer than 20 s. */
  steadyCpuPct?: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  records: number;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function measure(fastScanMs: number, seconds: number, during?: () => Promise<number>, exe = "/usr/bin/true"): Promise<Run & { spawned?: number; caught?: number; caughtWithHash?: number; stats: object }> {
  const hashes = new ExeHashCache();
  const records: ProcessRecord[] = [];
  let conns = 0;
  gc();
  const rssBefore = process.memoryUsage().rss;
  const procs = new ProcessCollector({ fastScanMs, hashes, onRecords: (rs) => void records.push(...rs) });
  const net = new ConnectionCollector({ hashes, onRecords: (rs) => void (conns += rs.length) });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await procs.start();
  await net.start();
  let steady: { cpu: NodeJS.CpuUsage; t: number } | undefined;
  const mark = seconds > 20 ? setTimeout(() => (steady = { cpu: process.cpuUsage(), t: performance.now() }), 10_000) : undefined;
  const spawned = during ? await during() : (await sleep(seconds * 1000), undefined);
  clearTimeout(mark);
  const steadyCpu = steady && process.cpuUsage(steady.cpu);
  const steadyMs = steady && performance.now() - steady.t;
  await sleep(300); // the last scan
  await procs.stop();
  await net.stop();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const trues = records.filter((r) => r.event.action === "start" && r.process.executable === exe);
  const caught = trues.length;
  const caughtWithHash = trues.filter((r) => r.process.hash?.sha256).length;
  return {
    wallS: Math.round(wallMs / 100) / 10,
    cpuPct: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 10000) / 100,
    steadyCpuPct: steadyCpu && steadyMs ? Math.round(((steadyCpu.user + steadyCpu.system) / 1000 / steadyMs) * 10000) / 100 : undefined,
    rssBeforeMb: mb(rssBefore),
    rssAfterMb: (gc(), mb(process.memoryUsage().rss)),
    records: records.length + conns,
    spawned,
    caught,
    caughtWithHash,
    stats: { processes: procs.stats, connections: net.stats, hashes: hashes.stats },
  };
}

/** Runs /bin/true ~200/s from a separate bash for `seconds`; resolves with how many it ran. */
function spawnLoad(seconds: number): Promise<number> {
  return bash(`exec 9<> <(:); end=$((SECONDS+${seconds})); n=0
while [ $SECONDS -lt $end ]; do for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done; n=$((n+10)); read -t 0.04 -u 9; done; echo $n`);
}

/** Starts a 300 ms `sleep` 20 times a second. */
function sleepLoad(seconds: number): Promise<number> {
  return bash(`exec 9<> <(:); end=$((SECONDS+${seconds})); n=0
while [ $SECONDS -lt $end ]; do /usr/bin/sleep 0.3 & n=$((n+1)); read -t 0.05 -u 9; done; wait; echo $n`);
}

function bash(script: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn("/bin/bash", ["-c", script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    c.stdout.on("data", (d) => (out += d));
    c.on("error", reject);
    c.on("close", () => resolve(Number(out.trim())));
  });
}

const idle = await measure(250, IDLE_S);
console.log(JSON.stringify({ run: `idle ${IDLE_S}s, defaults (fastScanMs 250, intervalMs 5000)`, ...idle }, null, 1));
for (const fast of [250, 100]) {
  const r = await measure(fast, SPAWN_S, () => spawnLoad(SPAWN_S));
  console.log(JSON.stringify({ run: `spawn load ${SPAWN_S}s, fastScanMs ${fast}`, rate: Math.round(r.spawned! / SPAWN_S), caughtPct: Math.round((r.caught! / r.spawned!) * 1000) / 10, ...r }, null, 1));
}
const long = await measure(250, 10, () => sleepLoad(10), "/usr/bin/sleep");
console.log(JSON.stringify({ run: "300 ms processes, 20/s for 10 s, fastScanMs 250", caughtPct: Math.round((long.caught! / long.spawned!) * 1000) / 10, ...long }, null, 1));
