/**
 * WS-8: a lexer-lite for PHP. It finds the code regions (`<?php`, `<?=`, `?>`), drops comments
 * and inline HTML, and cuts the rest into identifiers, variables, strings (single, double,
 * heredoc, nowdoc, backtick), numbers and operators. Enough to reason about code instead of
 * raw text; it never throws and runs in one linear pass. Tokens live in typed arrays (no
 * object per token) so that megabytes of framework code stay cheap.
 */

export const K_ID = 1;
/** `$name`: the token spans the name without the `$`. */
export const K_VAR = 2;
/** Single-quoted string or nowdoc: no interpolation. */
export const K_STR = 3;
/** Double-quoted string or heredoc: escapes and interpolation. */
export const K_DSTR = 4;
/** Backtick string: a shell command. */
export const K_BT = 5;
export const K_NUM = 6;
export const K_OP = 7;
/** `<?=`: an implicit echo. */
export const K_ECHO = 8;

// Operator codes: single characters use their char code; longer operators these.
export const OP_ARROW = 256; // -> ?->
export const OP_DCOLON = 257; // ::
export const OP_DARROW = 258; // =>
export const OP_EQ = 259; // == ===
export const OP_NE = 260; // != !== <>
export const OP_CONCAT_ASSIGN = 261; // .=
export const OP_ASSIGN_OTHER = 262; // += -= *= /= %= ^= |= &= ??= **= <<= >>=
export const OP_LOGIC = 263; // && ||
export const OP_COALESCE = 264; // ??
export const OP_CMP = 265; // <= >= <=>
export const OP_INCDEC = 266; // ++ --
export const OP_SHIFT = 267; // << >>
export const OP_ELLIPSIS = 268; // ...
export const OP_POW = 269; // **

export interface Tokens {
  readonly text: string;
  readonly n: number;
  readonly kind: Uint8Array;
  /** For K_OP: the operator code; for strings: the count of \x / octal / \u escapes. */
  readonly op: Int32Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** For strings: offset of the content (after the quote or heredoc label line) and its end. */
  readonly cstart: Int32Array;
  readonly cend: Int32Array;
  /**
   * For K_ID: nameHash() of the lower-cased name (as Code.id() spells it); for K_VAR: of the
   * name as written. Lets the analysis ask "is this one of the names I know?" without building
   * a string per token. Other kinds: unspecified.
   */
  readonly hash: Int32Array;
  /** Index of the matching bracket for ( [ { and ) ] }, or -1; exactly n long. */
  readonly match: Int32Array;
  /** Indices of the K_ID tokens that may be `function`, `global`, `for`, `foreach` or `while` (by length and first letter), in order. */
  readonly kw: Int32Array;
  readonly nkw: number;
  /**
   * Indices, in order, of every token the per-token heuristics can act on: variables, strings,
   * identifiers followed by `(`, identifiers that may be goto/include/require (by length and
   * hash), `$` operators, and `)` followed by `(`. Every other token is an operator or a
   * number those passes skip.
   */
  readonly act: Int32Array;
  readonly nact: number;
  /** Indices, in order, of the tokens the data flow records: assignment operators, identifiers followed by `(`, and identifiers that may be `return`. */
  readonly asg: Int32Array;
  readonly nasg: number;
  /** Bytes of inline HTML outside PHP tags. */
  readonly htmlBytes: number;
  /** True when the file had no PHP open tag and was read as code anyway. */
  readonly noOpenTag: boolean;
}

