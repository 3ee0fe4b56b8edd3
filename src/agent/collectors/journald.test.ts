// These tests mock journalctl through the injectable spawner: no systemd journal runs in
// this container. journald.int.test.ts runs the real journalctl against a private journald.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { JournaldSource, parseJournalLine, recordIdForCursor, type JournalEntry, type JournalProcess } from "./journald.ts";

class FakeJournalctl extends EventEmitter {
  stdout = new PassThrough();
  stderr = new PassThrough();
  killed = false;
  args: string[];
  constructor(args: string[]) {
    super();
    this.args = args;
  }
  kill(): boolean {
    if (!this.killed) {
      this.killed = true;
      this.stdout.end();
      setImmediate(() => this.emit("close", null, "SIGTERM"));
    }
    return true;
  }
  exit(code: number, stderr = ""): void {
    if (stderr) this.stderr.write(stderr);
    this.stdout.end();
    setImmediate(() => this.emit("close", code, null));
  }
}

function harness(opts: { fail?: number } = {}) {
  const procs: FakeJournalctl[] = [];
  const got: JournalEntry[] = [];
  const saved: string[] = [];
  const statuses: string[] = [];
  let fail = opts.fail ?? 0;
  let cursor: string | null = null;
  const src = new JournaldSource({
    spawn: (cmd, args) => {
      assert.equal(cmd, "journalctl");
      const p = new FakeJournalctl(args);
      procs.push(p);
      return p as unknown as JournalProcess;
    },
    backoffMs: { initial: 10, max: 40 },
    cursor: { load: async () => cursor, save: async (c) => void saved.push((cursor = c)) },
    onStatus: (m) => statuses.push(m),
    onEntries: async (es) => {
      if (fail-- > 0) throw new Error("server unreachable");
      got.push(...es);
    },
  });
  return { src, procs, got, saved, statuses };
}

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 2));
  }
}

const line = (i: number, msg = `Failed password for root from 10.0.0.${i} port 22 ssh2`) =>
  JSON.stringify({ __CURSOR: `s=abc;i=${i}`, __REALTIME_TIMESTAMP: `${1767225600000000 + i * 1000}`, _HOSTNAME: "web1", MESSAGE: msg, SYSLOG_IDENTIFIER: "sshd", _PID: "812" }) + "\n";

test("AGT-2 parseJournalLine maps MESSAGE, µs timestamp, host, cursor; byte-array MESSAGE decoded", () => {
  assert.deepEqual(parseJournalLine(line(1)), {
    text: "Failed password for root from 10.0.0.1 port 22 ssh2",
    ts: 1767225600001,
    host: "web1",
    cursor: "s=abc;i=1",
    identifier: "sshd",
    pid: 812,
  });
  const bytes = [...Buffer.from("Invalid user \x1b[31mx from 10.0.0.9")];
  assert.equal(parseJournalLine(JSON.stringify({ __CURSOR: "c", MESSAGE: bytes }))!.text, "Invalid user \x1b[31mx from 10.0.0.9");
  assert.equal(parseJournalLine(JSON.stringify({ __CURSOR: "c", MESSAGE: "é".repeat(10) }), 5)!.text, "éé"); // cut, no half character
  assert.equal(parseJournalLine("-- Logs begin at ..."), null);
  assert.equal(parseJournalLine(JSON.stringify({ MESSAGE: "no cursor" })), null);
  assert.equal(parseJournalLine(JSON.stringify({ __CURSOR: "c", MESSAGE: null })), null);
});

