import { test, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vaultEntry } from "../../protocol/index.ts";
import { QuarantineVault, VAULT_RETENTION_MS, pathProblem } from "./quarantine.ts";

const DAY = 86_400_000;
const T0 = Date.parse("2025-05-01T10:00:00Z");
const SHELL = "<?php @eval($_POST['x']); ?>\n";
const sha256 = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");
const md5 = (b: string | Buffer) => createHash("md5").update(b).digest("hex");
const isRoot = process.getuid?.() === 0;

let tmp = "";
let www = "";
let vault: QuarantineVault;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), "hw-vault-"));
  www = join(tmp, "www");
  mkdirSync(www);
  vault = new QuarantineVault(join(tmp, "state", "quarantine"));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function plant(name = "shell.php", text = SHELL, mode = 0o640): string {
  const p = join(www, name);
  writeFileSync(p, text);
  // chown first: it clears set-id bits
  if (isRoot) chownSync(p, 33, 34);
  chmodSync(p, mode);
  return p;
}

function quarantined(name?: string, text = SHELL, mode?: number): { path: string; id: string } {
  const path = plant(name, text, mode);
  const q = vault.quarantine(path, sha256(text), T0);
  assert.equal(q.ok, true, q.message);
  return { path, id: q.entry!.id };
}

test("RSP-2 WS-7 quarantine then restore round trip: content, owner and mode come back, the vault copy is gone", () => {
  const { path, id } = quarantined("shell.php", SHELL, 0o640);
  assert.equal(existsSync(path), false, "removed from its place");
  const blob = readFileSync(join(vault.dir, `${id}.bin`));
  assert.equal(blob.includes(Buffer.from("eval")), false, "stored encrypted");
  const list = vault.list();
  assert.equal(list.length, 1);
  assert.deepEqual(list[0], { id, originalPath: path, sha256: sha256(SHELL), md5: md5(SHELL), size: SHELL.length, mode: 0o640, uid: isRoot ? 33 : process.getuid!(), gid: isRoot ? 34 : process.getgid!(), quarantinedAt: T0, expiresAt: T0 + 30 * DAY });
  assert.equal(vaultEntry.safeParse(list[0]).success, true, "fits the telemetry contract");

  const r = vault.restore(id, sha256(SHELL), T0 + DAY);
  assert.equal(r.ok, true, r.message);
  assert.equal(readFileSync(path, "utf8"), SHELL);
  const st = statSync(path);
  assert.equal(st.mode & 0o7777, 0o640);
  if (isRoot) assert.deepEqual([st.uid, st.gid], [33, 34]);
  assert.deepEqual(vault.list(), []);
  assert.deepEqual(readdirSync(vault.dir).filter((f) => f.startsWith("q-")), [], "vault copy and metadata removed");
  assert.deepEqual(readdirSync(www), ["shell.php"], "no temporary file left beside it");
});

test("RSP-2 restore recreates set-id bits (mode is set after the owner)", { skip: !isRoot && "needs root to chown" }, () => {
  const { path, id } = quarantined("tool.php", "<?php echo 1;\n", 0o4750);
  assert.equal(vault.restore(id, sha256("<?php echo 1;\n"), T0).ok, true);
  assert.equal(statSync(path).mode & 0o7777, 0o4750);
});

test("RSP-2 a tampered vault file (.bin) is refused and nothing is written", () => {
  const { path, id } = quarantined();
  const bin = join(vault.dir, `${id}.bin`);
  const b = readFileSync(bin);
  b[3] = b[3]! ^ 0x01;
  writeFileSync(bin, b);
  const r = vault.restore(id, sha256(SHELL), T0);
  assert.equal(r.ok, false);
  assert.match(r.message, /fails authentication/);
  assert.equal(existsSync(path), false);
  assert.equal(vault.list().length, 1, "the entry stays for the operator to see");
});

test("RSP-2 an edited .json whose path was changed to escape (/etc/…, ../) is refused: the metadata is authenticated", () => {
  const { id } = quarantined();
  const side = join(vault.dir, `${id}.json`);
  const original = readFileSync(side, "utf8");
  const escapes = [join(tmp, "etc-cron.d-evil"), `${www}/../../../${tmp.slice(1)}/escaped.php`, "../escaped.php"];
  for (const target of escapes) {
    writeFileSync(side, JSON.stringify({ ...JSON.parse(original), originalPath: target }));
    const r = vault.restore(id, sha256(SHELL), T0);
    assert.equal(r.ok, false, target);
    assert.match(r.message, /fails authentication|refused/);
    assert.equal(existsSync(join(tmp, "etc-cron.d-evil")) || existsSync(join(tmp, "escaped.php")), false);
    assert.deepEqual(vault.list(), [], "an edited sidecar is not listed either");
  }
  // owner and mode are bound too
  for (const edit of [{ uid: 0 }, { mode: 0o4777 }, { quarantinedAt: T0 + 29 * DAY }]) {
    writeFileSync(side, JSON.stringify({ ...JSON.parse(original), ...edit }));
    assert.equal(vault.restore(id, sha256(SHELL), T0).ok, false, JSON.stringify(edit));
  }
  writeFileSync(side, original);
  assert.equal(vault.restore(id, sha256(SHELL), T0).ok, true, "the genuine metadata still restores");
});