/** Character classes of the first 256 code points: 1 starts an identifier, 2 continues one. */
const CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) CLASS[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128 ? 3 : c >= 48 && c <= 57 ? 2 : 0;
const isIdStart = (c: number): boolean => (c < 256 ? (CLASS[c]! & 1) !== 0 : c === c);
const isIdChar = (c: number): boolean => (c < 256 ? CLASS[c]! !== 0 : c === c);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** Single-character operators that start no longer operator, comment, string or tag: 1 `,;` 2 openers 3 closers (every bracket is lexed through here). */
const SIMPLE_OP = new Uint8Array(128);
for (const ch of ",;") SIMPLE_OP[ch.charCodeAt(0)] = 1;
for (const ch of "([{") SIMPLE_OP[ch.charCodeAt(0)] = 2;
for (const ch of ")]}") SIMPLE_OP[ch.charCodeAt(0)] = 3;

/** One step of the name hash (the lexer computes it inline while it reads a name). */
const HASH_MUL = 0x01000193;
/** The hash the lexer gives a name: FNV-1a-like over its UTF-16 code units. */
export function nameHash(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), HASH_MUL);
  return h;
}
const H_GOTO = nameHash("goto"), H_INCLUDE = nameHash("include"), H_REQUIRE = nameHash("require");
const H_INCLUDE_ONCE = nameHash("include_once"), H_REQUIRE_ONCE = nameHash("require_once"), H_RETURN = nameHash("return");

/**
 * The token arrays. Everything is sized by one capacity (a list never holds more entries than
 * there are tokens, brackets never nest deeper), checked once per lexer step: the push methods
 * have no branch of their own that runs only now and then (a path the optimising compiler has
 * not seen makes it throw the whole lexer's code away when first taken).
 */
