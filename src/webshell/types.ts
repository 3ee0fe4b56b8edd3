/**
 * WS-1 / WS-8: the web-shell engine's shapes. The engine is two layers over one file's
 * bytes — signatures (YARA rules as data, run by YARA-X) and per-language heuristics over
 * the code — and every verdict lists its reasons with line numbers. Pure: no file I/O here
 * (the scanner is given bytes; the CLI and the agent read files).
 */

/** Languages the engine understands (WS-1). `asp` is classic ASP (VBScript/JScript), `aspx` is ASP.NET (ashx/asmx/cer too). */
export type WebLang = "php" | "asp" | "aspx" | "jsp";

/** How bad one finding is on its own: a `malicious` reason makes the file malicious. */
export type ReasonSeverity = "malicious" | "suspicious" | "info";

export interface Reason {
  /** Stable id, e.g. "php.input-to-eval", "sig.china-chopper", "php.phpinfo-exposure". */
  id: string;
  layer: "signature" | "heuristic";
  severity: ReasonSeverity;
  /** 1-based line of the finding's start, when it has one. */
  line?: number;
  /** One sentence for the operator, e.g. "$_POST['x'] reaches eval()". Never the attacker's code itself beyond a short, bounded excerpt. */
  text: string;
  /** A short excerpt of the code (bounded to 120 chars), data only. */
  excerpt?: string;
  /** Weight used for the suspicious score (heuristics); signatures leave it out. */
  score?: number;
}

export type VerdictKind = "malicious" | "suspicious" | "clean";

export interface Verdict {
  verdict: VerdictKind;
  lang: WebLang | null;
  reasons: Reason[];
  /** WS-6: the file exposes phpinfo() (reported as its own finding; a file can be clean otherwise). */
  exposure?: "phpinfo";
}

/** One language's heuristics: read the code, say what it does that a web shell does. */
export interface LanguageAnalyzer {
  readonly lang: WebLang;
  /** `text` is the file decoded as latin1 (byte-preserving); must be linear-ish in its length and never throw. */
  analyze(text: string): Reason[];
}
