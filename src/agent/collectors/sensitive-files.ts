/**
 * AGT-6: watches the files an intruder edits to keep a foothold — accounts (passwd, shadow,
 * group, gshadow), sudo rights, every account's authorized_keys, crontabs, ld.so.preload and
 * sshd's configuration — and reports each change as a `file` record (category "sensitive").
 *
 * How changes are seen:
 * - fs.watch (inotify) on the parent DIRECTORIES: editors, vipw, useradd and crontab write a
 *   temporary file and rename it over the old one, which a watch on the old inode never sees.
 *   A directory that does not exist yet (a user's ~/.ssh) is watched through its nearest
 *   existing ancestor, for the name that leads to it, and the watch moves down once it exists.
 * - Events are debounced (default 200 ms: one rename burst is one change), then the files of
 *   the directories concerned are read and compared with the last known state.
 * - A periodic rescan (default 60 s) compares everything: inotify can drop events (queue
 *   overflow, watch limit reached), and a file can change while a watch is being moved.
 * - The first scan at start() is the baseline and reports nothing; a target that appears
 *   later (a new file in cron.d, the authorized_keys of an account just added to passwd)
 *   is reported "created". Changes made while the agent was stopped are not seen.
 *
 * What a record says: action created | modified | deleted | renamed (the same inode and
 * content under a new name in a watched directory) | attributes (mode or owner only); the
 * file's sha256, size, mode and owner; and for line-based files the lines added and removed
 * (order-insensitive; at most 50 each, 1 KiB each). ts is the file's ctime (when the change
 * was made, which a rescan may see up to a minute later), the clock's time for a deletion.
 *
 * Never a password hash: shadow-like files (shadow, gshadow and their `-` backups) are reduced
 * on reading to one digest per entry, and their records name only the accounts whose entry
 * changed ("password changed for bob (now empty)", "entry added for toor"); an entry whose
 * name is not a plausible account name is counted, not named (a malformed line could be a hash).
 *
 * Bounded: files over 1 MiB are hashed (up to 64 MiB) without a line diff; at most 10 000
 * targets (1 000 per directory); kept texts total at most 16 MiB, beyond which files are
 * compared by hash only; FIFOs and devices are never read (opened O_NONBLOCK, then fstat).
 */
import { watch, constants, type FSWatcher } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join, posix } from "node:path";
import { systemClock, type Clock } from "../../core/index.ts";
import type { FileRecord } from "../../protocol/index.ts";
import { expandKeysPath, sshdAuthorizedKeysFiles } from "../inventory/accounts.ts";
import { clip } from "./parse-util.ts";

/**
 * Host paths watched by default. `DIR/*`: every file directly in DIR; `~/PATH`: PATH in every
 * account's home (homes from /etc/passwd, re-read when it changes), plus the AuthorizedKeysFile
 * of sshd_config (re-read when it changes).
 */
export const DEFAULT_SENSITIVE_PATHS: readonly string[] = [
  "/etc/passwd",
  "/etc/shadow",
  "/etc/group",
  "/etc/gshadow",
  "/etc/sudoers",
  "/etc/sudoers.d/*",
  "~/.ssh/authorized_keys",
  "~/.ssh/authorized_keys2",
  "/etc/crontab",
  "/etc/cron.d/*",
  "/var/spool/cron/crontabs/*",
  "/var/spool/cron/*",
  "/etc/ld.so.preload",
  "/etc/ssh/sshd_config",
  "/etc/ssh/sshd_config.d/*",
];

export interface SensitiveFileWatchOptions {
  /** Receives each batch of records (one batch per check); awaited before the next check. */
  onRecords: (records: FileRecord[]) => void | Promise<void>;
  clock?: Clock;
  /** Directory treated as "/" (tests, containers); records carry host paths. Default "/". */
  root?: string;
  /** Patterns to watch (see DEFAULT_SENSITIVE_PATHS). */
  paths?: readonly string[];
  /** Quiet time after an event before the files are compared; default 200 ms. */
  debounceMs?: number;
  /** Full comparison every rescanMs; default 60 s; 0 turns it off. */
  rescanMs?: number;
  /** Use fs.watch; default true. Off: rescans only (tests; hosts out of inotify watches). */
  watch?: boolean;
  /** Problems worth a log line (unreadable file, watch failure); each said once until it changes. */
  onStatus?: (msg: string) => void;
}