class Buf {
  n = 0;
  cap: number;
  kind: Uint8Array;
  op: Int32Array;
  start: Int32Array;
  end: Int32Array;
  cstart: Int32Array;
  cend: Int32Array;
  hash: Int32Array;
  match: Int32Array;
  kw: Int32Array;
  nkw = 0;
  act: Int32Array;
  nact = 0;
  asg: Int32Array;
  nasg = 0;
  /** Open brackets not closed yet (token indices). */
  stack: Int32Array;
  sp = 0;
  constructor(cap: number) {
    this.cap = cap;
    this.kind = new Uint8Array(cap);
    this.op = new Int32Array(cap);
    this.start = new Int32Array(cap);
    this.end = new Int32Array(cap);
    this.cstart = new Int32Array(cap);
    this.cend = new Int32Array(cap);
    this.hash = new Int32Array(cap);
    this.match = new Int32Array(cap);
    this.kw = new Int32Array(cap);
    this.act = new Int32Array(cap);
    this.asg = new Int32Array(cap);
    this.stack = new Int32Array(cap);
  }
  /** A string token (K_STR / K_DSTR / K_BT): escapes in `op`, content span in cstart/cend. */
  pushStr(kind: number, op: number, s: number, e: number, cs: number, ce: number): void {
    const i = this.n++;
    this.kind[i] = kind; this.op[i] = op; this.start[i] = s; this.end[i] = e; this.cstart[i] = cs; this.cend[i] = ce; this.match[i] = -1;
    this.act[this.nact++] = i;
  }
  /** `<?=` (an implicit echo). */
  pushEcho(s: number, e: number): void {
    const i = this.n++;
    this.kind[i] = K_ECHO; this.op[i] = 0; this.start[i] = s; this.end[i] = e; this.cstart[i] = 0; this.cend[i] = 0; this.match[i] = -1;
  }
  /** An identifier, variable or number: no operator code, no content span; `h` its name hash. */
  pushName(kind: number, s: number, e: number, h: number): number {
    const i = this.n++;
    this.kind[i] = kind; this.op[i] = 0; this.start[i] = s; this.end[i] = e; this.cstart[i] = 0; this.cend[i] = 0; this.hash[i] = h; this.match[i] = -1;
    return i;
  }
  /** An operator other than a bracket: assignments are listed for the data flow, `$` for the per-token pass. */
  pushOp(o: number, s: number, e: number): void {
    const i = this.n++;
    this.kind[i] = K_OP; this.op[i] = o; this.start[i] = s; this.end[i] = e; this.cstart[i] = 0; this.cend[i] = 0; this.match[i] = -1;
    if (o === 61 || o === OP_CONCAT_ASSIGN || o === OP_ASSIGN_OTHER) this.asg[this.nasg++] = i;
    else if (o === 36) this.act[this.nact++] = i;
  }
  /** `,` or `;` at s. */
  pushPlain(o: number, s: number): void {
    const i = this.n++;
    this.kind[i] = K_OP; this.op[i] = o; this.start[i] = s; this.end[i] = s + 1; this.cstart[i] = 0; this.cend[i] = 0; this.match[i] = -1;
  }
  /** `(`, `[` or `{` at s: kept open until its closer (what Code.buildMatch did in a pass of its own). */
  pushOpen(o: number, s: number): void {
    const i = this.n++;
    this.kind[i] = K_OP; this.op[i] = o; this.start[i] = s; this.end[i] = s + 1; this.cstart[i] = 0; this.cend[i] = 0; this.match[i] = -1;
    if (o === 40 && i > 0) {
      // a call `name(` (both passes; listed once), or `(…)(` (a dynamic call)
      const p = i - 1;
      const pk = this.kind[p];
      if (pk === K_ID) {
        if (this.nact === 0 || this.act[this.nact - 1] !== p) this.act[this.nact++] = p;
        if (this.nasg === 0 || this.asg[this.nasg - 1] !== p) this.asg[this.nasg++] = p;
      } else if (pk === K_OP && this.op[p] === 41) this.act[this.nact++] = p;
    }
    this.stack[this.sp++] = i;
  }
  /**
   * `)`, `]` or `}` at s: it pops to the nearest opener of its kind among the last 8 still
   * open, so broken nesting is tolerated.
   */
  pushClose(o: number, s: number): void {
    const i = this.n++;
    this.kind[i] = K_OP; this.op[i] = o; this.start[i] = s; this.end[i] = s + 1; this.cstart[i] = 0; this.cend[i] = 0; this.match[i] = -1;
    const want = o === 41 ? 40 : o === 93 ? 91 : 123;
    const stack = this.stack;
    let k = this.sp - 1;
    const floor = Math.max(0, this.sp - 8);
    while (k >= floor && this.op[stack[k]!] !== want) k--;
    if (k < floor) return;
    const j = stack[k]!;
    this.sp = k;
    this.match[i] = j;
    this.match[j] = i;
  }
  /** At least twice the capacity (or `want`), contents kept. */
  grow(want = 0): void {
    const m = Math.max(this.cap * 2, want);
    this.cap = m;
    const k = new Uint8Array(m); k.set(this.kind); this.kind = k;
    const i32 = (a: Int32Array): Int32Array => { const g = new Int32Array(m); g.set(a); return g; };
    this.op = i32(this.op);
    this.start = i32(this.start);
    this.end = i32(this.end);
    this.cstart = i32(this.cstart);
    this.cend = i32(this.cend);
    this.hash = i32(this.hash);
    this.match = i32(this.match);
    this.kw = i32(this.kw);
    this.act = i32(this.act);
    this.asg = i32(this.asg);
    this.stack = i32(this.stack);
  }
  /** Past the last token, zeros (as in a fresh buffer), so that a look one or two tokens ahead reads the same whatever file the buffer held before. */
  seal(): void {
    if (this.n + SENTINELS > this.cap) this.grow();
    for (let i = this.n; i < this.n + SENTINELS; i++) {
      this.kind[i] = 0; this.op[i] = 0; this.start[i] = 0; this.end[i] = 0; this.cstart[i] = 0; this.cend[i] = 0; this.hash[i] = 0; this.match[i] = 0;
    }
  }
}
/** Zeroed slots after the last token (seal()). */
const SENTINELS = 4;

/** Finds the next PHP open tag at or after `from`; returns [tagStart, codeStart, isEcho] or null. */
function nextOpenTag(t: string, from: number, limit: number): [number, number, boolean] | null {
  let i = from;
  for (;;) {
    const p = t.indexOf("<?", i);
    if (p < 0 || p >= limit) return null;
    const c = t.charCodeAt(p + 2);
    if (c === 61 /* = */) return [p, p + 3, true];
    if ((c === 112 || c === 80) && t.substr(p + 2, 3).toLowerCase() === "php") return [p, p + 5, false];
    // Short open tag `<?` followed by space; `<?xml` and friends are not code.
    if (c === 32 || c === 9 || c === 10 || c === 13 || Number.isNaN(c)) return [p, p + 2, false];
    i = p + 2;
  }
}

