/**
 * WS-8: a light intra-file data flow for PHP. Two questions are answered over the tokens:
 * "does this expression carry request input (or decoded / decrypted data)?" — taint flags
 * propagated through assignments, foreach, by-reference outputs, function parameters and
 * return values until a fixpoint — and "what constant string does this expression build?"
 * (concatenation, chr(), strrev, str_rot13, base64_decode, str_replace, arrays, `$s[3]` …),
 * which unmasks function names assembled at run time. Flow-insensitive within a function
 * scope, bounded everywhere.
 */
import { gunzipSync, inflateRawSync, inflateSync } from "node:zlib";
import { Code } from "./code.ts";
import { K_BT, K_DSTR, K_ID, K_NUM, K_OP, K_STR, K_VAR, OP_ARROW, OP_CONCAT_ASSIGN, OP_DARROW, OP_DCOLON, interpolatedVars, nameHash, strValue } from "./lexer.ts";
import { CRYPTO_DECODERS, INPUT_FUNCS, INPUT_GLOBALS, PROPAGATE, SERVER_INPUT_KEY, STRONG_DECODERS } from "./names.ts";

/** Carries request input. */
export const F_IN = 1;
/** Input not behind a literal prefix (it can name any function or file). */
export const F_FULL = 2;
/** Passed through a decoder (base64, gzip, rot13 …). */
export const F_DEC = 4;
/** Passed through decryption or XOR. */
export const F_CRYPTO = 8;
/** Comes from a long encoded blob. */
export const F_BLOB = 16;
/** Content fetched from a literal remote URL. */
export const F_REMOTE = 32;

export interface Folded { v: string; obf: boolean; dec: boolean }

interface Rec {
  kind: 0 | 1 | 2 | 3 | 4; // assign, append (.=), extract-like, array element write, unknown write (by reference)
  targets: string[];
  a: number;
  b: number;
  sc: number;
  at: number;
  /** For kind 3: the index span, or null for `[]`. */
  idx?: [number, number] | null;
  /** For kind 3 with a constant index: the element key. */
  elem?: string;
}

const MAX_FOLD = 4 << 20;
const MAX_FOLD_TOTAL = 32 << 20;
/** Bare words PHP < 8 turns into strings when no such constant exists. */
const BARE_NAMES = new Set(["assert", "system", "exec", "shell_exec", "passthru", "popen", "proc_open", "eval", "create_function", "base64_decode", "str_rot13", "gzinflate", "call_user_func", "_post", "_get", "_request", "_cookie"]);
const BLOB_MIN = 2000;

export class Flow {
  readonly c: Code;
  readonly taint = new Map<string, number>();
  readonly label = new Map<string, string>();
  readonly recs: Rec[] = [];
  /** Scopes where request input was extracted into local variables. */
  readonly extracted = new Set<number>();
  private assignedKeys: Set<string> | null = null;
  /**
   * Keys written by a record (not by a by-reference call): built on first use, after collect()
   * (only flags() in a scope that extract()ed request input asks).
   */
  get assigned(): ReadonlySet<string> {
    if (this.assignedKeys === null) {
      this.assignedKeys = new Set();
      for (const r of this.recs) if (r.kind !== 4) for (const t of r.targets) this.assignedKeys.add(t);
    }
    return this.assignedKeys;
  }
  /** Const writes per key, in token order. */
  private readonly constW = new Map<string, Array<[number, Folded | null]>>();
  readonly arrays = new Map<string, Map<string, Folded>>();
  /** Keys assigned from fopen(path): the path span. */
  readonly fopenPath = new Map<string, [number, number]>();
  /** Obfuscated names built in assignments: token index and folded value. */
  readonly builtNames: Array<[number, Folded]> = [];
  hasInput = false;
  /** Label of the input source found by the last flags() call. */
  lastLabel = "";
  private blobCache = new Map<number, boolean>();
  /** Taint of constant-indexed array elements (`$a['k']`), and the OR over each array's elements. */
  readonly elemTaint = new Map<string, number>();
  readonly elemAny = new Map<string, number>();
  private lastElemLabel = "";
  private prefixDepth = 0;
  /** Characters built by folding so far: bounds memory on self-doubling strings. */
  private foldChars = 0;

  /**
   * Whether taint flows through method calls. Context-insensitive flow through the methods of a
   * large class spreads one request value everywhere; shells that hide in classes are small.
   */
  readonly methodFlow: boolean;

  constructor(c: Code) {
    this.c = c;
    this.methodFlow = c.n < 6000;
    this.sources = !taintShortcut.enabled || hasTaintSource(c);
  }

  /**
   * Whether the file has a token that can start taint (see hasTaintSource). Without one every
   * flags() answer is 0, so the fixpoint and each flags() call reduce to their work accounting.
   */
  readonly sources: boolean;

  /** Collects records and runs the fixpoint. Cheap when the file has no input and no decoders. */
  run(): void {
    this.collect();
    this.consts();
    if (!this.sources) {
      // The fixpoint's single pass, minus the answers (all 0): the same work is charged so the
      // budget runs out exactly where the full pass would make it run out.
      for (const r of this.recs) if (r.kind !== 4) this.flags(r.a, r.b, r.sc);
      return;
    }
    for (let it = 0; it < 6; it++) {
      let changed = false;
      for (const r of this.recs) {
        if (r.kind === 4) continue;
        if (r.kind === 2) {
          if (!this.extracted.has(r.sc) && this.flags(r.a, r.b, r.sc) & F_IN) { this.extracted.add(r.sc); changed = true; }
          continue;
        }
        const f = this.flags(r.a, r.b, r.sc);
        if (f === 0) continue;
        const lab = this.lastLabel;
        if (r.elem !== undefined) {
          const t = r.targets[0]!;
          const old = this.elemTaint.get(r.elem) ?? 0;
          if ((old | f) !== old) {
            this.elemTaint.set(r.elem, old | f);
            this.elemAny.set(t, (this.elemAny.get(t) ?? 0) | f);
            if (lab && !this.label.has(r.elem)) this.label.set(r.elem, lab);
            changed = true;
          }
          continue;
        }
        for (const t of r.targets) {
          const old = this.taint.get(t) ?? 0;
          const nf = old | f;
          if (nf !== old) { this.taint.set(t, nf); if (lab && !this.label.has(t)) this.label.set(t, lab); changed = true; }
        }
      }
      if (!changed) break;
    }
  }

  // ---- keys ----

