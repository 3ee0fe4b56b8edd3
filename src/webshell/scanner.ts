import { hash } from "node:crypto";
import { extname } from "node:path";
import { ANALYZERS } from "./analyzers.ts";
import { shippedSignatures, type SignatureSet } from "./signatures.ts";
import type { Reason, Verdict, VerdictKind, WebLang } from "./types.ts";

const EXT: Record<string, WebLang> = {
  ".php": "php", ".php3": "php", ".php4": "php", ".php5": "php", ".php7": "php", ".php8": "php", ".phtml": "php", ".inc": "php", ".pht": "php", ".phps": "php",
  ".asp": "asp", ".cer": "asp", ".asa": "asp",
  ".aspx": "aspx", ".ashx": "aspx", ".asmx": "aspx", ".ascx": "aspx",
  ".jsp": "jsp", ".jspx": "jsp", ".jspf": "jsp",
};

/** WS-1: the language of a web file by its name, or null when the engine does not scan it. */
export function webLangOf(path: string): WebLang | null {
  return EXT[extname(path).toLowerCase()] ?? null;
}

/** Bytes looked at to guess a file's language from its content. */
const SNIFF_BYTES = 64 * 1024;

/**
 * The language of a file from its first bytes, for files whose name says nothing (uploads
 * renamed .jpg/.txt, `--all-files`): null when it does not look like server-side web code.
 */
