/**
 * AGT-5 / WS-2 / WS-3 / WS-5 end to end on this host: real filesystem, real fs.watch
 * (inotify) and the real web-shell engine, with files it surely flags.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileRecord, type FileRecord } from "../../protocol/index.ts";
import { WebFileWatch } from "./web-files.ts";

let tmp = "", www = "";
let w: WebFileWatch;
const got: FileRecord[] = [];

const INDEX = [
  "<?php",
  "/**",
  " * Front to the application. This file doesn't do anything, but loads",
  " * the bootstrap which does and tells it to use the theme.",
  " */",
  "",
  "define('USE_THEMES', true);",
  "",
  "$config = __DIR__ . '/config.php';",
  "if (is_readable($config)) {",
  "    require $config;",
  "}",
  "require __DIR__ . '/bootstrap.php';",
  "render_page(isset($_GET['p']) ? (string) $_GET['p'] : 'home');",
  "",
].join("\n");

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "hw-webint-"));
  www = join(tmp, "html");
  mkdirSync(join(www, "uploads"), { recursive: true });
  writeFileSync(join(www, "index.php"), INDEX);
  writeFileSync(join(www, "about.php"), "<?php\n$title = 'About us';\necho '<h1>' . htmlspecialchars($title) . '</h1>';\n");
  w = new WebFileWatch({ dirs: [www], stateDir: join(tmp, "state"), onRecords: (r) => void got.push(...r) });
  await w.start();
  const s = await w.initialScan;
  assert.equal(s!.found, 0, "the site starts clean");
});
after(async () => {
  await w.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function until<T>(what: string, fn: () => T | undefined, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms; records: ${JSON.stringify(got.map((r) => [r.event.action, r.file.path, r.webshell?.verdict]))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("AGT-5 WS-2 WS-3 a shell written into a watched directory yields a record within 2 s", async () => {
  const shell = join(www, "uploads", "img_2291.php");
  const text = "<?php @eval($_POST['x']); ?>";
  const t0 = Date.now();
  writeFileSync(shell, text);
  const r = await until("record for the shell", () => got.find((x) => x.file.path === shell), 2000);
  const ms = Date.now() - t0;
  assert.ok(ms <= 2000, `${ms} ms`);
  assert.equal(fileRecord.safeParse(r).success, true, JSON.stringify(fileRecord.safeParse(r).error?.issues));
  assert.equal(r.event.action, "created");
  assert.equal(r.file.category, "web");
  assert.deepEqual(r.file.hash, { md5: createHash("md5").update(text).digest("hex"), sha256: createHash("sha256").update(text).digest("hex") });
  assert.equal(r.webshell!.verdict, "malicious");
  assert.equal(r.webshell!.scan, "realtime");
  assert.ok(r.webshell!.reasons.some((x) => x.severity === "malicious" && x.line === 1), JSON.stringify(r.webshell!.reasons));
  assert.match(r.webshell!.engine!, /hostward-webshell/);
});

test("WS-2 a legitimate edit of a clean file yields no record", async () => {
  const before = got.length;
  appendFileSync(join(www, "about.php"), "echo '<p>Founded in 1998.</p>';\n");
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(got.length, before, JSON.stringify(got.slice(before)));
});

test("WS-5 a clean index.php that gains eval($_POST['c']); yields a record naming that line", async () => {
  const lines = INDEX.split("\n");
  lines.splice(11, 0, "eval($_POST['c']);");
  writeFileSync(join(www, "index.php"), lines.join("\n"));
  const r = await until("record for index.php", () => got.find((x) => x.file.path === join(www, "index.php")), 2000);
  assert.equal(r.event.action, "modified");
  assert.notEqual(r.webshell!.verdict, "clean");
  assert.deepEqual(r.webshell!.baseline, { previousSha256: createHash("sha256").update(INDEX).digest("hex"), added: [{ line: 12, text: "eval($_POST['c']);" }] });
  assert.equal(fileRecord.safeParse(r).success, true);
});
