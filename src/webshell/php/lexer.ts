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

class Buf {
  n = 0;
  kind: Uint8Array;
  op: Int32Array;
  start: Int32Array;
  end: Int32Array;
  cstart: Int32Array;
  cend: Int32Array;
  constructor(cap: number) {
    this.kind = new Uint8Array(cap);
    this.op = new Int32Array(cap);
    this.start = new Int32Array(cap);
    this.end = new Int32Array(cap);
    this.cstart = new Int32Array(cap);
    this.cend = new Int32Array(cap);
  }
  push(kind: number, op: number, s: number, e: number, cs: number, ce: number): void {
    if (this.n === this.kind.length) this.grow();
    const i = this.n++;
    this.kind[i] = kind; this.op[i] = op; this.start[i] = s; this.end[i] = e; this.cstart[i] = cs; this.cend[i] = ce;
  }
  private grow(): void {
    const m = this.kind.length * 2;
    const k = new Uint8Array(m); k.set(this.kind); this.kind = k;
    const o = new Int32Array(m); o.set(this.op); this.op = o;
    const s = new Int32Array(m); s.set(this.start); this.start = s;
    const e = new Int32Array(m); e.set(this.end); this.end = e;
    const cs = new Int32Array(m); cs.set(this.cstart); this.cstart = cs;
    const ce = new Int32Array(m); ce.set(this.cend); this.cend = ce;
  }
}

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
 * Tokens the shared buffers keep between files (~1.4 MB): enough for nearly every file. A larger
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
    if (m && t.charCodeAt(m.index) === 60) return { text: t, n: 0, kind: b.kind, op: b.op, start: b.start, end: b.end, cstart: b.cstart, cend: b.cend, htmlBytes: len, noOpenTag: false };
    noOpenTag = true;
  } else {
    html += first[0];
    if (first[2]) b.push(K_ECHO, 0, first[0], first[1], 0, 0);
    i = first[1];
  }
  while (i < len) {
    const c = t.charCodeAt(i);
    // whitespace
    if (c === 32 || c === 10 || c === 9 || c === 13 || c === 11 || c === 12) { i++; continue; }
    if (c === 36 /* $ */) {
      const d = t.charCodeAt(i + 1);
      if (isIdStart(d)) {
        let j = i + 2;
        while (j < len && isIdChar(t.charCodeAt(j))) j++;
        b.push(K_VAR, 0, i + 1, j, 0, 0);
        i = j;
        continue;
      }
      b.push(K_OP, 36, i, i + 1, 0, 0); i++; continue;
    }
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < len && isIdChar(t.charCodeAt(j))) j++;
      b.push(K_ID, 0, i, j, 0, 0);
      i = j;
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(t.charCodeAt(i + 1)))) {
      let j = i + 1;
      while (j < len) {
        const d = t.charCodeAt(j);
        if (isIdChar(d) || d === 46) j++; else break;
      }
      b.push(K_NUM, 0, i, j, 0, 0);
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
      b.push(kind, escapes, i, Math.min(j + 1, len), i + 1, ce);
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
      b.push(K_OP, 59, i, i + 2, 0, 0);
      let j = i + 2;
      if (t.charCodeAt(j) === 10) j++; else if (t.charCodeAt(j) === 13 && t.charCodeAt(j + 1) === 10) j += 2;
      const nt = nextOpenTag(t, j, len);
      if (nt === null) { html += len - j; i = len; break; }
      html += nt[0] - j;
      if (nt[2]) b.push(K_ECHO, 0, nt[0], nt[1], 0, 0);
      i = nt[1];
      continue;
    }
    if (c === 60 /* < */ && t.charCodeAt(i + 1) === 60 && t.charCodeAt(i + 2) === 60) {
      const h = heredoc(t, i, len);
      if (h) { b.push(h[0], h[0] === K_DSTR ? countEscapes(t, h[2], h[3]) : 0, i, h[1], h[2], h[3]); i = h[1]; continue; }
    }
    // operators
    const ow = operator(t, i, c);
    const width = ow & 3;
    b.push(K_OP, ow >> 2, i, i + width, 0, 0);
    i += width;
  }
  // a shared buffer that had to grow past the bound is this file's alone
  if (b === shared && b.kind.length > SHARED_TOKENS) shared = null;
  return { text: t, n: b.n, kind: b.kind, op: b.op, start: b.start, end: b.end, cstart: b.cstart, cend: b.cend, htmlBytes: html, noOpenTag };
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
