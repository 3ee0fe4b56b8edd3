import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative, sep } from "node:path";
import { fetchCorpus, BENIGN_PACKAGES } from "../scripts/fetch-corpus.ts";
import { collect, scanItems, type FileOutcome } from "../src/cli/scan.ts";

/**
 * WS-1/WS-8 accuracy through the full engine (signatures + heuristics), the way `hostward scan`
 * runs it: every web file of real applications from Debian's archive must be clean (a phpinfo()
 * exposure is reported apart, WS-6), and every labelled fixture must be judged as labelled.
 */
const FIXTURES = join(import.meta.dirname, "fixtures", "webshell");
const jobs = availableParallelism();

async function scanAll(roots: string[], allFiles: boolean): Promise<FileOutcome[]> {
  const { items, errors } = collect(roots, allFiles);
  assert.deepEqual(errors, [], "every file readable");
  const out: FileOutcome[] = [];
  await scanItems(items, jobs, (o) => out.push(o));
  return out;
}

const show = (o: FileOutcome, root: string) =>
  `${relative(root, String(o.path))}: ${o.error ?? `${o.result!.verdict} — ${o.result!.reasons.filter((r) => r.severity !== "info").map((r) => `${r.id}@${r.line ?? "?"}`).join(", ")}`}`;

describe("WS-8 web-shell engine on real files", () => {
  test("WS-8 no false positive on the benign corpus (Debian's PHP/JSP applications)", { timeout: 600_000 }, async (t) => {
    let corpus = fetchCorpus(undefined, BENIGN_PACKAGES, true);
    if (corpus.missing.length && process.getuid?.() === 0) {
      // a fresh machine may have no package lists yet
      execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore" });
      corpus = fetchCorpus(undefined, BENIGN_PACKAGES, true);
    }
    assert.deepEqual(corpus.missing, [], "every corpus package fetched (apt-get download)");
    const started = performance.now();
    const results = await scanAll([corpus.dir], false);
    const secs = (performance.now() - started) / 1000;
    const bad = results.filter((o) => o.error || o.result!.verdict !== "clean");
    const exposures = results.filter((o) => o.result?.exposure).length;
    t.diagnostic(`${results.length} files from ${corpus.packages.length} packages in ${secs.toFixed(1)} s (${jobs} threads); ${bad.length} not clean; ${exposures} phpinfo exposure(s)`);
    assert.ok(results.length > 5000, `the corpus has its files (${results.length})`);
    assert.equal(bad.length, 0, `false positives (${bad.length} of ${results.length}):\n${bad.map((o) => show(o, corpus.dir)).join("\n")}`);
  });

  test("WS-8 labelled fixtures: every malicious sample is found, every benign one is clean", { timeout: 300_000 }, async (t) => {
    const mal = join(FIXTURES, "malicious");
    const ben = join(FIXTURES, "benign");
    if (!existsSync(mal) && !existsSync(ben)) return t.skip(`no fixtures under ${relative(process.cwd(), FIXTURES)}`);
    const perLang = new Map<string, { mal: number; found: number; ben: number; clean: number }>();
    const row = (lang: string) => perLang.get(lang) ?? perLang.set(lang, { mal: 0, found: 0, ben: 0, clean: 0 }).get(lang)!;
    const misses: string[] = [];
    const fps: string[] = [];
    for (const [root, label] of [[mal, "malicious"], [ben, "benign"]] as const) {
      if (!existsSync(root)) continue;
      for (const o of await scanAll([root], true)) {
        const lang = o.result?.lang ?? relative(root, String(o.path)).split(sep)[0] ?? "?";
        const r = row(lang);
        if (label === "malicious") {
          r.mal++;
          if (o.result && o.result.verdict !== "clean") r.found++;
          else misses.push(show(o, root));
        } else {
          r.ben++;
          if (o.result?.verdict === "clean") r.clean++;
          else fps.push(show(o, root));
        }
      }
    }
    for (const [lang, r] of [...perLang].sort()) t.diagnostic(`${lang}: detected ${r.found}/${r.mal}${r.mal ? ` (${((100 * r.found) / r.mal).toFixed(1)} %)` : ""}, benign clean ${r.clean}/${r.ben}`);
    assert.equal(misses.length, 0, `malicious fixtures judged clean:\n${misses.join("\n")}`);
    assert.equal(fps.length, 0, `benign fixtures not clean:\n${fps.join("\n")}`);
  });
});
