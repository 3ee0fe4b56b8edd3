import { test, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileRecord, type FileRecord } from "../../protocol/index.ts";
import type { ScanResult } from "../../webshell/index.ts";
import { WebFileWatch, type WebFileWatchOptions, type WebScanner } from "./web-files.ts";
import { addedLines, lineHashes } from "./web-files.baseline.ts";

const sha256 = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");
const md5 = (b: string | Buffer) => createHash("md5").update(b).digest("hex");

/**
 * A stand-in for the engine, so that these tests are about the watch, not about detection
 * quality (the engine is tested on its own; web-files.int.test.ts uses the real one):
 * a line containing EVIL is malicious, SUS suspicious, and `phpinfo()` is the WS-6 exposure.
 */
class FakeScanner implements WebScanner {
  version = "fake/1";
  calls: string[] = [];
  scan(path: string, data: Uint8Array): ScanResult {
    this.calls.push(path);
    const text = Buffer.from(data).toString("latin1");
    const lines = text.split("\n");
    const reasons: ScanResult["reasons"] = [];
    lines.forEach((l, i) => {
      if (l.includes("EVIL")) reasons.push({ id: "fake.evil", layer: "heuristic", severity: "malicious", line: i + 1, text: "request input reaches eval()", excerpt: l.trim().slice(0, 120) });
      else if (l.includes("SUS")) reasons.push({ id: "fake.sus", layer: "heuristic", severity: "suspicious", line: i + 1, text: "looks odd" });
    });
    const verdict = reasons.some((r) => r.severity === "malicious") ? "malicious" : reasons.length ? "suspicious" : "clean";
    return { verdict, lang: "php", reasons, ...(text.includes("phpinfo()") ? { exposure: "phpinfo" as const } : {}), md5: md5(Buffer.from(data)), sha256: sha256(Buffer.from(data)), size: data.byteLength };
  }
}

let tmp = "";
let www = "";
let state = "";
let now = Date.parse("2025-06-01T12:00:00Z");
const clock = { now: () => now };

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), "hw-web-"));
  www = join(tmp, "www");
  state = join(tmp, "state");
  mkdirSync(join(www, "wp-includes"), { recursive: true });
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const INDEX = Array.from({ length: 30 }, (_, i) => (i === 0 ? "<?php" : `echo "line ${i + 1}";`)).join("\n") + "\n";

function put(rel: string, text: string, mode = 0o644): string {
  const p = join(www, rel);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}

/** A watch driven through full scans only (no fs.watch, no initial scan unless asked). */
async function started(o: Partial<WebFileWatchOptions> = {}): Promise<{ w: WebFileWatch; got: FileRecord[]; scanner: FakeScanner }> {
  const got: FileRecord[] = [];
  const scanner = (o.scanner as FakeScanner | undefined) ?? new FakeScanner();
  const w = new WebFileWatch({ dirs: [www], stateDir: state, clock, scanner, watch: false, initialScan: false, onRecords: (r) => void got.push(...r), ...o });
  await w.start();
  return { w, got, scanner };
}

test("WS-5 line diff: the lines a file gained since its clean version, with their line numbers", () => {
  const base = lineHashes(INDEX)!;
  assert.equal(base.length, 30 * 4, "4 bytes per non-blank line");
  const lines = INDEX.split("\n");
  lines.splice(11, 0, "eval($_POST['c']);");
  const d = addedLines(base, lines.join("\n"), new Set());
  assert.deepEqual(d, { added: [{ line: 12, text: "eval($_POST['c']);" }], total: 1 });
  // moved lines, changed indentation, CRLF and blank lines are not "added"
  const shuffled = INDEX.split("\n").reverse().map((l) => `    ${l}\r`).join("\n\n");
  assert.deepEqual(addedLines(base, shuffled, new Set()), { added: [], total: 0 });
  // a line added twice counts twice (a multiset)
  assert.equal(addedLines(base, INDEX + 'echo "line 2";\n', new Set()).total, 1);
});

test("WS-5 line diff: at most 20 lines named, the engine's reason lines first", () => {
  const base = lineHashes("<?php\n")!;
  const text = "<?php\n" + Array.from({ length: 40 }, (_, i) => `$v${i} = ${i};`).join("\n") + "\n@eval($_POST['z']);\n";
  const d = addedLines(base, text, new Set([42]));
  assert.equal(d.total, 41);
  assert.equal(d.added.length, 20);
  assert.deepEqual(d.added.at(-1), { line: 42, text: "@eval($_POST['z']);" }, "the reason line is kept even past the first 20");
  assert.deepEqual(d.added.map((a) => a.line), [...Array.from({ length: 19 }, (_, i) => i + 2), 42]);
  assert.ok(addedLines(base, "<?php\n" + "x".repeat(5000) + "\n", new Set()).added[0]!.text.length <= 512, "bounded text");
});

