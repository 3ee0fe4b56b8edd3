/**
 * WS-8: the signature layer. Signatures are data — one YARA rule file per family under
 * content/signatures/webshell/ — compiled once per process by YARA-X and run over a file's
 * bytes; each matching rule becomes a reason `sig.<rule-name>` with the line of its first match.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compile, validate, type RuleMatch, type YaraX } from "@litko/yara-x";
import type { Reason, WebLang } from "./types.ts";

export const SIGNATURES_DIR = resolve(import.meta.dirname, "..", "..", "content", "signatures", "webshell");

const LANGS: readonly WebLang[] = ["php", "asp", "aspx", "jsp"];
/** Matches kept per pattern: enough for `#x >= N` conditions, bounded for packed files full of hits. */
const MAX_MATCHES_PER_PATTERN = 64;
/** Score a suspicious signature adds when its meta gives none (see scanner.ts SUSPICIOUS_THRESHOLD). */
export const DEFAULT_SIGNATURE_SCORE = 50;

export interface SignatureRule {
  /** The YARA identifier, e.g. `china_chopper_php`. */
  name: string;
  /** The reason id it yields: `sig.` + the name in kebab case, e.g. `sig.china-chopper-php`. */
  id: string;
  file: string;
  description: string;
  family: string;
  severity: "malicious" | "suspicious";
  /** Languages whose files the rule applies to; files of unknown language get every rule. */
  languages: WebLang[];
  score?: number;
  reference: string;
}

export interface SignatureFile {
  file: string;
  source: string;
}

const ruleHead = /^[ \t]*(?:(?:private|global)[ \t]+)*rule[ \t]+([A-Za-z_][A-Za-z0-9_]{0,127})\b/gm;
const metaLine = /^[ \t]*([A-Za-z_][A-Za-z0-9_]{0,63})[ \t]*=[ \t]*(?:"((?:[^"\\\n]|\\.){0,500})"|(-?\d{1,9}|true|false))[ \t]*$/;

/** The rules of one .yar file with their meta, checked (every rule must say what it is). Throws with the file and rule named. */
export function parseSignatureFile(file: string, source: string): SignatureRule[] {
  const heads = [...source.matchAll(ruleHead)];
  if (heads.length === 0) throw new Error(`${file}: no rule`);
  return heads.map((h, i) => {
    const name = h[1]!;
    const body = source.slice(h.index, heads[i + 1]?.index ?? source.length);
    const meta: Record<string, string> = {};
    const metaBlock = /\bmeta\s*:([\s\S]*?)\b(?:strings|condition)\s*:/.exec(body)?.[1] ?? "";
    for (const line of metaBlock.split("\n")) {
      const m = metaLine.exec(line);
      if (m) meta[m[1]!] = m[2] ?? m[3]!;
    }
    const where = `${file}: rule ${name}`;
    for (const k of ["description", "family", "severity", "languages", "author", "reference"]) if (!meta[k]) throw new Error(`${where}: meta ${k} is missing`);
    if (meta.severity !== "malicious" && meta.severity !== "suspicious") throw new Error(`${where}: severity must be malicious or suspicious, not ${meta.severity}`);
    if (meta.author !== "Hostward") throw new Error(`${where}: author must be Hostward (signatures here are written here)`);
    if (!/^WS-\d+$/.test(meta.reference!)) throw new Error(`${where}: reference must be a SPEC id such as WS-8`);
    const languages = meta.languages!.split(",").map((s) => s.trim()) as WebLang[];
    for (const l of languages) if (!LANGS.includes(l)) throw new Error(`${where}: unknown language ${l} (one of ${LANGS.join(", ")})`);
    const score = meta.score === undefined ? undefined : Number(meta.score);
    if (score !== undefined && !(score > 0 && score <= 100)) throw new Error(`${where}: score must be 1..100`);
    return { name, id: `sig.${name.replace(/_/g, "-")}`, file, description: meta.description!, family: meta.family!, severity: meta.severity, languages, score, reference: meta.reference! };
  });
}

/** Every .yar under the directory, sorted by name (the order is part of the set's hash). */
export function loadSignatureFiles(dir = SIGNATURES_DIR): SignatureFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yar"))
    .sort()
    .map((f) => ({ file: f, source: readFileSync(join(dir, f), "utf8") }));
}

