/**
 * WS-8: the structure over a token stream that the heuristics need — matching brackets,
 * function scopes and parameters, call arguments, statement ends and line numbers. All of it
 * is built in linear passes.
 */
import { K_ID, K_OP, K_VAR, OP_ARROW, OP_DCOLON, SHARED_TOKENS, lex, type Tokens } from "./lexer.ts";

/** match/scope storage of the outermost analysis, reused between files like the lexer's (same bound). */
let sharedMatch: Int32Array | null = null;
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
  /** Token steps spent by the analysis; bounded so hostile input cannot make it quadratic. */
  work = 0;
  readonly budget: number;
  private nl: Int32Array | null = null;

  /** `reuse`: lex into the shared top-level buffers (only for the outermost analysis). */
  constructor(text: string, limit: number, reuse = false) {
    this.tk = lex(text, limit, reuse);
    this.n = this.tk.n;
    if (reuse && this.n <= SHARED_TOKENS) {
      sharedMatch ??= new Int32Array(SHARED_TOKENS);
      sharedScope ??= new Int32Array(SHARED_TOKENS);
      this.match = sharedMatch.subarray(0, this.n).fill(-1);
      this.scope = sharedScope.subarray(0, this.n).fill(0);
    } else {
      this.match = new Int32Array(this.n).fill(-1);
      this.scope = new Int32Array(this.n);
    }
    this.budget = 64 * this.n + 2_000_000;
    this.buildMatch();
    this.buildScopes();
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

  private buildMatch(): void {
    const { kind, op } = this.tk;
    const stack: number[] = [];
    for (let i = 0; i < this.n; i++) {
      if (kind[i] !== K_OP) continue;
      const o = op[i];
      if (o === 40 || o === 91 || o === 123) stack.push(i);
      else if (o === 41 || o === 93 || o === 125) {
        const want = o === 41 ? 40 : o === 93 ? 91 : 123;
        // Tolerate broken nesting: pop to the nearest opener of the same kind.
        let k = stack.length - 1;
        const floor = Math.max(0, stack.length - 8);
        while (k >= floor && op[stack[k]!] !== want) k--;
        if (k < floor) continue;
        const j = stack[k]!;
        stack.length = k;
        this.match[i] = j;
        this.match[j] = i;
      }
    }
  }

  private buildScopes(): void {
    const { kind } = this.tk;
    this.funcOfScope.push({ name: "", scope: 0, params: [], byRef: [], bodyStart: 0, bodyEnd: this.n });
    for (let i = 0; i < this.n; i++) {
      if (kind[i] !== K_ID) continue;
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
      if (!this.funcs.has(name)) this.funcs.set(name, f);
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

