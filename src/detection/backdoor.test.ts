import { test } from "node:test";
import assert from "node:assert/strict";
import type { InventoryAccount } from "../protocol/index.ts";
import { backdoorReasons, inventoryDiff } from "./backdoor.ts";

const KEY = { file: "/x/.ssh/authorized_keys", type: "ssh-ed25519", fingerprint: "SHA256:zlON/+t2IXeTuanYjrRwplghkQ6fzWitJT/KBGb1uqU" };
const KEY2 = { ...KEY, fingerprint: "SHA256:sLPiEoRlLATKRV7WshTD8qTZgXqS7bSbvKlZbXZltkQ" };

function acct(name: string, uid: number, over: Partial<InventoryAccount> = {}): InventoryAccount {
  return {
    name, uid, gid: uid, home: `/home/${name}`, shell: "/bin/bash", interactiveShell: true,
    password: "locked", systemAccount: uid !== 0 && uid < 1000, keys: [], ...over,
  };
}

const root = acct("root", 0, { home: "/root", password: "set", packaged: true, keys: [KEY] });
const toor = acct("toor", 0, { home: "/root", shell: "/bin/sh", password: "set", packaged: false });
const svc = acct("svc", 998, { packaged: false, keys: [KEY2] });
const wwwData = acct("www-data", 33, { shell: "/usr/sbin/nologin", interactiveShell: false, packaged: true });
const postgres = acct("postgres", 997, { packaged: true });
const alice = acct("alice", 1000, { password: "set", packaged: false, keys: [KEY, KEY2], sudo: true });
const eve = acct("eve", 1002, { password: "empty", packaged: false });
const all = [root, toor, svc, wwwData, postgres, alice, eve];

test("LOG-8 a uid-0 account other than root is a backdoor", () => {
  const r = backdoorReasons(toor, all);
  assert.equal(r.length, 2);
  assert.match(r[0]!, /toor.*uid 0.*not root/);
  assert.match(r[1]!, /shares uid 0 with root/);
  // Without a root account in the inventory it is still uid 0 and not root.
  assert.equal(backdoorReasons(toor, [toor]).length, 1);
});

test("LOG-8 root itself and ordinary users with keys are not backdoors", () => {
  assert.deepEqual(backdoorReasons(root, all), []);
  assert.deepEqual(backdoorReasons(alice, all), []);
  assert.deepEqual(backdoorReasons(wwwData, all), []);
  assert.deepEqual(backdoorReasons(postgres, all), [], "packaged system account with bash, no keys, locked");
});

test("LOG-8 a system account not from a package with a logon shell and keys or a password is a backdoor", () => {
  const r = backdoorReasons(svc, all);
  assert.equal(r.length, 1);
  assert.match(r[0]!, /system account "svc" \(uid 998\).*logon shell.*1 authorized key/);
  // packaged unknown (no base-passwd/setup list) is not "packaged": still flagged.
  const { packaged: _, ...unknown } = svc;
  assert.equal(backdoorReasons(unknown, all).length, 1);
  assert.match(backdoorReasons({ ...svc, keys: [], password: "set" }, all)[0]!, /and a password/);
  // The same account with nologin, or with neither keys nor a usable password, is not.
  assert.deepEqual(backdoorReasons({ ...svc, shell: "/usr/sbin/nologin", interactiveShell: false }, all), []);
  assert.deepEqual(backdoorReasons({ ...svc, keys: [] }, all), []);
  assert.deepEqual(backdoorReasons({ ...svc, packaged: true }, all), []);
});

test("LOG-8 an empty password with a logon shell is a backdoor", () => {
  assert.equal(backdoorReasons(eve, all).length, 1);
  assert.match(backdoorReasons(eve, all)[0]!, /empty password/);
  assert.deepEqual(backdoorReasons({ ...eve, shell: "/bin/false", interactiveShell: false }, all), []);
  // A system account with an empty password gets both reasons.
  assert.equal(backdoorReasons({ ...svc, keys: [], password: "empty" }, all).length, 2);
});

test("AGT-7 inventoryDiff reports added and removed accounts, new keys and uid changes", () => {
  assert.deepEqual(inventoryDiff(null, all), { added: [], removed: [], keysAdded: [], uidChanged: [] }, "the first inventory is the baseline");
  assert.deepEqual(inventoryDiff(all, all), { added: [], removed: [], keysAdded: [], uidChanged: [] });
  const next = [
    { ...root, keys: [KEY, KEY2] },
    { ...toor, uid: 1500 },
    svc, wwwData, postgres, alice,
    acct("mallory", 1100, { keys: [KEY] }),
  ];
  assert.deepEqual(inventoryDiff(all, next), {
    added: ["mallory"],
    removed: ["eve"],
    keysAdded: [{ user: "root", fingerprint: KEY2.fingerprint }, { user: "mallory", fingerprint: KEY.fingerprint }],
    uidChanged: ["toor"],
  });
});