/** Printable, bounded excerpt of attacker bytes: data only, never terminal control. */
export function excerptOf(s: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.slice(0, max * 2).replace(/[\x00-\x1f\x7f-\x9f]+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** 1-based line of each offset (offsets in any order), one pass over the bytes. */
export function linesAt(data: Uint8Array, offsets: number[]): Map<number, number> {
  const sorted = [...new Set(offsets)].sort((a, b) => a - b);
  const out = new Map<number, number>();
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let line = 1;
  let pos = 0;
  for (const off of sorted) {
    for (;;) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0 || nl >= off) break;
      line++;
      pos = nl + 1;
    }
    out.set(off, line);
  }
  return out;
}

/**
 * The parts of a PHP file that are not code: inline HTML outside `<?php … ?>` and comments
 * (strings stay code: `eval('…')` runs them). Sorted [start, end) byte intervals; one linear pass.
 * A signature whose every match lies there is documentation, not a shell.
 */
export function phpNonCode(text: string): number[] {
  const out: number[] = [];
  const n = text.length;
  let i = 0;
  // first `?>` at or after the last line comment (-1: none left): one search per tag, not per comment
  let closeAt = -2;
  while (i < n) {
    // inline HTML up to the next open tag (`<?xml` is HTML)
    let open = text.indexOf("<?", i);
    while (open >= 0 && text.startsWith("xml", open + 2)) open = text.indexOf("<?", open + 2);
    if (open < 0) {
      out.push(i, n);
      break;
    }
    if (open > i) out.push(i, open);
    i = open + 2;
    // code up to the closing tag
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x27 || c === 0x22 || c === 0x60) {
        // '…', "…", `…` with backslash escapes
        i++;
        while (i < n && text.charCodeAt(i) !== c) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
        i++;
      } else if (c === 0x3c && text.startsWith("<<<", i)) {
        const m = /^<<<[ \t]{0,8}["']?([A-Za-z_]\w{0,63})["']?\r?\n/.exec(text.slice(i, i + 80));
        if (!m) {
          i += 3;
          continue;
        }
        const label = m[1]!;
        let j = i + m[0].length;
        for (;;) {
          const at = text.indexOf(label, j);
          if (at < 0) {
            j = n;
            break;
          }
          const lineStart = text.lastIndexOf("\n", at - 1) + 1;
          if (/^[ \t]*$/.test(text.slice(lineStart, at)) && !/\w/.test(text[at + label.length] ?? "")) {
            j = at + label.length;
            break;
          }
          j = at + label.length;
        }
        i = j;
      } else if ((c === 0x2f && text.charCodeAt(i + 1) === 0x2f) || (c === 0x23 && text.charCodeAt(i + 1) !== 0x5b)) {
        // line comment: ends at the newline or at a closing tag
        const nl = text.indexOf("\n", i);
        if (closeAt === -2 || (closeAt >= 0 && closeAt < i)) closeAt = text.indexOf("?>", i);
        const close = closeAt;
        const end = Math.min(nl < 0 ? n : nl, close < 0 ? n : close);
        out.push(i, end);
        i = end;
      } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a) {
        const end = text.indexOf("*/", i + 2);
        const e = end < 0 ? n : end + 2;
        out.push(i, e);
        i = e;
      } else if (c === 0x3f && text.charCodeAt(i + 1) === 0x3e) {
        i += 2;
        break;
      } else i++;
    }
  }
  return out;
}

