// Runs the real journalctl (systemd 252) against a private journald namespace started by the
// test, so the arguments, the JSON shape and cursor resumption are checked for real without
// a systemd PID 1. Needs root; skipped otherwise.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { JournaldSource, JsonFileCursorStore, type JournalEntry } from "./journald.ts";

const JOURNALD = "/usr/lib/systemd/systemd-journald";
const ns = `hwt${process.pid}`;
const devLog = `/run/systemd/journal.${ns}/dev-log`;
const skip =
  process.getuid?.() !== 0 ? "needs root (starts a private journald)" : !existsSync(JOURNALD) ? `${JOURNALD} not installed` : false;
let journald: ChildProcess | null = null;
let dir = "";
const run = promisify(execFile);

const log = (tag: string, msg: string) => run("logger", ["-u", devLog, "-t", tag, msg]);

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), "hw-journal-"));
  journald = spawn(JOURNALD, [ns], { stdio: "ignore" });
  await waitFor(() => existsSync(devLog));
});

after(async () => {
  if (journald) {
    const exited = new Promise((r) => journald!.once("exit", r));
    journald.kill("SIGTERM");
    await exited;
  }
  if (skip) return;
  const machineId = readFileSync("/etc/machine-id", "utf8").trim();
  await rm(`/run/systemd/journal.${ns}`, { recursive: true, force: true });
  await rm(`/var/log/journal/${machineId}.${ns}`, { recursive: true, force: true });
  await rm(`/run/log/journal/${machineId}.${ns}`, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

test("AGT-2 real journalctl: sshd entries followed, others filtered, cursor resumes without loss or repeat", { skip }, async () => {
  assert.equal(await JournaldSource.available({ namespace: ns }), true);
  const got: JournalEntry[] = [];
  const cursorFile = join(dir, "cursor.json");
  const mk = () =>
    new JournaldSource({ namespace: ns, startAtEnd: false, cursor: new JsonFileCursorStore(cursorFile), onEntries: async (es) => void got.push(...es) });
  const s1 = mk();
  await s1.start();
  await log("sshd", "Failed password for root from 10.77.9.1 port 40000 ssh2");
  await log("CRON", "pam_unix(cron:session): session opened for user root");
  await log("sshd-session", "Accepted publickey for bob from 10.77.9.2 port 40001 ssh2");
  await waitFor(() => got.length === 2);
  const t0 = Date.now();
  await log("sshd", "Invalid user admin from 10.77.9.3 port 40002");
  await waitFor(() => got.length === 3);
  const latency = Date.now() - t0;
  assert.deepEqual(got.map((e) => [e.identifier, e.text]), [
    ["sshd", "Failed password for root from 10.77.9.1 port 40000 ssh2"],
    ["sshd-session", "Accepted publickey for bob from 10.77.9.2 port 40001 ssh2"],
    ["sshd", "Invalid user admin from 10.77.9.3 port 40002"],
  ]);
  assert.ok(got.every((e) => e.host && e.cursor && Math.abs(e.ts - Date.now()) < 60_000 && e.pid));
  await s1.stop();

  // 15 entries while the agent is down: more than journalctl's -f default of 10 lines.
  for (let i = 0; i < 15; i++) await log("sshd", `Failed password for invalid user u${i} from 10.77.9.4 port ${41000 + i} ssh2`);
  const s2 = mk();
  await s2.start();
  await waitFor(() => got.length === 18);
  await new Promise((r) => setTimeout(r, 300));
  await s2.stop();
  assert.equal(got.length, 18);
  assert.equal(new Set(got.map((e) => e.cursor)).size, 18);
  assert.equal(got[3]!.text, "Failed password for invalid user u0 from 10.77.9.4 port 41000 ssh2");
  console.log(`# follow latency ${latency} ms`);
});