  /** The storage key of variable token i in scope sc. */
  varKey(i: number, sc: number): string {
    const c = this.c;
    const name = c.text(i);
    if (name === "this" && c.isOp(i + 1, OP_ARROW) && c.tk.kind[i + 2] === K_ID && !c.isOp(i + 3, 40)) return "P:" + c.text(i + 2);
    if (c.isOp(i - 1, OP_DCOLON)) return "S:" + name;
    if (name === "GLOBALS" && c.isOp(i + 1, 91)) {
      const m = c.match[i + 1]!;
      const k = m > 0 ? this.fold(i + 2, m, sc) : null;
      if (k) return "0:" + k.v;
    }
    if (name.charCodeAt(0) === 95 /* _ */ || name === "GLOBALS") return "0:" + name;
    if (sc !== 0 && this.c.globals.get(sc)?.has(name)) return "0:" + name;
    return sc + ":" + name;
  }

  /** A request-input source at variable token i: its label, or "". */
  inputVar(i: number, sc: number): string {
    const c = this.c;
    const name = c.varName(i);
    if (name === null) return "";
    if (INPUT_GLOBALS.has(name)) return "$" + name;
    if (name === "_SERVER" && c.isOp(i + 1, 91)) {
      const m = c.match[i + 1]!;
      const k = m > 0 ? this.fold(i + 2, m, sc) : null;
      if (k && SERVER_INPUT_KEY.test(k.v)) return "$_SERVER['" + k.v.slice(0, 40) + "']";
      return "";
    }
    if (name === "GLOBALS" && c.isOp(i + 1, 91)) {
      const m = c.match[i + 1]!;
      const k = m > 0 ? this.fold(i + 2, m, sc) : null;
      if (k && INPUT_GLOBALS.has(k.v)) return "$" + k.v;
    }
    return "";
  }

  /** Skips index / property chains after a variable: returns the last token of the chain. */
  chainEnd(i: number, b: number): number {
    const c = this.c;
    let j = i;
    for (;;) {
      if (j + 1 < b && (c.isOp(j + 1, 91) || (c.isOp(j + 1, 123) && c.tk.kind[j] === K_VAR))) {
        const m = c.match[j + 1]!;
        if (m < 0 || m >= b) return j;
        j = m;
        continue;
      }
      if (j + 2 < b && c.isOp(j + 1, OP_ARROW) && c.tk.kind[j + 2] === K_ID && !c.isOp(j + 3, 40)) { j += 2; continue; }
      return j;
    }
  }

  // ---- taint ----

  /** Taint flags found so far by the flags() loop (its helpers add to them; flags() never runs inside its own loop). */
  private accF = 0;
  private accLabel = "";
  private accXor = false;

  /**
   * Taint flags of the expression [a, b) in scope sc; sets lastLabel. The work per kind of token
   * is in helpers of its own: each compiles apart (small pieces, and a branch first taken late
   * recompiles its helper, not the whole loop).
   */
  flags(a: number, b: number, sc: number): number {
    const c = this.c;
    const { kind, op } = c.tk;
    this.lastElemLabel = "";
    if (c.work > c.budget) { this.lastLabel = ""; return 0; }
    c.work += b - a;
    if (!this.sources) { this.lastLabel = ""; return 0; }
    this.accF = 0;
    this.accLabel = "";
    this.accXor = false;
    for (let i = a; i < b; i++) {
      const k = kind[i];
      if (k === K_VAR) i = this.flagsVar(i, b, sc);
      else if (k === K_ID) i = this.flagsId(i, b, sc);
      else if (k === K_STR || k === K_DSTR || k === K_BT) this.flagsStr(i, k, sc);
      else if (k === K_OP) {
        const o = op[i]!;
        if (o === 94) this.accXor = true;
        else if (o === 40 || o === 36) i = this.flagsOp(i, o, b, sc);
      }
    }
    let f = this.accF;
    const label = this.accLabel;
    const xor = this.accXor;
    if (xor && f & (F_IN | F_DEC)) f |= F_CRYPTO;
    // A prefix the request does not control ("handler_" . $x, DIR . $x) limits what the value can name.
    if (f & F_FULL && this.prefixDepth < 3) {
      while (c.isOp(a, 40) && c.match[a] === b - 1) { a++; b--; }
      const d = this.firstConcat(a, b);
      this.prefixDepth++;
      if (d > a && !(this.flags(a, d, sc) & F_FULL)) f &= ~F_FULL;
      this.prefixDepth--;
    }
    this.lastLabel = label;
    if (f & F_IN) this.hasInput = true;
    return f;
  }

  /** flags() at variable token i: request input, a tainted variable or element, a decoder called through it. Returns where the loop goes on. */
  private flagsVar(i: number, b: number, sc: number): number {
    const c = this.c;
    const src = this.inputVar(i, sc);
    if (src) {
      this.accF |= src === "$_FILES" && this.isTmpName(i) ? F_IN : F_IN | F_FULL;
      if (!this.accLabel) this.accLabel = src;
      return this.chainEnd(i, b);
    }
    const key = this.varKey(i, sc);
    const v = this.readTaint(i, key, sc);
    const ce = this.chainEnd(i, b);
    if (c.isOp(ce + 1, 40) && !c.isOp(i - 1, OP_ARROW)) {
      const callee = this.fold(i, ce + 1, sc, 0, i);
      if (callee && (STRONG_DECODERS.has(callee.v.toLowerCase()) || CRYPTO_DECODERS.has(callee.v.toLowerCase()))) this.accF |= F_DEC;
    }
    if (v) { this.accF |= v; if (!this.accLabel) this.accLabel = this.label.get(key) || this.lastElemLabel; }
    else if (this.extracted.has(sc) && !this.assigned.has(key) && key.charCodeAt(0) !== 80 && c.text(i) !== "this") {
      this.accF |= F_IN | F_FULL; if (!this.accLabel) this.accLabel = "extract()ed request input";
    }
    return this.chainEnd(i, b);
  }

