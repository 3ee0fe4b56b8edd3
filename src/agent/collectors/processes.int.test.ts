/**
 * AGT-3, AGT-4, PRC-4 against this machine's real /proc (Linux; kill needs the right to signal
 * the children it spawns, which any user has).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, readlinkSync, rmSync, unlinkSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectionRecord, processRecord, type ConnectionRecord, type ProcessRecord } from "../../protocol/index.ts";
import { ConnectionCollector } from "./connections.ts";
import { ExeHashCache } from "./exe-hash-cache.ts";
import { ProcessCollector } from "./processes.ts";

const SLEEP = "/usr/bin/sleep";
const sha256File = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

async function waitFor<T>(what: string, find: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = find();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function track(t: { after: (fn: () => void | Promise<void>) => void }, child: ChildProcess): ChildProcess {
  t.after(() => void child.kill("SIGKILL"));
  return child;
}

function collector(t: { after: (fn: () => void | Promise<void>) => void }, intervalMs = 500) {
  const records: ProcessRecord[] = [];
  const c = new ProcessCollector({ intervalMs, fastScanMs: 50, hashes: new ExeHashCache(), onRecords: (rs) => void records.push(...rs) });
  t.after(() => c.stop());
  return { c, records };
}

function valid(r: ProcessRecord | ConnectionRecord): void {
  const p = (r.kind === "process" ? processRecord : connectionRecord).safeParse(r);
  assert.ok(p.success, `${r.id}: ${p.success ? "" : p.error.message}`);
}

test("AGT-3 a spawned `sleep 30` gets a start record: pid, exe, command line, SHA-256 of /usr/bin/sleep, this node as parent", async (t) => {
  const { c, records } = collector(t);
  await c.start();
  const child = track(t, spawn(SLEEP, ["30"], { stdio: "ignore" }));
  const r = await waitFor("the start record", () => records.find((x) => x.process.pid === child.pid && x.event.action === "start"));
  valid(r);
  assert.equal(r.process.executable, SLEEP);
  assert.equal(r.process.name, "sleep");
  assert.equal(r.process.command_line, `${SLEEP} 30`);
  assert.deepEqual(r.process.args, [SLEEP, "30"]);
  assert.equal(r.process.hash?.sha256, sha256File(SLEEP));
  assert.equal(r.process.hash?.md5, createHash("md5").update(readFileSync(SLEEP)).digest("hex"));
  assert.equal(r.process.ppid, process.pid);
  assert.equal(r.process.parent?.pid, process.pid);
  assert.equal(r.process.parent?.executable, readlinkSync(`/proc/${process.pid}/exe`));
  assert.equal(r.process.ancestors?.[0]?.pid, process.pid);
  assert.equal(r.process.user?.id, process.getuid!());
  assert.ok(Math.abs(r.process.start! - Date.now()) < 5000, "start time is now-ish");
  assert.equal(records.filter((x) => x.event.action === "start" && x.process.pid === process.pid).length, 0, "running processes are the baseline");
});

test("AGT-3 PRC-4 a busy loop is sampled at ≥ 80 % CPU within two intervals; kill() refuses a wrong start time, then kills it", async (t) => {
  const intervalMs = 500;
  const { c, records } = collector(t, intervalMs);
  await c.start();
  const busy = track(t, spawn("/bin/sh", ["-c", "while :; do :; done"], { stdio: "ignore" }));
  const pid = busy.pid!;
  const started = await waitFor("the start record", () => records.find((x) => x.process.pid === pid && x.event.action === "start"));
  const t0 = Date.now();
  const sample = await waitFor("a busy sample", () => records.find((x) => x.process.pid === pid && x.event.action === "sample" && (x.process.cpu?.pct ?? 0) >= 80), 2 * intervalMs + 1500);
  valid(sample);
  assert.ok(Date.now() - t0 <= 2 * intervalMs + 1500);

  const wrong = await c.kill({ pid, start: started.process.start! - 1000 });
  assert.equal(wrong.ok, false);
  assert.match(wrong.message, new RegExp(`^pid ${pid} is now another process \\(sh, started `));
  assert.equal(busy.exitCode, null, "still running");

  const exited = new Promise<NodeJS.Signals | null>((r) => busy.once("exit", (_code, sig) => r(sig)));
  const done = await c.kill({ pid, start: started.process.start!, sha256: started.process.hash?.sha256 });
  assert.deepEqual(done, { ok: true, message: `killed pid ${pid} (sh, ${started.process.executable}) with SIGKILL` });
  assert.equal(await exited, "SIGKILL");
  const exit = await waitFor("the exit record", () => records.find((x) => x.process.pid === pid && x.event.action === "exit"));
  valid(exit);
  assert.deepEqual(await c.kill({ pid: 1, start: 1 }), { ok: false, message: "refused: pid 1 (init) is never killed" });
  assert.deepEqual(await c.kill({ pid: process.pid, start: 1 }), { ok: false, message: `refused: pid ${process.pid} is the agent itself` });
});

test("AGT-3 PRC-4 a deleted executable still hashes through /proc/PID/exe and is killed by its SHA-256", async (t) => {
  const d = mkdtempSync(join(tmpdir(), "hw-procint-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const copy = join(d, "sleepy");
  copyFileSync(SLEEP, copy);
  const { c, records } = collector(t);
  await c.start();
  const child = track(t, spawn(copy, ["30"], { stdio: "ignore" }));
  const r = await waitFor("the start record", () => records.find((x) => x.process.pid === child.pid && x.event.action === "start"));
  unlinkSync(copy);
  assert.equal(c.fs.exe(child.pid!), `${copy} (deleted)`);
  const h = await new ExeHashCache().hash(c.fs.path(child.pid!, "exe"));
  assert.equal(h?.sha256, r.process.hash?.sha256);
  const res = await c.kill({ pid: child.pid!, start: r.process.start!, sha256: sha256File(SLEEP) });
  assert.equal(res.ok, true, res.message);
  assert.match(res.message, / \(deleted\)\) with SIGKILL$/);
});

test("AGT-4 a loopback TCP connection from a child process is reported with the client's pid (includeLoopback)", async (t) => {
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer((s) => {
    sockets.add(s.on("error", () => {}));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  const records: ConnectionRecord[] = [];
  // node is 120 MiB, over the default 64 MiB limit
  const c = new ConnectionCollector({ intervalMs: 200, includeLoopback: true, hashes: new ExeHashCache({ maxBytes: 256 * 1024 * 1024 }), onRecords: (rs) => void records.push(...rs) });
  t.after(() => c.stop());
  await c.start();
  const client = track(t, spawn(process.execPath, ["-e", `require("net").connect(${port}, "127.0.0.1").on("error", () => {}); setInterval(() => {}, 1000)`], { stdio: "ignore" }));
  const out = await waitFor("the client's connection", () => records.find((r) => r.event.action === "opened" && r.destination.port === port && r.network.direction === "outbound"));
  valid(out);
  assert.equal(out.process?.pid, client.pid);
  assert.equal(out.process?.executable, process.execPath);
  assert.equal(out.process?.hash?.sha256, sha256File(process.execPath));
  assert.deepEqual(out.network, { transport: "tcp", type: "ipv4", state: "ESTABLISHED", direction: "outbound" });
  const inbound = records.find((r) => r.network.direction === "inbound" && r.destination.port === port && r.source.port === out.source.port);
  assert.equal(inbound?.process?.pid, process.pid, "the accepted side is this process");
  const listening = records.find((r) => r.network.direction === "listening" && r.destination.port === port);
  assert.equal(listening?.process?.pid, process.pid);
  const seen = await waitFor("a 'seen' record", () => records.find((r) => r.event.action === "seen" && r.id.startsWith(out.id.slice(0, -2))));
  assert.equal(seen.firstSeen, out.firstSeen);
  assert.ok(seen.lastSeen > out.lastSeen);
  client.kill("SIGKILL");
  const closed = await waitFor("the closed record", () => records.find((r) => r.event.action === "closed" && r.id.startsWith(out.id.slice(0, -2))));
  valid(closed);
  for (const r of records) valid(r);
});