export const MAX_DIFF_LINES = 50;
export const MAX_DIFF_LINE_CHARS = 1024;
export const MAX_COMPARED_BYTES = 1024 * 1024;
const MAX_HASHED_BYTES = 64 * 1024 * 1024;
const MAX_KEPT_TEXT = 16 * 1024 * 1024;
const MAX_TARGETS = 10_000;
const MAX_PER_DIR = 1_000;
const MAX_PASSWD_BYTES = 16 * 1024 * 1024;
const MAX_SUMMARY = 2048;
const SHADOW_LIKE = new Set(["shadow", "gshadow", "shadow-", "gshadow-"]);
/** Account names that may appear in a summary; anything else could be a stray hash. */
const SAFE_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,63}\$?$/;

type PasswordState = "set" | "empty" | "locked";

interface ShadowEntry {
  /** Digest of the whole line and of the password field: compared, never sent. */
  line: string;
  pw: string;
  state: PasswordState;
}

/** What the watch knows of a present file. */
interface Snapshot {
  dev: number;
  ino: number;
  size: number;
  mode: number;
  uid: number;
  ctimeMs: number;
  mtimeMs: number;
  regular: boolean;
  sha256?: string;
  /** Kept for the line diff: a regular, not shadow-like file of at most 1 MiB, within the budget. */
  text?: string;
  /** Shadow-like files: entry key (account name, or `#N` for an unnamed one) → digests. */
  entries?: Map<string, ShadowEntry>;
}

/** A file as last seen: a snapshot, or null when absent. */
type Known = Snapshot | null;

interface Target {
  /** Host path. */
  path: string;
  /** The directory whose events concern it. */
  dir: string;
  /** "derived": from passwd homes or sshd_config; dropped silently when it leaves the list. */
  from: "plain" | "glob" | "derived";
}

interface Account {
  name: string;
  uid: number;
  home: string;
}

/** Host path under root; ".." cannot climb out. */
function hostNorm(p: string): string {
  return posix.normalize("/" + p);
}

export class SensitiveFileWatch {
  readonly #o: SensitiveFileWatchOptions;
  readonly #clock: Clock;
  readonly #root: string;
  readonly #patterns: readonly string[];
  readonly #debounceMs: number;
  readonly #rescanMs: number;
  #targets = new Map<string, Target>();
  #known = new Map<string, Known>();
  #owners = new Map<number, string>();
  #keptText = 0;
  #chain: Promise<unknown> = Promise.resolve();
  #dirty: Set<string> | "all" | null = null;
  #debounce: NodeJS.Timeout | null = null;
  #rescan: NodeJS.Timeout | null = null;
  /** Watched directory (host path) → its watcher and the target directories it stands for. */
  #watchers = new Map<string, { w: FSWatcher; dirs: Map<string, Set<string> | "any" | "child"> }>();
  #running = false;
  #synced = false;
  /** Targets that could not be read yet (EACCES, EIO): no "created" when they first can be. */
  #unread = new Set<string>();
  #said = new Map<string, string>();
  readonly stats = { checks: 0, records: 0, events: 0, watchErrors: 0 };

  constructor(o: SensitiveFileWatchOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#root = o.root ?? "/";
    this.#patterns = o.paths ?? DEFAULT_SENSITIVE_PATHS;
    this.#debounceMs = o.debounceMs ?? 200;
    this.#rescanMs = o.rescanMs ?? 60_000;
  }

  /** Reads the baseline (no records), then watches. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.#enqueue("all", true);
    if (this.#rescanMs > 0) this.#rescan = setInterval(() => void this.#enqueue("all", false), this.#rescanMs).unref();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#rescan) clearInterval(this.#rescan);
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#rescan = this.#debounce = null;
    for (const { w } of this.#watchers.values()) w.close();
    this.#watchers.clear();
    await this.#chain.catch(() => {});
  }

  /** Compares every target now (what the periodic rescan does); returns the records it emitted. */
  rescanNow(): Promise<FileRecord[]> {
    return this.#enqueue("all", false);
  }

