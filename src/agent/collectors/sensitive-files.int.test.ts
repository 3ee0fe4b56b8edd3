// Runs SensitiveFileWatch with real inotify (fs.watch) against a temporary root: the changes
// below must be reported without any rescan (rescanMs 0), within the debounce. No root needed.
import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { appendFile, mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileRecord, type FileRecord } from "../../protocol/index.ts";
import { SensitiveFileWatch } from "./sensitive-files.ts";

let root = "";
let w: SensitiveFileWatch | null = null;
let got: FileRecord[] = [];
const p = (hostPath: string) => join(root, hostPath);

async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(got)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const seen = (path: string, action: string) => () => got.some((r) => r.file.path === path && r.event.action === action);

async function start(opts: { watch?: boolean; rescanMs?: number } = {}): Promise<SensitiveFileWatch> {
  got = [];
  w = new SensitiveFileWatch({
    root, debounceMs: 50, rescanMs: opts.rescanMs ?? 0, watch: opts.watch,
    onRecords: (r) => {
      for (const x of r) assert.ok(fileRecord.safeParse(x).success, JSON.stringify(x));
      got.push(...r);
    },
  });
  await w.start();
  return w;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "hw-sensitive-int-"));
  await mkdir(p("/etc/cron.d"), { recursive: true });
  await mkdir(p("/etc/ssh"), { recursive: true });
  await mkdir(p("/home/bob/.ssh"), { recursive: true });
  await writeFile(p("/etc/passwd"), "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/bash\nalice:x:1001:1001::/home/alice:/bin/bash\n");
  await writeFile(p("/etc/sudoers"), "root ALL=(ALL:ALL) ALL\n");
  await writeFile(p("/home/bob/.ssh/authorized_keys"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBob bob@laptop\n");
});

afterEach(async () => {
  await w?.stop();
  w = null;
  await rm(root, { recursive: true, force: true });
});

describe("sensitive files with inotify", () => {
  test("AGT-6 an append to /etc/passwd is reported through the directory watch", async () => {
    await start();
    assert.ok(w!.watchedDirs.includes("/etc"));
    await appendFile(p("/etc/passwd"), "toor:x:0:0::/root:/bin/bash\n");
    await waitFor(seen("/etc/passwd", "modified"), "the passwd record");
    assert.deepEqual(got.find((r) => r.file.path === "/etc/passwd")?.change?.added, ["toor:x:0:0::/root:/bin/bash"]);
  });

  test("AGT-6 a file replaced by rename (tmp + rename) is reported: the watch is on the directory, not the old inode", async () => {
    await start();
    await writeFile(p("/etc/sudoers.tmp"), "root ALL=(ALL:ALL) ALL\nbob ALL=(ALL) NOPASSWD: ALL\n");
    await rename(p("/etc/sudoers.tmp"), p("/etc/sudoers"));
    await waitFor(seen("/etc/sudoers", "modified"), "the sudoers record");
    // and the new inode is watched as well as the old one was
    await writeFile(p("/etc/sudoers.tmp"), "root ALL=(ALL:ALL) ALL\n");
    await rename(p("/etc/sudoers.tmp"), p("/etc/sudoers"));
    await waitFor(() => got.filter((r) => r.file.path === "/etc/sudoers").length === 2, "the second sudoers record");
  });

  test("AGT-6 a file created in cron.d is reported", async () => {
    await start();
    await writeFile(p("/etc/cron.d/0hourly2"), "* * * * * root /dev/shm/.x\n");
    await waitFor(seen("/etc/cron.d/0hourly2", "created"), "the cron.d record");
  });

  test("AGT-6 keys of a user whose ~/.ssh did not exist: watched through the nearest ancestor, then the new directory", async () => {
    await start();
    assert.ok(!w!.watchedDirs.includes("/home/alice/.ssh"));
    await mkdir(p("/home/alice/.ssh"), { recursive: true });
    await writeFile(p("/home/alice/.ssh/authorized_keys"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEvil attacker\n");
    await waitFor(seen("/home/alice/.ssh/authorized_keys", "created"), "alice's keys");
    await waitFor(() => w!.watchedDirs.includes("/home/alice/.ssh"), "the watch to move into ~alice/.ssh");
    await appendFile(p("/home/alice/.ssh/authorized_keys"), "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ second\n");
    await waitFor(seen("/home/alice/.ssh/authorized_keys", "modified"), "the second key");
  });

  test("AGT-6 without any watch, the periodic rescan still reports the change", async () => {
    await start({ watch: false, rescanMs: 100 });
    assert.deepEqual(w!.watchedDirs, []);
    await appendFile(p("/etc/passwd"), "toor:x:0:0::/root:/bin/bash\n");
    await waitFor(seen("/etc/passwd", "modified"), "the rescan");
  });
});
