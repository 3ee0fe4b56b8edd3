/**
 * AGT-11 / issue 7: the real `hostward agent` process's CPU and RSS — at idle and while the
 * host starts ~200 short processes a second — with the collectors an operator gets by default
 * (logon logs, processes and connections, sensitive files, account inventory; the weak-password
 * check off: it runs once a day and its cost is its own figure). Read from /proc/PID/{stat,status}
 * of the agent's node process, enrolled with a real standalone server over TLS on loopback.
 *
 *   node bench/agent-process.ts [--idle-s 60] [--spawn-s 30]   → bench/work/agent-process.json
 *
 * `npm run bench` runs it (unless --skip-agent) and renders agentSection() into bench/REPORT.md.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startServer, enrolToken } from "../test/helpers.ts";

// strict: false — run.ts imports this module (for agentSection) with its own arguments
const { values } = parseArgs({ strict: false, options: { "idle-s": { type: "string", default: "60" }, "spawn-s": { type: "string", default: "30" } } });
const OUT = join(import.meta.dirname, "work", "agent-process.json");
const IDLE_S = Number(values["idle-s"]);
const SPAWN_S = Number(values["spawn-s"]);
const TICK = 100; // USER_HZ on Linux
/** The agent's node flags, as in bin/hostward.js and deploy/hostward-agent.service. */
export const AGENT_NODE_FLAGS = ["--max-semi-space-size=1"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]); // utime + stime
}
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
}

/** CPU % of one core over `seconds`, with RSS sampled every second (max and last). */
async function window(pid: number, seconds: number): Promise<{ cpuPct: number; rssMaxMb: number; rssEndMb: number }> {
  const c0 = cpuTicks(pid);
  const t0 = performance.now();
  let rssMax = 0;
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    rssMax = Math.max(rssMax, rssMb(pid));
  }
  const cpu = (cpuTicks(pid) - c0) / TICK;
  return { cpuPct: Math.round((cpu / ((performance.now() - t0) / 1000)) * 1000) / 10, rssMaxMb: rssMax, rssEndMb: rssMb(pid) };
}

/**
 * ~200 /bin/true a second from one bash (batches of 10, then a 40 ms pause), counted; or, with
 * `cmd`, 20 processes a second that live 300 ms (`sleep 0.3` in the background).
 */
