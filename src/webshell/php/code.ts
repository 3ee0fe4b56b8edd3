/**
 * WS-8: the structure over a token stream that the heuristics need — matching brackets,
 * function scopes and parameters, call arguments, statement ends and line numbers. All of it
 * is built in linear passes.
 */
import { K_ID, K_OP, K_VAR, OP_ARROW, OP_DCOLON, SHARED_TOKENS, lex, nameHash, type Tokens } from "./lexer.ts";
import { VAR_NAMES, VOCAB } from "./names.ts";

/** scope storage of the outermost analysis, reused between files like the lexer's (same bound). */
let sharedScope: Int32Array | null = null;

export interface FuncInfo {
  name: string;
  scope: number;
  params: string[];
  /** Parameters taken by reference (`&$x`): the callee may rewrite the caller's variable. */
  byRef: boolean[];
  bodyStart: number;
  bodyEnd: number;
}

export class Code {
  readonly tk: Tokens;
  readonly n: number;
  /** Index of the matching bracket for ( [ { and ) ] }, or -1. */
  readonly match: Int32Array;
  /** Function scope of each token (0 = file level). */
  readonly scope: Int32Array;
  /** Named functions and methods by lower-case name (first definition wins). */
  readonly funcs = new Map<string, FuncInfo>();
  readonly funcOfScope: FuncInfo[] = [];
  /** Names declared `global` per scope. */
  readonly globals = new Map<number, Set<string>>();
  /** Loop bodies [start, end) for "inside a loop" questions. */
  readonly loops: Array<[number, number]> = [];
  /** Lower-cased identifiers, cached on demand (a Map: most tokens are never asked for). */
  private readonly lower = new Map<number, string>();
  /** nameHash() of each key of `funcs`: most calls are not of a function defined here. */
  private readonly funcHashes = new Set<number>();
  /** Token steps spent by the analysis; bounded so hostile input cannot make it quadratic. */
  work = 0;
  readonly budget: number;
  private nl: Int32Array | null = null;

  /** `reuse`: lex into the shared top-level buffers (only for the outermost analysis). */
  constructor(text: string, limit: number, reuse = false) {
    this.tk = lex(text, limit, reuse);
    this.n = this.tk.n;
    // the lexer matched the brackets as it went
    this.match = this.tk.match;
    if (reuse && this.n <= SHARED_TOKENS) {
      sharedScope ??= new Int32Array(SHARED_TOKENS);
      this.scope = sharedScope.subarray(0, this.n).fill(0);
    } else {
      this.scope = new Int32Array(this.n);
    }
    this.budget = 64 * this.n + 2_000_000;
    this.buildScopes();
  }

  /**
   * The name of identifier token i when it is one of the names the heuristics know (VOCAB,
   * lower case), else null: `word(i) === w` exactly when `id(i) === w`, for every w in VOCAB,
   * without building a string for the other tokens.
   */
  word(i: number): string | null {
    const w = VOCAB.get(this.tk.hash[i]!);
    return w !== undefined && this.is(i, w) ? w : null;
  }

  /**
   * The name of variable token i (as written, without `$`) when it is one of VAR_NAMES, else
   * null: `varName(i) === w` exactly when `text(i) === w`, for every w in VAR_NAMES.
   */
  varName(i: number): string | null {
    const w = VAR_NAMES.get(this.tk.hash[i]!);
    return w !== undefined && this.textIs(i, w) ? w : null;
  }

  /** Whether token i's text is exactly `s` (case matters), without building a string. */
  textIs(i: number, s: string): boolean {
    const a = this.tk.start[i]!;
    const n = s.length;
    if (this.tk.end[i]! - a !== n) return false;
    const t = this.tk.text;
    for (let k = 0; k < n; k++) if (t.charCodeAt(a + k) !== s.charCodeAt(k)) return false;
    return true;
  }

