/**
 * `hostward scan` (WS-1, WS-8): walks files and directories, scans web files with the
 * web-shell engine in parallel (worker threads), prints a verdict per file. Paths and file
 * contents are data: a hostile file name is printed escaped, never interpreted.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, readdirSync, statSync, type Dirent } from "node:fs";
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { SignatureSet, WebshellScanner, loadSignatureFiles, webLangOf, warmUp, SIGNATURE_MAX_BYTES, type ScanResult } from "../webshell/index.ts";

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

export const SCAN_HELP = `Usage: hostward scan [options] PATH...

Scans files and directories for web shells (WS-1, WS-8) and prints a verdict per file:
malicious, suspicious or clean, with the reasons and their line numbers. Two layers judge
each file: YARA signatures (content/signatures/webshell/) and heuristics over the code.

Directories are walked recursively (symbolic links inside them are not followed) and only
web files are scanned: PHP (php, php3-8, phtml, inc), ASP/ASPX/ASHX/ASMX/CER and JSP/JSPX.
A file named on the command line is always scanned, its language guessed from its content
when the name says nothing (a shell uploaded as .jpg).

Options:
  --json             One JSON object per line for every file scanned:
                     {"path","verdict","reasons":[{"id","severity","line","text",…}],"md5","sha256",
                      "lang","size"[,"exposure":"phpinfo"]}
  --jobs N           Threads that scan files in parallel: this one and N-1 workers, each
                     taking the next file from one queue (default: the number of cores)
  --all-files        In directories, scan every regular file, not only web files, guessing
                     each one's language from its content
  --verbose          Also list clean files, and show each reason's code excerpt
  -h, --help         This help

Output: malicious and suspicious files (and phpinfo() exposures, WS-6) on stdout, with their
reasons indented below; clean files only counted unless --verbose. Progress (on a terminal)
and the summary go to stderr.

Exit status: 0 nothing found, 1 a malicious or suspicious file was found, 2 on an error
(bad option, missing path, unreadable file — the other files are still scanned).

Examples:
  hostward scan /var/www
  hostward scan --json --jobs 4 /srv/app /tmp/upload.jpg > verdicts.jsonl
`;

/** A path as the file system has it: a string when it is valid UTF-8, its bytes otherwise. */
type FsPath = string | Buffer;

export interface ScanItem {
  path: FsPath;
  /** Named on the command line (scanned whatever its name). */
  explicit: boolean;
}

export interface FileOutcome {
  path: FsPath;
  result?: ScanResult;
  error?: string;
}

function asPath(b: Buffer): FsPath {
  const s = b.toString("utf8");
  return Buffer.byteLength(s) === b.length && Buffer.from(s).equals(b) ? s : b;
}

function joinPath(dir: FsPath, name: Buffer): FsPath {
  if (typeof dir === "string") {
    // valid UTF-8 decodes without U+FFFD (and then re-encodes to the same bytes): no round trip needed
    const s = name.toString("utf8");
    if (!s.includes("\uFFFD")) return dir.charCodeAt(dir.length - 1) === 0x2f ? dir + s : dir + "/" + s;
  }
  const d = typeof dir === "string" ? Buffer.from(dir) : dir;
  return asPath(Buffer.concat([d, d[d.length - 1] === 0x2f ? Buffer.alloc(0) : Buffer.from("/"), name]));
}