function spawnLoad(seconds: number, cmd?: string): { done: Promise<number> } {
  const script = cmd
    ? `n=0; end=$((SECONDS+${seconds})); while [ $SECONDS -lt $end ]; do ${cmd} & n=$((n+1)); sleep 0.05; done; wait; echo $n`
    : `n=0; end=$((SECONDS+${seconds})); while [ $SECONDS -lt $end ]; do for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done; n=$((n+10)); sleep 0.04; done; echo $n`;
  const p = spawn("bash", ["-c", script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  p.stdout.on("data", (d) => (out += d));
  return { done: new Promise((r) => p.on("exit", () => r(Number(out.trim())))) };
}

type Window = { cpuPct: number; rssMaxMb: number; rssEndMb: number };
export interface AgentProcessResult {
  measuredAt: string; node: string; cores: number; idleS: number; spawnS: number;
  startupRssMb: number; privateMb: number;
  idle: Window;
  spawn: Window & { perSecond: number; spawned: number; caught: number };
  shortLived: Window & { spawned: number; caught: number };
}

export async function agentProcessBench(idleS = IDLE_S, spawnS = SPAWN_S): Promise<AgentProcessResult> {
  const dir = mkdtempSync(join(tmpdir(), "hw-agent-bench-"));
  const { server, agentUrl } = await startServer({ dataDir: join(dir, "server") });
  let agent: ChildProcess | null = null;
  try {
    const token = await enrolToken(server);
    // as deploy/hostward-agent.service runs it: node directly, its flags, a compile cache (warmed by a first start)
    const args = [...AGENT_NODE_FLAGS, join(import.meta.dirname, "..", "src", "cli", "main.ts"), "agent", "--server", agentUrl, "--token", token, "--state", join(dir, "agent"), "--no-baseline", "--no-firewall"];
    const env = { ...process.env, NODE_COMPILE_CACHE: join(dir, "compile-cache") };
    // the first start enrols and fills the compile cache (flushed when the agent exits on SIGTERM)
    const first = spawn(process.execPath, args, { stdio: "ignore", env });
    await sleep(8000);
    first.kill("SIGTERM");
    await new Promise((r) => first.on("exit", r));
    agent = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"], env });
    const pid = agent.pid!;
    await sleep(15_000); // first /proc scan and hashes of the running executables, inventory
    const startupRssMb = rssMb(pid);
    const privateMb = Math.round(Number(/RssAnon:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 102.4) / 10;
    const agentId = (await server.store.agents.list("default"))[0]!.id;
    type P = { event: { action: string }; process: { executable?: string; command_line?: string } };
    const started = async (exe: string, since: number, cmd?: string) => (await server.store.telemetry.recent(agentId, "process", 100_000)).filter((r) => {
      const b = r.body as P;
      return r.ts >= since && b.event.action === "start" && b.process.executable === exe && (cmd === undefined || b.process.command_line === cmd);
    }).length;
    const idle = await window(pid, idleS);
    let t = Date.now();
    const load = spawnLoad(spawnS);
    const during = await window(pid, spawnS);
    const spawned = await load.done;
    await sleep(3000); // the last batch reaches the server
    const load1 = { ...during, perSecond: Math.round(spawned / spawnS), spawned, caught: await started("/usr/bin/true", t) };
    t = Date.now();
    const short = spawnLoad(10, "sleep 0.3");
    const sw = await window(pid, 10);
    const shortSpawned = await short.done;
    await sleep(3000);
    const shortLived = { ...sw, spawned: shortSpawned, caught: await started("/usr/bin/sleep", t, "sleep 0.3") };
    return { measuredAt: new Date().toISOString(), node: process.version, cores: cpus().length, idleS, spawnS, startupRssMb, privateMb, idle, spawn: load1, shortLived };
  } finally {
    agent?.kill("SIGTERM");
    await sleep(500);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (a: number, b: number) => (b ? `${((a / b) * 100).toFixed(1)} %` : "—");

/** The report section, from bench/work/agent-process.json. */
export function agentSection(): string {
  if (!existsSync(OUT)) return "## Agent load (AGT-11)\n\nNot measured yet: bench/work/agent-process.json is absent (written by `node bench/agent-process.ts`, which `npm run bench` runs unless `--skip-agent`).\n";
  const r = JSON.parse(readFileSync(OUT, "utf8")) as AgentProcessResult;
  const ok = (v: number, max: number) => (v < max ? "met" : "**not met**");
  return `## Agent load (AGT-11)

The real \`hostward agent\` process (node ${r.node}, ${r.cores} cores), run as
deploy/hostward-agent.service runs it (node directly, \`--max-semi-space-size=1\`, a warm
compile cache), enrolled with a standalone server over TLS on loopback, with the default
collectors: logon logs, processes and connections from /proc (scan 250 ms, samples 5 s),
sensitive files, account inventory; the weak-password check off (a daily job with its own
figure) and no web directory. CPU and RSS from /proc/PID/{stat,status}; measured ${r.measuredAt.slice(0, 10)}.

| load | CPU (share of one core) | RSS (max) | processes seen |
|---|---|---|---|
| idle ${r.idleS} s | ${r.idle.cpuPct} % | ${r.idle.rssMaxMb} MB | — |
| \`/bin/true\` ~${r.spawn.perSecond}/s for ${r.spawnS} s | ${r.spawn.cpuPct} % | ${r.spawn.rssMaxMb} MB | ${r.spawn.caught} of ${r.spawn.spawned} (${pct(r.spawn.caught, r.spawn.spawned)}) |
| \`sleep 0.3\`, 20/s for 10 s | ${r.shortLived.cpuPct} % | ${r.shortLived.rssMaxMb} MB | ${r.shortLived.caught} of ${r.shortLived.spawned} (${pct(r.shortLived.caught, r.shortLived.spawned)}) |

Targets: idle under 1 % of a core — ${ok(r.idle.cpuPct, 1)}; under 80 MB RSS at idle — ${ok(r.idle.rssMaxMb, 80)}
(under the process load the agent holds ${Math.max(r.spawn.rssMaxMb, r.shortLived.rssMaxMb)} MB).
Of the RSS, ${r.privateMb} MB is the agent's own memory; the rest is the node binary's pages,
shared with every other node process and the page cache. What brought it down from 163 MB:
one reused read buffer for executable hashes (a fresh 256 KB chunk per read left glibc's heap
~50 MB larger), a 1 MB young generation, and the compile cache (the TypeScript stripper, ~30 MB,
is not loaded once the cache is warm; the agent writes the cache right after it starts).
Polling /proc catches every process that lives one scan interval; millisecond-long ones
(\`/bin/true\`) mostly slip through. Where auditd runs with an execve rule (\`hostward agent
--audit-rules\`, or the operator's own), the agent reads its execve records too and reports
those as well: 200 of 200 \`/bin/true\` in \`src/agent/collectors/audit-exec.int.test.ts\`, at
about 10 % of a core while the host starts ~170 processes a second (measured by hand with
this script and auditd on; the table above is the default, without auditd).
With web directories watched the web-shell engine (YARA-X and the heuristics) is loaded too.
`;
}

if (import.meta.main) {
  const r = await agentProcessBench();
  mkdirSync(join(import.meta.dirname, "work"), { recursive: true });
  writeFileSync(OUT, JSON.stringify(r, null, 2));
  console.log(JSON.stringify(r, null, 2));
  process.exit(0);
}
