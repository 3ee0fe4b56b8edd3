/**
 * WS-8: a small, flow-insensitive taint pass over a code view (shared by the ASP, ASP.NET and
 * JSP heuristics). Variables assigned from request input, or from an encoded/decoded
 * literal, are tainted; so are the parameters of a function called with tainted arguments
 * (by position). Scopes are ignored on purpose: a web shell is one small file, and sinks are
 * rare enough in legitimate pages that a name clash costs little. Every scan is bounded.
 */
import { type CodeView, FILL, matches } from "./code.ts";

/** Taint bits. */
export const INPUT = 1;
/** Built from an encoded or decoded literal (chr() chains, base64 blobs, StrReverse...). */
export const ENCODED = 2;
/** The value's leading operand is request input (an attacker-chosen path, not a fixed folder + a name). */
export const PURE = 4;

export interface FlowLang {
  /** VBScript/VB.NET identifiers are case-insensitive. */
  ci: boolean;
  /** Request input, over the bare view (no global flag; the flow compiles a global copy). */
  input: RegExp;
  /** Encoded or decoded material over the bare view (base64/decrypt calls, StrReverse...). */
  encoded: RegExp;
  /** Encoded material over the code view (markers inside literals, e.g. "yv66vg" = 0xCAFEBABE). */
  encodedCode?: RegExp;
  /** Encoded when at least N matches fall in one window (VBScript chr() chains). */
  encodedCount?: [RegExp, number];
  /** A literal of at least this length that looks like base64/hex counts as encoded. */
  blobMin: number;
  /** A literal of at least this length without a space counts as encoded, whatever its alphabet (custom ciphers). */
  blobAny?: number;
  /** Global, over the bare view: m[1] the assigned name (maybe dotted/indexed), m[2] the value. Bounded. "clike": a scanner for `x = ...;` (faster than a regex tried at every identifier). */
  assign: RegExp | "clike";
  /** Global, over the bare view: m[1] a function's name, m[2] its parameter list. Bounded. "clike": `name(params) [throws ...] {` or `=>`. */
  func: RegExp | "clike";
  /** A parameter's name from one comma-separated part of a parameter list. */
  param(part: string): string | null;
  /** Wrapper calls stripped before judging a value's leading operand (anchored, e.g. /^\s*(?:Trim|Server\.MapPath)\s*\(/i). */
  wrappers: RegExp;
  /** Characters that end a statement when no parenthesis follows a sink (VBScript `Execute x`). */
  stmtEnd: string;
  /** Names never tracked (keywords, `this`, types). */
  ignore: Set<string>;
  /** Global, over the bare view: `.method(` of calls that store their arguments in the receiver named before the dot (`session.setAttribute(k, v)`, `list.add(v)`). */
  mutators?: RegExp;
  /** Global, over the bare view: loops binding m[1] to the elements of m[2] (`for (String x : list)`, `For Each x In c`). */
  loops?: RegExp;
  /** Global, over the bare view: `.read(m[1], ...)` fills buffer m[1] from the stream named before the dot. */
  readInto?: RegExp;
}

const IDENT = /[A-Za-z_$][\w$]*/g;

const GLOBAL = new WeakMap<RegExp, RegExp>();
function globalOf(re: RegExp): RegExp {
  if (re.global) return re;
  let g = GLOBAL.get(re);
  if (!g) GLOBAL.set(re, (g = new RegExp(re.source, re.flags + "g")));
  return g;
}
const MAX_NODES = 50_000;
const MAX_CALLS = 100_000;
const MAX_STEPS = 200_000;
const MAX_POS = 100_000;

/** A value flowing into names: an assignment's right side, a call's argument, a mutator's arguments. */
interface Node { targets: string[]; s: number; e: number; direct: number; ids: string[]; queued: boolean }

function positions(text: string, re: RegExp): number[] {
  return matches(globalOf(re), text, MAX_POS).map((m) => m.index);
}

function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function countIn(a: number[], s: number, e: number): number {
  return lowerBound(a, e) - lowerBound(a, s);
}