/** Count of \x.., \[0-7]{1,3} and \u{..} escapes in a double-quoted body (obfuscation signal). */
function countEscapes(t: string, s: number, e: number): number {
  let n = 0;
  for (let i = t.indexOf("\\", s); i >= 0 && i < e - 1; i = t.indexOf("\\", i + 2)) {
    const c = t.charCodeAt(i + 1);
    if (c === 120 || c === 88 || (c >= 48 && c <= 55) || c === 117) n++;
  }
  return n;
}

let shared: Buf | null = null;
/**
 * Tokens the shared buffers keep between files (~3 MB: 45 bytes a token): enough for nearly every file. A larger
 * file lexes into buffers of its own, dropped with its analysis, so that one big file does not
 * pin tens of MB for the rest of the process (the agent keeps this engine loaded).
 */
export const SHARED_TOKENS = 1 << 16;

/** Tokens the shared buffers hold now (0 before the first file): stays within SHARED_TOKENS. */
export function sharedCapacity(): number {
  return shared?.kind.length ?? 0;
}

/**
 * Tokenizes at most `limit` chars of `t`. Never throws. With `reuse`, the token arrays are the
 * module's shared buffers, valid until the next reusing call (the analyzer is synchronous).
 */
export function lex(t: string, limit: number = t.length, reuse = false): Tokens {
  const len = Math.min(limit, t.length);
  // Framework code averages ~7 chars per token: size once, grow rarely.
  const want = Math.max(256, (len / 5) | 0);
  let b: Buf;
  if (reuse && want <= SHARED_TOKENS) {
    if (shared === null || shared.kind.length > SHARED_TOKENS) shared = new Buf(SHARED_TOKENS);
    b = shared;
    b.n = 0;
    b.nkw = 0;
    b.nact = 0;
    b.nasg = 0;
    b.sp = 0;
  } else b = new Buf(want);
  let html = 0;
  let i = 0;
  let noOpenTag = false;
  // Next `?>` at or after the last comment, found once per tag rather than once per comment
  // (a file without `?>` would otherwise be searched to its end for each comment).
  const close = { at: -2 };
  // First backslash at or after the current string's start (-1: none left).
  const bs = { at: -2 };
  const first = nextOpenTag(t, 0, len);
  if (first === null) {
    // No open tag: a fragment meant to be included or pasted into eval is read as code;
    // a document (HTML, XML, text starting with markup) stays inline output.
    const m = /\S/.exec(t.slice(0, 4096));
    if (m && t.charCodeAt(m.index) === 60) {
      b.seal();
      return tokens(t, b, len, false);
    }
    noOpenTag = true;
  } else {
    html += first[0];
    if (first[2]) b.pushEcho(first[0], first[1]);
    i = first[1];
  }
  while (i < len) {
    // room for the (at most two) tokens of this step: the one capacity check
    // (grown to what the token density so far predicts for the whole text: one copy, not several)
    if (b.n + 2 > b.cap) b.grow(Math.ceil((b.n / Math.max(1, i)) * len * 1.1) + 64);
    const c = t.charCodeAt(i);
    // whitespace
    if (c === 32 || c === 10 || c === 9 || c === 13 || c === 11 || c === 12) { i++; continue; }
    // the most common operators, which no longer one starts: `( ) [ ] { } , ;`
    const sk = c < 128 ? SIMPLE_OP[c]! : 0;
    if (sk !== 0) {
      if (sk === 1) b.pushPlain(c, i); else if (sk === 2) b.pushOpen(c, i); else b.pushClose(c, i);
      i++;
      continue;
    }
    if (c === 36 /* $ */) {
      const d = t.charCodeAt(i + 1);
      if (isIdStart(d)) {
        let j = i + 2;
        let h = Math.imul(0x811c9dc5 ^ d, HASH_MUL);
        for (; j < len; j++) {
          const e = t.charCodeAt(j);
          if (!isIdChar(e)) break;
          h = Math.imul(h ^ e, HASH_MUL);
        }
        b.act[b.nact++] = b.pushName(K_VAR, i + 1, j, h);
        i = j;
        continue;
      }
      b.pushOp(36, i, i + 1); i++; continue;
    }
    if (isIdStart(c)) {
      let j = i + 1;
      // the lower-cased name's hash as the name is read (ASCII); a name with other characters is
      // hashed as Code.id() lower-cases it
      let h = Math.imul(0x811c9dc5 ^ (c >= 65 && c <= 90 ? c + 32 : c), HASH_MUL);
      let all = c;
      for (; j < len; j++) {
        const d = t.charCodeAt(j);
        if (!isIdChar(d)) break;
        h = Math.imul(h ^ (d >= 65 && d <= 90 ? d + 32 : d), HASH_MUL);
        all |= d;
      }
      if (all >= 128) h = nameHash(t.slice(i, j).toLowerCase());
      const at = b.pushName(K_ID, i, j, h);
      // `for` `while` `global` `foreach` `function`: the keywords Code's scope pass looks for
      const w = j - i;
      if (w >= 3 && w <= 8 && w !== 4) { const f = c | 32; if (f === 102 || f === 103 || f === 119) b.kw[b.nkw++] = at; }
      // goto / include / require (the per-token pass counts or follows them without a call) and return (the data flow)
      if (w === 4 || w === 7 || w === 12) { if (h === H_GOTO || h === H_INCLUDE || h === H_REQUIRE || h === H_INCLUDE_ONCE || h === H_REQUIRE_ONCE) b.act[b.nact++] = at; }
      else if (w === 6 && h === H_RETURN) b.asg[b.nasg++] = at;
      i = j;
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(t.charCodeAt(i + 1)))) {
      let j = i + 1;
      while (j < len) {
        const d = t.charCodeAt(j);
        if (isIdChar(d) || d === 46) j++; else break;
      }
      b.pushName(K_NUM, i, j, 0);
      i = j;
      continue;
    }
    if (c === 39 /* ' */ || c === 34 /* " */ || c === 96 /* ` */) {
      // The closing quote is the first one not escaped by a backslash: jump between the two
      // with indexOf (the next backslash is cached: most strings have none).
      const quote = c === 39 ? "'" : c === 34 ? '"' : "`";
      let j = i + 1;
      if (bs.at !== -1 && bs.at < j) bs.at = t.indexOf("\\", j);
      const firstBs = bs.at;
      for (;;) {
        let e = t.indexOf(quote, j);
        if (e < 0 || e > len) e = len;
        if (bs.at !== -1 && bs.at < j) bs.at = t.indexOf("\\", j);
        if (bs.at < 0 || bs.at >= e) { j = e; break; }
        j = bs.at + 2;
        if (j >= len) break;
      }
      const ce = Math.min(j, len);
      const kind = c === 39 ? K_STR : c === 34 ? K_DSTR : K_BT;
      const escapes = kind === K_STR || firstBs < 0 || firstBs >= ce - 1 ? 0 : countEscapes(t, firstBs, ce);
      b.pushStr(kind, escapes, i, Math.min(j + 1, len), i + 1, ce);
      i = j + 1;
      continue;
    }
    if (c === 47 /* / */) {
      const d = t.charCodeAt(i + 1);
      if (d === 42) { const e = t.indexOf("*/", i + 2); i = e < 0 ? len : e + 2; continue; }
      if (d === 47) { i = lineComment(t, i + 2, len, close); if (i < 0) { i = len; } continue; }
    }
    if (c === 35 /* # */ && t.charCodeAt(i + 1) !== 91) { i = lineComment(t, i + 1, len, close); if (i < 0) i = len; continue; }
    if (c === 63 /* ? */ && t.charCodeAt(i + 1) === 62 /* > */) {
      b.pushOp(59, i, i + 2);
      let j = i + 2;
      if (t.charCodeAt(j) === 10) j++; else if (t.charCodeAt(j) === 13 && t.charCodeAt(j + 1) === 10) j += 2;
      const nt = nextOpenTag(t, j, len);
      if (nt === null) { html += len - j; i = len; break; }
      html += nt[0] - j;
      if (nt[2]) b.pushEcho(nt[0], nt[1]);
      i = nt[1];
      continue;
    }
    if (c === 60 /* < */ && t.charCodeAt(i + 1) === 60 && t.charCodeAt(i + 2) === 60) {
      const h = heredoc(t, i, len);
      if (h) { b.pushStr(h[0], h[0] === K_DSTR ? countEscapes(t, h[2], h[3]) : 0, i, h[1], h[2], h[3]); i = h[1]; continue; }
    }
    // operators
    const ow = operator(t, i, c);
    const width = ow & 3;
    b.pushOp(ow >> 2, i, i + width);
    i += width;
  }
  b.seal();
  // a shared buffer that had to grow past the bound is this file's alone
  if (b === shared && b.kind.length > SHARED_TOKENS) shared = null;
  return tokens(t, b, html, noOpenTag);
}