test("AGT-2 journalctl arguments: follow JSON, OR-ed identifier/unit matches, cursor or start at end", () => {
  const s = new JournaldSource({ onEntries: async () => {} });
  const a = s.args(null);
  assert.deepEqual(a.slice(0, 6), ["--follow", "--quiet", "--no-pager", "--all", "--output=json", "--output-fields=MESSAGE,_HOSTNAME,SYSLOG_IDENTIFIER,_PID"]);
  assert.ok(a.includes("--lines=0"));
  assert.deepEqual(a.slice(-5), ["SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session", "+", "_SYSTEMD_UNIT=ssh.service", "_SYSTEMD_UNIT=sshd.service"]);
  const b = s.args("s=1;i=2");
  assert.ok(b.includes("--after-cursor=s=1;i=2") && b.includes("--lines=all") && !b.includes("--lines=0"));
  const only = new JournaldSource({ onEntries: async () => {}, units: [], namespace: "hw1" }).args(null);
  assert.deepEqual(only.slice(-2), ["SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session"]);
  assert.ok(only.includes("--namespace=hw1"));
  assert.throws(() => new JournaldSource({ onEntries: async () => {}, identifiers: ["sshd --file=/etc/shadow"] }));
  assert.throws(() => new JournaldSource({ onEntries: async () => {}, units: ["+"] }));
});

test("AGT-2 entries split across chunks are delivered once; junk lines skipped; cursor saved after delivery", async (t) => {
  const h = harness();
  t.after(() => h.src.stop());
  await h.src.start();
  const p = h.procs[0]!;
  const two = line(1) + "not json\n" + line(2);
  p.stdout.write(two.slice(0, 30));
  p.stdout.write(two.slice(30));
  await waitFor(() => h.got.length === 2);
  assert.deepEqual(h.got.map((e) => e.cursor), ["s=abc;i=1", "s=abc;i=2"]);
  assert.equal(h.saved.at(-1), "s=abc;i=2");
  assert.notEqual(recordIdForCursor("s=abc;i=1"), recordIdForCursor("s=abc;i=2"));
  assert.match(recordIdForCursor("s=abc;i=1"), /^[A-Za-z0-9_-]{32}$/);
});

test("AGT-2 journalctl exiting is restarted with backoff, after the last delivered cursor", async (t) => {
  const h = harness();
  t.after(() => h.src.stop());
  await h.src.start();
  h.procs[0]!.stdout.write(line(1));
  await waitFor(() => h.got.length === 1);
  h.procs[0]!.exit(1, "Failed to iterate through journal: Bad message\n");
  await waitFor(() => h.procs.length === 2);
  assert.ok(h.procs[1]!.args.includes("--after-cursor=s=abc;i=1"));
  h.procs[1]!.exit(1);
  await waitFor(() => h.procs.length === 3);
  h.procs[2]!.stdout.write(line(2));
  await waitFor(() => h.got.length === 2);
  assert.ok(h.statuses.some((s) => s.includes("exited with code 1") && s.includes("Bad message")));
});

test("AGT-2 a failed delivery restarts journalctl from the last saved cursor: nothing lost", async (t) => {
  const h = harness({ fail: 1 });
  t.after(() => h.src.stop());
  await h.src.start();
  h.procs[0]!.stdout.write(line(1) + line(2));
  await waitFor(() => h.procs.length === 2);
  assert.equal(h.procs[0]!.killed, true);
  assert.ok(h.procs[1]!.args.includes("--lines=0"), "no cursor yet: same start as before");
  h.procs[1]!.stdout.write(line(1) + line(2)); // journalctl re-reads them
  await waitFor(() => h.got.length === 2);
  assert.deepEqual(h.saved, ["s=abc;i=2"]);
});

test("AGT-2 a cursor journalctl rejects is dropped instead of failing forever", async (t) => {
  const h = harness();
  t.after(() => h.src.stop());
  await h.src.start();
  h.procs[0]!.stdout.write(line(5));
  await waitFor(() => h.got.length === 1);
  h.procs[0]!.exit(0);
  await waitFor(() => h.procs.length === 2);
  h.procs[1]!.exit(1, "Failed to seek to cursor: Invalid argument\n");
  await waitFor(() => h.procs.length === 3);
  assert.ok(!h.procs[2]!.args.some((a) => a.startsWith("--after-cursor")));
});

test("AGT-2 stop() ends journalctl and does not restart it", async () => {
  const h = harness();
  await h.src.start();
  await h.src.stop();
  assert.equal(h.procs[0]!.killed, true);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(h.procs.length, 1);
});

test("AGT-2 available() is false when journalctl is missing", async () => {
  assert.equal(await JournaldSource.available({ journalctlPath: "/nonexistent/journalctl" }), false);
});