export class Flow {
  readonly vars = new Map<string, number>();
  readonly funcs = new Map<string, string[]>();
  readonly v: CodeView;
  readonly L: FlowLang;
  /** Start offsets of request-input sources, encoded material and counted markers. */
  readonly inputAt: number[];
  private readonly encAt: number[];
  private readonly countAt: number[];

  /** `seeds`: names known to hold request input before any assignment (e.g. [WebMethod] parameters). */
  constructor(v: CodeView, L: FlowLang, seeds: string[] = []) {
    this.v = v;
    this.L = L;
    for (const id of seeds) this.vars.set(this.norm(id), INPUT | PURE);
    this.inputAt = positions(v.bare, L.input);
    const enc = positions(v.bare, L.encoded);
    if (L.encodedCode) enc.push(...positions(v.code, L.encodedCode));
    enc.push(...blobs(v, L.blobMin, L.blobAny ?? Infinity));
    this.encAt = enc.sort((a, b) => a - b);
    this.countAt = L.encodedCount ? positions(v.bare, L.encodedCount[0]) : [];
    this.propagate();
  }

  norm(id: string): string {
    return this.L.ci ? id.toLowerCase() : id;
  }

  ids(s: number, e: number): string[] {
    const out: string[] = [];
    IDENT.lastIndex = s;
    const bare = this.v.bare;
    for (let m = IDENT.exec(bare); m && m.index < e; m = IDENT.exec(bare)) {
      if (m.index + m[0].length > e) break;
      const id = this.norm(m[0]);
      if (!this.L.ignore.has(id) && !out.includes(id)) out.push(id);
      if (out.length > 64) break;
    }
    return out;
  }

  /** Taint bits carried directly by a window (sources and encoded material, not variables). */
  direct(s: number, e: number): number {
    let t = 0;
    if (countIn(this.inputAt, s, e) > 0) t |= INPUT;
    if (countIn(this.encAt, s, e) > 0 || (this.L.encodedCount && countIn(this.countAt, s, e) >= this.L.encodedCount[1])) t |= ENCODED;
    return t;
  }

  /** Taint bits of a window, variables included. */
  taint(s: number, e: number): number {
    let t = this.direct(s, e);
    if (this.vars.size > 0) for (const id of this.ids(s, e)) t |= (this.vars.get(id) ?? 0) & (INPUT | ENCODED);
    return t;
  }

  /** Is the window's leading operand request input (after wrappers such as Trim() or Server.MapPath())? */
  leadIsInput(s: number, e: number): boolean {
    const bare = this.v.bare;
    let p = s;
    for (let k = 0; k < 6; k++) {
      while (p < e && /\s/.test(bare[p]!)) p++;
      const rest = bare.slice(p, Math.min(e, p + 200));
      const cast = /^\(\s*[\w.]+(?:\[\])?\s*\)/.exec(rest);
      if (cast) {
        p += cast[0].length;
        continue;
      }
      const w = this.L.wrappers.exec(rest);
      if (!w) break;
      p += w[0].length;
    }
    const end = operandEnd(bare, p, e);
    if (countIn(this.inputAt, p, end) > 0) return true;
    const first = /^[A-Za-z_$][\w$]*/.exec(bare.slice(p, Math.min(end, p + 100)));
    return first !== null && ((this.vars.get(this.norm(first[0])) ?? 0) & PURE) !== 0;
  }

  /** [start, end) of a sink's arguments: a balanced (...) after `pos`, else the rest of the statement. */
  args(pos: number): [number, number] {
    const bare = this.v.bare;
    let p = pos;
    while (p < bare.length && p - pos < 40 && (bare[p] === " " || bare[p] === "\t")) p++;
    if (bare[p] === "(" || bare[p] === "[") return [p + 1, closeParen(bare, p)];
    let e = p;
    while (e < bare.length && e - p < 600 && !this.L.stmtEnd.includes(bare[e]!)) e++;
    return [p, e];
  }

  /** Start of the receiver chain before a method name at `pos` (`a.b(c).` in `a.b(c).exec`). */
  receiver(pos: number): number {
    const bare = this.v.bare;
    let p = pos;
    for (let k = 0; k < 400 && p > 0; k++) {
      const ch = bare[p - 1]!;
      if (/[\w$. \t\r]/.test(ch)) p--;
      else if (ch === ")" || ch === "]") {
        const o = openParen(bare, p - 1);
        if (o < 0) break;
        p = o;
      } else break;
    }
    return p;
  }

