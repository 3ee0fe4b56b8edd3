import { test, after } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HostwardAgent } from "../src/agent/index.ts";
import { tempDir, startServer, enrolToken, waitFor, quietLog } from "./helpers.ts";

const tmp = tempDir();
after(() => tmp.cleanup());

/** Classic syslog stamp in local time, as dnsmasq's syslog lines carry it. */
function syslogStamp(d: Date): string {
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getMonth()]!;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${mon} ${String(d.getDate()).padStart(2, " ")} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

test("AGT-8 PRC-3 AGT-6 the agent tails a dnsmasq query log and watches sensitive files: a pool lookup alerts at its query time; a uid-0 line added to passwd alerts", { timeout: 60_000 }, async () => {
  const { server, agentUrl, adminToken } = await startServer({ dataDir: join(tmp.dir, "s") });
  const dnsLog = join(tmp.dir, "dnsmasq.log");
  writeFileSync(dnsLog, "");
  const root = join(tmp.dir, "root");
  mkdirSync(join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/bash\n");
  const agent = new HostwardAgent({
    server: agentUrl, token: await enrolToken(server), stateDir: join(tmp.dir, "agent"), authLogs: [], journald: "off", firewall: null, log: quietLog, pollWait: 2000,
    dnsLogs: [{ path: dnsLog }], sensitiveFiles: { root, paths: ["/etc/passwd"], rescanMs: 500 },
  });
  const api = async (url: string) => (await server.api.inject({ url, headers: { authorization: `Bearer ${adminToken}` } })).json();
  try {
    await agent.start();
    assert.ok(agent.sources.some((s) => s.includes("dns: dnsmasq") || s.includes("dns:")), agent.sources.join(", "));
    // a query made 90 s ago, logged now
    const queried = new Date(Math.floor((Date.now() - 90_000) / 1000) * 1000);
    appendFileSync(dnsLog, `${syslogStamp(queried)} dnsmasq[812]: query[A] pool.supportxmr.com from 10.0.0.5\n${syslogStamp(queried)} dnsmasq[812]: forwarded pool.supportxmr.com to 1.1.1.1\n`);
    const dns = await waitFor("malicious_domain alert", async () => (await api("/api/v1/alerts?type=malicious_domain")).items[0], 15_000);
    assert.equal(dns.firstSeen, queried.toISOString(), "PRC-3 the occurrence is the query time in the log line");
    assert.ok(Date.parse(dns.detectedAt) >= queried.getTime() + 60_000, "detected later, and the alert says when");
    assert.equal(dns.evidence["dns.intel"].category, "mining_pool");

    appendFileSync(join(root, "etc", "passwd"), "toor:x:0:0::/root:/bin/bash\n");
    const sf = await waitFor("sensitive file alert", async () => (await api("/api/v1/alerts?type=sensitive_file_tampering")).items[0], 15_000);
    assert.equal(sf.evidence["change"].added[0], "toor:x:0:0::/root:/bin/bash");
  } finally {
    await agent.stop();
    await server.close();
  }
});

test("PRC-4 proactive defence kills a process whose hash is on an intel feed within one sampling interval; the alert is Blocked and the kill reported", { timeout: 60_000 }, async () => {
  const { createHash } = await import("node:crypto");
  const { copyFileSync, readFileSync, chmodSync } = await import("node:fs");
  const { spawn } = await import("node:child_process");
  // a "malware" sample: a copy of sleep with a few bytes appended, so that its hash is its own
  const evil = join(tmp.dir, "kdevtmpfsi");
  copyFileSync("/usr/bin/sleep", evil);
  appendFileSync(evil, Buffer.from(`hostward test sample ${process.pid}`));
  chmodSync(evil, 0o755);
  const sha256 = createHash("sha256").update(readFileSync(evil)).digest("hex");
  const feed = join(tmp.dir, "malware.sha256.txt");
  writeFileSync(feed, `# name: test-malware\n# category: malicious\n# provenance: written by this test\n${sha256}\n`);
  const { server, agentUrl, adminToken } = await startServer({ dataDir: join(tmp.dir, "s-prc4"), overrides: { intelPaths: [feed] } });
  const api = async (url: string, method = "GET", payload?: object) => (await server.api.inject({ method: method as "GET", url, payload, headers: { authorization: `Bearer ${adminToken}` } })).json();
  const agent = new HostwardAgent({
    server: agentUrl, token: await enrolToken(server), stateDir: join(tmp.dir, "agent-prc4"), authLogs: [], journald: "off", firewall: null, log: quietLog, pollWait: 2000,
    hostProcesses: { intervalMs: 1000, fastScanMs: 100, connections: false },
  });
  let child: ReturnType<typeof spawn> | undefined;
  try {
    await agent.start();
    await api("/api/v1/settings/proactive-defence", "PUT", { enabled: true, assets: {} });
    const started = Date.now();
    child = spawn(evil, ["300"], { stdio: "ignore" });
    const exited = new Promise<number>((resolve) => child!.on("exit", () => resolve(Date.now())));
    const alert = await waitFor("malicious_process alert", async () => (await api("/api/v1/alerts?type=malicious_process")).items[0], 15_000, 100);
    assert.equal(alert.status, "blocked", "a precision-defence alert");
    const killedAt = await Promise.race([exited, new Promise<number>((_, rej) => setTimeout(() => rej(new Error("the process was not killed")), 10_000))]);
    assert.ok(killedAt - started <= 1000 + 2000, `killed ${killedAt - started} ms after it started (sampling interval 1 s, plus the round trip)`);
    const action = await waitFor("kill reported", async () => (await api("/api/v1/actions")).items.find((a: { type: string; status: string }) => a.type === "kill_process" && a.status === "succeeded"), 10_000, 100);
    assert.match(action.result, /kill|SIGKILL/i);
  } finally {
    child?.kill("SIGKILL");
    await agent.stop();
    await server.close();
  }
});

test("MIN-3 MIN-5 a miner found by its name is removed by \"virus detection and removal\": the process is killed and its executable quarantined (encrypted, original path, owner, mode and hash kept)", { timeout: 60_000 }, async () => {
  const { readFileSync, chmodSync, copyFileSync, existsSync, readdirSync } = await import("node:fs");
  const { createHash } = await import("node:crypto");
  const { spawn } = await import("node:child_process");
  const dir = join(tmp.dir, "var-tmp");
  mkdirSync(dir, { recursive: true });
  const miner = join(dir, "xmrig");
  copyFileSync("/usr/bin/sleep", miner);
  appendFileSync(miner, Buffer.from(`hostward miner sample ${process.pid}`));
  chmodSync(miner, 0o750);
  const sha256 = createHash("sha256").update(readFileSync(miner)).digest("hex");
  const { server, agentUrl, adminToken } = await startServer({ dataDir: join(tmp.dir, "s-min5") });
  const api = async (url: string, method = "GET", payload?: object) => (await server.api.inject({ method: method as "GET", url, payload, headers: { authorization: `Bearer ${adminToken}` } })).json();
  const stateDir = join(tmp.dir, "agent-min5");
  const agent = new HostwardAgent({
    server: agentUrl, token: await enrolToken(server), stateDir, authLogs: [], journald: "off", firewall: null, log: quietLog, pollWait: 2000,
    hostProcesses: { intervalMs: 1000, fastScanMs: 100, connections: false },
  });
  let child: ReturnType<typeof spawn> | undefined;
  try {
    await agent.start();
    // started after the agent: processes running at its start are its baseline, not "new"
    child = spawn(miner, ["300"], { stdio: "ignore" });
    const exited = new Promise<void>((resolve) => child!.on("exit", () => resolve()));
    const alert = await waitFor("mining_program alert", async () => (await api("/api/v1/alerts?type=mining_program")).items.find((a: { evidence: Record<string, unknown> }) => a.evidence["process.pid"] === child!.pid), 15_000, 100);
    assert.ok((alert.evidence["process.minerReasons"] as string[]).some((r) => /miner name "xmrig"/.test(r)));
    assert.equal((alert.evidence["process.hash"] as { sha256: string }).sha256, sha256);
    const handled = await api(`/api/v1/alerts/${alert.id}/handle`, "POST", { action: "virus_removal", remark: "miner" });
    assert.equal(handled.status, "handled", JSON.stringify(handled));
    await Promise.race([exited, new Promise((_, rej) => setTimeout(() => rej(new Error("the miner was not killed")), 10_000))]);
    await waitFor("quarantined", () => !existsSync(miner), 10_000, 100);
    const results = await waitFor("both actions reported", async () => {
      const items = (await api("/api/v1/actions")).items as { type: string; status: string; result: string }[];
      const mine = items.filter((a) => a.type === "kill_process" || a.type === "quarantine_file");
      return mine.length === 2 && mine.every((a) => a.status === "succeeded") && mine;
    }, 10_000, 100);
    assert.match(results.find((a) => a.type === "quarantine_file")!.result, /quarantined as q-/);
    const vault = join(stateDir, "quarantine");
    const meta = readdirSync(vault).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(readFileSync(join(vault, f), "utf8")));
    assert.equal(meta.length, 1);
    assert.deepEqual([meta[0].originalPath, meta[0].sha256, meta[0].mode], [miner, sha256, 0o750]);
    const blob = readFileSync(join(vault, `${meta[0].id}.bin`));
    assert.notEqual(createHash("sha256").update(blob).digest("hex"), sha256, "stored encrypted, not as the runnable file");
  } finally {
    child?.kill("SIGKILL");
    await agent.stop();
    await server.close();
  }
});