test("RSP-2 a recorded path that is not absolute, has `..` segments or is not normal is no place to restore to", () => {
  for (const p of ["relative/x.php", "../x.php", "/var/www/../../etc/cron.d/x", "/var/www/./x.php", "/var//www/x.php", "/var/www/", "/var/www/x\0.php"]) assert.notEqual(pathProblem(p), null, p);
  assert.equal(pathProblem("/var/www/html/index.php"), null);
});

test("RSP-2 restore refuses a directory that now resolves through a symbolic link elsewhere", () => {
  const { path, id } = quarantined();
  const elsewhere = join(tmp, "elsewhere");
  mkdirSync(elsewhere);
  renameSync(www, join(tmp, "www-moved"));
  symlinkSync(elsewhere, www);
  const r = vault.restore(id, sha256(SHELL), T0);
  assert.equal(r.ok, false);
  assert.match(r.message, /symbolic link/);
  assert.deepEqual(readdirSync(elsewhere), [], "nothing written through the link");
  assert.equal(existsSync(path), false);
});

test("RSP-2 restore never overwrites: a file now at the original path is left alone", () => {
  const { path, id } = quarantined();
  writeFileSync(path, "<?php // the site's new file\n");
  const r = vault.restore(id, sha256(SHELL), T0);
  assert.equal(r.ok, false);
  assert.match(r.message, /already exists/);
  assert.equal(readFileSync(path, "utf8"), "<?php // the site's new file\n");
  assert.equal(vault.list().length, 1);
});

test("RSP-2 restore checks ids and hashes before touching anything", () => {
  const { id } = quarantined();
  for (const bad of ["../../etc/passwd", "q-1-abc", `${id}/../x`, "", `${id}.json`]) {
    const r = vault.restore(bad, sha256(SHELL), T0);
    assert.equal(r.ok, false);
    assert.match(r.message, /not a vault entry id/);
  }
  const wrong = vault.restore(id, sha256("something else"), T0);
  assert.equal(wrong.ok, false);
  assert.match(wrong.message, /not the .* asked for/);
  assert.match(vault.restore("q-1-000000000000", sha256(SHELL), T0).message, /no such entry/);
});

test("RSP-2 restore refuses when the original directory is gone", () => {
  const { id } = quarantined();
  rmSync(www, { recursive: true });
  const r = vault.restore(id, sha256(SHELL), T0);
  assert.equal(r.ok, false);
  assert.match(r.message, /no longer exists/);
  assert.equal(existsSync(www), false, "not recreated");
});

test("WS-7 entries are purged 30 days after quarantine (fake clock), not before", () => {
  const { id } = quarantined();
  const later = plant("later.php", "<?php system($_GET['c']);\n");
  const q2 = vault.quarantine(later, sha256("<?php system($_GET['c']);\n"), T0 + 10 * DAY);
  assert.equal(q2.ok, true);
  assert.deepEqual(vault.purge(T0 + VAULT_RETENTION_MS - 1).purged, []);
  assert.deepEqual(vault.purge(T0 + VAULT_RETENTION_MS).purged, [id]);
  assert.deepEqual(vault.list().map((e) => e.id), [q2.entry!.id]);
  assert.equal(existsSync(join(vault.dir, `${id}.bin`)), false);
  assert.equal(vault.restore(id, sha256(SHELL), T0 + VAULT_RETENTION_MS).ok, false, "a purged entry cannot be restored");
  assert.deepEqual(vault.purge(T0 + 40 * DAY).purged, [q2.entry!.id]);
});

test("WS-7 purge removes unauthenticated leftovers by file age only", () => {
  const now = Date.now();
  const real = plant();
  const q = vault.quarantine(real, sha256(SHELL), now);
  assert.equal(q.ok, true);
  // an older agent's entry (no authenticated metadata) and an orphaned vault copy, both fresh
  writeFileSync(join(vault.dir, "q-5-aaaaaaaaaaaa.json"), JSON.stringify({ id: "q-5-aaaaaaaaaaaa", originalPath: "/etc/passwd", sha256: "0".repeat(64) }));
  writeFileSync(join(vault.dir, "q-6-bbbbbbbbbbbb.bin"), "x");
  assert.deepEqual(vault.list().map((e) => e.id).includes("q-5-aaaaaaaaaaaa"), false, "never listed");
  assert.match(vault.restore("q-5-aaaaaaaaaaaa", "0".repeat(64), T0).message, /older agent/);
  assert.deepEqual(vault.purge(now + DAY).purged, [], "too young by their files' age");
  assert.deepEqual(vault.purge(now + VAULT_RETENTION_MS + DAY).purged.sort(), ["q-5-aaaaaaaaaaaa", "q-6-bbbbbbbbbbbb", q.entry!.id].sort());
});

test("MIN-5 quarantine refuses a symbolic link, a changed file and the vault itself", () => {
  const target = plant("real.php");
  symlinkSync(target, join(www, "link.php"));
  assert.match(vault.quarantine(join(www, "link.php"), sha256(SHELL), T0).message, /symbolic link/);
  assert.match(vault.quarantine(target, sha256("other"), T0).message, /the file changed/);
  assert.equal(existsSync(target), true);
  const q = vault.quarantine(target, sha256(SHELL), T0);
  assert.equal(q.ok, true);
  const key = join(vault.dir, "vault.key");
  assert.match(vault.quarantine(key, sha256(readFileSync(key)), T0).message, /inside the quarantine vault/);
});
