/**
 * WS-8: the "code view" the ASP, ASP.NET and JSP heuristics read (JSP imports it from here too,
 * the engine's folders being split by language). A page is reduced to its server-side code:
 * template text and comments are dropped (their newlines kept so offsets map to the file's
 * lines), adjacent string literals joined by `+`/`&` are folded into one ("Run"+"time" reads
 * as "Runtime"), and a second view of the same length has every string's content blanked so
 * structural patterns never match inside a literal.
 */

/**
 * Matches of a global regex, bounded. Unlike String#matchAll it does not clone the regex on
 * every call (a measurable cost at tens of thousands of files per second).
 */
export function matches(re: RegExp, text: string, max = 100_000): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m && out.length < max; m = re.exec(text)) {
    out.push(m);
    if (m[0].length === 0) re.lastIndex++;
  }
  re.lastIndex = 0;
  return out;
}

/** Stands for a string literal's content in the bare view: not a word character, never a delimiter. */
export const FILL = "\x01";

export interface CodeView {
  /** Server-side code, literals kept (folded). */
  code: string;
  /** `code` with the content of every literal replaced by FILL (same length). */
  bare: string;
  /** Offsets of '\n' in `code`, ascending; computed on the first line lookup (most files have no finding). */
  nl: number[] | null;
  /** Line number of the view's first line (a tail chunk of a huge file starts later). */
  firstLine: number;
}

/** Builds the two views from slices, so lexers push runs, never single characters. */
export class CodeBuilder {
  private readonly c: string[] = [];
  private readonly b: string[] = [];
  /** Newlines owed by a VB line continuation, paid at the next real newline. */
  owed = 0;
  /** Length of the view built so far. */
  length = 0;

  code(s: string): void {
    if (s.length === 0) return;
    this.c.push(s);
    this.b.push(s);
    this.length += s.length;
  }

  /** A string literal: `q` is its quote, `content` its raw text (no newlines expected). */
  str(q: string, content: string): void {
    const body = content.replace(/[\r\n]/g, " ");
    this.c.push(q + body + q);
    this.b.push(q + FILL.repeat(body.length) + q);
    this.length += body.length + 2;
  }

  /** Text that is not code (template, comment): only its newlines survive. */
  blank(s: string, from = 0, to = s.length): void {
    let n = 0;
    for (let i = s.indexOf("\n", from); i >= 0 && i < to; i = s.indexOf("\n", i + 1)) n++;
    this.newlines(n);
    if (n === 0) this.code(" ");
  }

  newlines(n: number): void {
    if (n > 0) this.code("\n".repeat(n));
  }

  build(firstLine = 1): CodeView {
    return { code: this.c.join(""), bare: this.b.join(""), nl: null, firstLine };
  }
}

/** 1-based line of an offset in the view. */
export function lineAt(v: CodeView, off: number): number {
  if (!v.nl) {
    const nl: number[] = [];
    for (let i = v.code.indexOf("\n"); i >= 0; i = v.code.indexOf("\n", i + 1)) nl.push(i);
    v.nl = nl;
  }
  const nl = v.nl;
  let lo = 0;
  let hi = nl.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (nl[mid]! < off) lo = mid + 1;
    else hi = mid;
  }
  return v.firstLine + lo;
}

/** A short, single-line excerpt of the code at `off` (data for the operator, bounded to 120 chars). */
export function excerptAt(v: CodeView, off: number, max = 120): string {
  let start = off;
  while (start > 0 && off - start < 30 && v.code.charCodeAt(start - 1) !== 10) start--;
  const raw = v.code.slice(start, start + max + 40).split("\n")[0] ?? "";
  // Control characters (the bare view's FILL among them) never reach the operator.
  return raw.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, " ").replace(/\s+/g, " ").trim().slice(0, max);
}

/** After a literal closed at `i`, is another literal joined by `op` (`+` or `&`)? Returns the next quote's index and the newlines skipped, or -1. */
function joinedLiteral(src: string, i: number, end: number, ops: string, quote: string): { at: number; nls: number } | null {
  let j = i;
  let nls = 0;
  let seenOp = false;
  for (let k = 0; j < end && k < 64; j++, k++) {
    const c = src.charCodeAt(j);
    if (c === 10) nls++;
    else if (c === 32 || c === 9 || c === 13) continue;
    else if (!seenOp && ops.includes(src[j]!)) seenOp = true;
    else if (seenOp && src[j] === quote) return { at: j, nls };
    else return null;
  }
  return null;
}

export interface CLikeOptions {
  /** C#: `@"..."` verbatim strings. */
  verbatim?: boolean;
  /** JavaScript/JScript: single quotes delimit strings (Java/C#: char literals). */
  singleQuoteStrings?: boolean;
}