  /** Host paths currently watched for content (for status output and tests). */
  get targets(): string[] {
    return [...this.#targets.keys()].sort();
  }

  /** Directories with a live fs.watch (host paths). */
  get watchedDirs(): string[] {
    return [...this.#watchers.keys()].sort();
  }

  // ---- scheduling ---------------------------------------------------------------------------

  #enqueue(scope: Set<string> | "all", baseline: boolean): Promise<FileRecord[]> {
    const run = this.#chain.then(() => (this.#running ? this.#check(scope, baseline) : []));
    this.#chain = run.catch((e) => this.#status("check", `sensitive file check failed: ${(e as Error).message}`));
    return run;
  }

  #kick(dirs: Iterable<string> | "all"): void {
    if (!this.#running) return;
    this.stats.events++;
    if (dirs === "all" || this.#dirty === "all") this.#dirty = "all";
    else {
      this.#dirty ??= new Set();
      for (const d of dirs) this.#dirty.add(d);
    }
    // not restarted by later events: a steady stream of changes still gets checked every debounceMs
    this.#debounce ??= setTimeout(() => {
      this.#debounce = null;
      const scope = this.#dirty ?? "all";
      this.#dirty = null;
      void this.#enqueue(scope, false);
    }, this.#debounceMs);
  }

  #status(key: string, msg: string): void {
    if (this.#said.get(key) === msg) return;
    this.#said.set(key, msg);
    this.#o.onStatus?.(msg);
  }

  // ---- one comparison -------------------------------------------------------------------------

  async #check(scope: Set<string> | "all", baseline: boolean): Promise<FileRecord[]> {
    this.stats.checks++;
    const before = this.#targets;
    const after = await this.#expand();
    const paths: string[] = [];
    for (const t of after.values()) if (scope === "all" || scope.has(t.dir) || !before.has(t.path)) paths.push(t.path);
    for (const t of before.values()) {
      if (after.has(t.path)) continue;
      this.#unread.delete(t.path);
      if (t.from === "derived") this.#forget(t.path);
      else paths.push(t.path); // a file gone from its directory: read it, it is deleted
    }
    this.#targets = after;
    const deleted: { path: string; prev: Snapshot }[] = [];
    const created: { path: string; cur: Snapshot }[] = [];
    const records: FileRecord[] = [];
    for (const path of paths) {
      const cur = await this.#read(path);
      if (cur === undefined) {
        // unreadable: keep what we knew; never read at all: its first reading is its baseline
        if (!this.#known.has(path)) this.#unread.add(path);
        continue;
      }
      // a target not known before (new in its directory, or of a new account) counts as absent before
      const prev = this.#known.get(path) ?? null;
      if (!baseline && !this.#unread.delete(path)) {
        const r = this.#compare(path, prev, cur);
        if (r) records.push(r);
        if (prev && !cur) deleted.push({ path, prev });
        if (!prev && cur) created.push({ path, cur });
      }
      if (cur === null && !after.has(path)) this.#forget(path);
      else this.#remember(path, cur);
    }
    const out = pairRenames(records, deleted, created, (path, cur, from) => this.#record(path, "renamed", cur, null, change(`renamed from ${from}`)));
    await this.#syncWatches();
    if (out.length && this.#running) {
      this.stats.records += out.length;
      await this.#o.onRecords(out);
    }
    return out;
  }

  #remember(path: string, k: Known): void {
    const old = this.#known.get(path);
    if (old?.text !== undefined) this.#keptText -= old.text.length;
    if (k?.text !== undefined) {
      if (this.#keptText + k.text.length > MAX_KEPT_TEXT) {
        k.text = undefined;
        this.#status("budget", `sensitive files: over ${MAX_KEPT_TEXT} characters of text kept; further files are compared by hash only`);
      } else this.#keptText += k.text.length;
    }
    this.#known.set(path, k);
  }

  #forget(path: string): void {
    const old = this.#known.get(path);
    if (old?.text !== undefined) this.#keptText -= old.text.length;
    this.#known.delete(path);
  }

