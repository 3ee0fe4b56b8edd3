import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HostwardAgent } from "../../src/agent/index.ts";
import { tempDir, startServer, enrolToken, waitFor, quietLog } from "../helpers.ts";
import { canRunNetns, namespaceHost } from "./netns.ts";
import { minerJob, poolScript } from "./stratum.ts";
import type { HostwardServer } from "../../src/server/index.ts";

/**
 * MIN-1 … MIN-3, MIN-5 for real: a fake stratum pool on a namespace host (10.77.5.2:3333)
 * and the project's own small miner on this host — a copy of bash named `minerd` that holds
 * a stratum JSON-RPC session (mining.subscribe, mining.authorize) and burns a core. The
 * agent's real process and connection collectors report it; the server raises the mining
 * program, pool and sustained-CPU alerts (the CPU window shortened to 10 s through the
 * account's rule settings); "virus detection and removal" kills it and quarantines the file.
 * The namespace network is declared external (`externalNets`): private ranges are never
 * judged as pools otherwise.
 */
const skip = canRunNetns();
const poolHost = namespaceHost("pool", 5);
const POOL = poolHost.hostIp;

let tmp: ReturnType<typeof tempDir>;
let server: HostwardServer;
const procs: ChildProcess[] = poolHost.procs;

before(() => {
  if (skip) return;
  tmp = tempDir("hw-miner-");
  poolHost.setup();
});

after(async () => {
  if (skip) return;
  poolHost.teardown();
  await server?.close();
  tmp?.cleanup();
});


test("MIN-1 MIN-2 MIN-3 MIN-4 MIN-5 a miner holding a stratum session and burning a core raises the mining, pool and sustained-CPU alerts, all in one event; virus removal kills it and quarantines the file", { skip: skip ?? false, timeout: 120_000 }, async (t) => {
  const poolLog = join(tmp.dir, "pool.log");
  writeFileSync(poolLog, "");
  procs.push(spawn("ip", ["netns", "exec", poolHost.ns, process.execPath, "-e", poolScript(poolLog, POOL, { notify: true })], { stdio: "ignore", detached: true }));
  let adminToken: string, agentUrl: string;
  ({ server, adminToken, agentUrl } = await startServer({ dataDir: join(tmp.dir, "server"), overrides: { externalNets: ["10.77.5.0/24"] } }));
  const api = async (url: string, method = "GET", payload?: object) => (await server.api.inject({ method: method as "GET", url, payload, headers: { authorization: `Bearer ${adminToken}` } })).json();
  // the test's shortened CPU window: 10 s of samples at ≥ 80 % (the shipped rule says 5 min)
  const o = await api("/api/v1/detection/rules/hw-mining-cpu", "PATCH", { sustainFor: "10s" });
  assert.deepEqual(o.override, { sustainFor: 10_000 });
  const stateDir = join(tmp.dir, "agent");
  const agent = new HostwardAgent({
    server: agentUrl, token: await enrolToken(server), stateDir, authLogs: [], journald: "off", firewall: null, log: quietLog, pollWait: 2000,
    hostProcesses: { intervalMs: 1000, fastScanMs: 100, seenEveryMs: 1000, externalNets: ["10.77.5.0/24"] },
  });
  const miner = join(tmp.dir, "minerd");
  copyFileSync("/usr/bin/bash", miner);
  chmodSync(miner, 0o755);
  try {
    await agent.start();
    await new Promise((r) => setTimeout(r, 300));
    const script = minerJob(POOL);
    const child = spawn(miner, ["-c", script, "minerd", "-o", `stratum+tcp://${POOL}:3333`, "-u", "44AFFq5kSiGBoZ4N", "--donate-level", "1"], { stdio: "ignore", detached: true });
    procs.push(child);
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    await waitFor("the pool saw subscribe and authorize", () => /mining\.subscribe\nmining\.authorize\n/.test(readFileSync(poolLog, "utf8")), 10_000, 100);

    const alertOf = (type: string) => waitFor(`${type} alert`, async () => (await api(`/api/v1/alerts?type=${type}`)).items[0], 30_000, 200);
    const program = await alertOf("mining_program");
    assert.ok((program.evidence["process.minerReasons"] as string[]).length > 0);
    const pool = await alertOf("mining_pool");
    assert.equal(pool.evidence["destination.ip"], POOL);
    assert.match(String((pool.evidence["destination.poolReasons"] as string[])[0]), /stratum port 3333/);
    const busy = await alertOf("mining_behaviour");
    assert.ok((busy.evidence["process.cpu"] as { pct: number }).pct >= 80, JSON.stringify(busy.evidence["process.cpu"]));
    assert.equal((busy.evidence["process.network"] as { ip: string }).ip, POOL, "the sustained-CPU alert names the external endpoint it keeps talking to");
    t.diagnostic(`alerts: ${program.type}, ${pool.type}, ${busy.type} (CPU ${(busy.evidence["process.cpu"] as { pct: number }).pct} %)`);
    // MIN-4: the mining incident is one security event holding all three alerts
    const events = (await api("/api/v1/events")).items as { id: string; alertCount: number; alertTypes: string[]; stage: { name: string } | null }[];
    assert.equal(events.length, 1, `one event: ${JSON.stringify(events.map((e) => e.alertTypes))}`);
    const inEvent = ((await api(`/api/v1/events/${events[0]!.id}/alerts`)).items as { id: string }[]).map((a) => a.id);
    for (const a of [program, pool, busy]) assert.ok(inEvent.includes(a.id), `${a.type} is in the event`);
    t.diagnostic(`event ${events[0]!.id}: ${events[0]!.alertCount} alerts, stage ${events[0]!.stage?.name}`);

    // MIN-5: virus detection and removal
    const handled = await api(`/api/v1/alerts/${busy.id}/handle`, "POST", { action: "virus_removal" });
    assert.equal(handled.status, "handled", JSON.stringify(handled));
    await Promise.race([exited, new Promise((_, rej) => setTimeout(() => rej(new Error("the miner was not killed")), 10_000))]);
    await waitFor("the executable quarantined", () => !existsSync(miner), 10_000, 100);
  } finally {
    await agent.stop();
  }
});