function tokens(t: string, b: Buf, htmlBytes: number, noOpenTag: boolean): Tokens {
  return { text: t, n: b.n, kind: b.kind, op: b.op, start: b.start, end: b.end, cstart: b.cstart, cend: b.cend, hash: b.hash, match: b.match.subarray(0, b.n), kw: b.kw, nkw: b.nkw, act: b.act, nact: b.nact, asg: b.asg, nasg: b.nasg, htmlBytes, noOpenTag };
}

/**
 * End of a `//` or `#` comment: the newline, or the `?>` that closes PHP mode (which stays).
 * `close.at` caches the first `?>` at or after an earlier `from` (-1: none; -2: not searched).
 */
function lineComment(t: string, from: number, len: number, close: { at: number }): number {
  const nl = t.indexOf("\n", from);
  const stop = nl < 0 || nl > len ? len : nl;
  if (close.at === -2 || (close.at >= 0 && close.at < from)) close.at = t.indexOf("?>", from);
  const c = close.at;
  return c >= 0 && c < stop ? c : stop;
}

/** `<<<ID` / `<<<"ID"` / `<<<'ID'` … `ID`: [kind, end, contentStart, contentEnd] or null. */
function heredoc(t: string, i: number, len: number): [number, number, number, number] | null {
  let j = i + 3;
  while (t.charCodeAt(j) === 32 || t.charCodeAt(j) === 9) j++;
  let q = t.charCodeAt(j);
  if (q === 39 || q === 34) j++; else q = 0;
  const ls = j;
  while (j < len && isIdChar(t.charCodeAt(j))) j++;
  if (j === ls || j - ls > 64) return null;
  const label = t.slice(ls, j);
  if (q) { if (t.charCodeAt(j) !== q) return null; j++; }
  if (t.charCodeAt(j) === 13) j++;
  if (t.charCodeAt(j) !== 10) return null;
  const cs = j + 1;
  // Closing label: at a line start (after optional indentation), not followed by an identifier char.
  let p = cs;
  for (;;) {
    const k = t.indexOf(label, p);
    if (k < 0 || k >= len) return [q === 39 ? K_STR : K_DSTR, len, cs, len];
    let s = k - 1;
    while (s >= cs && (t.charCodeAt(s) === 32 || t.charCodeAt(s) === 9)) s--;
    const atLineStart = s < cs ? k === cs || s === cs - 1 : t.charCodeAt(s) === 10;
    if (atLineStart && !isIdChar(t.charCodeAt(k + label.length))) {
      return [q === 39 ? K_STR : K_DSTR, k + label.length, cs, Math.max(cs, s)];
    }
    p = k + label.length;
  }
}