  /** The function defined in this file that identifier token i names (`funcs.get(id(i))`). */
  func(i: number): FuncInfo | undefined {
    return this.funcHashes.has(this.tk.hash[i]!) ? this.funcs.get(this.id(i)) : undefined;
  }

  text(i: number): string {
    return this.tk.text.slice(this.tk.start[i], this.tk.end[i]);
  }

  /** Lower-case text of an identifier or variable token (cached). */
  id(i: number): string {
    let s = this.lower.get(i);
    if (s === undefined) { s = this.text(i).toLowerCase(); this.lower.set(i, s); }
    return s;
  }

  /**
   * Whether identifier token i is `lowerName` (ASCII, lower case) in any case: id() without
   * building the string. Tokens with non-ASCII characters take id()'s Unicode lower-casing.
   */
  is(i: number, lowerName: string): boolean {
    const s = this.tk.start[i]!;
    const n = lowerName.length;
    if (this.tk.end[i]! - s !== n) return false;
    const t = this.tk.text;
    for (let k = 0; k < n; k++) {
      const x = t.charCodeAt(s + k);
      const y = lowerName.charCodeAt(k);
      if (x === y || (x === y - 32 && y >= 97 && y <= 122)) continue;
      if (x >= 128) return this.id(i) === lowerName;
      return false;
    }
    return true;
  }

  isOp(i: number, code: number): boolean {
    return i >= 0 && i < this.n && this.tk.kind[i] === K_OP && this.tk.op[i] === code;
  }

  isId(i: number, lowerName: string): boolean {
    return i >= 0 && i < this.n && this.tk.kind[i] === K_ID && this.is(i, lowerName);
  }

  /** A call `name(` that is not a method, a static call, a definition or `new`. */
  isPlainCall(i: number): boolean {
    if (!this.isOp(i + 1, 40)) return false;
    const p = i - 1;
    if (p < 0) return true;
    const k = this.tk.kind[p];
    if (k === K_OP) {
      const o = this.tk.op[p];
      if (o === OP_ARROW || o === OP_DCOLON) return false;
      return true;
    }
    if (k === K_ID) return !this.is(p, "function") && !this.is(p, "new") && !this.is(p, "fn") && !this.is(p, "const");
    return true;
  }

  /** A method or static call `->name(` / `::name(`. */
  isMemberCall(i: number): boolean {
    return this.isOp(i + 1, 40) && (this.isOp(i - 1, OP_ARROW) || this.isOp(i - 1, OP_DCOLON));
  }

  /** Argument spans [a, b) of the call whose `(` is at p. */
  args(p: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const close = this.match[p]!;
    if (close < 0 || this.work > this.budget) return out;
    this.work += close - p;
    let a = p + 1;
    for (let i = a; i < close; i++) {
      if (this.tk.kind[i] === K_OP) {
        const o = this.tk.op[i];
        if (o === 40 || o === 91 || o === 123) { const m = this.match[i]!; if (m > i) i = m; continue; }
        if (o === 44) { out.push([a, i]); a = i + 1; if (out.length > 64) return out; }
      }
    }
    if (close > a || out.length > 0) out.push([a, close]);
    return out;
  }

  /** End (exclusive) of the expression starting at `from`: the `;`, `,` or closing bracket at depth 0. */
  exprEnd(from: number, stopAtComma = true): number {
    const { kind, op } = this.tk;
    let i = from;
    const lim = Math.min(this.n, from + 200000);
    if (this.work > this.budget) return from;
    for (; i < lim; i++) {
      this.work++;
      if (kind[i] !== K_OP) continue;
      const o = op[i];
      if (o === 40 || o === 91 || o === 123) { const m = this.match[i]!; if (m > i) { i = m; continue; } return i; }
      if (o === 59 || o === 41 || o === 93 || o === 125 || (stopAtComma && o === 44)) return i;
    }
    return i;
  }

  /** 1-based line of token i. */
  line(i: number): number {
    return this.lineOf(this.tk.start[i] ?? 0);
  }

