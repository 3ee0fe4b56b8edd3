/**
 * AGT-5 / WS-3 real-time watch on the real filesystem with real fs.watch (inotify). The engine
 * is a fake here (a line containing EVIL is malicious) so that these tests are about the
 * watch — new directories, renames, deletions, debouncing — not about detection quality;
 * web-files.int.test.ts runs the real engine.
 */
import { test, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileRecord, type FileRecord } from "../../protocol/index.ts";
import type { ScanResult } from "../../webshell/index.ts";
import { WebFileWatch, type WebScanner } from "./web-files.ts";

const hex = (alg: string, b: Uint8Array) => createHash(alg).update(b).digest("hex");

class FakeScanner implements WebScanner {
  version = "fake/1";
  calls: string[] = [];
  scan(path: string, data: Uint8Array): ScanResult {
    this.calls.push(path);
    const lines = Buffer.from(data).toString("latin1").split("\n");
    const i = lines.findIndex((l) => l.includes("EVIL"));
    const reasons: ScanResult["reasons"] = i < 0 ? [] : [{ id: "fake.evil", layer: "heuristic", severity: "malicious", line: i + 1, text: "evil" }];
    return { verdict: i < 0 ? "clean" : "malicious", lang: "php", reasons, md5: hex("md5", data), sha256: hex("sha256", data), size: data.byteLength };
  }
}

let tmp = "", www = "";
let w: WebFileWatch;
let got: FileRecord[];
let scanner: FakeScanner;

beforeEach(async () => {
  tmp = mkdtempSync(join(tmpdir(), "hw-webwatch-"));
  www = join(tmp, "www");
  mkdirSync(join(www, "uploads"), { recursive: true });
  writeFileSync(join(www, "index.php"), "<?php\necho 'home';\n");
  got = [];
  scanner = new FakeScanner();
  w = new WebFileWatch({ dirs: [www], stateDir: join(tmp, "state"), scanner, debounceMs: 100, onRecords: (r) => void got.push(...r) });
  await w.start();
  await w.initialScan;
});
afterEach(async () => {
  await w.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function until<T>(what: string, fn: () => T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; records: ${JSON.stringify(got.map((r) => [r.event.action, r.file.path]))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const quiet = (ms = 600) => new Promise((r) => setTimeout(r, ms));
const find = (path: string, action?: string) => got.find((r) => r.file.path === path && (!action || r.event.action === action));

test("WS-3 a file written in two parts is scanned once it is quiet, and reported within 2 s", async () => {
  const p = join(www, "uploads", "x.php");
  const t0 = Date.now();
  writeFileSync(p, "<?php\n");
  await new Promise((r) => setTimeout(r, 30));
  appendFileSync(p, "EVIL($_POST[1]);\n");
  const r = await until("record", () => find(p));
  assert.ok(Date.now() - t0 < 2000, `${Date.now() - t0} ms`);
  assert.deepEqual([r.event.action, r.webshell!.scan, r.webshell!.verdict], ["created", "realtime", "malicious"]);
  assert.equal(fileRecord.safeParse(r).success, true);
  await quiet(300);
  assert.deepEqual(scanner.calls.filter((c) => c === p).length, 1, "debounced: one scan of the finished file");
});

test("WS-3 new subdirectories are watched, and a directory moved in is scanned", async () => {
  const deep = join(www, "wp-content", "plugins", "x");
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, "a.php"), "<?php EVIL\n");
  await until("file in a new directory", () => find(join(deep, "a.php")));
  // later files in the new directory: its own watch
  await quiet(200);
  writeFileSync(join(deep, "b.php"), "<?php EVIL\n");
  await until("later file in the new directory", () => find(join(deep, "b.php")));
  // a tree prepared elsewhere and moved in
  const outside = join(tmp, "outside", "pack");
  mkdirSync(join(outside, "inner"), { recursive: true });
  writeFileSync(join(outside, "inner", "c.php"), "<?php EVIL\n");
  renameSync(outside, join(www, "pack"));
  await until("file moved in with its directory", () => find(join(www, "pack", "inner", "c.php")));
  writeFileSync(join(www, "pack", "inner", "d.php"), "<?php EVIL\n");
  await until("file in the moved-in directory", () => find(join(www, "pack", "inner", "d.php")));
});

test("WS-3 a reported shell renamed is reported under its new name and sent deleted under the old; a deleted directory's shells are sent deleted", async () => {
  const a = join(www, "uploads", "a.php");
  writeFileSync(a, "<?php EVIL\n");
  await until("created", () => find(a, "created"));
  const b = join(www, "uploads", "b.php");
  renameSync(a, b);
  const r = await until("renamed", () => find(b, "renamed"));
  assert.match(r.change!.summary, /renamed from .*a\.php/);
  const d = await until("old name deleted", () => find(a, "deleted"));
  assert.equal(d.webshell!.verdict, "clean");
  rmSync(join(www, "uploads"), { recursive: true });
  await until("deleted with its directory", () => find(b, "deleted"));
});

test("WS-5 a clean file renamed keeps its baseline: the line it gains next is named", async () => {
  const p = join(www, "config.php");
  writeFileSync(p, "<?php\n$db = 'x';\n$user = 'y';\n");
  await quiet(400);
  const q = join(www, "config.inc.php");
  renameSync(p, q);
  await quiet(400);
  appendFileSync(q, "EVIL($_GET['c']);\n");
  const r = await until("modified", () => find(q, "modified"));
  assert.deepEqual(r.webshell!.baseline!.added, [{ line: 4, text: "EVIL($_GET['c']);" }]);
});

test("WS-3 a non-web file and a clean edit produce no record", async () => {
  writeFileSync(join(www, "uploads", "notes.txt"), "EVIL\n");
  appendFileSync(join(www, "index.php"), "echo 'more';\n");
  await quiet();
  assert.deepEqual(got, []);
});