test("AGT-5 WS-2 a first full scan reports the shells already there (action scanned) and nothing for clean or non-web files", async () => {
  put("index.php", INDEX);
  const shell = put("wp-includes/class-cache.php", "<?php\n// EVIL\n", 0o640);
  put("readme.txt", "EVIL but not a web file");
  const { w, got } = await started();
  const s = await w.runFullScan("scheduled");
  await w.stop();
  assert.deepEqual({ files: s.files, scanned: s.scanned, found: s.found, malicious: s.malicious }, { files: 2, scanned: 2, found: 1, malicious: 1 });
  assert.equal(got.length, 1);
  const r = got[0]!;
  assert.equal(fileRecord.safeParse(r).success, true, JSON.stringify(fileRecord.safeParse(r).error?.issues));
  assert.deepEqual(r.event, { action: "scanned" });
  assert.deepEqual(r.file, { path: shell, hash: { md5: md5("<?php\n// EVIL\n"), sha256: sha256("<?php\n// EVIL\n") }, size: 14, mode: "0640", owner: process.getuid?.() === 0 ? "root" : r.file.owner, category: "web" });
  assert.equal(r.webshell!.verdict, "malicious");
  assert.equal(r.webshell!.scan, "scheduled");
  assert.equal(r.webshell!.engine, "fake/1");
  assert.deepEqual(r.webshell!.reasons[0], { id: "fake.evil", layer: "heuristic", severity: "malicious", line: 2, text: "request input reaches eval()", excerpt: "// EVIL" });
  assert.equal(r.webshell!.baseline, undefined, "never clean before: no baseline");
});

test("WS-5 a clean index.php that gains a backdoor line is reported with the line it gained (baseline)", async () => {
  const p = put("index.php", INDEX);
  const { w, got } = await started();
  await w.runFullScan("scheduled");
  assert.equal(got.length, 0, "clean: nothing sent");
  const lines = INDEX.split("\n");
  lines.splice(11, 0, "if (isset($_POST['c'])) { EVIL($_POST['c']); }");
  writeFileSync(p, lines.join("\n"));
  now += 3_600_000;
  const s = await w.runFullScan("on_demand");
  assert.equal(s.found, 1);
  const r = got[0]!;
  assert.equal(fileRecord.safeParse(r).success, true);
  assert.equal(r.event.action, "modified");
  assert.equal(r.webshell!.scan, "on_demand");
  assert.deepEqual(r.webshell!.baseline, { previousSha256: sha256(INDEX), added: [{ line: 12, text: "if (isset($_POST['c'])) { EVIL($_POST['c']); }" }] });
  assert.match(r.change!.summary, /1 line added since its last clean version/);
  assert.equal(r.ts, now);
  // edited again while still a shell: still compared with the last clean version
  writeFileSync(p, lines.join("\n") + "\n// SUS\n");
  await w.runFullScan("on_demand");
  assert.deepEqual(got[1]!.webshell!.baseline!.added.map((a) => a.line), [12, 33]);
  await w.stop();
});

test("WS-4 scheduled scans skip unchanged clean files by sha256, re-report shells still there, rescan on a new engine", async () => {
  put("index.php", INDEX);
  put("a.php", "<?php echo 1;\n");
  put("shell.php", "<?php EVIL\n");
  const scanner = new FakeScanner();
  const { w, got } = await started({ scanner });
  await w.runFullScan("scheduled");
  assert.equal(scanner.calls.length, 3);
  scanner.calls = [];
  const again = await w.runFullScan("scheduled");
  assert.deepEqual(scanner.calls.map((c) => c.slice(www.length)), ["/shell.php"], "only the non-clean file is read by the engine again");
  assert.deepEqual([again.cached, again.scanned, again.found], [2, 1, 1]);
  assert.deepEqual(got.map((r) => r.event.action), ["scanned", "scanned"]);
  scanner.version = "fake/2";
  scanner.calls = [];
  await w.runFullScan("scheduled");
  assert.equal(scanner.calls.length, 3, "a new engine version sees everything again");
  await w.stop();
});