  /** The record for a change from prev to cur, or null when nothing that matters changed. */
  #compare(path: string, prev: Known, cur: Known): FileRecord | null {
    if (!prev && !cur) return null;
    if (!prev) return this.#record(path, "created", cur!, null, describeCreated(cur!));
    if (!cur) return this.#record(path, "deleted", null, prev, describeDeleted(prev));
    const content = prev.regular !== cur.regular || (prev.sha256 !== undefined || cur.sha256 !== undefined ? prev.sha256 !== cur.sha256 : prev.size !== cur.size || prev.mtimeMs !== cur.mtimeMs || prev.ino !== cur.ino);
    const attrs = attrChanges(prev, cur, (uid) => this.#ownerName(uid));
    if (content) {
      const c = describeModified(prev, cur);
      if (attrs) c.summary = cut(`${c.summary}; ${attrs}`, MAX_SUMMARY);
      return this.#record(path, "modified", cur, prev, c);
    }
    return attrs ? this.#record(path, "attributes", cur, prev, { summary: attrs }) : null;
  }

  #record(path: string, action: FileRecord["event"]["action"], cur: Snapshot | null, prev: Snapshot | null, change: FileRecord["change"]): FileRecord {
    const now = this.#clock.now();
    const s = cur ?? prev!;
    const ctime = Math.floor(s.ctimeMs);
    const ts = cur && ctime > 0 && ctime <= now ? ctime : now;
    const state = (x: Snapshot | null) => (x ? `${x.ino}:${x.ctimeMs}:${x.size}:${x.mode}:${x.uid}:${x.sha256 ?? ""}` : "-");
    const id = "sf-" + createHash("sha256").update(`${path}\0${action}\0${state(prev)}\0${state(cur)}`).digest("base64url").slice(0, 32);
    const file: FileRecord["file"] = { path: cut(path, 4096), category: "sensitive" };
    if (s.sha256) file.hash = { sha256: s.sha256 };
    if (s.regular) file.size = s.size;
    file.mode = (s.mode & 0o7777).toString(8).padStart(4, "0");
    file.owner = this.#ownerName(s.uid);
    const r: FileRecord = { id, kind: "file", ts, event: { action }, file };
    if (change) r.change = change;
    return r;
  }

  #ownerName(uid: number): string {
    return this.#owners.get(uid) ?? String(uid);
  }

  // ---- what to watch --------------------------------------------------------------------------

  async #expand(): Promise<Map<string, Target>> {
    const out = new Map<string, Target>();
    const add = (t: Target) => {
      if (out.size >= MAX_TARGETS) {
        this.#status("targets", `sensitive files: more than ${MAX_TARGETS} files to watch; the rest are not watched`);
        return;
      }
      if (!out.has(t.path)) out.set(t.path, t);
    };
    const perHome = this.#patterns.filter((p) => p.startsWith("~/"));
    const accounts = await this.#accounts();
    for (const pat of this.#patterns) {
      if (pat.startsWith("~/")) continue;
      const p = hostNorm(pat);
      if (p.endsWith("/*")) {
        const dir = p.slice(0, -2) || "/";
        for (const f of await this.#list(dir)) add({ path: posix.join(dir, f), dir, from: "glob" });
      } else add({ path: p, dir: posix.dirname(p), from: "plain" });
    }
    if (perHome.length) {
      const tpls = perHome.map((p) => p.slice(2));
      // sshd reads the keys where its AuthorizedKeysFile says: watch those too
      for (const w of (await sshdAuthorizedKeysFiles(this.#root)) ?? []) if (w !== "none" && !tpls.includes(w)) tpls.push(w);
      for (const a of accounts) {
        for (const tpl of tpls) {
          const e = expandKeysPath(tpl, a.home, a.name, a.uid);
          const p = e === null ? null : hostNorm(e);
          if (p) add({ path: p, dir: posix.dirname(p), from: "derived" });
        }
      }
    }
    return out;
  }

  /** Accounts of passwd (for homes), and uid → name for owners. */
  async #accounts(): Promise<Account[]> {
    const text = (await this.#readSmall("/etc/passwd", MAX_PASSWD_BYTES)) ?? "";
    const out: Account[] = [];
    const owners = new Map<number, string>();
    for (const line of text.split("\n")) {
      const f = line.split(":");
      if (f.length < 7 || !f[0] || !/^\d{1,10}$/.test(f[2]!)) continue;
      const uid = Number(f[2]);
      if (!owners.has(uid)) owners.set(uid, cut(f[0], 256));
      const home = f[5]!;
      if (home.startsWith("/") && out.length < 20_000) out.push({ name: f[0], uid, home });
    }
    this.#owners = owners;
    return out;
  }

  async #list(dir: string): Promise<string[]> {
    try {
      const names: string[] = [];
      for (const e of await readdir(this.#abs(dir), { withFileTypes: true })) {
        if (e.isDirectory()) continue;
        if (names.length >= MAX_PER_DIR) {
          this.#status(`dir:${dir}`, `sensitive files: more than ${MAX_PER_DIR} files in ${dir}; the rest are not watched`);
          break;
        }
        names.push(e.name);
      }
      return names.sort();
    } catch {
      return [];
    }
  }

  #abs(hostPath: string): string {
    return join(this.#root, hostNorm(hostPath));
  }

  // ---- reading --------------------------------------------------------------------------------

  async #readSmall(hostPath: string, max: number): Promise<string | null> {
    let fh;
    try {
      fh = await open(this.#abs(hostPath), constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch {
      return null;
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) return null;
      const buf = Buffer.alloc(Math.min(max, st.size));
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      return buf.toString("utf8", 0, bytesRead);
    } catch {
      return null;
    } finally {
      await fh.close().catch(() => {});
    }
  }

  /** The file now: a snapshot, null when absent, undefined when it cannot be read. */
  async #read(hostPath: string): Promise<Known | undefined> {
    let fh;
    try {
      // O_NONBLOCK: a FIFO planted under a watched name must not hang the agent
      fh = await open(this.#abs(hostPath), constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP") {
        this.#said.delete(`read:${hostPath}`);
        return null;
      }
      this.#status(`read:${hostPath}`, `cannot read ${hostPath}: ${code ?? (e as Error).message}`);
      return undefined;
    }
    try {
      const st = await fh.stat();
      const snap: Snapshot = { dev: st.dev, ino: st.ino, size: st.size, mode: st.mode, uid: st.uid, ctimeMs: st.ctimeMs, mtimeMs: st.mtimeMs, regular: st.isFile() };
      if (!snap.regular) return snap;
      const h = createHash("sha256");
      const first = Buffer.alloc(Math.min(st.size, MAX_COMPARED_BYTES) + 1);
      let got = 0;
      while (got < first.length) {
        const { bytesRead } = await fh.read(first, got, first.length - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      h.update(first.subarray(0, got));
      let total = got;
      if (got > MAX_COMPARED_BYTES) {
        // over 1 MiB: hash only (up to 64 MiB), no line diff
        const chunk = Buffer.alloc(1024 * 1024);
        for (;;) {
          const { bytesRead } = await fh.read(chunk, 0, chunk.length, total);
          if (bytesRead === 0) break;
          total += bytesRead;
          if (total > MAX_HASHED_BYTES) break;
          h.update(chunk.subarray(0, bytesRead));
        }
        snap.size = total;
        if (total <= MAX_HASHED_BYTES) snap.sha256 = h.digest("hex");
        return snap;
      }
      snap.size = got;
      snap.sha256 = h.digest("hex");
      const text = first.toString("utf8", 0, got);
      if (SHADOW_LIKE.has(posix.basename(hostPath))) snap.entries = shadowEntries(text);
      else snap.text = text;
      this.#said.delete(`read:${hostPath}`);
      return snap;
    } catch (e) {
      this.#status(`read:${hostPath}`, `cannot read ${hostPath}: ${(e as Error).message}`);
      return undefined;
    } finally {
      await fh.close().catch(() => {});
    }
  }

  // ---- watches --------------------------------------------------------------------------------

  /** Watches each target directory, or its nearest existing ancestor for the name leading to it. */
  async #syncWatches(): Promise<void> {
    if (this.#o.watch === false || !this.#running) return;
    const want = new Map<string, Map<string, Set<string> | "any" | "child">>();
    const byDir = new Map<string, Target[]>();
    for (const t of this.#targets.values()) {
      const l = byDir.get(t.dir);
      if (l) l.push(t);
      else byDir.set(t.dir, [t]);
    }
    // glob directories with no file yet still need a watch
    for (const pat of this.#patterns) {
      const p = hostNorm(pat);
      if (!pat.startsWith("~/") && p.endsWith("/*") && !byDir.has(p.slice(0, -2) || "/")) byDir.set(p.slice(0, -2) || "/", []);
    }
    const globDirs = new Set(this.#patterns.filter((p) => !p.startsWith("~/") && hostNorm(p).endsWith("/*")).map((p) => hostNorm(p).slice(0, -2) || "/"));
    const exists = new Map<string, boolean>();
    const isDir = async (d: string) => {
      let v = exists.get(d);
      if (v === undefined) {
        v = await stat(this.#abs(d)).then((s) => s.isDirectory(), () => false);
        exists.set(d, v);
      }
      return v;
    };
    for (const [dir, ts] of byDir) {
      let at = dir;
      while (!(await isDir(at))) {
        if (at === "/") break;
        at = posix.dirname(at);
      }
      if (!(await isDir(at))) continue;
      const m = want.get(at) ?? new Map<string, Set<string> | "any" | "child">();
      want.set(at, m);
      if (at !== dir) m.set(dir, "child");
      else if (globDirs.has(dir)) m.set(dir, "any");
      else {
        const prev = m.get(dir);
        const names = prev instanceof Set ? prev : new Set<string>();
        for (const t of ts) names.add(posix.basename(t.path));
        m.set(dir, names);
      }
    }
    const synced = this.#synced;
    this.#synced = true;
    for (const [d, e] of this.#watchers) {
      if (!want.has(d)) {
        e.w.close();
        this.#watchers.delete(d);
      }
    }
    for (const [d, dirs] of want) {
      const e = this.#watchers.get(d);
      if (e) {
        e.dirs = dirs;
        continue;
      }
      try {
        const w = watch(this.#abs(d), { persistent: false }, (_ev, name) => this.#onEvent(d, typeof name === "string" ? name : null));
        w.on("error", () => {
          this.stats.watchErrors++;
          w.close();
          if (this.#watchers.get(d)?.w === w) this.#watchers.delete(d);
          this.#kick("all"); // re-established (or moved to an ancestor) by the check
        });
        this.#watchers.set(d, { w, dirs });
        this.#said.delete("watch");
        // a file written after the check read it but before this watch existed: look once more
        if (synced) this.#kick(dirs.keys());
      } catch (err) {
        this.stats.watchErrors++;
        this.#status("watch", `cannot watch ${d} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): relying on the ${this.#rescanMs / 1000} s rescan`);
      }
    }
  }

  #onEvent(watched: string, name: string | null): void {
    const e = this.#watchers.get(watched);
    if (!e) return;
    const hit: string[] = [];
    for (const [dir, f] of e.dirs) {
      if (name === null || f === "any") hit.push(dir);
      else if (f === "child") {
        const rest = dir.slice(watched === "/" ? 1 : watched.length + 1);
        if (rest.split("/")[0] === name) hit.push(dir);
      } else if (f.has(name)) hit.push(dir);
    }
    if (hit.length) this.#kick(hit);
  }
}

// ---- describing a change ----------------------------------------------------------------------

function lines(text: string): string[] {
  const l = text.split("\n");
  if (l.length && l[l.length - 1] === "") l.pop();
  for (let i = 0; i < l.length; i++) if (l[i]!.endsWith("\r")) l[i] = l[i]!.slice(0, -1);
  return l;
}

const cut = (s: string, max: number) => clip(s, 0, s.length, max);

/** Lines added and removed, as multisets (order-insensitive), and how many of each. */
function lineDiff(before: string, after: string): { added: string[]; removed: string[]; nAdded: number; nRemoved: number } {
  const count = new Map<string, number>();
  for (const l of lines(before)) count.set(l, (count.get(l) ?? 0) + 1);
  const added: string[] = [];
  let nAdded = 0;
  for (const l of lines(after)) {
    const n = count.get(l) ?? 0;
    if (n > 0) count.set(l, n - 1);
    else if (nAdded++ < MAX_DIFF_LINES) added.push(cut(l, MAX_DIFF_LINE_CHARS));
  }
  const removed: string[] = [];
  let nRemoved = 0;
  for (const l of lines(before)) {
    const n = count.get(l) ?? 0;
    if (n > 0) {
      count.set(l, n - 1);
      if (nRemoved++ < MAX_DIFF_LINES) removed.push(cut(l, MAX_DIFF_LINE_CHARS));
    }
  }
  return { added, removed, nAdded, nRemoved };
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;

function linesSummary(d: { added: string[]; removed: string[]; nAdded: number; nRemoved: number }): string {
  if (d.nAdded === 1 && d.nRemoved === 0) return `line added: ${cut(d.added[0]!, 512)}`;
  if (d.nRemoved === 1 && d.nAdded === 0) return `line removed: ${cut(d.removed[0]!, 512)}`;
  if (d.nAdded === 1 && d.nRemoved === 1) return `line changed: ${cut(d.removed[0]!, 400)} → ${cut(d.added[0]!, 400)}`;
  if (d.nAdded === 0 && d.nRemoved === 0) return "content changed: the same lines (order, line ends or encoding changed)";
  const more = d.nAdded > MAX_DIFF_LINES || d.nRemoved > MAX_DIFF_LINES ? ` (first ${MAX_DIFF_LINES} of each listed)` : "";
  return `${plural(d.nAdded, "line")} added, ${d.nRemoved} removed${more}`;
}

function change(summary: string, added?: string[], removed?: string[]): NonNullable<FileRecord["change"]> {
  const c: NonNullable<FileRecord["change"]> = { summary: cut(summary, MAX_SUMMARY) };
  if (added?.length) c.added = added;
  if (removed?.length) c.removed = removed;
  return c;
}

function describeCreated(cur: Snapshot): NonNullable<FileRecord["change"]> {
  if (!cur.regular) return change("created: not a regular file");
  if (cur.entries) return change(`created with ${plural(cur.entries.size, "entry")}: ${shadowNames([...cur.entries.keys()], "entry added for")}`);
  if (cur.text === undefined) return change(cur.size > MAX_COMPARED_BYTES ? "created (over 1 MiB: not listed line by line)" : "created");
  const d = lineDiff("", cur.text);
  return change(d.nAdded === 1 ? `created: ${cut(d.added[0]!, 512)}` : `created with ${plural(d.nAdded, "line")}`, d.added);
}

function describeDeleted(prev: Snapshot): NonNullable<FileRecord["change"]> {
  if (prev.entries) return change(`deleted (${plural(prev.entries.size, "entry")})`);
  if (prev.text === undefined) return change("deleted");
  const d = lineDiff(prev.text, "");
  return change(`deleted (${plural(d.nRemoved, "line")})`, undefined, d.removed);
}

function describeModified(prev: Snapshot, cur: Snapshot): NonNullable<FileRecord["change"]> {
  if (prev.regular !== cur.regular) return change(cur.regular ? "replaced: now a regular file" : "replaced: no longer a regular file");
  if (prev.entries && cur.entries) return change(shadowSummary(prev.entries, cur.entries));
  if (prev.text === undefined || cur.text === undefined) {
    return change(prev.size > MAX_COMPARED_BYTES || cur.size > MAX_COMPARED_BYTES ? "content changed (over 1 MiB: not compared line by line)" : "content changed");
  }
  const d = lineDiff(prev.text, cur.text);
  return change(linesSummary(d), d.added, d.removed);
}

function attrChanges(prev: Snapshot, cur: Snapshot, owner: (uid: number) => string): string {
  const parts: string[] = [];
  const pm = prev.mode & 0o7777, cm = cur.mode & 0o7777;
  if (pm !== cm) parts.push(`mode ${pm.toString(8).padStart(4, "0")} → ${cm.toString(8).padStart(4, "0")}`);
  if (prev.uid !== cur.uid) parts.push(`owner ${owner(prev.uid)} → ${owner(cur.uid)}`);
  return parts.join(", ");
}

// ---- shadow-like files --------------------------------------------------------------------------

const digest = (s: string) => createHash("sha256").update(s).digest("base64url").slice(0, 22);

/** One digest per entry: the text itself is dropped here, at reading. */
function shadowEntries(text: string): Map<string, ShadowEntry> {
  const out = new Map<string, ShadowEntry>();
  let unnamed = 0;
  for (const line of lines(text)) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const c = line.indexOf(":");
    const name = c > 0 ? line.slice(0, c) : "";
    let key = SAFE_NAME.test(name) ? name : `#${++unnamed}`;
    for (let n = 2; out.has(key); n++) key = `${name}#${n}`;
    const c2 = c > 0 ? line.indexOf(":", c + 1) : -1;
    const pw = c > 0 ? line.slice(c + 1, c2 < 0 ? line.length : c2) : line;
    const state: PasswordState = pw === "" ? "empty" : pw.startsWith("!") || pw.startsWith("*") ? "locked" : "set";
    out.set(key, { line: digest(line), pw: digest(pw), state });
  }
  return out;
}

const STATE_WORDS: Record<PasswordState, string> = { set: "set", empty: "empty: no password needed", locked: "locked" };

/** "password changed for bob (now empty: no password needed); entry added for toor" — names only. */
function shadowSummary(before: Map<string, ShadowEntry>, after: Map<string, ShadowEntry>): string {
  const parts: string[] = [];
  let hidden = 0;
  const label = (k: string) => (k.startsWith("#") ? null : k.replace(/#\d+$/, ""));
  for (const [k, e] of after) {
    const b = before.get(k);
    const who = label(k);
    if (!who) {
      if (!b || b.line !== e.line) hidden++;
      continue;
    }
    if (!b) parts.push(`entry added for ${who} (password ${STATE_WORDS[e.state]})`);
    else if (b.pw !== e.pw) parts.push(`password changed for ${who}${b.state !== e.state ? ` (now ${STATE_WORDS[e.state]})` : ""}`);
    else if (b.line !== e.line) parts.push(`entry changed for ${who} (aging or other fields)`);
  }
  for (const k of before.keys()) {
    if (after.has(k)) continue;
    const who = label(k);
    if (who) parts.push(`entry removed for ${who}`);
    else hidden++;
  }
  if (hidden) parts.push(`${plural(hidden, "entry")} with an unusual name changed (not named)`);
  return parts.length ? parts.join("; ") : "content changed: no account entry changed (comments, blank lines or order)";
}

function shadowNames(keys: string[], verb: string): string {
  const named = keys.filter((k) => !k.startsWith("#")).map((k) => k.replace(/#\d+$/, ""));
  const shown = named.slice(0, 20).join(", ");
  return named.length ? `${verb} ${shown}${named.length > 20 ? ` and ${named.length - 20} more` : ""}` : "no named entry";
}

// ---- helpers ------------------------------------------------------------------------------------

/**
 * A file deleted and another created in the same check with the same inode and content is a
 * rename (`mv a b` in cron.d): one "renamed" record for the new name instead of the two.
 */
function pairRenames(
  records: FileRecord[],
  deleted: { path: string; prev: Snapshot }[],
  created: { path: string; cur: Snapshot }[],
  make: (path: string, cur: Snapshot, from: string) => FileRecord,
): FileRecord[] {
  if (!deleted.length || !created.length) return records;
  const drop = new Set<string>();
  const add: FileRecord[] = [];
  for (const c of created) {
    const d = deleted.find((x) => !drop.has(x.path) && x.prev.dev === c.cur.dev && x.prev.ino === c.cur.ino && x.prev.sha256 === c.cur.sha256);
    if (!d) continue;
    drop.add(d.path).add(c.path);
    add.push(make(c.path, c.cur, d.path));
  }
  return [...records.filter((r) => !drop.has(r.file.path)), ...add];
}