  private node(targets: string[], s: number, e: number): Node {
    return { targets, s, e, direct: this.direct(s, e), ids: this.ids(s, e), queued: false };
  }

  /** Worklist propagation: a node is revisited only when one of the names it reads gains taint. */
  private propagate(): void {
    const { v, L } = this;
    const nodes: Node[] = [];
    const assigns = L.assign === "clike" ? clikeAssigns(v.bare) : regexAssigns(v.bare, L.assign);
    for (const a of assigns) {
      if (nodes.length >= MAX_NODES) break;
      // The base of `a.b.c = x` / `a["k"] = x` is what later code passes around (psi.Arguments -> psi).
      const base = (a.lhs.match(IDENT) ?? []).map((x) => this.norm(x)).find((x) => !L.ignore.has(x));
      if (base) nodes.push(this.node([base], a.s, a.e));
    }
    if (L.mutators) {
      for (const m of matches(L.mutators, v.bare, MAX_NODES)) {
        if (nodes.length >= MAX_NODES) break;
        const recv = identBefore(v.bare, m.index);
        if (!recv) continue;
        const base = this.norm(recv);
        if (L.ignore.has(base)) continue;
        // To the end of the statement: chained calls (`sb.append(a).append(b)`) store into the same receiver.
        const open = m.index + m[0].length - 1;
        let e = closeParen(v.bare, open);
        while (e < v.bare.length && e - open < 1000 && !L.stmtEnd.includes(v.bare[e]!)) e++;
        nodes.push(this.node([base], open + 1, e));
      }
    }
    if (L.loops) {
      for (const m of matches(L.loops, v.bare, MAX_NODES)) {
        if (nodes.length >= MAX_NODES) break;
        const s = m.index + m[0].lastIndexOf(m[2]!);
        nodes.push(this.node([this.norm(m[1]!)], s, s + m[2]!.length));
      }
    }
    if (L.readInto) {
      for (const m of matches(L.readInto, v.bare, MAX_NODES)) {
        if (nodes.length >= MAX_NODES) break;
        const src = identBefore(v.bare, m.index);
        if (src) nodes.push(this.node([this.norm(m[1]!)], m.index - src.length, m.index));
      }
    }
    const defs = L.func === "clike" ? clikeFuncs(v.bare) : matches(L.func, v.bare, 5000).map((m) => ({ name: m[1]!, params: m[2]! }));
    for (const d of defs) {
      const name = this.norm(d.name);
      if (L.ignore.has(name) || this.funcs.has(name)) continue;
      const params = splitTop(d.params).map((p) => L.param(p)).filter((x): x is string => !!x).map((x) => this.norm(x));
      if (params.length > 0) this.funcs.set(name, params);
      if (this.funcs.size > 5000) break;
    }
    if (this.funcs.size > 0) {
      let n = 0;
      // Only calls of the functions defined here matter: one alternation of their names.
      const names = [...this.funcs.keys()].slice(0, 400).map((x) => x.replace(/\$/g, "\\$"));
      // VBScript also calls a Sub without parentheses: `Save path, 2`.
      const bareCall = L.stmtEnd.includes("\n") ? String.raw`|[ \t]+(?=[\w"])` : "";
      const call = new RegExp(`(?<![\\w$])(${names.join("|")})(?:\\s*\\(${bareCall})`, L.ci ? "gi" : "g");
      for (const m of matches(call, v.bare, MAX_CALLS)) {
        if (++n > MAX_CALLS || nodes.length >= MAX_NODES) break;
        const params = this.funcs.get(this.norm(m[1]!));
        if (!params) continue;
        const end = m.index + m[0].length;
        const [as, ae] = m[0].endsWith("(") ? [end, closeParen(v.bare, end - 1)] : this.args(end);
        splitTopRanges(v.bare, as, ae).forEach(([s, e], i) => {
          const p = params[i];
          if (p) nodes.push(this.node([p], s, e));
        });
      }
    }
    const users = new Map<string, Node[]>();
    const queue: Node[] = [];
    // A node waits in the queue at most once; it reads the names' latest taint when it runs.
    const enqueue = (n: Node): void => {
      if (n.queued) return;
      n.queued = true;
      queue.push(n);
    };
    for (const n of nodes) {
      for (const id of n.ids) {
        const u = users.get(id);
        if (u) u.push(n);
        else users.set(id, [n]);
      }
      if (n.direct) enqueue(n);
    }
    for (const id of this.vars.keys()) for (const u of users.get(id) ?? []) enqueue(u);
    for (let steps = 0; queue.length > 0 && steps < MAX_STEPS; steps++) {
      const n = queue.pop()!;
      n.queued = false;
      let t = n.direct;
      for (const id of n.ids) t |= (this.vars.get(id) ?? 0) & (INPUT | ENCODED);
      if (t & INPUT && this.leadIsInput(n.s, n.e)) t |= PURE;
      for (const id of n.targets) {
        const old = this.vars.get(id) ?? 0;
        if ((old | t) === old) continue;
        this.vars.set(id, old | t);
        for (const u of users.get(id) ?? []) enqueue(u);
      }
    }
  }
}

