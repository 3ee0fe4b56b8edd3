import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { phpAnalyzer } from "./php.ts";

// The Debian benign corpus (MediaWiki, phpMyAdmin, WordPress, Adminer, Roundcube, Symfony, …)
// unpacked by `npx node scripts/fetch-corpus.ts`; skipped where it has not been fetched.
const ROOT = ".cache/corpus/benign";
const PHP = /\.(php\d?|phtml|inc|pht)$/i;

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && PHP.test(e.name)) out.push(p);
  }
}

test("WS-8 benign corpus: no legitimate PHP file gets a suspicious or malicious heuristic reason", { skip: !existsSync(ROOT) && "corpus not fetched" }, () => {
  const files: string[] = [];
  walk(ROOT, files);
  assert.ok(files.length > 1000, `only ${files.length} files under ${ROOT}`);
  const fps: string[] = [];
  for (const f of files) {
    for (const r of phpAnalyzer.analyze(readFileSync(f).toString("latin1"))) {
      if (r.severity !== "info") fps.push(`${f}:${r.line} ${r.id}`);
    }
  }
  assert.deepEqual(fps, []);
});