function inIntervals(iv: number[], off: number): boolean {
  let lo = 0;
  let hi = iv.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (off < iv[2 * mid]!) hi = mid - 1;
    else if (off >= iv[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

/** A set with no rule (YARA-X needs one). */
const NO_RULE = "rule hostward_no_rule { condition: false }";

export class SignatureSet {
  readonly rules: ReadonlyMap<string, SignatureRule>;
  /** Short hash of the rule sources, for the engine's `version`. */
  readonly hash: string;
  readonly count: number;
  private readonly files: SignatureFile[];
  /** One compiled set per language (its rules only: fewer patterns to check per file), and one with every rule; compiled on first use. */
  private readonly compiled = new Map<WebLang | "all", YaraX>();

  /**
   * `checked`: these very files were compiled as a set already in this process (the scan
   * workers of `hostward scan`, after the main thread): skip the check, compile each language's
   * set on first use only.
   */
  constructor(files: SignatureFile[], opts: { checked?: boolean } = {}) {
    // Every rule checked together once (one compile rather than one per file; nothing kept: the
    // sets used are compiled per language on first use, and the agent keeps this engine loaded).
    let failure: unknown = null;
    if (!opts.checked) {
      try {
        const v = validate(files.length ? files.map((f) => f.source).join("\n") : NO_RULE);
        if (v.errors.length) failure = new Error(v.errors.map((e) => `line ${e.line ?? "?"}: ${e.message}`).join("; "));
      } catch (e) {
        failure = e;
      }
    }
    const rules = new Map<string, SignatureRule>();
    for (const f of files) {
      // when the set does not compile, each file is compiled alone so that the error names its file
      if (failure !== null) {
        const v = validate(f.source);
        if (v.errors.length) throw new Error(`${f.file}: ${v.errors.map((e) => `line ${e.line ?? "?"}: ${e.message}`).join("; ")}`);
      }
      for (const r of parseSignatureFile(f.file, f.source)) {
        const dup = rules.get(r.name);
        if (dup) throw new Error(`${f.file}: rule ${r.name} is also in ${dup.file}`);
        rules.set(r.name, r);
      }
    }
    if (failure !== null) throw new Error(`signatures: ${String((failure as Error)?.message ?? failure).slice(0, 500)}`);
    this.files = files;
    this.rules = rules;
    this.count = rules.size;
    const h = createHash("sha256");
    for (const f of files) h.update(f.file).update("\0").update(f.source).update("\0");
    this.hash = h.digest("hex").slice(0, 12);
  }

  private set(lang: WebLang | null): YaraX {
    const key = lang ?? "all";
    let c = this.compiled.get(key);
    if (!c) {
      const sources: string[] = [];
      for (const f of this.files) {
        // rules are cut out of their file by their headers; comments between rules go with the rule before
        const heads = [...f.source.matchAll(ruleHead)];
        heads.forEach((h, i) => {
          if (lang && !this.rules.get(h[1]!)!.languages.includes(lang)) return;
          sources.push(f.source.slice(h.index, heads[i + 1]?.index ?? f.source.length));
        });
      }
      // the binding declares compile()'s result under a name it does not export: it is a YaraX
      const made = compile(sources.length ? sources.join("\n") : NO_RULE) as YaraX;
      made.setMaxMatchesPerPattern(MAX_MATCHES_PER_PATTERN);
      this.compiled.set(key, made);
      c = made;
    }
    return c;
  }

  /** Raw YARA-X matches of the rules for `lang` (every rule when null). */
  matches(data: Uint8Array, lang: WebLang | null = null): RuleMatch[] {
    return this.set(lang).scan(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  /** One reason per matching rule that applies to `lang` (all rules when the language is unknown), at its first match's line. */
  scan(data: Uint8Array, lang: WebLang | null): Reason[] {
    const hits: { rule: SignatureRule; offset: number; text: string }[] = [];
    let nonCode: number[] | undefined;
    for (const m of this.matches(data, lang)) {
      const rule = this.rules.get(m.ruleIdentifier);
      if (!rule || (lang && !rule.languages.includes(lang))) continue;
      // the line is that of the first match of a telling pattern: `$ctx*` patterns only give context
      let telling = m.matches.some((x) => !x.identifier.startsWith("$ctx")) ? m.matches.filter((x) => !x.identifier.startsWith("$ctx")) : m.matches;
      if (lang === "php" && telling.length) {
        // in PHP, a match in a comment or in the page's HTML is text about code, not code
        nonCode ??= phpNonCode(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1"));
        telling = telling.filter((x) => !inIntervals(nonCode!, x.offset));
        if (telling.length === 0) continue;
      }
      const first = telling.reduce<(typeof m.matches)[number] | undefined>((a, b) => (a && a.offset <= b.offset ? a : b), undefined);
      hits.push({ rule, offset: first?.offset ?? -1, text: first?.data ?? "" });
    }
    if (hits.length === 0) return [];
    const lines = linesAt(data, hits.filter((h) => h.offset >= 0).map((h) => h.offset));
    return hits.map(({ rule, offset, text }) => ({
      id: rule.id,
      layer: "signature" as const,
      severity: rule.severity,
      ...(offset >= 0 ? { line: lines.get(offset) } : {}),
      text: `${rule.description} (${rule.family})`,
      ...(text ? { excerpt: excerptOf(text) } : {}),
      ...(rule.severity === "suspicious" ? { score: rule.score ?? DEFAULT_SIGNATURE_SCORE } : {}),
    }));
  }
}

let shipped: SignatureSet | undefined;

/** The shipped signature set, compiled once per process (or worker thread). */
export function shippedSignatures(): SignatureSet {
  shipped ??= new SignatureSet(loadSignatureFiles());
  return shipped;
}
