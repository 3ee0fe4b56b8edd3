/**
 * AGT-5 / WS-2 … WS-6: watches the configured web directories and scans every web file
 * (by name, webLangOf) that is created, modified or moved in, with the web-shell engine; a
 * full walk runs at start, on a cron schedule (WS-4, default daily 03:17) and on demand.
 *
 * What is sent: a `file` record (category "web") with the engine's verdict only when a file
 * is not clean or exposes phpinfo() (WS-6), or when a file that was reported turns clean or
 * is deleted (verdict clean: the server can see it fixed). Scheduled and on-demand scans send
 * every file still found (event.action "scanned" when unchanged). Web shells are never
 * quarantined here (WS-7): the watch only reports.
 *
 * WS-5 baseline: for each clean file, a hash of each of its lines is kept (4 bytes a line, on
 * disk under the state directory, shared by identical files, bounded in total). When a file
 * that was clean turns non-clean, the record names the lines it gained since its last clean
 * version (`webshell.baseline.added`), those the engine pointed at first.
 *
 * How changes are seen: one inotify watch per directory (fs.watch on each directory, not
 * Node's recursive mode, which on Linux also puts a watch on every file); a new or moved-in
 * directory is watched and walked at once. Events are debounced per file (a file still being
 * written is scanned once it is quiet, or after maxWaitMs at most). libuv does not report an
 * inotify queue overflow; a burst too large for the pending set triggers a full resync, and
 * the scheduled scan is the backstop for anything missed.
 *
 * Bounded: at most maxFiles web files per directory tree and maxDirs watched directories,
 * the engine reads at most maxFileBytes of a file (a larger one — a shell padded to dodge
 * size-limited scanners — is hashed whole but scanned by its first and last halves of that,
 * and says so in an info reason), one scan at a time with realtime work ahead
 * of a running full scan, and the scans' CPU share capped (cpuShare, default one half: after
 * every 50 ms of work the worker rests in proportion).
 */
import { watch, constants, readFileSync, type FSWatcher } from "node:fs";
import { lstat, mkdir, open, readFile, readdir } from "node:fs/promises";
import { createHash, randomBytes } from "node:crypto";
import { join, resolve as resolvePath } from "node:path";
import { performance } from "node:perf_hooks";
import { systemClock, type Clock } from "../../core/index.ts";
import type { FileRecord } from "../../protocol/index.ts";
import { WebshellScanner, webLangOf, type ScanResult, type VerdictKind } from "../../webshell/index.ts";
import { writeFileAtomic } from "../atomic-file.ts";
import { parseCron, type CronSchedule } from "./cron.ts";
import { LINE_HASH, LineBaselines, addedLines, clipText, lineHashes } from "./web-files.baseline.ts";

/** What the watch needs of the engine (the real WebshellScanner, or a fake in tests). */
export interface WebScanner {
  readonly version: string;
  scan(path: string, data: Uint8Array): ScanResult | Promise<ScanResult>;
}

export type WebScanTrigger = "realtime" | "scheduled" | "on_demand";

export interface WebFileWatchOptions {
  /** Absolute directories to watch, each with everything below it. */
  dirs: readonly string[];
  /** Where the index and the line baselines are kept. */
  stateDir: string;
  /** Receives the records; awaited. */
  onRecords: (records: FileRecord[]) => void | Promise<void>;
  clock?: Clock;
  scanner?: WebScanner;
  /** WS-4 full-scan schedule, 5-field cron in local time; default "17 3 * * *". */
  cron?: string;
  /** Bytes of a file the engine reads (larger: its head and tail); default 8 MiB. */
  maxFileBytes?: number;
  /** Web files per directory tree; default 100 000. */
  maxFiles?: number;
  /** Directories watched in all; default 20 000 (beyond: scheduled scans only). */
  maxDirs?: number;
  /** Quiet time after a file's last event before it is scanned; default 200 ms. */
  debounceMs?: number;
  /** A file written continuously is scanned after this long anyway; default 1 s. */
  maxWaitMs?: number;
  /** Share of one core the scans may use; default 0.5. */
  cpuShare?: number;
  /** Total bytes of line baselines (8 per line); default 32 MiB. */
  baselineBudgetBytes?: number;
  /** fs.watch the directories; default true. Off: scheduled and on-demand scans only. */
  watch?: boolean;
  /** Scan everything at start (builds the baseline); default true. */
  initialScan?: boolean;
  /** Problems worth a log line, each said once until it changes. */
  onStatus?: (msg: string) => void;
}