/** The operator at i: its code times 4 plus its width (one int, no tuple per token). */
function operator(t: string, i: number, c: number): number {
  const d = t.charCodeAt(i + 1);
  const e = t.charCodeAt(i + 2);
  switch (c) {
    case 45: // -
      if (d === 62) return OP_ARROW * 4 + 2;
      if (d === 45) return OP_INCDEC * 4 + 2;
      if (d === 61) return OP_ASSIGN_OTHER * 4 + 2;
      break;
    case 43: // +
      if (d === 43) return OP_INCDEC * 4 + 2;
      if (d === 61) return OP_ASSIGN_OTHER * 4 + 2;
      break;
    case 58: if (d === 58) return OP_DCOLON * 4 + 2; break;
    case 61: // =
      if (d === 62) return OP_DARROW * 4 + 2;
      if (d === 61) return OP_EQ * 4 + (e === 61 ? 3 : 2);
      break;
    case 33: if (d === 61) return OP_NE * 4 + (e === 61 ? 3 : 2); break;
    case 46: // .
      if (d === 61) return OP_CONCAT_ASSIGN * 4 + 2;
      if (d === 46 && e === 46) return OP_ELLIPSIS * 4 + 3;
      break;
    case 42: // *
      if (d === 42) return e === 61 ? OP_ASSIGN_OTHER * 4 + 3 : OP_POW * 4 + 2;
      if (d === 61) return OP_ASSIGN_OTHER * 4 + 2;
      break;
    case 47: case 37: case 94: if (d === 61) return OP_ASSIGN_OTHER * 4 + 2; break;
    case 124: if (d === 124) return OP_LOGIC * 4 + 2; if (d === 61) return OP_ASSIGN_OTHER * 4 + 2; break;
    case 38: if (d === 38) return OP_LOGIC * 4 + 2; if (d === 61) return OP_ASSIGN_OTHER * 4 + 2; break;
    case 63: // ?
      if (d === 63) return e === 61 ? OP_ASSIGN_OTHER * 4 + 3 : OP_COALESCE * 4 + 2;
      if (d === 45 && e === 62) return OP_ARROW * 4 + 3;
      break;
    case 60: // <
      if (d === 62) return OP_NE * 4 + 2;
      if (d === 61) return OP_CMP * 4 + (e === 62 ? 3 : 2);
      if (d === 60) return e === 61 ? OP_ASSIGN_OTHER * 4 + 3 : OP_SHIFT * 4 + 2;
      break;
    case 62: // >
      if (d === 61) return OP_CMP * 4 + 2;
      if (d === 62) return e === 61 ? OP_ASSIGN_OTHER * 4 + 3 : OP_SHIFT * 4 + 2;
      break;
  }
  return c * 4 + 1;
}

