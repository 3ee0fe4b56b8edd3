import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../../test/helpers.ts";
import { LocalAccounts } from "./accounts.ts";

/** EVT-7 with the real usermod on a throw-away local account (root only; removed afterwards). */
const skip = process.getuid?.() !== 0 ? "needs root (usermod, /etc/shadow)" : spawnSync("sh", ["-c", "command -v usermod && command -v useradd"]).status !== 0 ? "usermod/useradd are not installed" : null;
const user = `hwlock${process.pid % 100000}`;
const shadowOf = (u: string) => readFileSync("/etc/shadow", "utf8").split("\n").find((l) => l.startsWith(`${u}:`))!.split(":");

test("EVT-7 the real usermod locks and expires a local account, unlock restores it, root is refused", { skip: skip ?? false }, async () => {
  const tmp = tempDir("hw-lock-");
  spawnSync("userdel", ["-r", user], { stdio: "ignore" });
  assert.equal(spawnSync("useradd", ["-m", "-s", "/bin/bash", user]).status, 0);
  assert.equal(spawnSync("chpasswd", [], { input: `${user}:a long throw-away password 42\n` }).status, 0);
  try {
    const hash = shadowOf(user)[1]!;
    const accounts = new LocalAccounts({ stateFile: join(tmp.dir, "account-locks.json") });
    const r = await accounts.lock(user);
    assert.equal(r.ok, true, r.message);
    assert.equal(shadowOf(user)[1], `!${hash}`);
    assert.equal(shadowOf(user)[7], "1", "expired since 1970-01-02");
    assert.match(spawnSync("passwd", ["-S", user], { encoding: "utf8" }).stdout, new RegExp(`^${user} L `));

    const u = await accounts.unlock(user);
    assert.equal(u.ok, true, u.message);
    assert.equal(shadowOf(user)[1], hash);
    assert.equal(shadowOf(user)[7], "", "no expiry, as before");

    const rootHash = shadowOf("root")[1];
    const refused = await accounts.lock("root");
    assert.equal(refused.ok, false);
    assert.equal(shadowOf("root")[1], rootHash, "root is untouched");
  } finally {
    spawnSync("userdel", ["-r", user], { stdio: "ignore" });
    tmp.cleanup();
  }
});
