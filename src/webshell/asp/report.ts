/**
 * WS-8: collects the heuristic reasons of one file. Weak signals carry a score; they make the
 * file suspicious only together (sum >= SUSPICIOUS_AT) or when one is strong enough on its
 * own, otherwise they are kept as "info" so the operator still sees them. This is what keeps
 * legitimate admin pages (one reflection call, one constant Process.Start) clean.
 */
import type { Reason } from "../types.ts";
import { type CodeView, excerptAt, lineAt, matches } from "./code.ts";

export const SUSPICIOUS_AT = 5;
const MAX_PER_ID = 3;

export class Findings {
  private readonly strong: Reason[] = [];
  private readonly weak: Reason[] = [];
  private readonly perId = new Map<string, number>();

  private readonly v: CodeView;

  constructor(v: CodeView) {
    this.v = v;
  }

  /** A finding at offset `off` of the code view. `score` only for suspicious ones. */
  add(id: string, severity: "malicious" | "suspicious", off: number, text: string, score = 0, excerpt?: string, line?: number): void {
    const n = this.perId.get(id) ?? 0;
    if (n >= MAX_PER_ID) return;
    this.perId.set(id, n + 1);
    const r: Reason = { id, layer: "heuristic", severity, line: line ?? lineAt(this.v, off), text, excerpt: excerpt ?? excerptAt(this.v, off) };
    if (severity === "malicious") this.strong.push(r);
    else this.weak.push({ ...r, score });
  }

  has(id: string): boolean {
    return this.perId.has(id);
  }

  reasons(): Reason[] {
    // One score per distinct trait, so a repeated trait does not add up on its own.
    const best = new Map<string, number>();
    for (const r of this.weak) best.set(`${r.id} ${r.text}`, Math.max(best.get(`${r.id} ${r.text}`) ?? 0, r.score ?? 0));
    let total = 0;
    for (const s of best.values()) total += s;
    const weak = this.weak.map((r): Reason => (total >= SUSPICIOUS_AT || (r.score ?? 0) >= SUSPICIOUS_AT ? r : { ...r, severity: "info" }));
    return [...this.strong, ...weak].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  }
}

/** Bounds the work on huge files: the head and the tail are analysed, each with its real line numbers. */
export const HEAD = 3 * 1024 * 1024;
export const TAIL = 1024 * 1024;

export function chunks(text: string): Array<{ text: string; firstLine: number }> {
  if (text.length <= HEAD + TAIL) return [{ text, firstLine: 1 }];
  const tailStart = text.length - TAIL;
  let lines = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < tailStart; i = text.indexOf("\n", i + 1)) lines++;
  return [
    { text: text.slice(0, HEAD), firstLine: 1 },
    { text: text.slice(tailStart), firstLine: lines },
  ];
}

const XOR_CONST = /\(\s*\d{4,}\s*\^\s*\d{4,}\s*\)/g;

/** Generated obfuscation: many `(123456 ^ 654321)` constants (control-flow flattening), never written by hand. */
export function obfuscation(bare: string, found: Findings, lang: string): void {
  let n = 0;
  let first = -1;
  for (const m of matches(XOR_CONST, bare, 20)) {
    if (first < 0) first = m.index;
    if (++n >= 10) break;
  }
  if (n >= 10) found.add(`${lang}.obfuscation`, "suspicious", first, "The code is machine-obfuscated (XOR-folded constants, flattened control flow).", 5);
}
