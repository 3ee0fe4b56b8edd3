import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FakeClock } from "../../core/index.ts";
import { tempDir } from "../../../test/helpers.ts";
import { LocalAccounts } from "./accounts.ts";

/**
 * A host's passwd/shadow in a temp dir and a fake usermod that edits the shadow copy the way
 * the real one does (-L prefixes "!", -U removes it, -e sets the expiry in days since 1970).
 */
function host() {
  const tmp = tempDir("hw-accounts-");
  const root = join(tmp.dir, "root");
  mkdirSync(join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "etc", "passwd"), ["root:x:0:0:root:/root:/bin/bash", "toor:x:0:0::/root:/bin/bash", "deploy:x:1001:1001::/home/deploy:/bin/bash", "nopass:x:1002:1002::/home/nopass:/bin/bash", ""].join("\n"));
  writeFileSync(join(root, "etc", "shadow"), ["root:$y$j9T$abc:19000:0:99999:7:::", "toor:$y$j9T$def:19000:0:99999:7:::", "deploy:$y$j9T$ghi:19000:0:99999:7::20500:", "nopass:!:19000:0:99999:7:::", ""].join("\n"));
  const calls: string[][] = [];
  const shadow = () => readFileSync(join(root, "etc", "shadow"), "utf8");
  const run = async (cmd: string, args: string[]) => {
    calls.push([cmd, ...args]);
    const user = args.at(-1)!;
    const lines = shadow().split("\n").map((l) => {
      const f = l.split(":");
      if (f[0] !== user) return l;
      if (args.includes("-L") && !f[1]!.startsWith("!")) f[1] = `!${f[1]}`;
      if (args.includes("-U")) f[1] = f[1]!.replace(/^!/, "");
      const e = args.indexOf("-e");
      if (e >= 0) f[7] = args[e + 1] === "" ? "" : String(Math.round(Date.parse(`${args[e + 1]}T00:00:00Z`) / 86_400_000));
      return f.join(":");
    });
    writeFileSync(join(root, "etc", "shadow"), lines.join("\n"));
    return { code: 0, output: "" };
  };
  const clock = new FakeClock("2026-03-01T10:00:00Z");
  const expired: string[] = [];
  const accounts = new LocalAccounts({ stateFile: join(tmp.dir, "state", "account-locks.json"), root, clock, run, onExpired: (m) => expired.push(m) });
  const fields = (user: string) => shadow().split("\n").find((l) => l.startsWith(`${user}:`))!.split(":");
  return { tmp, accounts, calls, clock, fields, expired };
}

test("EVT-7 lock_account locks the password and expires the account with one usermod argument array; unlock restores the former expiry", async () => {
  const h = host();
  try {
    const r = await h.accounts.lock("deploy");
    assert.equal(r.ok, true, r.message);
    assert.deepEqual(h.calls, [["usermod", "-L", "-e", "1970-01-02", "--", "deploy"]]);
    assert.ok(h.fields("deploy")[1]!.startsWith("!"));
    assert.equal(h.fields("deploy")[7], "1");
    const u = await h.accounts.unlock("deploy");
    assert.equal(u.ok, true, u.message);
    assert.equal(h.fields("deploy")[1], "$y$j9T$ghi");
    assert.equal(h.fields("deploy")[7], "20500", "the expiry it had before the lock");
    assert.match(u.message, /expiry 2026-02-16 restored/);
  } finally {
    h.tmp.cleanup();
  }
});

test("EVT-7 root and every uid-0 account are refused, and so is a name that is no local account; usermod never runs", async () => {
  const h = host();
  try {
    for (const [user, why] of [["root", /root is never locked/], ["toor", /has uid 0/], ["ghost", /not a local account of this host/], ["-e", /not a local account name/], ["../etc", /not a local account name/]] as const) {
      const r = await h.accounts.lock(user);
      assert.equal(r.ok, false, user);
      assert.match(r.message, why);
    }
    assert.deepEqual(h.calls, []);
  } finally {
    h.tmp.cleanup();
  }
});

test("EVT-7 RSP-1 a lock with a validity period is undone by the agent when it ends, also after a restart", async () => {
  const h = host();
  try {
    assert.equal((await h.accounts.lock("deploy", 3600)).ok, true);
    // a new instance (the agent restarted) reads the lock from its state file
    const restarted = new LocalAccounts({ stateFile: join(h.tmp.dir, "state", "account-locks.json"), root: join(h.tmp.dir, "root"), clock: h.clock, run: async (c, a) => { h.calls.push([c, ...a]); return { code: 0, output: "" }; }, onExpired: (m) => h.expired.push(m) });
    await restarted.start();
    assert.deepEqual(h.expired, [], "not yet due");
    h.clock.advance(3600_000);
    await restarted.start();
    restarted.stop();
    assert.equal(h.expired.length, 1);
    assert.match(h.expired[0]!, /validity period over: unlocked deploy/);
    assert.deepEqual(h.calls.at(-1), ["usermod", "-U", "-e", "2026-02-16", "--", "deploy"]);
  } finally {
    h.tmp.cleanup();
  }
});

test("EVT-7 unlocking an account whose password is only \"!\" restores the expiry without -U (usermod would refuse)", async () => {
  const h = host();
  try {
    assert.equal((await h.accounts.lock("nopass")).ok, true);
    assert.equal((await h.accounts.unlock("nopass")).ok, true);
    assert.deepEqual(h.calls.at(-1), ["usermod", "-e", "", "--", "nopass"]);
  } finally {
    h.tmp.cleanup();
  }
});
