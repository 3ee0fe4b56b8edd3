/**
 * WS-5: the line baselines of the web-file watch. For each clean content, one 32-bit hash per
 * non-blank line, stored on disk (one file per content sha256, shared by identical files,
 * reference-counted, bounded in total); and the diff that names the lines a file gained.
 */
import { mkdir, readFile, readdir, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const LINE_HASH = 4;
const MAX_ADDED = 20;
const MAX_BASELINE_LINES = 200_000;

/** Line hashes of clean contents, one file per content (sha256), reference-counted, bounded in total. */
export class LineBaselines {
  readonly #dir: string;
  readonly #budget: number;
  #refs = new Map<string, { lines: number; refs: number }>();
  #bytes = 0;
  #made = false;

  constructor(dir: string, budget: number) {
    this.#dir = dir;
    this.#budget = budget;
  }

  ref(sha: string, lines: number): void {
    const r = this.#refs.get(sha);
    if (r) r.refs++;
    else {
      this.#refs.set(sha, { lines, refs: 1 });
      this.#bytes += lines * LINE_HASH;
    }
  }

  unref(sha: string | undefined): void {
    if (!sha) return;
    const r = this.#refs.get(sha);
    if (!r || --r.refs > 0) return;
    this.#refs.delete(sha);
    this.#bytes -= r.lines * LINE_HASH;
    void unlink(join(this.#dir, sha)).catch(() => {});
  }

  /** Stores the line hashes of a clean content (shared when already stored); false when over budget. */
  async put(sha: string, hashes: Buffer): Promise<boolean> {
    const r = this.#refs.get(sha);
    if (r) {
      r.refs++;
      return true;
    }
    if (this.#bytes + hashes.length > this.#budget) return false;
    if (!this.#made) {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      this.#made = true;
    }
    // no fsync: a baseline lost in a crash only means fewer lines named, never a wrong verdict
    const tmp = join(this.#dir, `.${sha}.${process.pid}.tmp`);
    await writeFile(tmp, hashes, { mode: 0o600 });
    await rename(tmp, join(this.#dir, sha));
    this.ref(sha, hashes.length / LINE_HASH);
    return true;
  }

  async get(sha: string): Promise<Buffer | null> {
    try {
      const b = await readFile(join(this.#dir, sha));
      return b.length % LINE_HASH === 0 ? b : null;
    } catch {
      return null;
    }
  }

  /** Deletes stored baselines no entry refers to (left by a crash or a directory removed from the config). */
  async collect(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch {
      return;
    }
    this.#made = true;
    for (const n of names) if (!this.#refs.has(n)) await unlink(join(this.#dir, n)).catch(() => {});
  }
}

/**
 * One line's 32-bit hash, seeded per agent (a murmur-style mix over the characters between
 * a and b). Not cryptographic, and need not be: a collision only drops a line from the
 * explanation, never changes a verdict, and the seed (never sent) keeps them from being aimed.
 * A crypto hash per line cost as much CPU as the engine itself.
 */
function lineHash(text: string, a: number, b: number, seed: number): number {
  let h = (seed ^ (b - a)) | 0;
  for (let i = a; i < b; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Calls fn for each non-blank line with its bounds trimmed of spaces and control characters, and its 1-based number. */
function eachLine(text: string, fn: (a: number, b: number, n: number) => boolean | void): void {
  let n = 0;
  for (let start = 0; start <= text.length;) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    n++;
    let a = start, b = end;
    while (a < b && text.charCodeAt(a) <= 32) a++;
    while (b > a && text.charCodeAt(b - 1) <= 32) b--;
    start = end + 1;
    if (a < b && fn(a, b, n) === false) return;
  }
}

/** WS-5: each non-blank line (trimmed) as 4 bytes; null when the file has too many lines to keep. */
export function lineHashes(text: string, seed = 0): Buffer | null {
  const out: number[] = [];
  let over = false;
  eachLine(text, (a, b) => {
    if (out.length >= MAX_BASELINE_LINES) {
      over = true;
      return false;
    }
    out.push(lineHash(text, a, b, seed));
  });
  if (over) return null;
  const buf = Buffer.alloc(out.length * LINE_HASH);
  for (let i = 0; i < out.length; i++) buf.writeUInt32LE(out[i]!, i * LINE_HASH);
  return buf;
}

/**
 * WS-5: the lines of `text` not in the baseline (a multiset of line hashes), 1-based; at most
 * 20, those in `prefer` (the engine's reason lines) first, then in file order.
 */
export function addedLines(baseline: Buffer, text: string, prefer: ReadonlySet<number>, seed = 0): { added: { line: number; text: string }[]; total: number } {
  const count = new Map<number, number>();
  for (let i = 0; i + LINE_HASH <= baseline.length; i += LINE_HASH) {
    const k = baseline.readUInt32LE(i);
    count.set(k, (count.get(k) ?? 0) + 1);
  }
  const preferred: { line: number; a: number; b: number }[] = [];
  const others: { line: number; a: number; b: number }[] = [];
  let total = 0;
  eachLine(text, (a, b, n) => {
    const k = lineHash(text, a, b, seed);
    const c = count.get(k) ?? 0;
    if (c > 0) {
      count.set(k, c - 1);
      return;
    }
    total++;
    if (prefer.has(n)) preferred.push({ line: n, a, b });
    else if (others.length < MAX_ADDED) others.push({ line: n, a, b });
  });
  const added = [...preferred.slice(0, MAX_ADDED), ...others].slice(0, MAX_ADDED).sort((x, y) => x.line - y.line);
  // the text was read as latin1 (byte for byte); shown as UTF-8, bounded
  return { added: added.map((x) => ({ line: x.line, text: clipText(Buffer.from(text.slice(x.a, Math.min(x.b, x.a + 2048)), "latin1").toString("utf8"), 512) })), total };
}

export function clipText(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end);
}