export function sniffLang(data: Uint8Array): WebLang | null {
  const head = Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, SNIFF_BYTES)).toString("latin1");
  if (/<\?(?:php\b|=)/i.test(head)) return "php";
  const directive = /<%@\s{0,8}(\w{1,20})([^%]{0,400})%>/.exec(head);
  if (directive) {
    const [, kind = "", attrs = ""] = directive;
    if (/^(?:webhandler|webservice|control|assembly|master|import)$/i.test(kind) || /language\s*=\s*["']?(?:c#|cs|csharp|vb|jscript)\b/i.test(attrs)) return "aspx";
    if (/^(?:page|include|taglib)$/.test(kind) && (/\b(?:import|contentType|pageEncoding|session|errorPage)\s*=/.test(attrs) || /<jsp:/.test(head))) return "jsp";
    if (/language\s*=\s*["']?(?:vbscript|javascript)/i.test(attrs)) return "asp";
    return /^page$/i.test(kind) ? "aspx" : "asp";
  }
  if (/<jsp:(?:root|directive|scriptlet)\b/.test(head) || /<%!?[^%]{0,2000}\b(?:request\.getParameter|out\.print)/.test(head)) return "jsp";
  if (/runat\s*=\s*["']?server/i.test(head)) return "aspx";
  if (/<%[^%]{0,2000}\b(?:Response\.Write|Request\s*(?:\.\s*(?:Form|QueryString))?\s*\(|Server\.CreateObject)/i.test(head)) return "asp";
  return null;
}

export interface ScanResult extends Verdict {
  md5: string;
  sha256: string;
  size: number;
}

export interface ScanOptions {
  /** The language, when the caller knows it better than the name (null: let the engine sniff). */
  lang?: WebLang | null;
  /** Hashes and size of the whole file when `data` is only its first part (very large files). */
  whole?: { md5: string; sha256: string; size: number };
}

/** Heuristics read at most this much of a file: packed files can be megabytes on one line. */
export const HEURISTIC_MAX_BYTES = 8 * 1024 * 1024;
/** Signatures (YARA-X, linear in the input) run over at most this much of a file. */
export const SIGNATURE_MAX_BYTES = 64 * 1024 * 1024;
/** Suspicious findings add up: at or above this score the file is malicious. */
export const SUSPICIOUS_THRESHOLD = 100;
/** Weight of a suspicious heuristic reason that gives no score. */
export const DEFAULT_HEURISTIC_SCORE = 30;
/** Reasons kept per file (the verdict is computed from all of them). */
export const MAX_REASONS = 50;
const ENGINE = "hostward-webshell/1";

/**
 * WS-8: one verdict from both layers. A malicious reason makes the file malicious; suspicious
 * reasons add their scores (each reason id counted once, at its highest score, so that one
 * pattern repeated a hundred times weighs as one) and reach malicious at SUSPICIOUS_THRESHOLD.
 * Info reasons never change the verdict; `php.phpinfo-exposure` sets `exposure` (WS-6).
 */
export function composeVerdict(reasons: Reason[]): { verdict: VerdictKind; score: number; exposure?: "phpinfo" } {
  const byId = new Map<string, number>();
  let malicious = false;
  for (const r of reasons) {
    if (r.severity === "malicious") malicious = true;
    else if (r.severity === "suspicious") byId.set(r.id, Math.max(byId.get(r.id) ?? 0, r.score ?? DEFAULT_HEURISTIC_SCORE));
  }
  const score = [...byId.values()].reduce((a, b) => a + b, 0);
  const verdict: VerdictKind = malicious || score >= SUSPICIOUS_THRESHOLD ? "malicious" : byId.size > 0 ? "suspicious" : "clean";
  const exposure = reasons.some((r) => r.id === "php.phpinfo-exposure") ? ("phpinfo" as const) : undefined;
  return { verdict, score, ...(exposure ? { exposure } : {}) };
}

const RANK = { malicious: 0, suspicious: 1, info: 2 } as const;

/** At most MAX_REASONS reasons, the most severe kept first, then shown in line order. */
export function boundReasons(reasons: Reason[]): Reason[] {
  const kept = reasons.length <= MAX_REASONS ? reasons : [...reasons].sort((a, b) => RANK[a.severity] - RANK[b.severity] || (b.score ?? 0) - (a.score ?? 0)).slice(0, MAX_REASONS);
  return [...kept].sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER) || RANK[a.severity] - RANK[b.severity] || a.id.localeCompare(b.id));
}

/** WS-8: one file's verdict from the signature layer (YARA rules as data) and the heuristics. */
export class WebshellScanner {
  readonly signatures: SignatureSet;
  /** Engine and signature-set version, recorded with each verdict so that a rescan can be told apart. */
  readonly version: string;

  constructor(opts: { signatures?: SignatureSet } = {}) {
    this.signatures = opts.signatures ?? shippedSignatures();
    this.version = `${ENGINE}+sig.${this.signatures.hash}`;
  }

  scan(path: string, data: Uint8Array, opts: ScanOptions = {}): ScanResult {
    const lang = opts.lang !== undefined && opts.lang !== null ? opts.lang : (webLangOf(path) ?? sniffLang(data));
    // one-shot hashing: no Hash object per file
    const whole = opts.whole ?? { md5: hash("md5", data, "hex"), sha256: hash("sha256", data, "hex"), size: data.byteLength };
    const reasons: Reason[] = [];
    const sigBytes = data.byteLength > SIGNATURE_MAX_BYTES ? data.subarray(0, SIGNATURE_MAX_BYTES) : data;
    try {
      reasons.push(...this.signatures.scan(sigBytes, lang));
    } catch (e) {
      reasons.push({ id: "engine.signature-error", layer: "signature", severity: "info", text: `signature scan failed: ${String((e as Error).message).slice(0, 200)}` });
    }
    if (lang) {
      const head = data.byteLength > HEURISTIC_MAX_BYTES ? data.subarray(0, HEURISTIC_MAX_BYTES) : data;
      try {
        reasons.push(...ANALYZERS[lang].analyze(Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString("latin1")));
      } catch (e) {
        // an analyzer must never throw; if one does, the file is still judged by the rest
        reasons.push({ id: "engine.heuristic-error", layer: "heuristic", severity: "info", text: `${lang} heuristics failed: ${String((e as Error).message).slice(0, 200)}` });
      }
      if (head !== data) reasons.push({ id: "engine.truncated", layer: "heuristic", severity: "info", text: `heuristics read the first ${HEURISTIC_MAX_BYTES / 1048576} MiB of ${whole.size} bytes` });
    }
    const { verdict, exposure } = composeVerdict(reasons);
    return { verdict, lang, reasons: boundReasons(reasons), ...(exposure ? { exposure } : {}), ...whole };
  }
}