test("WS-2 a reported file that turns clean or is deleted is sent once as clean; clean files never are", async () => {
  const a = put("a.php", "<?php EVIL\n");
  const b = put("b.php", "<?php SUS\n");
  const { w, got } = await started();
  await w.runFullScan("scheduled");
  assert.deepEqual(got.map((r) => r.webshell!.verdict).sort(), ["malicious", "suspicious"]);
  got.length = 0;
  writeFileSync(a, "<?php echo 'fixed';\n");
  unlinkSync(b);
  await w.runFullScan("scheduled");
  const byPath = new Map(got.map((r) => [r.file.path, r]));
  assert.equal(got.length, 2);
  assert.deepEqual([byPath.get(a)!.event.action, byPath.get(a)!.webshell!.verdict], ["modified", "clean"]);
  assert.deepEqual([byPath.get(b)!.event.action, byPath.get(b)!.webshell!.verdict, byPath.get(b)!.file.hash], ["deleted", "clean", { sha256: sha256("<?php SUS\n") }]);
  for (const r of got) assert.equal(fileRecord.safeParse(r).success, true);
  got.length = 0;
  await w.runFullScan("scheduled");
  assert.equal(got.length, 0, "fixed once, then quiet");
  await w.stop();
});

test("WS-6 a clean file exposing phpinfo() is reported with the exposure", async () => {
  put("info.php", "<?php phpinfo(); ?>\n");
  const { w, got } = await started();
  const s = await w.runFullScan("scheduled");
  await w.stop();
  assert.equal(s.phpinfo, 1);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.webshell!.verdict, "clean");
  assert.equal(got[0]!.webshell!.exposure, "phpinfo");
});

test("WS-5 the index and the baselines survive a restart: a file changed while the agent was down is compared with its clean version", async () => {
  const p = put("wp-includes/load.php", INDEX);
  const first = await started();
  await first.w.runFullScan("scheduled");
  await first.w.stop();
  writeFileSync(p, INDEX.replace('echo "line 7";', 'echo "line 7"; EVIL($_REQUEST[0]);'));
  const second = await started({ initialScan: true });
  const s = await second.w.initialScan;
  await second.w.stop();
  assert.equal(s!.found, 1);
  const r = second.got[0]!;
  assert.equal(r.event.action, "modified");
  assert.deepEqual(r.webshell!.baseline, { previousSha256: sha256(INDEX), added: [{ line: 7, text: 'echo "line 7"; EVIL($_REQUEST[0]);' }] });
});

test("AGT-5 AGT-11 bounded: trees over maxFiles are cut short, baselines stay within budget, a FIFO is never read", async () => {
  for (let i = 0; i < 5; i++) put(`f${i}.php`, `<?php echo ${i};\n` + `echo ${i};\n`.repeat(100));
  execFileSync("mkfifo", [join(www, "pipe.php")]);
  const { w, got } = await started({ maxFiles: 3, baselineBudgetBytes: 450 });
  const s = await w.runFullScan("scheduled");
  await w.stop();
  assert.equal(s.truncated, true);
  assert.ok(s.files <= 3);
  assert.equal(got.length, 0);
  const kept = readdirSync(join(state, "baseline")).reduce((n, f) => n + statSync(join(state, "baseline", f)).size, 0);
  assert.ok(kept > 0 && kept <= 450, `${kept} bytes of baselines`);
  rmSync(state, { recursive: true });
  const all = await started();
  const s2 = await all.w.runFullScan("scheduled");
  await all.w.stop();
  assert.deepEqual([s2.files, s2.found], [5, 0], "the FIFO named pipe.php is not read (the scan would hang on it)");
});

test("AGT-5 a file over maxFileBytes (a padded shell) is hashed whole and scanned by its head and tail", async () => {
  const pad = "/*" + "x".repeat(5000) + "*/\n";
  const head = put("head.php", "<?php EVIL\n" + pad);
  const tail = put("tail.php", "<?php\n" + pad + "EVIL\n");
  const scanner = new FakeScanner();
  const { w, got } = await started({ maxFileBytes: 1024, scanner });
  const s = await w.runFullScan("scheduled");
  await w.stop();
  assert.equal(s.found, 2);
  for (const p of [head, tail]) {
    const r = got.find((x) => x.file.path === p)!;
    const whole = readFileSync(p);
    assert.deepEqual([r.file.hash, r.file.size], [{ md5: md5(whole), sha256: sha256(whole) }, whole.length], "the whole file's hashes (ALR-4, quarantine)");
    assert.ok(r.webshell!.reasons.some((x) => x.id === "agent.partial-scan" && x.severity === "info"));
    assert.equal(fileRecord.safeParse(r).success, true);
  }
});

test("WS-4 the cron option is validated when the watch is made", () => {
  assert.throws(() => new WebFileWatch({ dirs: [www], stateDir: state, cron: "61 * * * *", onRecords: () => {} }), /out of range/);
});