/** The path for a person: control characters and bytes that are not UTF-8 escaped, so a name can never move the cursor or fake a line. */
export function displayPath(p: FsPath): string {
  const s = typeof p === "string" ? p : p.toString("latin1").replace(/[\x80-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => (c === "\n" ? "\\n" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}

function pathString(p: FsPath): string {
  return typeof p === "string" ? p : p.toString("utf8");
}

/**
 * Walks the roots: directories recursively without following symbolic links (no loops; a
 * directory reached twice through overlapping roots is walked once), regular files only
 * (never a FIFO or a device, which could block or never end).
 */
export function collect(roots: string[], allFiles: boolean): { items: ScanItem[]; errors: { path: FsPath; error: string }[]; skipped: number } {
  const items: ScanItem[] = [];
  const errors: { path: FsPath; error: string }[] = [];
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();
  let skipped = 0;
  const addFile = (p: FsPath, explicit: boolean, key: string) => {
    if (seenFiles.has(key)) return;
    seenFiles.add(key);
    items.push({ path: p, explicit });
  };
  const walkDir = (dir: FsPath) => {
    let st;
    try {
      st = lstatSync(dir);
    } catch (e) {
      errors.push({ path: dir, error: errMsg(e) });
      return;
    }
    const key = `${st.dev}:${st.ino}`;
    if (seenDirs.has(key)) return;
    seenDirs.add(key);
    let entries: Dirent<Buffer>[];
    try {
      entries = readdirSync(dir, { withFileTypes: true, encoding: "buffer" });
    } catch (e) {
      errors.push({ path: dir, error: errMsg(e) });
      return;
    }
    entries.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const ent of entries) {
      const p = joinPath(dir, ent.name);
      if (ent.isDirectory()) walkDir(p);
      else if (ent.isFile()) {
        if (allFiles || webLangOf(ent.name.toString("latin1"))) addFile(p, false, typeof p === "string" ? p : p.toString("hex"));
        else skipped++;
      } else skipped++; // symbolic links, FIFOs, sockets, devices
    }
  };
  for (const root of roots) {
    let st;
    try {
      st = statSync(root);
    } catch (e) {
      errors.push({ path: root, error: errMsg(e) });
      continue;
    }
    if (st.isDirectory()) walkDir(root);
    else if (st.isFile()) addFile(root, true, `${st.dev}:${st.ino}`);
    else errors.push({ path: root, error: "not a regular file or a directory" });
  }
  return { items, errors, skipped };
}

function errMsg(e: unknown): string {
  const n = e as NodeJS.ErrnoException;
  if (n.code === "ENOENT") return "no such file or directory";
  if (n.code === "EACCES" || n.code === "EPERM") return "permission denied";
  if (n.code === "EISDIR") return "is a directory";
  return n.code ? `${n.code}: ${n.message.split(":")[0]}` : String(n.message ?? e);
}

/**
 * Reads one file (its first SIGNATURE_MAX_BYTES, the rest hashed as it streams by) and scans
 * it. Opened non-blocking and checked to be a regular file, so a FIFO swapped in after the walk
 * cannot hang the scan.
 */
/**
 * Files up to this size are read into one buffer kept per thread: a fresh buffer per file, freed
 * at the next GC, left the C allocator's heap fragmented (tens of MB of RSS after a scan).
 */
const READ_KEEP = 1 << 20;
let readBuf: Buffer | null = null;

export function scanOne(scanner: WebshellScanner, item: ScanItem): FileOutcome {
  let fd: number;
  try {
    fd = openSync(item.path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return { path: item.path, error: errMsg(e) };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { path: item.path, error: "not a regular file" };
    const cap = Math.min(st.size, SIGNATURE_MAX_BYTES);
    // the engine keeps nothing of `data` (its verdict holds hashes and short excerpts, never the bytes)
    const data = cap <= READ_KEEP ? (readBuf ??= Buffer.allocUnsafeSlow(READ_KEEP)) : Buffer.allocUnsafe(cap);
    let got = 0;
    while (got < cap) {
      const n = readSync(fd, data, got, cap - got, got);
      if (n === 0) break;
      got += n;
    }
    const head = data.subarray(0, got);
    let whole: { md5: string; sha256: string; size: number } | undefined;
    if (st.size > cap) {
      const md5 = createHash("md5").update(head);
      const sha = createHash("sha256").update(head);
      const chunk = Buffer.allocUnsafe(1 << 20);
      let pos = got;
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, pos);
        if (n === 0) break;
        md5.update(chunk.subarray(0, n));
        sha.update(chunk.subarray(0, n));
        pos += n;
      }
      whole = { md5: md5.digest("hex"), sha256: sha.digest("hex"), size: pos };
    }
    const p = pathString(item.path);
    return { path: item.path, result: scanner.scan(p, head, whole ? { whole } : {}) };
  } catch (e) {
    return { path: item.path, error: errMsg(e) };
  } finally {
    closeSync(fd);
  }
}

// ---- worker threads ------------------------------------------------------------------------

const WORKER_TAG = "hostward-scan-worker";
/** Below this many files one thread scans them all (starting a worker costs more). */
const PARALLEL_MIN = 16;
/** A worker sends its outcomes back in batches of this many (or sooner, see SEND_MS). */
const SEND_EVERY = 64;
/** … or when this long has passed since its last batch, so that progress keeps moving. */
const SEND_MS = 50;
/** The main thread scans for this long before it lets the event loop take the workers' outcomes. */
const MAIN_SLICE_MS = 10;
/**
 * Young generation of a scan worker. A worker's default is a few MB, and the heuristics make
 * many short-lived strings: with it a worker scanned ~1.6× slower than the main thread.
 */
const WORKER_YOUNG_MB = 32;

/** One scan run as a worker gets it: every path, and the shared counter the threads take files from. */
interface RunMessage {
  run: number;
  paths: FsPath[];
  next: SharedArrayBuffer;
}
type WorkerReply = { run: number; out: FileOutcome[] } | { run: number; done: true; scanned: number };

/** The next file index for this thread: each file is taken by exactly one thread (no batches to balance). */
function take(next: Int32Array): number {
  return Atomics.add(next, 0, 1);
}

/** Runs of at least this many files warm each thread's engine up first (see warmUp()): ~0.4 s of CPU that saves more in a long run. */
const WARM_MIN = 2000;

/** Compiles the PHP rules (most web files) now: a worker does it while the main thread walks the directories. */
function prepare(scanner: WebshellScanner): void {
  scanner.signatures.matches(new Uint8Array(0), "php");
}

/** A scanner that is new to a long run meets the rarer shapes of code in its warm-up snippets first (fewer recompilations during the scan). */
function warm(scanner: WebshellScanner, files: number, done: { warm: boolean }): void {
  if (done.warm || files < WARM_MIN) return;
  done.warm = true;
  // twice: V8 records no branch feedback for a function's first calls
  for (let k = 0; k < 2; k++) warmUp(scanner);
}

if (!isMainThread && (workerData as { tag?: string } | null)?.tag === WORKER_TAG) {
  // the main thread compiled these rules as a set already (ScanPool): no second check here
  const scanner = new WebshellScanner({ signatures: new SignatureSet(loadSignatureFiles(), { checked: true }) });
  prepare(scanner);
  const state = { warm: false };
  parentPort!.on("message", (m: RunMessage) => {
    warm(scanner, m.paths.length, state);
    const next = new Int32Array(m.next);
    let out: FileOutcome[] = [];
    let sent = performance.now();
    let scanned = 0;
    for (let k = take(next); k < m.paths.length; k = take(next)) {
      const p = m.paths[k]!;
      out.push(scanOne(scanner, { path: typeof p === "string" ? p : Buffer.from(p), explicit: false }));
      scanned++;
      if (out.length >= SEND_EVERY || performance.now() - sent >= SEND_MS) {
        parentPort!.postMessage({ run: m.run, out } satisfies WorkerReply);
        out = [];
        sent = performance.now();
      }
    }
    if (out.length) parentPort!.postMessage({ run: m.run, out } satisfies WorkerReply);
    parentPort!.postMessage({ run: m.run, done: true, scanned } satisfies WorkerReply);
  });
}

/**
 * The threads of a parallel scan: `size - 1` worker threads and this one. Workers are started
 * (and load the engine and compile its rules) as soon as the pool is made, so that their start
 * overlaps the directory walk. In a run every thread takes the next file from one shared
 * counter, so a few large files cannot leave one thread working while the others wait; each
 * worker reads, hashes and scans its files itself and sends back only the verdicts. Each worker
 * enables the compiled-code cache before loading this module (the launcher's NODE_COMPILE_CACHE,
 * else the same directory it uses): a worker then skips type stripping, ~0.1 s instead of ~0.5 s.
 * A pool can run several scans (the benchmark reuses one); close() ends its workers.
 */
export class ScanPool {
  readonly workers: Worker[];
  private scanner: WebshellScanner | null = null;
  private prepared = false;
  private readonly state = { warm: false };
  private runs = 0;
  constructor(size: number) {
    const boot = [
      `const m = require("node:module");`,
      `if (m.enableCompileCache && !process.env.NODE_DISABLE_COMPILE_CACHE) m.enableCompileCache(process.env.NODE_COMPILE_CACHE || require("node:path").join(require("node:os").tmpdir(), "hostward-node-cache"));`,
      `import(${JSON.stringify(import.meta.url)});`,
    ].join("\n");
    this.workers = Array.from({ length: Math.max(0, size - 1) }, () => new Worker(boot, { eval: true, workerData: { tag: WORKER_TAG }, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } }));
    // this thread's engine checks the rules (and throws, naming the file, when one is broken)
    try {
      this.scanner = new WebshellScanner();
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Threads that scan in a run: the workers and this one. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** This thread's engine, made on first use (its rules compile while the workers start). */
  mainScanner(): WebshellScanner {
    if (this.scanner === null) this.scanner = new WebshellScanner();
    if (!this.prepared) {
      this.prepared = true;
      prepare(this.scanner);
    }
    return this.scanner;
  }

  /**
   * Scans the items on every thread of the pool, calling `onResult` as each file is done
   * (completion order) and `flush` after each group of outcomes (to write buffered output).
   */
  run(items: ScanItem[], onResult: (o: FileOutcome) => void, flush: () => void = () => {}): Promise<void> {
    const run = ++this.runs;
    const next = new SharedArrayBuffer(4);
    const counter = new Int32Array(next);
    const paths = items.map((it) => it.path);
    return new Promise<void>((resolve, reject) => {
      let waiting = this.workers.length + 1;
      let failed = false;
      const finish = () => {
        if (--waiting === 0 && !failed) resolve();
      };
      const fail = (e: unknown) => {
        if (failed) return;
        failed = true;
        this.close();
        reject(e instanceof Error ? e : new Error(String(e)));
      };
      const listeners: Array<() => void> = [];
      const cleanup = () => {
        for (const off of listeners) off();
      };
      for (const w of this.workers) {
        const onMessage = (m: WorkerReply) => {
          if (m.run !== run) return;
          if ("done" in m) {
            finish();
            if (waiting === 0) cleanup();
            return;
          }
          for (const o of m.out) onResult({ ...o, path: typeof o.path === "string" ? o.path : Buffer.from(o.path) });
          flush();
        };
        const onError = (e: unknown) => {
          cleanup();
          fail(e);
        };
        const onExit = (code: number) => {
          if (waiting > 0) onError(new Error(`scan worker stopped (exit ${code})`));
        };
        w.on("message", onMessage);
        w.on("error", onError);
        w.on("exit", onExit);
        listeners.push(() => {
          w.off("message", onMessage);
          w.off("error", onError);
          w.off("exit", onExit);
        });
        w.postMessage({ run, paths, next } satisfies RunMessage);
      }
      // this thread takes files too (its engine made after the workers have their files), a
      // slice at a time, letting the workers' outcomes in between
      const slice = () => {
        if (failed) return;
        const scanner = this.mainScanner();
        warm(scanner, items.length, this.state);
        const until = performance.now() + MAIN_SLICE_MS;
        let did = 0;
        for (let k = take(counter); k < items.length; k = take(counter)) {
          try {
            onResult(scanOne(scanner, items[k]!));
          } catch (e) {
            fail(e);
            return;
          }
          did++;
          if (performance.now() >= until) {
            flush();
            setImmediate(slice);
            return;
          }
        }
        if (did) flush();
        finish();
        if (waiting === 0) cleanup();
      };
      setImmediate(slice);
    });
  }

  close(): void {
    for (const w of this.workers) void w.terminate();
  }
}

/**
 * Scans the items with `jobs` threads (this one alone when there is one job or few files),
 * calling `onResult` as each file is done (completion order) and `flush` after each group of
 * outcomes. A given pool is used (and closed) instead of starting one.
 */
export async function scanItems(items: ScanItem[], jobs: number, onResult: (o: FileOutcome) => void, pool?: ScanPool, flush: () => void = () => {}): Promise<void> {
  if (jobs <= 1 || items.length <= PARALLEL_MIN) {
    const scanner = pool ? pool.mainScanner() : new WebshellScanner();
    pool?.close();
    let since = performance.now();
    for (const it of items) {
      onResult(scanOne(scanner, it));
      if (performance.now() - since >= SEND_MS) {
        flush();
        since = performance.now();
      }
    }
    flush();
    return;
  }
  const own = pool ?? new ScanPool(jobs);
  try {
    await own.run(items, onResult, flush);
  } finally {
    own.close();
  }
}

// ---- the command ---------------------------------------------------------------------------

const COLOURS = { malicious: "\x1b[1;31m", suspicious: "\x1b[1;33m", clean: "\x1b[32m", info: "\x1b[36m", dim: "\x1b[2m", reset: "\x1b[0m" } as const;

/** Text from the engine's reasons is shown as data: control characters removed. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+/g, " ");
}

function isTty(s: NodeJS.WritableStream): boolean {
  return Boolean((s as { isTTY?: boolean }).isTTY);
}

export async function scanCommand(args: string[], io: Io): Promise<number> {
  const err = (s: string) => io.stderr.write(s + "\n");
  let values: { json?: boolean; jobs?: string; "all-files"?: boolean; verbose?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { json: { type: "boolean" }, jobs: { type: "string", short: "j" }, "all-files": { type: "boolean" }, verbose: { type: "boolean", short: "v" }, help: { type: "boolean", short: "h" } } }));
  } catch (e) {
    err(`hostward scan: ${(e as Error).message}\n\n${SCAN_HELP}`);
    return 2;
  }
  if (values.help) return io.stdout.write(SCAN_HELP), 0;
  if (positionals.length === 0) return err(`hostward scan: give at least one file or directory\n\n${SCAN_HELP}`), 2;
  const jobs = values.jobs === undefined ? availableParallelism() : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) return err("hostward scan: --jobs must be a whole number from 1 to 256"), 2;

  const started = performance.now();
  let pool: ScanPool | undefined;
  try {
    pool = jobs > 1 ? new ScanPool(jobs) : undefined;
  } catch (e) {
    return err(`hostward scan: ${(e as Error).message}`), 2;
  }
  const { items, errors, skipped } = collect(positionals, Boolean(values["all-files"]));
  for (const e of errors) err(`hostward scan: ${displayPath(e.path)}: ${e.error}`);

  const colour = !values.json && isTty(io.stdout) && !process.env.NO_COLOR;
  const paint = (c: keyof typeof COLOURS, s: string) => (colour ? `${COLOURS[c]}${s}${COLOURS.reset}` : s);
  const progress = isTty(io.stderr) && items.length > 0;
  const counts = { malicious: 0, suspicious: 0, clean: 0, errors: errors.length, exposure: 0 };
  let done = 0;
  let bytes = 0;
  let lastDraw = 0;
  const draw = (force = false) => {
    if (!progress) return;
    const now = performance.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const width = 30;
    const fill = Math.round((done / items.length) * width);
    const mbs = bytes / 1e6 / Math.max(0.001, (now - started) / 1000);
    io.stderr.write(`\r\x1b[K[${"#".repeat(fill)}${" ".repeat(width - fill)}] ${done}/${items.length} files  ${mbs.toFixed(1)} MB/s  ${counts.malicious + counts.suspicious} found`);
  };
  const clearBar = () => {
    if (progress) io.stderr.write("\r\x1b[K");
  };
  // stdout is written a group of outcomes at a time (one write per group, not per file)
  let pending = "";
  const print = (s: string) => {
    pending += s + "\n";
  };
  const flush = () => {
    if (pending === "") return;
    clearBar();
    io.stdout.write(pending);
    pending = "";
    draw(true);
  };

  await scanItems(items, jobs, (o) => {
    done++;
    if (o.error || !o.result) {
      counts.errors++;
      clearBar();
      err(`hostward scan: ${displayPath(o.path)}: ${o.error ?? "not scanned"}`);
      draw();
      return;
    }
    const r = o.result;
    bytes += r.size;
    counts[r.verdict]++;
    if (r.exposure) counts.exposure++;
    if (values.json) {
      const path = pathString(o.path);
      print(JSON.stringify({ path, verdict: r.verdict, reasons: r.reasons, md5: r.md5, sha256: r.sha256, lang: r.lang, size: r.size, ...(r.exposure ? { exposure: r.exposure } : {}), ...(typeof o.path === "string" ? {} : { path_b64: o.path.toString("base64") }) }));
    } else if (r.verdict !== "clean" || r.exposure || values.verbose) {
      const head = r.verdict === "clean" ? (r.exposure ? paint("info", "exposure  ") : paint("clean", "clean     ")) : paint(r.verdict, r.verdict.padEnd(10));
      const lines = [`${head} ${displayPath(o.path)}${r.lang ? paint("dim", `  [${r.lang}]`) : ""}${r.exposure ? paint("info", "  phpinfo() exposure (WS-6)") : ""}`];
      if (r.verdict !== "clean" || values.verbose) {
        for (const x of r.reasons) {
          if (x.severity === "info" && !values.verbose && x.id !== "php.phpinfo-exposure") continue;
          const where = x.line !== undefined ? `line ${x.line}` : "";
          lines.push(`    ${where.padEnd(10)} ${paint(x.severity === "malicious" ? "malicious" : x.severity === "suspicious" ? "suspicious" : "info", x.id)}  ${clean(x.text)}`);
          if (values.verbose && x.excerpt) lines.push(`               ${paint("dim", clean(x.excerpt))}`);
        }
      }
      print(lines.join("\n"));
    }
    draw();
  }, pool, flush);
  flush();

  clearBar();
  const secs = (performance.now() - started) / 1000;
  err(
    `hostward scan: ${done - (counts.errors - errors.length)} files (${(bytes / 1e6).toFixed(1)} MB) in ${secs.toFixed(1)} s: ` +
      `${counts.malicious} malicious, ${counts.suspicious} suspicious, ${counts.clean} clean` +
      `${counts.exposure ? `, ${counts.exposure} phpinfo exposure` : ""}${counts.errors ? `, ${counts.errors} errors` : ""}${skipped ? `; ${skipped} non-web files or links skipped` : ""}`,
  );
  if (counts.errors > 0) return 2;
  return counts.malicious + counts.suspicious > 0 ? 1 : 0;
}