export interface WebScanSummary {
  trigger: WebScanTrigger;
  /** Web files looked at. */
  files: number;
  /** Files the engine read (the rest were unchanged and clean, by sha256, for this engine). */
  scanned: number;
  cached: number;
  /** Files reported as not clean. */
  found: number;
  malicious: number;
  suspicious: number;
  phpinfo: number;
  /** Unreadable, or too large to hash (over 256 MiB). */
  skipped: number;
  errors: number;
  /** A tree had more than maxFiles web files. */
  truncated: boolean;
  durationMs: number;
}

export const DEFAULT_WEB_SCAN_CRON = "17 3 * * *";
const MAX_PENDING = 10_000;
const MAX_REASONS = 50;
const SAVE_EVERY_MS = 120_000;
const RENAME_WINDOW_MS = 5_000;
/** Larger files are not even hashed (the vault's limit too). */
const MAX_HASHED_BYTES = 256 * 1024 * 1024;

/** What the watch remembers of a web file. */
interface Entry {
  sha256: string;
  engine: string;
  verdict: VerdictKind;
  phpinfo: boolean;
  /** A non-clean record was sent and no clean one since. */
  reported: boolean;
  dev: number;
  ino: number;
  /** sha256 of the last clean content whose line hashes are stored, and its line count. */
  base?: string;
  baseLines?: number;
}

interface FullScan {
  trigger: WebScanTrigger;
  paths: string[] | null;
  i: number;
  seen: Set<string>;
  /** Roots walked completely: only under them is a file missing from the walk deleted. */
  complete: string[];
  summary: WebScanSummary;
  started: number;
  done: Promise<WebScanSummary>;
  resolve: (s: WebScanSummary) => void;
}

type Stat = { dev: number; ino: number; mode: number; uid: number; size: number };

export class WebFileWatch {
  readonly #o: WebFileWatchOptions;
  readonly #clock: Clock;
  readonly #scanner: WebScanner;
  readonly #cron: CronSchedule;
  readonly #dirs: string[];
  readonly #maxFileBytes: number;
  readonly #maxFiles: number;
  readonly #maxDirs: number;
  readonly #debounceMs: number;
  readonly #maxWaitMs: number;
  readonly #share: number;
  readonly #baselines: LineBaselines;
  #index = new Map<string, Entry>();
  #fullScans = 0;
  /** Watched directory → its watcher and inode (a directory replaced under the same name needs a new watch). */
  #watchers = new Map<string, { w: FSWatcher; dev: number; ino: number; dead?: boolean }>();
  #pending = new Map<string, { first: number; last: number }>();
  #ready = new Set<string>();
  #debounce: NodeJS.Timeout | null = null;
  #resync = false;
  #full: FullScan | null = null;
  #wake: (() => void) | null = null;
  #worker: Promise<void> | null = null;
  #running = false;
  #gone = new Map<string, { path: string; entry: Entry; at: number }>();
  #owners: Map<number, string> | null = null;
  #busy = 0;
  #dirty = false;
  #saveTimer: NodeJS.Timeout | null = null;
  #cronTimer: NodeJS.Timeout | null = null;
  #maintTimer: NodeJS.Timeout | null = null;
  #said = new Map<string, string>();
  #seq = 0;
  /** Seeds the line hashes; kept in the index (the baselines are only valid with it). */
  #seed = randomBytes(4).readUInt32LE(0);
  #initial: Promise<WebScanSummary | null> = Promise.resolve(null);
  readonly stats = { events: 0, scans: 0, records: 0, overflows: 0, watchErrors: 0, fullScans: 0 };

  constructor(o: WebFileWatchOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#scanner = o.scanner ?? new WebshellScanner();
    this.#cron = parseCron(o.cron ?? DEFAULT_WEB_SCAN_CRON);
    // nested duplicates would be walked twice
    const dirs = [...new Set(o.dirs.map((d) => resolvePath(d)))].sort();
    this.#dirs = dirs.filter((d) => !dirs.some((o2) => o2 !== d && (o2 === "/" || d.startsWith(o2 + "/"))));
    this.#maxFileBytes = o.maxFileBytes ?? 8 * 1024 * 1024;
    this.#maxFiles = o.maxFiles ?? 100_000;
    this.#maxDirs = o.maxDirs ?? 20_000;
    this.#debounceMs = o.debounceMs ?? 200;
    this.#maxWaitMs = Math.max(o.maxWaitMs ?? 1000, this.#debounceMs);
    this.#share = Math.min(1, Math.max(0.05, o.cpuShare ?? 0.5));
    this.#baselines = new LineBaselines(join(o.stateDir, "baseline"), o.baselineBudgetBytes ?? 32 * 1024 * 1024);
  }