  /** flags() at identifier token i: input functions, decoders, remote reads, the results of functions defined here. Returns where the loop goes on. */
  private flagsId(i: number, b: number, sc: number): number {
    const c = this.c;
    if (c.isOp(i + 1, 40) && c.tk.end[i]! - c.tk.start[i]! === 8 && c.is(i, "function")) return this.closureEnd(i + 1, b);
    if (!c.isOp(i + 1, 40)) return i;
    // a known name, or null (then only a function defined in this file matters)
    const name = c.word(i);
    const close = c.match[i + 1]!;
    if (close < 0) return i;
    if (c.isMemberCall(i)) {
      // Code hidden in a doc comment and read back through reflection.
      if (name === "getdoccomment") this.accF |= F_DEC;
      const fn = this.methodFlow ? c.func(i) : undefined;
      if (fn) this.returned(fn.name);
      return close;
    }
    if (c.isId(i - 1, "new") || c.isId(i - 1, "function")) return close;
    if (name === null) {
      const fn = c.func(i);
      if (fn) this.returned(fn.name);
      return close;
    }
    if (INPUT_FUNCS.has(name)) { this.accF |= F_IN | F_FULL; if (!this.accLabel) this.accLabel = name + "()"; return close; }
    if (name === "getenv") {
      const s = this.fold(i + 2, close, sc);
      if (s && /^HTTP_/i.test(s.v)) { this.accF |= F_IN | F_FULL; if (!this.accLabel) this.accLabel = "getenv('" + s.v.slice(0, 40) + "')"; }
      return close;
    }
    if (CRYPTO_DECODERS.has(name)) { this.accF |= F_CRYPTO | F_DEC; return i; }
    if (STRONG_DECODERS.has(name)) { this.accF |= F_DEC; return i; }
    if (PROPAGATE.has(name)) {
      if (name === "file_get_contents" || name === "file" || name === "fopen") {
        const s = this.fold(i + 2, c.exprEnd(i + 2), sc);
        if (s && /^(https?|ftp):\/\//i.test(s.v)) this.accF |= F_REMOTE;
      }
      return i;
    }
    const fn = c.func(i);
    if (fn) this.returned(fn.name);
    return close;
  }

  /** The taint of what function `name` (defined here) returns, added to flags()'s. */
  private returned(name: string): void {
    const v = this.taint.get("R:" + name) ?? 0;
    if (v) { this.accF |= v; if (!this.accLabel) this.accLabel = this.label.get("R:" + name) ?? ""; }
  }

  /** flags() at string token i: `php://input`, a blob, request variables interpolated. */
  private flagsStr(i: number, k: number, sc: number): void {
    const c = this.c;
    if (c.tk.cend[i]! - c.tk.cstart[i]! >= 11) {
      const head = c.tk.text.substr(c.tk.cstart[i]!, 11).toLowerCase();
      if (head === "php://input") { this.accF |= F_IN | F_FULL; if (!this.accLabel) this.accLabel = "php://input"; }
    }
    if (this.isBlob(i)) this.accF |= F_BLOB;
    if (k !== K_STR && c.tk.text.indexOf("$", c.tk.cstart[i]!) < c.tk.cend[i]!) {
      for (const v of interpolatedVars(c.tk, i)) {
        if (INPUT_GLOBALS.has(v)) { this.accF |= F_IN; if (!this.accLabel) this.accLabel = "$" + v; continue; }
        const key = v === "GLOBALS" || v.charCodeAt(0) === 95 ? "0:" + v : (sc !== 0 && c.globals.get(sc)?.has(v) ? "0:" : sc + ":") + v;
        const t = this.taint.get(key);
        if (t) { this.accF |= t & ~F_FULL; if (!this.accLabel) this.accLabel = this.label.get(key) ?? ""; }
      }
    }
  }

  /** flags() at `(` (a numeric cast skips its operand) or `$` (`$$x`, `${…}` naming a superglobal). Returns where the loop goes on. */
  private flagsOp(i: number, o: number, b: number, sc: number): number {
    const c = this.c;
    const { kind } = c.tk;
    if (o === 40) {
      if (kind[i + 1] === K_ID && c.isOp(i + 2, 41) && /^(int|integer|bool|boolean|float|double)$/.test(c.id(i + 1))) {
        let j = i + 3;
        if (kind[j] === K_VAR) j = this.chainEnd(j, b);
        else if (kind[j] === K_ID && c.isOp(j + 1, 40)) j = Math.max(j, c.match[j + 1]!);
        else if (c.isOp(j, 40)) j = Math.max(j, c.match[j]!);
        return j;
      }
      return i;
    }
    if (kind[i + 1] === K_VAR) {
      const s = this.fold(i + 1, this.chainEnd(i + 1, b) + 1, sc);
      if (s && INPUT_GLOBALS.has(s.v)) { this.accF |= F_IN | F_FULL; if (!this.accLabel) this.accLabel = "$" + s.v; }
      return this.chainEnd(i + 1, b);
    }
    if (c.isOp(i + 1, 123)) {
      const m = c.match[i + 1]!;
      const s = m > 0 ? this.fold(i + 2, m, sc) : null;
      if (s && INPUT_GLOBALS.has(s.v)) { this.accF |= F_IN | F_FULL; if (!this.accLabel) this.accLabel = "$" + s.v; }
      if (m > 0) return this.chainEnd(m, b);
    }
    return i;
  }

  /** The first `.` at depth 0 of [a, b), or -1. */
  private firstConcat(a: number, b: number): number {
    const c = this.c;
    for (let i = a; i < b; i++) {
      if (c.tk.kind[i] !== K_OP) continue;
      const o = c.tk.op[i];
      if (o === 40 || o === 91 || o === 123) { const m = c.match[i]!; if (m > i) { i = m; continue; } return -1; }
      if (o === 46) return i;
      if (o === 63 || o === 58 || o === 44 || o === 61) return -1; // ternary / list: not a plain concatenation
    }
    return -1;
  }

  /** `function (...) use (...) : T { ... }` starting at the `(`: the index of the closing `}`. */
  private closureEnd(p: number, b: number): number {
    const c = this.c;
    let j = c.match[p]!;
    if (j < 0) return p;
    for (let k = j + 1; k < b && k < j + 40; k++) {
      if (c.isOp(k, 123)) { const m = c.match[k]!; return m > k ? Math.min(m, b - 1) : k; }
      if (c.isOp(k, 40)) { const m = c.match[k]!; if (m > k) k = m; continue; }
      if (c.isOp(k, 59)) return k - 1;
    }
    return j;
  }

  /** `$_FILES[...]['tmp_name']`: a server-chosen path, not a request-chosen one. */
  private isTmpName(i: number): boolean {
    const c = this.c;
    const e = this.chainEnd(i, c.n);
    for (let k = i + 1; k < e; k++) if (c.tk.kind[k] === K_STR || c.tk.kind[k] === K_DSTR) { const v = strValue(c.tk, k); if (v === "tmp_name" || v === "size" || v === "error" || v === "type") return true; }
    return false;
  }

  /** The `[` of the first element index after variable token i (past `$GLOBALS['x']`), or -1. */
  private elemOpen(i: number): number {
    const c = this.c;
    let j = i + 1;
    if (c.text(i) === "GLOBALS" && c.isOp(j, 91)) { const m = c.match[j]!; if (m < 0) return -1; j = m + 1; }
    return c.isOp(j, 91) ? j : -1;
  }

  /** Taint of a variable read: the whole variable, plus the constant-indexed element or all elements. */
  private readTaint(i: number, key: string, sc: number): number {
    let v = this.taint.get(key) ?? 0;
    if (this.elemTaint.size === 0) return v;
    const o = this.elemOpen(i);
    if (o < 0) return v | (this.elemAny.get(key) ?? 0);
    const m = this.c.match[o]!;
    const idx = m > o + 1 ? this.fold(o + 1, m, sc) : null;
    if (idx) { const ek = key + "[" + normKey(idx.v) + "]"; v |= this.elemTaint.get(ek) ?? 0; if (!this.lastElemLabel) this.lastElemLabel = this.label.get(ek) ?? ""; }
    else v |= this.elemAny.get(key) ?? 0;
    return v;
  }

  /** Whether string token i is a long base64 / hex blob. */
  isBlob(i: number): boolean {
    const c = this.c;
    const len = c.tk.cend[i]! - c.tk.cstart[i]!;
    if (len < BLOB_MIN) return false;
    let v = this.blobCache.get(i);
    if (v === undefined) {
      const s = c.tk.text.slice(c.tk.cstart[i], Math.min(c.tk.cend[i]!, c.tk.cstart[i]! + 65536));
      v = /^[A-Za-z0-9+/=\s\\_-]+$/.test(s) && !/^[a-z\s]+$/.test(s.slice(0, 200));
      if (!v) v = /^(\\x[0-9a-fA-F]{2})+$/.test(s.slice(0, 4096)) || /^[0-9a-fA-F]+$/.test(s);
      this.blobCache.set(i, v);
    }
    return v;
  }

  // ---- record collection ----

  private push(kind: Rec["kind"], targets: string[], a: number, b: number, sc: number, at: number, idx?: [number, number] | null): void {
    if (targets.length === 0 || b <= a) return;
    let elem: string | undefined;
    if (kind === 3 && idx && targets.length === 1) {
      const k = this.fold(idx[0], idx[1], sc);
      if (k) elem = targets[0] + "[" + normKey(k.v) + "]";
    }
    this.recs.push({ kind, targets, a, b, sc, at, idx, elem });
  }

  /** Targets of the assignment whose operator is at eq (walking left). */
  private lhs(eq: number, sc: number): { targets: string[]; elem: boolean; idx: [number, number] | null } {
    const c = this.c;
    let j = eq - 1;
    let elem = false;
    let idx: [number, number] | null = null;
    const idxs: Array<[number, number] | null> = [];
    while (j >= 0 && (c.isOp(j, 93) || c.isOp(j, 125))) {
      const o = c.match[j]!;
      if (o < 0) return { targets: [], elem, idx };
      const p = o - 1;
      const pk = c.tk.kind[p];
      if (pk === K_VAR || c.isOp(p, 93) || c.isOp(p, 125) || (pk === K_ID && c.isOp(p - 1, OP_ARROW))) {
        idxs.unshift(o + 1 < j ? [o + 1, j] : null);
        idx = idxs[pk === K_VAR && c.text(p) === "GLOBALS" ? 1 : 0] ?? null;
        elem = true;
        j = p;
        continue;
      }
      if (c.isOp(j, 93)) return { targets: this.varsIn(o, j, sc), elem: false, idx: null };
      return { targets: [], elem, idx };
    }
    if (j < 0) return { targets: [], elem, idx };
    const k = c.tk.kind[j];
    if (k === K_VAR) {
      if (c.isOp(j - 1, 36)) return { targets: [], elem, idx }; // $$x = … handled as extract-like
      if (c.text(j) === "GLOBALS" && idxs.length === 1) { elem = false; idx = null; }
      return { targets: [this.varKey(j, sc)], elem, idx };
    }
    if (k === K_ID && c.isOp(j - 1, OP_ARROW)) return { targets: ["P:" + c.text(j)], elem, idx };
    if (c.isOp(j, 41)) {
      const o = c.match[j]!;
      if (o > 0 && c.isId(o - 1, "list")) return { targets: this.varsIn(o, j, sc), elem: false, idx: null };
    }
    return { targets: [], elem, idx };
  }

  private varsIn(a: number, b: number, sc: number): string[] {
    const out: string[] = [];
    for (let k = a; k < b && out.length < 32; k++) if (this.c.tk.kind[k] === K_VAR) { out.push(this.varKey(k, sc)); k = this.chainEnd(k, b); }
    return out;
  }

  private collect(): void {
    const c = this.c;
    const { kind, op, asg, nasg } = c.tk;
    // only assignment operators, calls and `return` add records: the lexer listed them, in order
    for (let q = 0; q < nasg; q++) {
      const i = asg[q]!;
      const k = kind[i];
      if (k === K_OP) {
        const o = op[i];
        if (o !== 61 && o !== OP_CONCAT_ASSIGN && o !== 262) continue;
        const sc = c.scope[i]!;
        const e = c.exprEnd(i + 1);
        // `$$name = …` / `${…} = …`: writes a variable chosen at run time (extract by hand).
        if (c.isOp(i - 1, 125) && c.isOp(c.match[i - 1]! - 1, 36)) { this.push(2, ["*"], i + 1, e, sc, i); continue; }
        if (kind[i - 1] === K_VAR && c.isOp(i - 2, 36)) { this.push(2, ["*"], i + 1, e, sc, i); continue; }
        const l = this.lhs(i, sc);
        if (l.targets.length === 0) continue;
        const rk = l.elem ? 3 : o === OP_CONCAT_ASSIGN ? 1 : 0;
        this.push(rk, l.targets, i + 1, e, sc, i, l.idx);
        if (!l.elem && c.isId(i + 1, "fopen") && c.isOp(i + 2, 40)) {
          const m = c.match[i + 2]!;
          if (m > 0) this.fopenPath.set(l.targets[0]!, [i + 3, c.exprEnd(i + 3)]);
        }
        continue;
      }
      if (k !== K_ID) continue;
      const len = c.tk.end[i]! - c.tk.start[i]!;
      // Keywords below are 6-7 chars; everything else must be a call.
      if (len !== 6 && len !== 7 && !c.isOp(i + 1, 40)) continue;
      // a known name or null; a call of neither a known name nor a function defined here adds no record
      const name = c.word(i);
      const fn = c.func(i);
      if (name === null && fn === undefined) continue;
      const sc = c.scope[i]!;
      if (name === "foreach" && c.isOp(i + 1, 40)) {
        const close = c.match[i + 1]!;
        if (close < 0) continue;
        let as = -1;
        for (let j = i + 2; j < close; j++) {
          if (c.isOp(j, 40) || c.isOp(j, 91)) { const m = c.match[j]!; if (m > j) j = m; continue; }
          if (c.isId(j, "as")) { as = j; break; }
        }
        if (as < 0) continue;
        // `foreach ($_POST as $k => $v) $$k = $v` is an extract by hand: caught by the $$ rule.
        this.push(0, this.varsIn(as + 1, close, sc), i + 2, as, sc, i);
        continue;
      }
      if (name === "return" && sc !== 0) {
        const fn = c.funcOfScope[sc];
        if (fn) this.push(0, ["R:" + fn.name], i + 1, c.exprEnd(i + 1, false), sc, i);
        continue;
      }
      if (name === "define" && c.isOp(i + 1, 40)) {
        const a = c.args(i + 1);
        if (a.length >= 2) {
          const nm = this.fold(a[0]![0], a[0]![1], sc);
          if (nm) this.push(0, ["C:" + nm.v.toLowerCase()], a[1]![0], a[1]![1], sc, i);
        }
        continue;
      }
      if (!c.isOp(i + 1, 40)) continue;
      const member = c.isMemberCall(i);
      if (fn && ((member && this.methodFlow) || c.isPlainCall(i))) {
        const a = c.args(i + 1);
        for (let p = 0; p < a.length && p < fn.params.length; p++) {
          this.push(0, [fn.scope + ":" + fn.params[p]], a[p]![0], a[p]![1], sc, i);
          // foo(&$v) may rewrite $v: its constant value is no longer known.
          if (fn.byRef[p] && c.tk.kind[a[p]![0]] === K_VAR) this.recs.push({ kind: 4, targets: [this.varKey(a[p]![0], sc)], a: i, b: i, sc, at: i });
        }
        continue;
      }
      if (member || !c.isPlainCall(i)) continue;
      if (name === "parse_str" || name === "mb_parse_str" || name === "extract" || name === "import_request_variables") {
        const a = c.args(i + 1);
        if (a.length === 0) continue;
        if ((name === "parse_str" || name === "mb_parse_str") && a.length >= 2) {
          this.push(0, this.varsIn(a[1]![0], a[1]![1], sc), a[0]![0], a[0]![1], sc, i);
        } else if (name === "import_request_variables") {
          this.extracted.add(sc);
        } else {
          this.push(2, ["*"], a[0]![0], a[0]![1], sc, i);
        }
        continue;
      }
      if (name === "preg_match" || name === "preg_match_all") {
        const a = c.args(i + 1);
        if (a.length >= 3) this.push(0, this.varsIn(a[2]![0], a[2]![1], sc), a[1]![0], a[1]![1], sc, i);
        continue;
      }
      if (name === "array_push" || name === "array_unshift") {
        const a = c.args(i + 1);
        if (a.length >= 2) this.push(0, this.varsIn(a[0]![0], a[0]![1], sc), a[1]![0], a[a.length - 1]![1], sc, i);
        continue;
      }
      if ((name === "call_user_func" || name === "call_user_func_array") ) {
        // call_user_func(new C(), $x) runs C::__invoke($x): feed its parameter.
        const a = c.args(i + 1);
        const inv = c.funcs.get("__invoke");
        if (inv && a.length >= 2 && c.isId(a[0]![0], "new")) {
          for (let p = 1; p < a.length && p - 1 < inv.params.length; p++) this.push(0, [inv.scope + ":" + inv.params[p - 1]], a[p]![0], a[p]![1], sc, i);
        }
      }
    }
  }

  // ---- constants ----

  private consts(): void {
    for (const r of this.recs) {
      if (r.targets.length !== 1) continue;
      const key = r.targets[0]!;
      if (r.kind === 3) {
        const v = this.fold(r.a, r.b, r.sc);
        let m = this.arrays.get(key);
        if (!m) { m = new Map(); this.arrays.set(key, m); }
        if (!v || m.size > 4096) continue;
        const k = r.idx ? this.fold(r.idx[0], r.idx[1], r.sc) : null;
        m.set(k ? normKey(k.v) : String(m.size), v);
        continue;
      }
      if (r.kind === 2) continue;
      if (r.kind === 4) { const w = this.constW.get(key); if (w && w.length < 256) w.push([r.at, null]); continue; }
      let v = this.fold(r.a, r.b, r.sc, 0, r.at);
      if (r.kind === 1) {
        const prev = this.constAt(key, r.at);
        v = prev && v && prev.v.length + v.v.length <= MAX_FOLD ? { v: prev.v + v.v, obf: true, dec: prev.dec || v.dec } : null;
      } else if (!v) {
        const arr = this.foldArray(r.a, r.b, r.sc);
        if (arr) this.arrays.set(key, arr);
      }
      let w = this.constW.get(key);
      if (!w) { w = []; this.constW.set(key, w); }
      if (w.length < 256) w.push([r.at, v]);
      if (v && v.obf && v.v.length <= 40) this.builtNames.push([r.a, v]);
    }
  }

  /** The constant value of key as written last before token `at` (or ever, if none before). */
  constAt(key: string, at: number): Folded | null {
    const w = this.constW.get(key);
    if (!w || w.length === 0) return null;
    let best: Folded | null | undefined;
    for (const [p, v] of w) if (p < at) best = v;
    if (best === undefined) best = w.length === 1 ? w[0]![1] : null;
    return best ?? null;
  }

  /** Constant string built by [a, b), or null. `at` orders variable lookups. */
  fold(a: number, b: number, sc: number, depth = 0, at = a): Folded | null {
    const c = this.c;
    if (b <= a || depth > 8 || this.foldChars > MAX_FOLD_TOTAL) return null;
    while (c.isOp(a, 40) && c.match[a] === b - 1) { a++; b--; if (b <= a) return null; }
    let out = "";
    let obf = false;
    let dec = false;
    let parts = 0;
    let i = a;
    while (i < b) {
      const r = this.bitwise(i, b, sc, depth, at);
      if (!r) return null;
      out += r.f.v;
      if (out.length > MAX_FOLD) return null;
      obf ||= r.f.obf; dec ||= r.f.dec;
      parts++;
      i = r.next;
      if (i < b) { if (!c.isOp(i, 46)) return null; i++; }
    }
    if (parts > 1) obf = true;
    if (parts > 1 || dec) this.foldChars += out.length;
    return { v: out, obf, dec };
  }

  /** An operand, possibly combined with `^ | &` (string bitwise ops) or negated with `~`. */
  private bitwise(i: number, b: number, sc: number, depth: number, at: number): { f: Folded; next: number } | null {
    const c = this.c;
    let r: { f: Folded; next: number } | null;
    if (c.isOp(i, 126)) {
      r = this.operand(i + 1, b, sc, depth, at);
      if (!r) return null;
      let v = "";
      for (let k = 0; k < r.f.v.length; k++) v += String.fromCharCode(~r.f.v.charCodeAt(k) & 255);
      r = { f: { v, obf: true, dec: r.f.dec }, next: r.next };
    } else r = this.operand(i, b, sc, depth, at);
    while (r && r.next < b && (c.isOp(r.next, 94) || c.isOp(r.next, 124) || c.isOp(r.next, 38))) {
      const o = c.tk.op[r.next]!;
      const q = this.operand(r.next + 1, b, sc, depth, at);
      if (!q) return null;
      const x = r.f.v, y = q.f.v;
      // PHP: ^ and & stop at the shorter string, | pads with the longer one.
      const n = o === 124 ? Math.max(x.length, y.length) : Math.min(x.length, y.length);
      let v = "";
      for (let k = 0; k < n; k++) {
        const p = x.charCodeAt(k) || 0, w = y.charCodeAt(k) || 0;
        v += String.fromCharCode(o === 94 ? p ^ w : o === 124 ? p | w : p & w);
      }
      r = { f: { v, obf: true, dec: r.f.dec || q.f.dec }, next: q.next };
    }
    return r;
  }

  private operand(i: number, b: number, sc: number, depth: number, at: number): { f: Folded; next: number } | null {
    const c = this.c;
    const k = c.tk.kind[i];
    if (k === K_STR || k === K_DSTR) {
      let v = strValue(c.tk, i);
      let obf = c.tk.op[i]! > 0;
      if (k === K_DSTR && v.indexOf("$") >= 0) {
        const vars = interpolatedVars(c.tk, i);
        if (vars.length > 0) {
          let ok = true;
          v = v.replace(/\{?\$([A-Za-z_\x80-\xff][\w\x80-\xff]*)\}?/g, (_m, nm: string) => {
            const cv = this.constAt(sc + ":" + nm, at);
            if (!cv) { ok = false; return ""; }
            return cv.v;
          });
          if (!ok) return null;
          obf = true;
        }
      }
      let next = i + 1;
      if (c.isOp(next, 91)) {
        const m = c.match[next]!;
        const n = m > 0 ? this.intExpr(next + 1, m, sc) : null;
        if (n === null) return null;
        v = v.charAt(n < 0 ? v.length + n : n);
        next = m + 1;
        obf = true;
      }
      return { f: { v, obf, dec: false }, next };
    }
    if (k === K_NUM) {
      const n = parseNum(c.text(i));
      return n === null ? null : { f: { v: String(n), obf: false, dec: false }, next: i + 1 };
    }
    if (c.isOp(i, 40)) {
      const m = c.match[i]!;
      if (m < 0 || m >= b) return null;
      const r = this.fold(i + 1, m, sc, depth + 1, at);
      return r ? { f: r, next: m + 1 } : null;
    }
    if (k === K_VAR) {
      let key = this.varKey(i, sc);
      let j = i + 1;
      if (c.text(i) === "GLOBALS" && c.isOp(j, 91)) j = c.match[j]! + 1;
      const base = this.constAt(key, at);
      if (c.isOp(j, 91) || c.isOp(j, 123)) {
        const m = c.match[j]!;
        if (m < 0 || m >= b) return null;
        const idx = this.fold(j + 1, m, sc, depth + 1, at);
        if (!idx) return null;
        const arr = this.arrays.get(key);
        let v: Folded | null | undefined = arr?.get(normKey(idx.v));
        if (!v && base) { const n = Number(idx.v); v = Number.isInteger(n) ? { v: base.v.charAt(n < 0 ? base.v.length + n : n), obf: true, dec: base.dec } : null; }
        if (!v) return null;
        key = "";
        return { f: { v: v.v, obf: true, dec: v.dec }, next: m + 1 };
      }
      return base ? { f: base, next: j } : null;
    }
    if (k === K_ID) {
      const name = c.id(i);
      if (!c.isOp(i + 1, 40)) {
        const cv = this.constAt("C:" + name, at);
        if (cv) return { f: cv, next: i + 1 };
        // PHP < 8 reads an undefined bare constant as its own name: sqlsec(assert).
        if (BARE_NAMES.has(name) && !c.isOp(i + 1, OP_DCOLON) && !c.isOp(i - 1, OP_DCOLON) && !c.isOp(i - 1, OP_ARROW)) return { f: { v: name, obf: true, dec: false }, next: i + 1 };
        return null;
      }
      const close = c.match[i + 1]!;
      if (close < 0 || close >= b) return null;
      const v = this.call(name, i + 1, close, sc, depth, at);
      return v ? { f: v, next: close + 1 } : null;
    }
    return null;
  }

  private call(name: string, p: number, close: number, sc: number, depth: number, at: number): Folded | null {
    const c = this.c;
    if (name === "chr") {
      const n = this.intExpr(p + 1, close, sc);
      return n === null ? null : { v: String.fromCharCode(((n % 256) + 256) % 256), obf: true, dec: false };
    }
    const args = c.args(p);
    const fa = (k: number): Folded | null => { const s = args[k]; return s ? this.fold(s[0], s[1], sc, depth + 1, at) : null; };
    if (name === "implode" || name === "join") {
      if (args.length !== 2) return null;
      const sep = fa(0);
      const arr = this.foldArray(args[1]![0], args[1]![1], sc, depth + 1);
      if (!sep || !arr) return null;
      return { v: [...arr.values()].map((x) => x.v).join(sep.v), obf: true, dec: [...arr.values()].some((x) => x.dec) };
    }
    if (name === "str_replace" || name === "str_ireplace") {
      if (args.length !== 3) return null;
      const [x, y, s] = [fa(0), fa(1), fa(2)];
      if (!x || !y || !s || x.v === "") return null;
      return { v: name === "str_replace" ? s.v.split(x.v).join(y.v) : s.v.replace(new RegExp(escapeRe(x.v), "gi"), () => y.v), obf: true, dec: s.dec };
    }
    if (name === "substr") {
      const s = fa(0);
      const st = args[1] ? this.intExpr(args[1][0], args[1][1], sc) : null;
      if (!s || st === null) return null;
      const ln = args[2] ? this.intExpr(args[2][0], args[2][1], sc) : null;
      const from = st < 0 ? Math.max(0, s.v.length + st) : st;
      const to = ln === null ? s.v.length : ln < 0 ? s.v.length + ln : from + ln;
      return { v: s.v.slice(from, Math.max(from, to)), obf: true, dec: s.dec };
    }
    if (name === "strtr") {
      if (args.length !== 3) return null;
      const [s, x, y] = [fa(0), fa(1), fa(2)];
      if (!s || !x || !y) return null;
      const map = new Map<string, string>();
      for (let q = 0; q < Math.min(x.v.length, y.v.length); q++) map.set(x.v[q]!, y.v[q]!);
      let o = "";
      for (const ch of s.v) o += map.get(ch) ?? ch;
      return { v: o, obf: true, dec: true };
    }
    if (name === "sprintf") {
      const fmt = fa(0);
      if (!fmt) return null;
      let q = 1;
      let bad = false;
      const v = fmt.v.replace(/%(%|s|c|d)/g, (_m, t: string) => {
        if (t === "%") return "%";
        const s = args[q++];
        if (!s) { bad = true; return ""; }
        if (t === "c" || t === "d") { const n = this.intExpr(s[0], s[1], sc); if (n === null) { bad = true; return ""; } return t === "c" ? String.fromCharCode(n & 255) : String(n); }
        const r = this.fold(s[0], s[1], sc, depth + 1, at);
        if (!r) { bad = true; return ""; }
        return r.v;
      });
      return bad ? null : { v, obf: true, dec: false };
    }
    if (name === "substr_replace") {
      const [s0, r0] = [fa(0), fa(1)];
      const st = args[2] ? this.intExpr(args[2][0], args[2][1], sc) : null;
      if (!s0 || !r0 || st === null) return null;
      const ln = args[3] ? this.intExpr(args[3][0], args[3][1], sc) : null;
      const from = st < 0 ? Math.max(0, s0.v.length + st) : Math.min(st, s0.v.length);
      const to = ln === null ? s0.v.length : ln < 0 ? Math.max(from, s0.v.length + ln) : from + ln;
      return { v: s0.v.slice(0, from) + r0.v + s0.v.slice(to), obf: true, dec: s0.dec };
    }
    if (name === "pack") {
      const f0 = fa(0);
      const h = fa(1);
      if (!f0 || !h || !/^H\*?$/i.test(f0.v)) return null;
      return { v: hexDecode(h.v), obf: true, dec: true };
    }
    if (args.length !== 1 && !(args.length === 2 && /^(trim|ltrim|rtrim|gzinflate|gzuncompress|gzdecode|base64_decode)$/.test(name))) return null;
    const s = fa(0);
    if (!s) return null;
    const dec = (v: string | null): Folded | null => (v === null ? null : { v, obf: true, dec: true });
    switch (name) {
      case "strrev": return { v: [...s.v].reverse().join(""), obf: true, dec: s.dec };
      case "str_rot13": return { v: rot13(s.v), obf: true, dec: true };
      case "strtolower": return { v: s.v.toLowerCase(), obf: s.obf, dec: s.dec };
      case "strtoupper": return { v: s.v.toUpperCase(), obf: s.obf, dec: s.dec };
      case "ucfirst": case "ucwords": case "trim": case "ltrim": case "rtrim": case "strval":
        return { v: name === "ucfirst" || name === "ucwords" ? s.v.charAt(0).toUpperCase() + s.v.slice(1) : name === "strval" ? s.v : s.v.trim(), obf: s.obf, dec: s.dec };
      case "base64_decode": return dec(b64(s.v));
      case "hex2bin": return dec(hexDecode(s.v));
      case "urldecode": case "rawurldecode": return dec(pctDecode(s.v, name === "urldecode"));
      case "gzinflate": return dec(inflate(s.v, 0));
      case "gzuncompress": return dec(inflate(s.v, 1));
      case "gzdecode": return dec(inflate(s.v, 2));
      case "convert_uudecode": return null;
    }
    return null;
  }

  /** An array literal (array(...), [...], explode(sep, const), or a known array variable) as key → value. */
  foldArray(a: number, b: number, sc: number, depth = 0): Map<string, Folded> | null {
    const c = this.c;
    if (depth > 8) return null;
    let o = -1;
    if (c.isId(a, "array") && c.isOp(a + 1, 40)) o = a + 1;
    else if (c.isOp(a, 91)) o = a;
    if (o >= 0) {
      if (c.match[o] !== b - 1) return null;
      const out = new Map<string, Folded>();
      let auto = 0;
      for (const [s, e] of c.args(o)) {
        let vs = s;
        let key: string | null = null;
        for (let j = s; j < e; j++) if (c.isOp(j, OP_DARROW)) { const kf = this.fold(s, j, sc, depth + 1); if (!kf) return null; key = normKey(kf.v); vs = j + 1; break; }
        const v = this.fold(vs, e, sc, depth + 1);
        if (!v) return null;
        out.set(key ?? String(auto++), v);
      }
      return out.size > 0 ? out : null;
    }
    if (c.isId(a, "explode") && c.isOp(a + 1, 40) && c.match[a + 1] === b - 1) {
      const args = c.args(a + 1);
      if (args.length !== 2) return null;
      const sep = this.fold(args[0]![0], args[0]![1], sc, depth + 1);
      const s = this.fold(args[1]![0], args[1]![1], sc, depth + 1);
      if (!sep || !s || sep.v === "") return null;
      const out = new Map<string, Folded>();
      s.v.split(sep.v).slice(0, 4096).forEach((x, q) => out.set(String(q), { v: x, obf: true, dec: s.dec }));
      return out;
    }
    if (c.tk.kind[a] === K_VAR && b === a + 1) return this.arrays.get(this.varKey(a, sc)) ?? null;
    return null;
  }

  /** Small integer arithmetic (for chr() and indexes): numbers, + - * / % ( ), ord('x'). */
  intExpr(a: number, b: number, sc: number): number | null {
    const c = this.c;
    let i = a;
    const prim = (): number | null => {
      if (i >= b) return null;
      if (c.isOp(i, 45)) { i++; const v = prim(); return v === null ? null : -v; }
      if (c.isOp(i, 43)) { i++; return prim(); }
      if (c.isOp(i, 40)) { const m = c.match[i]!; if (m < 0 || m >= b) return null; const s = i + 1; i = m + 1; const save = i; const r = sub(s, m); i = save; return r; }
      const k = c.tk.kind[i];
      if (k === K_NUM) { const v = parseNum(c.text(i)); i++; return v; }
      if (k === K_ID && c.id(i) === "ord" && c.isOp(i + 1, 40)) {
        const m = c.match[i + 1]!;
        const s = m > 0 ? this.fold(i + 2, m, sc) : null;
        i = m + 1;
        return s && s.v.length > 0 ? s.v.charCodeAt(0) : null;
      }
      if (k === K_STR || k === K_DSTR) { const v = Number(strValue(c.tk, i)); i++; return Number.isFinite(v) ? v : null; }
      if (k === K_VAR) { const cv = this.constAt(this.varKey(i, sc), i); i++; const v = cv ? Number(cv.v) : NaN; return Number.isFinite(v) ? v : null; }
      return null;
    };
    const term = (): number | null => {
      let v = prim();
      while (v !== null && i < b && (c.isOp(i, 42) || c.isOp(i, 47) || c.isOp(i, 37))) {
        const o = c.tk.op[i]; i++;
        const r = prim();
        if (r === null) return null;
        v = o === 42 ? v * r : r === 0 ? null : o === 47 ? Math.trunc(v / r) : v % r;
      }
      return v;
    };
    const sub = (s: number, e: number): number | null => {
      const [si, sb] = [i, b];
      i = s; b = e;
      let v = term();
      while (v !== null && i < b && (c.isOp(i, 43) || c.isOp(i, 45))) {
        const o = c.tk.op[i]; i++;
        const r = term();
        if (r === null) { v = null; break; }
        v = o === 43 ? v + r : v - r;
      }
      const ok = i === b;
      i = si; b = sb;
      return ok ? v : null;
    };
    return sub(a, b);
  }
}

/** Switch for tests: with `enabled` false every file takes the full taint pass (prefilter.test.ts compares both). */
export const taintShortcut = { enabled: true };

/** Identifiers that start taint when called (flags(): input functions, decoders, remote reads, doc comments). */
const SOURCE_CALLS = new Set(["import_request_variables", "getdoccomment", "getenv", "file_get_contents", "file", "fopen", ...INPUT_FUNCS, ...CRYPTO_DECODERS, ...STRONG_DECODERS]);
const SOURCE_CALL_HASHES = new Set([...SOURCE_CALLS].map(nameHash));

/**
 * Whether any token of the file can make flags() non-zero: a superset of the sources flags()
 * knows — request superglobals (and `$_SERVER` / `$GLOBALS` indexed by anything but a plain
 * literal that is not input), `$$x` / `${…}`, variable calls (their callee may fold to a
 * decoder), calls of input functions, decoders and remote reads, `php://input`, long strings
 * (blobs) and request variables interpolated into strings. Everything else flags() reads —
 * variables, user functions' results, extract()ed scopes — is only tainted through these.
 */
export function hasTaintSource(c: Code): boolean {
  const { kind, op, act, nact } = c.tk;
  const t = c.tk.text;
  // the lexer's list of variables, strings, calls and `$` holds every token that can be a source
  for (let q = 0; q < nact; q++) {
    const i = act[q]!;
    const k = kind[i];
    if (k === K_VAR) {
      const f = t.charCodeAt(c.tk.start[i]!);
      const nx = kind[i + 1] === K_OP ? op[i + 1]! : 0;
      // only `$_…`, `$HTTP_…` and `$GLOBALS` name input; other variables matter when called
      if (f !== 95 && f !== 72 && f !== 71 && nx !== 91 && nx !== 123 && nx !== 40 && nx !== OP_ARROW) continue;
      const name = c.varName(i);
      if (name !== null && INPUT_GLOBALS.has(name)) return true;
      if (name === "_SERVER" || name === "GLOBALS") {
        // inputVar()/varKey() fold the index: a lone literal is read without side effects.
        if (!c.isOp(i + 1, 91)) { if (name === "GLOBALS") return true; continue; }
        const lit = kind[i + 2];
        if ((lit !== K_STR && lit !== K_DSTR) || !c.isOp(i + 3, 93) || (lit === K_DSTR && op[i + 2]! > 0)) return true;
        const key = strValue(c.tk, i + 2);
        if (key.indexOf("$") >= 0 || (name === "_SERVER" ? SERVER_INPUT_KEY.test(key) : INPUT_GLOBALS.has(key))) return true;
        continue;
      }
      // a variable call: its callee may fold to a decoder's name
      let j = i;
      for (;;) {
        if (c.isOp(j + 1, 91) || c.isOp(j + 1, 123)) { const m = c.match[j + 1]!; if (m < 0) break; j = m; continue; }
        if (c.isOp(j + 1, OP_ARROW) && kind[j + 2] === K_ID && !c.isOp(j + 3, 40)) { j += 2; continue; }
        break;
      }
      if (c.isOp(j + 1, 40)) return true;
      continue;
    }
    if (k === K_ID) {
      if (c.isOp(i + 1, 40) && SOURCE_CALL_HASHES.has(c.tk.hash[i]!)) { const w = c.word(i); if (w !== null && SOURCE_CALLS.has(w)) return true; }
      continue;
    }
    if (k === K_STR || k === K_DSTR || k === K_BT) {
      const cs = c.tk.cstart[i]!, ce = c.tk.cend[i]!;
      if (ce - cs >= BLOB_MIN) return true;
      if (ce - cs >= 11 && t.substr(cs, 11).toLowerCase() === "php://input") return true;
      if (k !== K_STR && t.indexOf("$", cs) < ce) for (const v of interpolatedVars(c.tk, i)) if (INPUT_GLOBALS.has(v)) return true;
      continue;
    }
    if (k === K_OP && op[i] === 36) return true;
  }
  return false;
}

function normKey(k: string): string {
  return /^-?\d+$/.test(k) ? String(Number(k)) : k;
}

function parseNum(s: string): number | null {
  const t = s.replace(/_/g, "");
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) v = parseInt(t.slice(2), 16);
  else if (/^0[bB][01]+$/.test(t)) v = parseInt(t.slice(2), 2);
  else if (/^0[oO]?[0-7]+$/.test(t)) v = parseInt(t.replace(/^0[oO]?/, ""), 8);
  else v = Number(t);
  return Number.isFinite(v) ? v : null;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function rot13(s: string): string {
  return s.replace(/[a-zA-Z]/g, (ch) => {
    const b = ch <= "Z" ? 65 : 97;
    return String.fromCharCode(((ch.charCodeAt(0) - b + 13) % 26) + b);
  });
}

export function b64(s: string): string | null {
  const t = s.replace(/[^A-Za-z0-9+/_-]/g, "");
  if (t.length === 0) return "";
  return Buffer.from(t, "base64").toString("latin1");
}

function hexDecode(s: string): string {
  const t = s.replace(/[^0-9a-fA-F]/g, "");
  return Buffer.from(t.length % 2 ? t.slice(0, -1) : t, "hex").toString("latin1");
}

function pctDecode(s: string, plus: boolean): string {
  return (plus ? s.replace(/\+/g, " ") : s).replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** zlib decode of latin1 data: 0 raw deflate, 1 zlib, 2 gzip; bounded output. */
export function inflate(s: string, mode: 0 | 1 | 2): string | null {
  try {
    const buf = Buffer.from(s, "latin1");
    const opts = { maxOutputLength: MAX_FOLD };
    const out = mode === 0 ? inflateRawSync(buf, opts) : mode === 1 ? inflateSync(buf, opts) : gunzipSync(buf, opts);
    return out.toString("latin1");
  } catch {
    return null;
  }
}