/** The identifier ending right before `pos` (spaces skipped), or "". */
function identBefore(bare: string, pos: number): string {
  let e = pos;
  while (e > 0 && (bare[e - 1] === " " || bare[e - 1] === "\t")) e--;
  let b = e;
  while (b > 0 && e - b < 80 && /[\w$]/.test(bare[b - 1]!)) b--;
  return /^[A-Za-z_$]/.test(bare[b] ?? "") ? bare.slice(b, e) : "";
}

function regexAssigns(bare: string, re: RegExp): Array<{ lhs: string; s: number; e: number }> {
  const out: Array<{ lhs: string; s: number; e: number }> = [];
  for (const m of matches(re, bare, MAX_NODES)) {
    const s = m.index + m[0].length - m[2]!.length;
    out.push({ lhs: m[1]!, s, e: s + m[2]!.length });
  }
  return out;
}

const LHS_CHAR = /[\w$.]/;

/** `lhs = value;` / `lhs += value;` in C-like code, found from each `=` instead of each identifier. */
function clikeAssigns(bare: string): Array<{ lhs: string; s: number; e: number }> {
  const out: Array<{ lhs: string; s: number; e: number }> = [];
  for (let i = bare.indexOf("="); i >= 0 && out.length < MAX_NODES; i = bare.indexOf("=", i + 1)) {
    const next = bare[i + 1];
    if (next === "=" || next === ">") {
      i++;
      continue;
    }
    let j = i;
    const prev = bare[j - 1];
    if (prev === "=" || prev === "!" || prev === "<" || prev === ">") continue;
    if (prev === "+" || prev === "|" || prev === "^" || prev === "&") j--;
    while (j > 0 && (bare[j - 1] === " " || bare[j - 1] === "\t")) j--;
    let b = j;
    for (let k = 0; b > 0 && k < 160; k++) {
      const ch = bare[b - 1]!;
      if (LHS_CHAR.test(ch)) b--;
      else if (ch === "]") {
        const o = bare.lastIndexOf("[", b - 1);
        if (o < 0 || b - o > 100) break;
        b = o;
      } else break;
    }
    if (b === j || !/[A-Za-z_$]/.test(bare[b]!)) continue;
    let e = i + 1;
    while (e < bare.length && e - i <= 400 && bare[e] !== ";") e++;
    out.push({ lhs: bare.slice(b, j), s: i + 1, e });
  }
  return out;
}