  lineOf(offset: number): number {
    if (this.nl === null) {
      const t = this.tk.text;
      const acc: number[] = [];
      for (let p = t.indexOf("\n"); p >= 0; p = t.indexOf("\n", p + 1)) acc.push(p);
      this.nl = Int32Array.from(acc);
    }
    const nl = this.nl;
    let lo = 0, hi = nl.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (nl[mid]! < offset) lo = mid + 1; else hi = mid; }
    return lo + 1;
  }

  /** The source line around token i, bounded to 120 chars (data only). */
  excerpt(i: number): string {
    const t = this.tk.text;
    const s = this.tk.start[i] ?? 0;
    let a = t.lastIndexOf("\n", s) + 1;
    if (s - a > 60) a = s - 60;
    let e = t.indexOf("\n", s);
    if (e < 0) e = t.length;
    if (e - a > 120) e = a + 120;
    return t.slice(a, e).replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "?").trim();
  }

  private buildScopes(): void {
    const { kind, kw, nkw } = this.tk;
    this.funcOfScope.push({ name: "", scope: 0, params: [], byRef: [], bodyStart: 0, bodyEnd: this.n });
    // only the identifiers the lexer noted can be `global`, `for`, `foreach`, `while` or `function`
    for (let q = 0; q < nkw; q++) {
      const i = kw[q]!;
      const len = this.tk.end[i]! - this.tk.start[i]!;
      if (len === 6 && this.is(i, "global")) { this.noteGlobal(i); continue; }
      if ((len === 3 || len === 5 || len === 7) && this.isLoop(i)) continue;
      if (len !== 8 || !this.is(i, "function")) continue;
      let j = i + 1;
      if (this.isOp(j, 38)) j++;
      if (kind[j] !== K_ID || !this.isOp(j + 1, 40)) continue; // closures share their parent's scope
      const name = this.id(j);
      const po = j + 1;
      const pc = this.match[po]!;
      if (pc < 0) continue;
      const params: string[] = [];
      const byRef: boolean[] = [];
      for (let k = po + 1; k < pc; k++) if (kind[k] === K_VAR) { params.push(this.text(k)); byRef.push(this.isOp(k - 1, 38)); }
      let b = pc + 1;
      while (b < this.n && b < pc + 40 && !this.isOp(b, 123) && !this.isOp(b, 59)) b++;
      if (!this.isOp(b, 123)) continue;
      const be = this.match[b]!;
      if (be < 0) continue;
      const id = this.funcOfScope.length;
      const f: FuncInfo = { name, scope: id, params, byRef, bodyStart: b, bodyEnd: be };
      this.funcOfScope.push(f);
      if (!this.funcs.has(name)) { this.funcs.set(name, f); this.funcHashes.add(nameHash(name)); }
      this.scope.fill(id, po, be + 1);
    }
  }

  private isLoop(i: number): boolean {
    if (!this.isOp(i + 1, 40) || !(this.is(i, "for") || this.is(i, "foreach") || this.is(i, "while"))) return false;
    const c = this.match[i + 1]!;
    if (c < 0) return false;
    if (this.isOp(c + 1, 123) && this.match[c + 1]! > c) this.loops.push([c + 1, this.match[c + 1]!]);
    else this.loops.push([c + 1, this.exprEnd(c + 1, false)]);
    return true;
  }

  private noteGlobal(i: number): void {
    const sc = this.scope[i]!;
    let set = this.globals.get(sc);
    if (!set) { set = new Set(); this.globals.set(sc, set); }
    for (let k = i + 1; k < this.n && k < i + 64 && !this.isOp(k, 59); k++) if (this.tk.kind[k] === K_VAR) set.add(this.text(k));
  }

  inLoop(i: number): boolean {
    for (let k = 0; k < this.loops.length && k < 4096; k++) { const [a, b] = this.loops[k]!; if (i > a && i < b) return true; }
    return false;
  }
}

