import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, utimesSync, readFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeProcTree, ProcFs, UserNames, parseCmdline, parseStat, parseStatus, startTimeMs, isKernelThread, MAX_CMDLINE_BYTES } from "./proc-fs.ts";

function tempDir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), "hw-procfs-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

// a real line from this machine (cat reading its own stat)
const REAL_STAT = "16463 (cat) R 16451 16451 15259 0 -1 4194304 101 0 0 0 3 1 0 0 20 0 1 0 364299 3133440 381 18446744073709551615 94817178394624 94817178414505 140727526747456 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 94817178430512 94817178432128 94817961152512 140727526750739 140727526750759 140727526750759 140727526752235 0";

test("AGT-3 parseStat reads a real /proc/PID/stat line", () => {
  const st = parseStat(REAL_STAT)!;
  assert.deepEqual(st, { pid: 16463, comm: "cat", state: "R", ppid: 16451, flags: 4194304, utime: 3, stime: 1, threads: 1, startTicks: 364299, rssPages: 381 });
});

test("AGT-3 parseStat takes the LAST ')' as the end of comm (comm may hold spaces and parentheses)", () => {
  const line = REAL_STAT.replace("(cat)", "(a b) c))");
  const st = parseStat(line)!;
  assert.equal(st.comm, "a b) c)");
  assert.equal(st.ppid, 16451);
  assert.equal(st.startTicks, 364299);
  const forged = parseStat(REAL_STAT.replace("(cat)", "(x) R 1 2 3 ()"))!;
  assert.equal(forged.comm, "x) R 1 2 3 (", "a comm that looks like fields does not shift them");
  assert.equal(forged.ppid, 16451);
  assert.equal(parseStat("garbage"), null);
  assert.equal(parseStat("12 (short) S 1 2"), null);
});

test("AGT-3 parseStat reads this process's real stat", () => {
  const st = parseStat(readFileSync(`/proc/${process.pid}/stat`, "utf8"))!;
  assert.equal(st.pid, process.pid);
  assert.equal(st.ppid, process.ppid);
  assert.ok(st.startTicks > 0);
  assert.equal(isKernelThread(st), false);
  assert.equal(isKernelThread(parseStat(readFileSync("/proc/2/stat", "utf8"))!), true, "pid 2 is kthreadd");
});

test("AGT-3 parseStatus: effective uid and VmRSS", () => {
  const s = parseStatus("Name:\tsu\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\nVmRSS:\t   3456 kB\n");
  assert.deepEqual(s, { ruid: 1000, euid: 0, vmRssKb: 3456 });
  assert.deepEqual(parseStatus("Name:\tkthreadd\nUid:\t0\t0\t0\t0\n"), { ruid: 0, euid: 0, vmRssKb: null });
});

test("AGT-3 parseCmdline splits on NUL and drops the trailing padding", () => {
  assert.deepEqual(parseCmdline(Buffer.from("/bin/sh\0-c\0echo a  b\0\0\0")), ["/bin/sh", "-c", "echo a  b"]);
  assert.deepEqual(parseCmdline(Buffer.from("sshd: alice@pts/0")), ["sshd: alice@pts/0"], "a rewritten title without NULs");
  assert.deepEqual(parseCmdline(Buffer.from("")), []);
  assert.deepEqual(parseCmdline(Buffer.from("a\0\0b\0")), ["a", "", "b"], "empty arguments inside are kept");
});

test("AGT-3 start time = btime × 1000 + start ticks × 10 ms (CLK_TCK 100)", () => {
  assert.equal(startTimeMs(1_795_309_948, 364_299), 1_795_309_948_000 + 3_642_990);
});

test("AGT-3 ProcFs reads a fake tree: pids, stat, status, cmdline bounded to 8 KiB, exe with ' (deleted)', cwd, sockets, boot", (t) => {
  const d = tempDir(t);
  const tree = new FakeProcTree(join(d, "proc"), { btime: 1_700_000_000, bootId: "b4afe52c-d00b-481a-a7d3-fdb56d160672", uptime: 3642.99 });
  tree.add({ pid: 42, comm: "(a b) c)", ppid: 7, cmdline: ["/usr/bin/x", "--flag", "a b"], exe: "/tmp/x (deleted)", cwd: "/srv", uid: 33, vmRssKb: 1200, socketInodes: [123, 456] });
  tree.add({ pid: 43, comm: "big", cmdline: ["a".repeat(20_000)] });
  mkdirSync(join(d, "proc", "self")); // not a pid
  const fs = new ProcFs({ root: join(d, "proc") });
  assert.deepEqual(fs.listPids().sort(), [42, 43]);
  const st = fs.stat(42)!;
  assert.equal(st.comm, "(a b) c)");
  assert.equal(st.ppid, 7);
  assert.deepEqual(fs.cmdline(42), ["/usr/bin/x", "--flag", "a b"]);
  assert.equal(fs.cmdline(43)![0]!.length, MAX_CMDLINE_BYTES, "bounded");
  assert.equal(fs.exe(42), "/tmp/x (deleted)");
  assert.equal(fs.cwd(42), "/srv");
  assert.deepEqual(fs.status(42), { ruid: 33, euid: 33, vmRssKb: 1200 });
  assert.deepEqual(fs.socketInodes(42), [123, 456]);
  assert.equal(fs.bootTimeSec(), 1_700_000_000);
  assert.equal(fs.uptimeSec(), 3642.99);
  assert.equal(fs.bootId(), "b4afe52c-d00b-481a-a7d3-fdb56d160672");
  assert.equal(fs.stat(99), null, "a gone process reads as null, never throws");
  assert.equal(fs.cmdline(99), null);
  assert.equal(fs.exe(99), null);
  tree.remove(42);
  assert.equal(fs.stat(42), null);
});

test("AGT-3 ProcFs reads the real /proc", () => {
  const fs = new ProcFs();
  assert.ok(fs.listPids().includes(process.pid));
  assert.equal(fs.exe(process.pid), process.execPath);
  assert.ok((fs.bootTimeSec() ?? 0) > 1_600_000_000);
  assert.ok(fs.net("tcp")?.startsWith("  sl"));
});

test("AGT-3 UserNames maps uids from passwd and reloads when its mtime changes", (t) => {
  const d = tempDir(t);
  const p = join(d, "passwd");
  writeFileSync(p, "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\ntoor:x:0:0::/root:/bin/sh\n");
  let now = 0;
  const u = new UserNames({ path: p, recheckMs: 1000, now: () => now });
  assert.equal(u.name(0), "root", "the first entry of a uid wins");
  assert.equal(u.name(1000), "alice");
  assert.equal(u.name(1001), undefined);
  writeFileSync(p, "root:x:0:0:root:/root:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\n");
  utimesSync(p, new Date(), new Date(Date.now() + 5000));
  now = 500;
  assert.equal(u.name(1001), undefined, "not re-checked within recheckMs");
  now = 1500;
  assert.equal(u.name(1001), "bob");
  assert.equal(u.name(1000), undefined);
});
