/**
 * Test support for the WS-8 fixture suites of the ASP/ASP.NET and JSP heuristics: every
 * malicious fixture must be flagged, every benign fixture and every page of the fetched
 * Debian corpus must come out clean. Only imported by *.test.ts files.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { ANALYZERS } from "../analyzers.ts";
import { webLangOf } from "../scanner.ts";
import type { Reason, WebLang } from "../types.ts";

const ROOT = resolve(import.meta.dirname, "..", "..", "..");
const FIX = join(ROOT, "test", "fixtures", "webshell");
const CORPUS = join(ROOT, ".cache", "corpus", "benign");

/** Regular files under a directory (symlinks, dangling or not, are skipped). */
export function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p) : e.isFile() ? [p] : [];
  });
}

export function analyzeFile(path: string): Reason[] {
  const lang = webLangOf(path);
  assert.ok(lang, `${path} has no web language`);
  return ANALYZERS[lang].analyze(readFileSync(path).toString("latin1"));
}

const flagged = (rs: Reason[]): boolean => rs.some((r) => r.severity !== "info");

export function fixtureSuite(lang: "asp" | "aspx" | "jsp", minMalicious: number): void {
  describe(`${lang} fixtures (WS-1, WS-8)`, () => {
    const mal = files(join(FIX, "malicious", lang));
    const ben = files(join(FIX, "benign", lang));
    it(`WS-8 ${lang}: the malicious set has at least ${minMalicious} shells`, () => {
      assert.ok(mal.length >= minMalicious, `${mal.length} malicious ${lang} fixtures`);
    });
    it(`WS-8 ${lang}: every malicious fixture is flagged, each reason with a line`, () => {
      assert.deepEqual(mal.filter((p) => !flagged(analyzeFile(p))), []);
      for (const p of mal) for (const r of analyzeFile(p)) assert.ok(typeof r.line === "number" && r.line >= 1, `${p}: ${r.id} has no line`);
    });
    it(`WS-8 ${lang}: every benign fixture is clean`, () => {
      const fps = ben.map((p) => ({ p, rs: analyzeFile(p).filter((r) => r.severity !== "info") })).filter((x) => x.rs.length > 0);
      assert.deepEqual(fps, []);
    });
  });
}

export function corpusSuite(langs: WebLang[]): void {
  describe(`Debian benign corpus, ${langs.join("/")} pages (WS-8)`, () => {
    const pages = files(CORPUS).filter((p) => langs.includes(webLangOf(p) as WebLang));
    const skip = pages.length === 0 ? "corpus not fetched (npx node scripts/fetch-corpus.ts)" : false;
    it(`WS-8 ${langs.join("/")}: no legitimate page of the fetched corpus is flagged`, { skip }, () => {
      assert.deepEqual(pages.filter((p) => flagged(analyzeFile(p))), []);
    });
  });
}