/** The decoded value of a string token (escapes applied; interpolations kept as written). */
export function strValue(tk: Tokens, i: number): string {
  const raw = tk.text.slice(tk.cstart[i], tk.cend[i]);
  if (tk.kind[i] === K_STR) {
    return raw.indexOf("\\") < 0 || tk.text.charCodeAt(tk.start[i]!) !== 39 ? raw : raw.replace(/\\([\\'])/g, "$1");
  }
  return raw.indexOf("\\") < 0 ? raw : unescapeDouble(raw);
}

const SIMPLE_ESC: Record<string, string> = { n: "\n", t: "\t", r: "\r", v: "\v", e: "\x1b", f: "\f", "\\": "\\", $: "$", '"': '"', "`": "`" };

function unescapeDouble(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|u\{[0-9a-fA-F]{1,6}\}|[ntrvef\\$"`])/g, (_m, g: string) => {
    const h = g.charCodeAt(0);
    if (h === 120) return String.fromCharCode(parseInt(g.slice(1), 16));
    if (h === 117) { const cp = parseInt(g.slice(2, -1), 16); return cp <= 0x10ffff ? String.fromCodePoint(cp) : ""; }
    if (h >= 48 && h <= 55) return String.fromCharCode(parseInt(g, 8) & 255);
    return SIMPLE_ESC[g] ?? g;
  });
}

const INTERP = /\$\{?([A-Za-z_\x80-\xff][\w\x80-\xff]*)/g;

/** Variable names interpolated into a double-quoted string or backtick command (`$x`, `{$x}`, `${x}`). */
export function interpolatedVars(tk: Tokens, i: number): string[] {
  const raw = tk.text.slice(tk.cstart[i], tk.cend[i]);
  if (raw.indexOf("$") < 0) return [];
  const out: string[] = [];
  INTERP.lastIndex = 0;
  for (let m = INTERP.exec(raw); m !== null && out.length < 64; m = INTERP.exec(raw)) {
    // "\$x" is a literal dollar.
    let bs = 0;
    for (let k = m.index - 1; k >= 0 && raw.charCodeAt(k) === 92; k--) bs++;
    if (bs % 2 === 0) out.push(m[1]!);
  }
  return out;
}