const CLIKE_STOP = /["'/@]/g;

/** Lexes C-like code (Java, C#, JScript) in src[start, end) into `out`. */
export function lexCLike(src: string, start: number, end: number, out: CodeBuilder, o: CLikeOptions = {}): void {
  let i = start;
  let run = start;
  while (i < end) {
    CLIKE_STOP.lastIndex = i;
    const m = CLIKE_STOP.exec(src);
    if (!m || m.index >= end) break;
    i = m.index;
    const ch = src[i]!;
    const next = src[i + 1];
    if (ch === "/") {
      if (next === "/") {
        out.code(src.slice(run, i));
        let e = i + 2;
        while (e < end && src[e] !== "\n" && src[e] !== "\r") e++;
        out.code(" ");
        i = run = e;
      } else if (next === "*") {
        out.code(src.slice(run, i));
        let e = src.indexOf("*/", i + 2);
        e = e < 0 || e + 2 > end ? end : e + 2;
        out.blank(src, i, e);
        i = run = e;
      } else i++;
      continue;
    }
    if (ch === "@") {
      if (o.verbatim && next === '"') {
        out.code(src.slice(run, i));
        i = lexVerbatim(src, i + 1, end, out);
        run = i;
      } else i++;
      continue;
    }
    if (ch === "'" && !o.singleQuoteStrings) {
      // A char literal: short, never folded.
      let e = i + 1;
      while (e < end && e - i < 10 && src[e] !== "'" && src[e] !== "\n") e += src[e] === "\\" ? 2 : 1;
      if (src[e] === "'") {
        out.code(src.slice(run, i));
        out.str("'", src.slice(i + 1, e));
        i = run = e + 1;
      } else i++;
      continue;
    }
    // A "..." (or JS '...') string, folded with the literals `+`-joined after it.
    out.code(src.slice(run, i));
    let content = "";
    let nls = 0;
    let q = ch;
    let p = i;
    for (;;) {
      let e = p + 1;
      while (e < end && src[e] !== q && src[e] !== "\n") e += src[e] === "\\" ? 2 : 1;
      if (e > end) e = end;
      content += src.slice(p + 1, e);
      if (e >= end || src[e] !== q) {
        p = e;
        break;
      }
      const j = joinedLiteral(src, e + 1, end, "+", q);
      if (!j || content.length > 100_000) {
        p = e + 1;
        break;
      }
      nls += j.nls;
      p = j.at;
      q = src[p]!;
    }
    out.str(ch, content);
    out.newlines(nls);
    i = run = p;
  }
  out.code(src.slice(run, end));
}

function lexVerbatim(src: string, openQuote: number, end: number, out: CodeBuilder): number {
  let e = openQuote + 1;
  for (;;) {
    const q = src.indexOf('"', e);
    if (q < 0 || q >= end) {
      e = end;
      break;
    }
    if (src[q + 1] === '"') {
      e = q + 2;
      continue;
    }
    e = q;
    break;
  }
  const content = src.slice(openQuote + 1, e);
  out.str('"', content);
  let n = 0;
  for (let k = content.indexOf("\n"); k >= 0; k = content.indexOf("\n", k + 1)) n++;
  out.newlines(n);
  return Math.min(e + 1, end);
}

const VB_STOP = /["'\n_]|\brem\b/gi;

/** Lexes VBScript / VB.NET in src[start, end) into `out`: `""` escapes, `'`/`Rem` comments, `_` continuations. */
export function lexVB(src: string, start: number, end: number, out: CodeBuilder): void {
  let i = start;
  let run = start;
  while (i < end) {
    VB_STOP.lastIndex = i;
    const m = VB_STOP.exec(src);
    if (!m || m.index >= end) break;
    i = m.index;
    const ch = src[i]!;
    if (ch === "\n") {
      out.code(src.slice(run, i + 1));
      out.newlines(out.owed);
      out.owed = 0;
      i = run = i + 1;
      continue;
    }
    if (ch === "_") {
      // `_` at the end of a line joins the next line (only when preceded by a space).
      let e = i + 1;
      while (e < end && (src[e] === " " || src[e] === "\t" || src[e] === "\r")) e++;
      const prev = src[i - 1];
      if (src[e] === "\n" && (prev === " " || prev === "\t" || prev === "&" || prev === ",")) {
        out.code(src.slice(run, i));
        out.code(" ");
        out.owed++;
        i = run = e + 1;
      } else i++;
      continue;
    }
    if (ch === "'" || m[0].length === 3) {
      if (ch !== "'" && !isStatementStart(src, i, start)) {
        i += m[0].length;
        continue;
      }
      out.code(src.slice(run, i));
      let e = i;
      while (e < end && src[e] !== "\n") e++;
      out.code(" ");
      i = run = e;
      continue;
    }
    // "..." with "" escapes, folded with literals joined by & or +.
    out.code(src.slice(run, i));
    let content = "";
    let p = i;
    for (;;) {
      let e = p + 1;
      for (;;) {
        while (e < end && src[e] !== '"' && src[e] !== "\n") e++;
        if (e < end && src[e] === '"' && src[e + 1] === '"') {
          e += 2;
          continue;
        }
        break;
      }
      content += src.slice(p + 1, Math.min(e, end));
      if (e >= end || src[e] !== '"') {
        p = e;
        break;
      }
      const j = joinedLiteral(src, e + 1, end, "&+", '"');
      if (!j || j.nls > 0 || content.length > 100_000) {
        p = e + 1;
        break;
      }
      p = j.at;
    }
    out.str('"', content);
    i = run = Math.min(p, end);
  }
  out.code(src.slice(run, end));
}

function isStatementStart(src: string, i: number, start: number): boolean {
  let j = i - 1;
  while (j >= start && (src[j] === " " || src[j] === "\t")) j--;
  return j < start || src[j] === "\n" || src[j] === ":" || src[j] === "\r";
}