const FUNC_END = /\)\s*(?:throws\s+[\w$.,\s]{1,200}?)?(?:\{|=>)/g;

/** `name(params) [throws ...] {` and `name(params) =>` in C-like code, found from each `)`. */
function clikeFuncs(bare: string): Array<{ name: string; params: string }> {
  const out: Array<{ name: string; params: string }> = [];
  for (const m of matches(FUNC_END, bare, 20_000)) {
    const open = openParen(bare, m.index, 400);
    if (open < 0) continue;
    const name = identBefore(bare, open);
    if (name) out.push({ name, params: bare.slice(open + 1, m.index) });
    if (out.length > 5000) break;
  }
  return out;
}

/** Start offsets of literals that look like encoded blobs. */
function blobs(v: CodeView, min: number, any: number): number[] {
  const out: number[] = [];
  const { bare, code } = v;
  let i = bare.indexOf(FILL);
  while (i >= 0 && out.length < 10_000) {
    let j = i;
    while (j < bare.length && bare.charCodeAt(j) === 1) j++;
    const lit = code.slice(i, Math.min(j, i + 4000));
    if ((j - i >= min && looksEncoded(lit, min)) || (j - i >= any && !/\s/.test(lit))) out.push(i);
    i = bare.indexOf(FILL, j);
  }
  return out;
}

/** Index of the parenthesis closing the one at `open` (bare view), bounded; the bound when unbalanced. */
export function closeParen(bare: string, open: number, max = 4000): number {
  let depth = 0;
  const end = Math.min(bare.length, open + max);
  for (let i = open; i < end; i++) {
    const ch = bare[i];
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return end;
}

function openParen(bare: string, close: number, max = 2000): number {
  let depth = 0;
  const stop = Math.max(0, close - max);
  for (let i = close; i >= stop; i--) {
    const ch = bare[i];
    if (ch === ")" || ch === "]") depth++;
    else if (ch === "(" || ch === "[") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** End of the operand starting at p: the first top-level `+ & , ; )`. */
function operandEnd(bare: string, p: number, e: number): number {
  let depth = 0;
  const stop = Math.min(e, p + 400);
  for (let i = p; i < stop; i++) {
    const ch = bare[i];
    if (ch === "(" || ch === "[") depth++;
    else if (ch === ")" || ch === "]") {
      if (depth === 0) return i;
      depth--;
    } else if (depth === 0 && (ch === "+" || ch === "&" || ch === "," || ch === ";" || ch === "?")) return i;
  }
  return stop;
}

function splitTop(s: string): string[] {
  return splitTopRanges(s, 0, s.length).map(([a, b]) => s.slice(a, b));
}

/** Top-level comma-separated ranges of bare[s, e). */
export function splitTopRanges(bare: string, s: number, e: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let depth = 0;
  let start = s;
  for (let i = s; i < e; i++) {
    const ch = bare[i];
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    else if (ch === "," && depth === 0) {
      out.push([start, i]);
      start = i + 1;
      if (out.length > 32) break;
    }
  }
  if (start < e || out.length > 0) out.push([start, e]);
  return out;
}

/** Does a literal look like an encoded blob (long, no spaces, mostly base64/hex/escape alphabet)? */
export function looksEncoded(lit: string, min = 64): boolean {
  if (lit.length < min) return false;
  const sample = lit.length > 4000 ? lit.slice(0, 4000) : lit;
  let odd = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c === 32) return false;
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 61 || c === 37 || c === 92 || c === 45 || c === 95)) odd++;
  }
  return odd / sample.length < 0.2;
}

export interface SinkHit {
  /** Offset of the sink's name in the view. */
  at: number;
  /** Arguments [argS, argE) and the receiver's start. */
  argS: number;
  argE: number;
  recS: number;
  /** Taint of receiver + arguments. */
  t: number;
}

/** Runs a sink pattern (global, over the bare view) and yields each hit with its taint; bounded. */
export function* sinks(f: Flow, re: RegExp, max = 300): Generator<SinkHit> {
  for (const m of matches(re, f.v.bare, max)) {
    const end = m.index + m[0].length;
    const [argS, argE] = f.args(end);
    const recS = f.receiver(m.index);
    yield { at: m.index, argS, argE, recS, t: f.taint(recS, argE) };
  }
}

/** The first top-level argument of a hit. */
export function firstArg(f: Flow, h: SinkHit): [number, number] {
  return splitTopRanges(f.v.bare, h.argS, h.argE)[0] ?? [h.argS, h.argE];
}

/** Does a window hold an identifier that is not a keyword or a constant-like word (i.e. a value that can vary)? */
export function nonConstant(f: Flow, s: number, e: number, constants: Set<string>): boolean {
  for (const id of f.ids(s, e)) if (!constants.has(id)) return true;
  return false;
}