  get dirs(): string[] {
    return [...this.#dirs];
  }

  /** Directories with a live watch (for status output and tests). */
  get watchedDirs(): number {
    return this.#watchers.size;
  }

  /** The scan started by start(), or null when initialScan is off. */
  get initialScan(): Promise<WebScanSummary | null> {
    return this.#initial;
  }

  /** Loads the index, watches the trees, starts the initial full scan (not awaited) and the schedule. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await mkdir(this.#o.stateDir, { recursive: true, mode: 0o700 });
    await this.#load();
    this.#worker = this.#work();
    if (this.#o.initialScan !== false) this.#initial = this.runFullScan("scheduled");
    else for (const d of this.#dirs) await this.#addTree(d, false);
    this.#scheduleCron();
    this.#maintTimer = setInterval(() => void this.#maintain(), 60_000).unref();
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    for (const t of [this.#debounce, this.#saveTimer, this.#cronTimer]) if (t) clearTimeout(t);
    if (this.#maintTimer) clearInterval(this.#maintTimer);
    for (const { w } of this.#watchers.values()) w.close();
    this.#watchers.clear();
    this.#wake?.();
    await this.#worker;
    if (this.#full) this.#full.resolve({ ...this.#full.summary, durationMs: Math.round(performance.now() - this.#full.started) });
    this.#full = null;
    await this.#save();
  }

  /**
   * WS-4: walks every directory and scans its web files (unchanged clean files are skipped by
   * sha256 for the same engine). A request while a full scan runs joins it.
   */
  runFullScan(trigger: WebScanTrigger): Promise<WebScanSummary> {
    if (this.#full) return this.#full.done;
    let resolve!: (s: WebScanSummary) => void;
    const done = new Promise<WebScanSummary>((r) => (resolve = r));
    const summary: WebScanSummary = { trigger, files: 0, scanned: 0, cached: 0, found: 0, malicious: 0, suspicious: 0, phpinfo: 0, skipped: 0, errors: 0, truncated: false, durationMs: 0 };
    const f: FullScan = { trigger, paths: null, i: 0, seen: new Set(), complete: [], summary, started: performance.now(), done, resolve };
    this.#full = f;
    this.stats.fullScans++;
    void (async () => {
      this.#owners = null;
      const paths: string[] = [];
      for (const root of this.#dirs) {
        if (!this.#running) break;
        const r = await this.#walk(root, (p) => { paths.push(p); f.seen.add(p); });
        if (r.truncated) summary.truncated = true;
        if (r.complete) f.complete.push(root);
      }
      f.paths = paths;
      this.#wake?.();
    })().catch((e) => {
      this.#status("walk", `web files: the walk failed: ${(e as Error).message}`);
      f.paths = [];
      this.#wake?.();
    });
    return done;
  }

  // ---- the worker: one scan at a time, realtime first ----------------------------------------

  async #work(): Promise<void> {
    while (this.#running) {
      try {
        if (this.#ready.size) {
          const batch = [...this.#ready];
          this.#ready.clear();
          await this.#realtimeBatch(batch);
          continue;
        }
        if (this.#resync && !this.#full) {
          this.#resync = false;
          void this.runFullScan("realtime");
          continue;
        }
        const f = this.#full;
        if (f?.paths && f.i < f.paths.length) {
          await this.#check(f.paths[f.i++]!, f.trigger, f);
          continue;
        }
        if (f?.paths) {
          await this.#finishFull(f);
          continue;
        }
      } catch (e) {
        this.#status("worker", `web files: ${(e as Error).message}`);
      }
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = null;
    }
  }

  async #finishFull(f: FullScan): Promise<void> {
    // files under a completely walked root that the walk did not find are gone (unless they came after it)
    for (const path of [...this.#index.keys()]) {
      if (f.seen.has(path) || !f.complete.some((r) => path === r || path.startsWith(r === "/" ? "/" : r + "/"))) continue;
      if (await lstat(path).then((st) => st.isFile(), () => false)) continue;
      await this.#lost(path, f.trigger);
    }
    this.#fullScans++;
    this.#dirty = true;
    await this.#save();
    f.summary.durationMs = Math.round(performance.now() - f.started);
    if (this.#full === f) this.#full = null;
    f.resolve(f.summary);
    if (f.summary.skipped) this.#status("skipped", `web files: ${f.summary.skipped} file(s) not scanned in the last scan (unreadable, or larger than ${MAX_HASHED_BYTES} bytes)`);
  }

  /** Due realtime paths: all looked at first, so that a rename's old name is known gone before its new one. */
  async #realtimeBatch(paths: string[]): Promise<void> {
    const stats = await Promise.all(paths.map((p) => lstat(p).then((s) => s, (e: NodeJS.ErrnoException) => (e.code === "ENOENT" || e.code === "ENOTDIR" ? null : undefined))));
    for (let i = 0; i < paths.length; i++) if (stats[i] === null) await this.#lost(paths[i]!, "realtime");
    for (let i = 0; i < paths.length; i++) {
      const st = stats[i];
      if (!st || !this.#running) continue;
      if (st.isDirectory()) {
        const w = this.#watchers.get(paths[i]!);
        if (w && (w.dev !== st.dev || w.ino !== st.ino)) await this.#lost(paths[i]!, "realtime"); // replaced: the old one is gone
        else if (w?.dead) this.#watchers.delete(paths[i]!); // its watch failed: watched and walked afresh
        if (!this.#watchers.has(paths[i]!)) await this.#addTree(paths[i]!, true);
      } else if (st.isFile()) await this.#check(paths[i]!, "realtime", null);
    }
  }

  /** Rests in proportion to the work done, so that scans use at most cpuShare of a core. */
  async #throttle(busyMs: number): Promise<void> {
    this.#busy += busyMs;
    if (this.#busy < 50) return;
    const rest = (this.#busy * (1 - this.#share)) / this.#share;
    this.#busy = 0;
    await new Promise((r) => setTimeout(r, rest));
  }

  // ---- one file --------------------------------------------------------------------------------

  async #check(path: string, trigger: WebScanTrigger, full: FullScan | null): Promise<void> {
    const lang = webLangOf(path);
    if (!lang) return;
    if (full) full.summary.files++;
    const t0 = performance.now();
    const got = await this.#read(path);
    if (got === null) {
      await this.#lost(path, trigger);
      return;
    }
    if (got === "skip") {
      if (full) full.summary.skipped++;
      return;
    }
    const { data, st, partial } = got;
    const sha256 = got.sha256 ?? createHash("sha256").update(data).digest("hex");
    const prev = this.#index.get(path);
    const version = this.#scanner.version;
    const same = prev !== undefined && prev.sha256 === sha256 && prev.engine === version;
    // a realtime event that changed nothing (touch, chmod, a rewrite with the same bytes)
    if (same && trigger === "realtime") {
      prev.dev = st.dev;
      prev.ino = st.ino;
      return;
    }
    if (same && prev.verdict === "clean" && !prev.phpinfo) {
      if (full) full.summary.cached++;
      prev.dev = st.dev;
      prev.ino = st.ino;
      await this.#throttle(performance.now() - t0);
      return;
    }
    let res: ScanResult;
    try {
      res = await this.#scanner.scan(path, data);
    } catch (e) {
      if (full) full.summary.errors++;
      this.#status(`scan:${path}`, `web files: the engine failed on ${path}: ${(e as Error).message}`);
      return;
    }
    this.stats.scans++;
    if (full) full.summary.scanned++;
    if (partial) {
      // the verdict is about the excerpt; the hashes and size are the whole file's (ALR-4 keys, quarantine)
      res = { ...res, md5: partial.md5, sha256, size: st.size, reasons: [...res.reasons.slice(0, MAX_REASONS - 1), { id: "agent.partial-scan", layer: "heuristic", severity: "info", text: `The file has ${st.size} bytes: only its first and last ${Math.floor(this.#maxFileBytes / 2)} bytes were scanned; line numbers past the first part count from the cut.` }] };
    }
    const phpinfo = res.exposure === "phpinfo";
    const notClean = res.verdict !== "clean" || phpinfo;

    let renamedFrom: string | undefined;
    let base = prev?.base, baseLines = prev?.baseLines;
    if (!prev) {
      const g = this.#gone.get(`${st.dev}:${st.ino}`);
      // the same inode and content: inode numbers are reused at once after a delete, contents are not
      if (g && g.entry.sha256 === sha256 && performance.now() - g.at < RENAME_WINDOW_MS) {
        this.#gone.delete(`${st.dev}:${st.ino}`);
        renamedFrom = g.path;
        // the file keeps its baseline under its new name (the reference passes with it)
        base = g.entry.base;
        baseLines = g.entry.baseLines;
      }
    }
    const action: NonNullable<FileRecord["event"]>["action"] = trigger === "realtime"
      ? renamedFrom ? "renamed" : prev ? "modified" : "created"
      : !prev ? (this.#fullScans > 0 ? "created" : "scanned") : prev.sha256 !== sha256 ? "modified" : "scanned";

    if (notClean || prev?.reported) {
      let baseline: NonNullable<FileRecord["webshell"]>["baseline"];
      let summary: string | undefined;
      if (notClean && base && base !== sha256 && !partial) {
        const old = await this.#baselines.get(base);
        if (old) {
          const prefer = new Set(res.reasons.filter((r) => r.severity !== "info" && r.line).map((r) => r.line!));
          const d = addedLines(old, Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1"), prefer, this.#seed);
          baseline = { previousSha256: base, added: d.added };
          summary = `${d.total} line${d.total === 1 ? "" : "s"} added since its last clean version${d.total > d.added.length ? ` (${d.added.length} listed)` : ""}`;
        }
      }
      if (renamedFrom) summary = `renamed from ${clipText(renamedFrom, 1500)}${summary ? `; ${summary}` : ""}`;
      await this.#emit([this.#record(path, action, trigger, st, res, baseline, summary)]);
      if (full && notClean) {
        full.summary.found++;
        if (res.verdict === "malicious") full.summary.malicious++;
        else if (res.verdict === "suspicious") full.summary.suspicious++;
        if (phpinfo) full.summary.phpinfo++;
      }
    }
    // a clean content becomes the file's baseline
    if (res.verdict === "clean" && base !== sha256 && !partial) {
      const hashes = lineHashes(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1"), this.#seed);
      this.#baselines.unref(base);
      base = baseLines = undefined;
      if (hashes && (await this.#baselines.put(sha256, hashes))) {
        base = sha256;
        baseLines = hashes.length / LINE_HASH;
      } else if (hashes) this.#status("budget", `web files: the line baselines reached their budget; further files are compared by verdict only (WS-5 lines not named)`);
    }
    this.#index.set(path, { sha256, engine: version, verdict: res.verdict, phpinfo, reported: notClean, dev: st.dev, ino: st.ino, base, baseLines });
    this.#markDirty();
    await this.#throttle(performance.now() - t0);
  }

  /**
   * The bytes the engine reads and the stat; null when gone; "skip" when not a regular file,
   * unreadable or too large to hash. Over maxFileBytes: the whole file is hashed and the
   * engine gets its head and tail (`partial` carries the whole file's hashes).
   */
  async #read(path: string): Promise<{ data: Buffer; st: Stat; sha256?: string; partial?: { md5: string } } | null | "skip"> {
    let fh;
    try {
      // O_NOFOLLOW: a symbolic link is not scanned as the file it points to; O_NONBLOCK: a FIFO never hangs the agent
      fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return null;
      if (code !== "ELOOP") this.#status(`read:${path}`, `web files: cannot read ${path}: ${code ?? (e as Error).message}`);
      return "skip";
    }
    const readAt = async (buf: Buffer, pos: number) => {
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await fh.read(buf, got, buf.length - got, pos + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got;
    };
    try {
      const s = await fh.stat();
      if (!s.isFile() || s.size > MAX_HASHED_BYTES) return "skip";
      const max = this.#maxFileBytes;
      const st = { dev: s.dev, ino: s.ino, mode: s.mode, uid: s.uid, size: s.size };
      const first = Buffer.alloc(Math.min(s.size, max) + 1);
      const got = await readAt(first, 0);
      if (got <= max) return { data: first.subarray(0, got), st: { ...st, size: got } };
      // too large for the engine: hash it all, scan its head and tail
      const sha = createHash("sha256"), md5 = createHash("md5");
      const chunk = Buffer.alloc(1024 * 1024);
      let total = 0;
      for (;;) {
        const n = await readAt(chunk, total);
        if (n === 0 || total + n > MAX_HASHED_BYTES) break;
        sha.update(chunk.subarray(0, n));
        md5.update(chunk.subarray(0, n));
        total += n;
      }
      const half = Math.floor(max / 2);
      const tail = Buffer.alloc(half);
      const t = await readAt(tail, Math.max(half, total - half));
      const data = Buffer.concat([first.subarray(0, half), Buffer.from("\n"), tail.subarray(0, t)]);
      return { data, st: { ...st, size: total }, sha256: sha.digest("hex"), partial: { md5: md5.digest("hex") } };
    } catch (e) {
      this.#status(`read:${path}`, `web files: cannot read ${path}: ${(e as Error).message}`);
      return "skip";
    } finally {
      await fh.close().catch(() => {});
    }
  }

  /** A path that no longer exists: forget it (and all below it, for a directory); a reported file is sent as deleted. */
  async #lost(path: string, trigger: WebScanTrigger): Promise<void> {
    const gone: [string, Entry][] = [];
    const e = this.#index.get(path);
    if (e) gone.push([path, e]);
    if (this.#watchers.has(path)) {
      const prefix = path === "/" ? "/" : path + "/";
      for (const [p, x] of this.#watchers) {
        if (p !== path && !p.startsWith(prefix)) continue;
        x.w.close();
        this.#watchers.delete(p);
      }
      for (const [p, x] of this.#index) if (p.startsWith(prefix)) gone.push([p, x]);
    }
    const records: FileRecord[] = [];
    const now = performance.now();
    this.#expireGone();
    for (const [g, x] of gone) {
      this.#index.delete(g);
      // kept a moment: the same inode under a new name is a rename and keeps its baseline
      const key = `${x.dev}:${x.ino}`;
      const old = this.#gone.get(key);
      if (old) this.#baselines.unref(old.entry.base);
      if (this.#gone.size < MAX_PENDING) this.#gone.set(key, { path: g, entry: x, at: now });
      else this.#baselines.unref(x.base);
      if (x.reported) records.push(this.#deletedRecord(g, x, trigger));
    }
    if (gone.length) this.#markDirty();
    await this.#emit(records);
  }

  #expireGone(): void {
    const now = performance.now();
    for (const [k, v] of this.#gone) {
      if (now - v.at <= RENAME_WINDOW_MS) continue;
      this.#baselines.unref(v.entry.base);
      this.#gone.delete(k);
    }
  }

  // ---- records -----------------------------------------------------------------------------------

  #id(path: string, sha: string): string {
    return `web-${this.#clock.now()}-${createHash("sha256").update(path).digest("hex").slice(0, 12)}-${sha.slice(0, 12)}-${(this.#seq++ % 1000).toString(36)}`;
  }

  #record(path: string, action: FileRecord["event"]["action"], trigger: WebScanTrigger, st: Stat, res: ScanResult, baseline: NonNullable<FileRecord["webshell"]>["baseline"], summary: string | undefined): FileRecord {
    const webshell: NonNullable<FileRecord["webshell"]> = {
      verdict: res.verdict,
      lang: res.lang,
      reasons: res.reasons.slice(0, MAX_REASONS).map((r) => ({
        id: clipText(r.id, 96), layer: r.layer, severity: r.severity,
        ...(Number.isInteger(r.line) && r.line! >= 1 ? { line: r.line } : {}),
        text: clipText(r.text, 512),
        ...(r.excerpt !== undefined ? { excerpt: clipText(r.excerpt, 160) } : {}),
      })),
      ...(res.exposure ? { exposure: res.exposure } : {}),
      ...(baseline ? { baseline } : {}),
      scan: trigger,
      engine: clipText(this.#scanner.version, 64),
    };
    return {
      id: this.#id(path, res.sha256),
      kind: "file",
      ts: this.#clock.now(),
      event: { action },
      file: { path: clipText(path, 4096), hash: { md5: res.md5, sha256: res.sha256 }, size: st.size, mode: (st.mode & 0o7777).toString(8).padStart(4, "0"), owner: this.#owner(st.uid), category: "web" },
      ...(summary ? { change: { summary: clipText(summary, 2048) } } : {}),
      webshell,
    };
  }

  #deletedRecord(path: string, e: Entry, trigger: WebScanTrigger): FileRecord {
    return {
      id: this.#id(path, e.sha256),
      kind: "file",
      ts: this.#clock.now(),
      event: { action: "deleted" },
      file: { path: clipText(path, 4096), hash: { sha256: e.sha256 }, category: "web" },
      change: { summary: "deleted: no longer at this path" },
      webshell: { verdict: "clean", lang: webLangOf(path), reasons: [], scan: trigger, engine: clipText(this.#scanner.version, 64) },
    };
  }

  async #emit(records: FileRecord[]): Promise<void> {
    if (!records.length || !this.#running) return;
    this.stats.records += records.length;
    await this.#o.onRecords(records);
  }

  #owner(uid: number): string {
    if (!this.#owners) {
      this.#owners = new Map();
      try {
        // sync and small: read once per full scan
        const text = readFileSync("/etc/passwd", "utf8");
        for (const line of text.split("\n")) {
          const f = line.split(":");
          if (f.length >= 3 && f[0] && /^\d{1,10}$/.test(f[2]!) && !this.#owners.has(Number(f[2]))) this.#owners.set(Number(f[2]), clipText(f[0], 256));
        }
      } catch {
        // no passwd: numeric owners
      }
    }
    return this.#owners.get(uid) ?? String(uid);
  }

  // ---- walking and watching ----------------------------------------------------------------------

  /** Walks a tree (watching each directory before listing it), calling onFile for each web file. */
  async #walk(root: string, onFile: (path: string) => void): Promise<{ complete: boolean; truncated: boolean }> {
    const stack = [root];
    let files = 0;
    let complete = true;
    while (stack.length && this.#running) {
      const dir = stack.pop()!;
      await this.#watchDir(dir);
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        complete = false;
        const code = (e as NodeJS.ErrnoException).code;
        this.#status(`dir:${dir}`, dir === root && code === "ENOENT" ? `web files: ${dir} does not exist (yet); looked for again every minute` : `web files: cannot list ${dir}: ${code ?? (e as Error).message}`);
        continue;
      }
      if (dir === root) this.#said.delete(`dir:${dir}`);
      for (const d of entries) {
        const p = dir === "/" ? `/${d.name}` : `${dir}/${d.name}`;
        // symbolic links are not followed: no loops, no walking out of the tree
        if (d.isDirectory()) stack.push(p);
        else if (d.isFile() && webLangOf(d.name)) {
          if (++files > this.#maxFiles) {
            this.#status(`max:${root}`, `web files: more than ${this.#maxFiles} web files under ${root}; the rest are not scanned`);
            return { complete: false, truncated: true };
          }
          onFile(p);
        }
      }
    }
    return { complete: complete && this.#running, truncated: false };
  }

  /** A directory that appeared (created or moved in): watch it and everything below, scan its web files. */
  async #addTree(dir: string, scanFiles: boolean): Promise<void> {
    await this.#walk(dir, (p) => {
      if (scanFiles) this.#touch(p);
    });
  }

  async #watchDir(dir: string): Promise<void> {
    if (this.#o.watch === false || !this.#running || this.#watchers.has(dir)) return;
    const st = await lstat(dir).catch(() => null);
    if (!st?.isDirectory() || this.#watchers.has(dir)) return;
    if (this.#watchers.size >= this.#maxDirs) {
      this.#status("maxdirs", `web files: more than ${this.#maxDirs} directories; the rest are covered by scheduled scans only`);
      return;
    }
    try {
      const w = watch(dir, { persistent: false }, (_ev, name) => {
        if (typeof name === "string" && name) this.#touch(dir === "/" ? `/${name}` : `${dir}/${name}`);
        else this.#overflow();
      });
      w.on("error", () => {
        this.stats.watchErrors++;
        w.close();
        // kept (marked) so that, if the directory is gone, what was below it is forgotten too;
        // looking at it again settles which
        const x = this.#watchers.get(dir);
        if (x?.w === w) x.dead = true;
        this.#touch(dir);
      });
      this.#watchers.set(dir, { w, dev: st.dev, ino: st.ino });
    } catch (e) {
      this.stats.watchErrors++;
      const code = (e as NodeJS.ErrnoException).code;
      this.#status("watch", code === "ENOSPC" ? `web files: out of inotify watches (fs.inotify.max_user_watches) at ${dir}; the rest relies on scheduled scans` : `web files: cannot watch ${dir}: ${code ?? (e as Error).message}`);
    }
  }

  #touch(path: string): void {
    if (!this.#running) return;
    this.stats.events++;
    const now = performance.now();
    const p = this.#pending.get(path);
    if (p) p.last = now;
    else {
      if (this.#pending.size >= MAX_PENDING) return this.#overflow();
      this.#pending.set(path, { first: now, last: now });
    }
    this.#armDebounce();
  }

  #armDebounce(): void {
    if (this.#debounce || !this.#running) return;
    const tick = Math.max(10, Math.min(this.#debounceMs, this.#maxWaitMs) / 2);
    this.#debounce = setTimeout(() => {
      this.#debounce = null;
      const now = performance.now();
      for (const [p, t] of this.#pending) {
        if (now - t.last >= this.#debounceMs || now - t.first >= this.#maxWaitMs) {
          this.#pending.delete(p);
          this.#ready.add(p);
        }
      }
      if (this.#pending.size) this.#armDebounce();
      if (this.#ready.size) this.#wake?.();
    }, tick);
  }

  /** Too many events at once (or one without a name): compare everything instead. */
  #overflow(): void {
    this.stats.overflows++;
    this.#pending.clear();
    this.#resync = true;
    this.#status("overflow", "web files: more changes at once than tracked one by one; resynchronising with a full walk");
    this.#wake?.();
  }

  /** Every minute: watch a root that did not exist or lost its watch. */
  async #maintain(): Promise<void> {
    this.#expireGone();
    if (this.#o.watch === false) return;
    for (const d of this.#dirs) {
      if (!this.#running) return;
      const x = this.#watchers.get(d);
      if (x && !x.dead) continue;
      this.#watchers.delete(d);
      await this.#addTree(d, true);
    }
  }

  #scheduleCron(): void {
    if (!this.#running) return;
    const now = this.#clock.now();
    const next = this.#cron.next(now);
    if (next === null) return;
    // re-evaluated at least hourly: the clock may jump or the host sleep
    this.#cronTimer = setTimeout(() => {
      if (this.#clock.now() >= next) void this.runFullScan("scheduled");
      this.#scheduleCron();
    }, Math.max(1000, Math.min(next - now, 3_600_000))).unref();
  }

  #status(key: string, msg: string): void {
    if (this.#said.get(key) === msg) return;
    if (this.#said.size > 1000) this.#said.clear();
    this.#said.set(key, msg);
    this.#o.onStatus?.(msg);
  }

  // ---- persistence -------------------------------------------------------------------------------

  #markDirty(): void {
    this.#dirty = true;
    if (this.#saveTimer || !this.#running) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = null;
      void this.#save().catch((e) => this.#status("save", `web files: cannot save the index: ${(e as Error).message}`));
    }, SAVE_EVERY_MS).unref();
  }

  async #save(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    const files: Record<string, unknown[]> = {};
    for (const [p, e] of this.#index) files[p] = [e.sha256, e.engine, e.verdict, (e.phpinfo ? 1 : 0) | (e.reported ? 2 : 0), e.dev, e.ino, e.base ?? null, e.baseLines ?? 0];
    await writeFileAtomic(join(this.#o.stateDir, "index.json"), JSON.stringify({ v: 2, seed: this.#seed, fullScans: this.#fullScans, files }));
  }

  async #load(): Promise<void> {
    let raw: { v?: number; seed?: number; fullScans?: number; files?: Record<string, unknown[]> } = {};
    try {
      raw = JSON.parse(await readFile(join(this.#o.stateDir, "index.json"), "utf8"));
    } catch {
      // first run, or an unreadable index: everything is new
    }
    if (raw.v === 2 && raw.files && typeof raw.files === "object" && Number.isInteger(raw.seed)) {
      this.#seed = raw.seed! >>> 0;
      this.#fullScans = Number(raw.fullScans) || 0;
      for (const [p, a] of Object.entries(raw.files)) {
        if (!Array.isArray(a) || !this.#dirs.some((d) => p.startsWith(d === "/" ? "/" : d + "/"))) continue;
        const [sha256, engine, verdict, flags, dev, ino, base, baseLines] = a as [string, string, VerdictKind, number, number, number, string | null, number];
        if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256) || !["clean", "suspicious", "malicious"].includes(verdict)) continue;
        const e: Entry = { sha256, engine: String(engine), verdict, phpinfo: (flags & 1) !== 0, reported: (flags & 2) !== 0, dev: Number(dev) || 0, ino: Number(ino) || 0 };
        if (typeof base === "string" && /^[0-9a-f]{64}$/.test(base)) {
          e.base = base;
          e.baseLines = Number(baseLines) || 0;
          this.#baselines.ref(base, e.baseLines);
        }
        this.#index.set(p, e);
      }
    }
    await this.#baselines.collect();
  }
}
