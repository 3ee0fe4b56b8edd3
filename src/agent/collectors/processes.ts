/**
 * AGT-3: processes from /proc — a "start" record for each new process, "sample" records (CPU %,
 * memory) for busy ones, "exit" when a reported one ends — and PRC-4's kill, which checks the
 * pid still is the process the server means before it sends SIGKILL.
 *
 * New processes are found by listing /proc every fastScanMs (default 250 ms). The kernel's proc
 * connector would report every fork and exec, but it needs a netlink socket, which Node cannot
 * open without a native addon. So a process that starts and ends between two scans is not seen
 * by the scan, and one that vanishes before it is read is counted (stats.missed), never an
 * error; where auditd logs execs, noteExecs (fed by audit-exec.ts) reports those too.
 */
import { systemClock, type Clock } from "../../core/index.ts";
import { killNotRunning, type ProcessRecord } from "../../protocol/index.ts";
import { inboundPeerOf } from "./connections.ts";
import { ExeHashCache } from "./exe-hash-cache.ts";
import { isKernelThread, MS_PER_TICK, ProcFs, startTimeMs, UserNames, type ProcStat, type ProcStatus } from "./proc-fs.ts";

export interface ProcessCollectorOptions {
  onRecords: (records: ProcessRecord[]) => void | Promise<void>;
  onError?: (err: unknown) => void;
  /** /proc root; default "/proc". Ignored when procFs is given. */
  root?: string;
  procFs?: ProcFs;
  /** Default /etc/passwd. */
  passwdPath?: string;
  /** Shared with the connection collector; null: no hashes. Default: a cache of its own. */
  hashes?: ExeHashCache | null;
  clock?: Clock;
  /** CPU samples, exits of reused pids, exec detection. Default 5000. */
  intervalMs?: number;
  /** Listing of /proc to notice new processes. Default 250. */
  fastScanMs?: number;
  /** A sample is emitted for a process using at least this share of one core. Default 50. */
  cpuThresholdPct?: number;
  /** One sample per running process at start (an inventory). Default false. */
  inventoryOnStart?: boolean;
  /** One sample for each new process at the first interval it lives through. Default true. */
  sampleNew?: boolean;
  /**
   * A new process that still runs its parent's executable may be a fork about to exec: it is
   * read again this much later (default 25 ms; 0: at the next scan) before its start is reported.
   * false: report it at once.
   */
  execGraceMs?: number | false;
  /** Start records per scan; more are counted (stats.dropped). Default 500. */
  maxStartsPerScan?: number;
  /** Sample records per interval, busiest first; more are counted (stats.dropped). Default 500. */
  maxSamplesPerInterval?: number;
  /** Processes tracked at once; more are counted (stats.untracked). Default 32 768. */
  maxTracked?: number;
  /** Ancestors reported, nearest first. Default 8. */
  maxAncestors?: number;
  /** Find an ssh session's client address from its sshd's socket. Default true. */
  sessionSourceIp?: boolean;
  /** kill() refuses these (defaults: this process and its parent). */
  selfPid?: number;
  parentPid?: number;
  /** Sends the signal; default process.kill. */
  signal?: (pid: number, sig: NodeJS.Signals) => void;
  /** kill() waits this long for the process to be gone. Default 1000. */
  killConfirmMs?: number;
  /** Exec notices taken per second (noteExecs); more are counted (stats.dropped). Default 2000. */
  maxExecNoticesPerSec?: number;
}

/** An exec seen by a faster source than the /proc scan (auditd's execve records): see noteExecs. */
export interface ExecNotice {
  pid: number;
  ppid: number;
  /** When the exec happened, ms since the epoch. */
  ts: number;
  exe?: string;
  args: string[];
  /** The arguments were cut by the source. */
  truncated?: boolean;
  cwd?: string;
  /** Effective uid at the exec. */
  uid?: number;
  comm?: string;
  /** Unique on this host ([A-Za-z0-9.]): names the record of a process gone before /proc showed it. */
  ref: string;
}

export interface ProcessStats {
  scans: number;
  intervals: number;
  starts: number;
  samples: number;
  exits: number;
  /** New processes that were gone before they could be read. */
  missed: number;
  /** Records not emitted because of the per-scan caps. */
  dropped: number;
  /** New processes not tracked because maxTracked was reached (counted each scan). */
  untracked: number;
  /** Processes whose start was reported only after exec grace. */
  deferred: number;
  /** Exec notices taken (noteExecs); of them, those that made a start record, and those the scan had already reported. */
  execNotices: number;
  execStarts: number;
  execDuplicates: number;
  /**
   * Tasks the kernel forked since the baseline (/proc/stat `processes`, threads included), as of
   * the last interval: set beside `starts` it bounds how many processes came and went unseen.
   */
  forks: number;
  tracked: number;
  errors: number;
  /** Duration of the last scan / interval, ms of wall time. */
  lastScanMs: number;
  lastIntervalMs: number;
}

export interface KillRequest {
  pid: number;
  /** Start time (ms since the epoch) as the agent reported it. */
  start: number;
  sha256?: string;
}

interface Session {
  sshdPid: number;
  user?: string;
  sourceIp?: string;
}

/** What the collector remembers of a process: enough for CPU deltas, ancestry and its exit. */
interface Tracked {
  pid: number;
  ppid: number;
  startTicks: number;
  start: number;
  comm: string;
  kernel: boolean;
  /** utime + stime at `at` (clock ms). */
  ticks: number;
  at: number;
  gen: number;
  /** A start or sample was emitted, so its exit will be. */
  reported: boolean;
  /** Started since the last interval: sampled once at the next one (sampleNew). */
  isNew: boolean;
  /** Execs seen after its start (ids of later start records). */
  execs: number;
  /** Read lazily; undefined = not read yet. */
  exe?: string | null;
  cmdline?: string[] | null;
  session?: Session;
  /** When exe and cmdline were last read (clock ms): an exec notice older than this is already reflected. */
  seenAt: number;
  /** Names the records of a process known from an exec notice only (no start ticks). */
  ref?: string;
}

/** One read of a process's files. */
interface Snapshot {
  stat: ProcStat;
  exe: string | null;
  cmdline: string[] | null;
  status: ProcStatus | null;
  cwd: string | null;
}

type ProcessFields = ProcessRecord["process"];
type Hash = { md5: string; sha256: string };
interface PendingRecord {
  r: ProcessRecord;
  hash?: Promise<Hash | null>;
}

const SSHD_SESSION = /^(?:sshd|sshd-session): ([^\s@\[\]]+)@(\S+)/;
const MAX_DEFERRED = 1000;
/**
 * A start time from /proc (boot time in whole seconds + ticks) is never later than the real
 * fork, which is never later than the exec: a table entry that started later than an exec
 * notice by more than this is a newer process on a reused pid.
 */
const SAME_PROCESS_SLACK_MS = 100;
/** Processes gone (or known from notices only) remembered for ancestry and dedup. */
const MAX_GHOSTS = 512;
const GHOST_TTL_MS = 60_000;

export class ProcessCollector {
  readonly fs: ProcFs;
  readonly hashes: ExeHashCache | null;
  readonly intervalMs: number;
  readonly fastScanMs: number;
  #o: ProcessCollectorOptions;
  #clock: Clock;
  #users: UserNames;
  #btime = 0;
  #boot = "";
  #known = new Map<number, Tracked>();
  /** pid → the scan it was first seen in, while its exec grace runs. */
  #deferred = new Map<number, number>();
  #gen = 0;
  #forks0: number | null = null;
  #seq = 0;
  #started = false;
  #running = false;
  #timer: NodeJS.Timeout | null = null;
  #loop: Promise<void> | null = null;
  #nextIntervalAt = 0;
  #chain: Promise<void> = Promise.resolve();
  #pendingBatches = 0;
  /** Gone processes by pid (kept once exec notices arrive): their exec notices are duplicates, their children name them as parent. */
  #ghosts = new Map<number, { t: Tracked; at: number }>();
  #ghostsOn = false;
  #noticeSec = 0;
  #noticeBudget = 0;
  #s: Omit<ProcessStats, "tracked"> = { scans: 0, intervals: 0, starts: 0, samples: 0, exits: 0, missed: 0, dropped: 0, untracked: 0, deferred: 0, execNotices: 0, execStarts: 0, execDuplicates: 0, forks: 0, errors: 0, lastScanMs: 0, lastIntervalMs: 0 };

  constructor(o: ProcessCollectorOptions) {
    this.#o = o;
    this.fs = o.procFs ?? new ProcFs({ root: o.root });
    this.hashes = o.hashes === undefined ? new ExeHashCache() : o.hashes;
    this.#clock = o.clock ?? systemClock;
    this.#users = new UserNames({ path: o.passwdPath });
    this.intervalMs = o.intervalMs ?? 5000;
    this.fastScanMs = o.fastScanMs ?? 250;
  }

  get stats(): ProcessStats {
    return { ...this.#s, tracked: this.#known.size };
  }

  /**
   * Takes the baseline: every running process is remembered, none reported as started (one
   * sample each with inventoryOnStart). start() calls it; tests call it and then scan()/sample().
   */
  async baseline(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#btime = this.fs.bootTimeSec() ?? Math.round((this.#clock.now() - (this.fs.uptimeSec() ?? 0) * 1000) / 1000);
    this.#boot = this.fs.bootId()?.replace(/-/g, "").slice(0, 12) ?? `b${this.#btime}`;
    this.#forks0 = this.fs.forkCount();
    const now = this.#clock.now();
    const gen = ++this.#gen;
    const inventory: PendingRecord[] = [];
    for (const pid of this.fs.listPids()) {
      if (this.#known.size >= this.#maxTracked) break;
      const st = this.fs.stat(pid);
      if (!st) continue;
      const t = this.#track(st, now, gen);
      t.isNew = false;
      // its executable, so that a later exec is seen (a readlink, a few µs)
      if (!t.kernel) t.exe = this.fs.exe(pid);
      if (this.#o.inventoryOnStart && !t.kernel) {
        const snap = this.#read(pid);
        if (snap && snap.stat.startTicks === t.startTicks) inventory.push(this.#record(t, snap, "sample", now));
      }
    }
    for (let i = 0; i < inventory.length; i += 500) await this.#deliver(inventory.slice(i, i + 500));
  }

  /** Baseline, then a fast scan every fastScanMs and a sample every intervalMs. */
  async start(): Promise<void> {
    await this.baseline();
    this.#running = true;
    this.#nextIntervalAt = Date.now() + this.intervalMs;
    this.#schedule(this.fastScanMs);
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#loop?.catch(() => {});
    await this.#chain;
  }

  /** One fast scan: starts of new processes, exits of gone ones; resolves once they are delivered. */
  async scan(): Promise<void> {
    await this.#sweep(false);
  }

  /** One interval: a fast scan plus CPU samples, exec and pid-reuse checks of every process. */
  async sample(): Promise<void> {
    await this.#sweep(true);
  }

  /**
   * Execs a faster source saw (auditd, audit-exec.ts), for processes the scan may miss. The
   * collector stays the one producer of process records: an exec the scan already reported
   * (same pid, started no later than the exec, same executable and arguments) is dropped; a
   * missed one becomes a start record with parent and ancestors from this table; a process that
   * still runs is tracked from here on, so no scan reports it again.
   */
  async noteExecs(execs: readonly ExecNotice[]): Promise<void> {
    if (!this.#started) return; // before the baseline every process counts as already running
    this.#ghostsOn = true;
    const batch: PendingRecord[] = [];
    for (const e of execs) {
      try {
        this.#noteExec(e, batch);
      } catch (err) {
        this.#s.errors++;
        this.#o.onError?.(err);
      }
    }
    if (batch.length) await this.#deliver(batch);
  }

  #noteExec(e: ExecNotice, batch: PendingRecord[]): void {
    this.#s.execNotices++;
    const now = this.#clock.now();
    // bounded like the scan: a fork storm costs counted drops, not unbounded work
    const sec = Math.floor(now / 1000);
    if (sec !== this.#noticeSec) {
      this.#noticeSec = sec;
      this.#noticeBudget = this.#o.maxExecNoticesPerSec ?? 2000;
    }
    if (this.#noticeBudget-- <= 0) {
      this.#s.dropped++;
      return;
    }
    const same = (t: Tracked | undefined) => (t && t.start <= e.ts + SAME_PROCESS_SLACK_MS ? t : undefined);
    let t = same(this.#known.get(e.pid));
    let alive = t !== undefined;
    if (!t && !this.#known.has(e.pid) && this.#known.size < this.#maxTracked) {
      // not seen by a scan yet: if it still runs, track it now
      const st = this.fs.stat(e.pid);
      if (st && !isKernelThread(st) && startTimeMs(this.#btime, st.startTicks) <= e.ts + SAME_PROCESS_SLACK_MS) {
        t = this.#track(st, now, this.#gen);
        t.seenAt = -Infinity;
        alive = true;
      }
    }
    t ??= same(this.#ghosts.get(e.pid)?.t);
    if (!t) {
      // gone before any scan saw it: known from the notice alone
      t = {
        pid: e.pid, ppid: e.ppid, startTicks: -1, start: e.ts, comm: "", kernel: false, ticks: 0, at: now, gen: 0,
        reported: false, isNew: false, execs: 0, seenAt: -Infinity, ref: e.ref.replace(/[^A-Za-z0-9.]/g, "").slice(0, 40),
      };
      this.#ghost(t, now);
    }
    if (t.kernel) return;
    const exe = e.exe ?? null;
    const wasDeferred = alive && this.#deferred.delete(t.pid);
    let update = true;
    if (!wasDeferred) {
      if (e.ts < t.seenAt) {
        // read after this exec: the table's view is as new. Same executable: the scan reported
        // this exec (its title may have changed since); another one: an exec in between
        if (t.exe === exe || !t.reported) {
          this.#s.execDuplicates++;
          return;
        }
        update = false;
      } else if (t.exe === exe && sameArgs(t.cmdline, e.args, e.truncated)) {
        this.#s.execDuplicates++; // the scan read it just after the exec
        return;
      }
    }
    if (t.reported) t.execs++;
    const comm = (e.comm ?? exe?.slice(exe.lastIndexOf("/") + 1) ?? t.comm).slice(0, 256);
    if (update) {
      t.exe = exe;
      t.cmdline = e.args;
      t.comm = comm;
      t.ppid = e.ppid;
      t.seenAt = e.ts;
    }
    const stat: ProcStat = { pid: e.pid, comm, state: "R", ppid: e.ppid, flags: 0, utime: 0, stime: 0, startTicks: t.startTicks, rssPages: 0, threads: 1 };
    const snap: Snapshot = { stat, exe, cmdline: e.args, status: { ruid: e.uid ?? null, euid: e.uid ?? null, vmRssKb: null }, cwd: e.cwd ?? null };
    const p = this.#record(t, snap, "start", t.reported ? e.ts : t.start);
    // a process gone (or exec'd again) no longer shows this executable under /proc/PID/exe
    if (!(alive && update)) p.hash = exe && this.hashes && !exe.endsWith(" (deleted)") ? this.hashes.hash(exe) : undefined;
    batch.push(p);
    t.reported = true;
    this.#s.starts++;
    this.#s.execStarts++;
  }

  /** Remembers a process that is gone or known from a notice only, for a while and a bounded number. */
  #ghost(t: Tracked, now: number): void {
    this.#ghosts.delete(t.pid);
    this.#ghosts.set(t.pid, { t, at: now });
    for (const [pid, g] of this.#ghosts) {
      if (this.#ghosts.size <= MAX_GHOSTS && now - g.at < GHOST_TTL_MS) break;
      this.#ghosts.delete(pid);
    }
  }

  #schedule(ms: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      const full = Date.now() >= this.#nextIntervalAt;
      if (full) this.#nextIntervalAt = Math.max(this.#nextIntervalAt + this.intervalMs, Date.now() + this.intervalMs / 2);
      this.#loop = this.#sweep(full, true).catch((err) => {
        this.#s.errors++;
        this.#o.onError?.(err);
      }).then(() => {
        const g = this.#o.execGraceMs ?? 25;
        const grace = this.#deferred.size && typeof g === "number" && g > 0 ? g : Infinity;
        this.#schedule(Math.max(0, Math.min(this.fastScanMs, grace, this.#nextIntervalAt - Date.now())));
      });
    }, ms);
    this.#timer.unref?.();
  }

  get #maxTracked(): number {
    return this.#o.maxTracked ?? 32_768;
  }

  #track(st: ProcStat, now: number, gen: number): Tracked {
    const t: Tracked = {
      pid: st.pid, ppid: st.ppid, startTicks: st.startTicks, start: startTimeMs(this.#btime, st.startTicks),
      comm: st.comm, kernel: isKernelThread(st), ticks: st.utime + st.stime, at: now, gen,
      reported: false, isNew: true, execs: 0, seenAt: now,
    };
    this.#known.set(st.pid, t);
    return t;
  }

  #read(pid: number): Snapshot | null {
    const stat = this.fs.stat(pid);
    if (!stat) return null;
    return { stat, exe: this.fs.exe(pid), cmdline: this.fs.cmdline(pid), status: this.fs.status(pid), cwd: this.fs.cwd(pid) };
  }

  /**
   * One pass. `background`: called by the timer loop, which must not wait for slow hashes —
   * delivery runs behind it, in order, and only a backlog of batches makes the loop wait.
   */
  async #sweep(full: boolean, background = false): Promise<void> {
    if (!this.#started) await this.baseline();
    const t0 = performance.now();
    const batch: PendingRecord[] = [];
    try {
      this.#sweepInto(batch, full);
    } catch (err) {
      this.#s.errors++;
      this.#o.onError?.(err);
    }
    const ms = performance.now() - t0;
    if (full) this.#s.lastIntervalMs = ms;
    else this.#s.lastScanMs = ms;
    if (batch.length === 0) return;
    const delivered = this.#deliver(batch);
    if (!background || this.#pendingBatches > 4) await delivered;
  }

  #sweepInto(batch: PendingRecord[], full: boolean): void {
    const now = this.#clock.now();
    const gen = ++this.#gen;
    if (full) {
      this.#s.intervals++;
      const forks = this.fs.forkCount();
      if (forks !== null && this.#forks0 !== null) this.#s.forks = forks - this.#forks0;
    } else this.#s.scans++;
    const pids = this.fs.listPids();
    const fresh: { t: Tracked; snap: Snapshot }[] = [];
    const samples: { t: Tracked; pct: number | undefined }[] = [];
    let untracked = 0;

    for (const pid of pids) {
      let t = this.#known.get(pid);
      if (t && full) {
        const st = this.fs.stat(pid);
        if (!st) continue; // gone now: its exit is reported below
        if (st.startTicks !== t.startTicks) {
          // the pid was reused between two scans: the old process ended, this is a new one
          this.#gone(t, now, batch);
          t = undefined;
        } else {
          t.gen = gen;
          this.#sampleOne(t, st, now, samples, batch);
          continue;
        }
      }
      if (t) {
        t.gen = gen;
        continue;
      }
      if (this.#known.size >= this.#maxTracked) {
        untracked++;
        continue;
      }
      const snap = this.#read(pid);
      if (!snap) {
        this.#s.missed++;
        continue;
      }
      fresh.push({ t: this.#track(snap.stat, now, gen), snap });
    }
    this.#s.untracked += untracked;

    for (const t of this.#known.values()) if (t.gen !== gen) this.#gone(t, now, batch);

    // starts: processes deferred by an earlier scan (read again now), then the new ones
    const starts: { t: Tracked; snap: Snapshot }[] = [];
    for (const [pid, firstGen] of this.#deferred) {
      if (firstGen === gen) continue;
      this.#deferred.delete(pid);
      const t = this.#known.get(pid);
      const snap = t && this.#read(pid);
      if (!t || !snap || snap.stat.startTicks !== t.startTicks) {
        this.#s.missed++;
        continue;
      }
      this.#s.deferred++;
      t.comm = snap.stat.comm;
      t.seenAt = now;
      starts.push({ t, snap });
    }
    for (const f of fresh) {
      if (f.t.kernel) continue;
      f.t.exe = f.snap.exe;
      f.t.cmdline = f.snap.cmdline;
      if (this.#mayExecSoon(f.t) && this.#deferred.size < MAX_DEFERRED) this.#deferred.set(f.t.pid, gen);
      else starts.push(f);
    }
    const maxStarts = this.#o.maxStartsPerScan ?? 500;
    for (const [i, { t, snap }] of starts.entries()) {
      if (i >= maxStarts) {
        this.#s.dropped++;
        continue;
      }
      t.exe = snap.exe;
      t.cmdline = snap.cmdline;
      batch.push(this.#record(t, snap, "start", t.start));
      t.reported = true;
      this.#s.starts++;
    }

    // samples, busiest first
    samples.sort((a, b) => (b.pct ?? 0) - (a.pct ?? 0));
    const maxSamples = this.#o.maxSamplesPerInterval ?? 500;
    for (const [i, { t, pct }] of samples.entries()) {
      if (i >= maxSamples) {
        this.#s.dropped++;
        continue;
      }
      const snap = this.#read(t.pid);
      if (!snap || snap.stat.startTicks !== t.startTicks) continue;
      const p = this.#record(t, snap, "sample", now);
      if (pct !== undefined) p.r.process.cpu = { pct: Math.round(pct * 10) / 10 };
      batch.push(p);
      t.reported = true;
      this.#s.samples++;
    }
  }

  /** CPU % since the last reading; exec and sample decisions for a process still running. */
  #sampleOne(t: Tracked, st: ProcStat, now: number, samples: { t: Tracked; pct: number | undefined }[], batch: PendingRecord[]): void {
    if (t.kernel) return;
    t.ppid = st.ppid; // re-parented when its parent died
    const ticks = st.utime + st.stime;
    const dt = now - t.at;
    // too short a window makes the percentage noise (one tick in 10 ms reads as 100 %)
    const minWindow = Math.min(1000, this.intervalMs / 2);
    let pct: number | undefined;
    if (dt >= minWindow) {
      pct = Math.max(0, ((ticks - t.ticks) * MS_PER_TICK * 100) / dt);
      t.ticks = ticks;
      t.at = now;
    }
    if (st.comm !== t.comm) {
      // comm changes on exec (or prctl PR_SET_NAME): a new executable is a new start
      t.comm = st.comm;
      const exe = this.fs.exe(t.pid);
      if (t.exe !== undefined && exe !== t.exe && !this.#deferred.has(t.pid)) {
        const snap = this.#read(t.pid);
        if (snap && snap.stat.startTicks === t.startTicks) {
          t.execs++;
          t.exe = snap.exe;
          t.cmdline = snap.cmdline;
          t.seenAt = now;
          batch.push(this.#record(t, snap, "start", now));
          t.reported = true;
          this.#s.starts++;
        }
      } else t.exe = exe;
    }
    const threshold = this.#o.cpuThresholdPct ?? 50;
    const sampleNew = (this.#o.sampleNew ?? true) && t.isNew;
    if (pct !== undefined) t.isNew = false;
    if ((pct !== undefined && pct >= threshold) || (sampleNew && pct !== undefined)) samples.push({ t, pct });
  }

  #gone(t: Tracked, now: number, batch: PendingRecord[]): void {
    this.#known.delete(t.pid);
    if (this.#ghostsOn && !t.kernel) this.#ghost(t, now);
    // a fork that ended during its exec grace: what it ran is unknown
    if (this.#deferred.delete(t.pid)) this.#s.missed++;
    if (!t.reported) return;
    const process: ProcessFields = { pid: t.pid, ppid: t.ppid, name: t.comm, start: t.start };
    if (t.exe) process.executable = t.exe.slice(0, 4096);
    batch.push({ r: { id: this.#id(t, "exit"), kind: "process", ts: now, event: { action: "exit" }, process } });
    this.#s.exits++;
  }

  /** A fork that has not exec'd yet runs its parent's executable under its parent's name. */
  #mayExecSoon(t: Tracked): boolean {
    if (this.#o.execGraceMs === false) return false;
    const parent = this.#known.get(t.ppid);
    if (!parent || parent.kernel || parent.comm !== t.comm) return false;
    return this.#exeOf(parent) === t.exe && t.exe !== null;
  }

  #exeOf(t: Tracked): string | null {
    if (t.exe === undefined) t.exe = this.fs.exe(t.pid);
    return t.exe;
  }

  #cmdlineOf(t: Tracked): string[] | null {
    if (t.cmdline === undefined) t.cmdline = this.fs.cmdline(t.pid);
    return t.cmdline;
  }

  #id(t: Tracked, action: string): string {
    const suffix = action === "start" ? (t.execs ? `start${t.execs}` : "start") : action === "exit" ? "exit" : `sample${++this.#seq}.${this.#clock.now()}`;
    return `proc-${this.#boot}-${t.pid}-${t.ref ?? t.startTicks}-${suffix}`.slice(0, 128);
  }

  #record(t: Tracked, snap: Snapshot, action: "start" | "sample", ts: number): PendingRecord {
    const { stat } = snap;
    const process: ProcessFields = { pid: t.pid, ppid: stat.ppid, name: stat.comm.slice(0, 256), start: t.start };
    if (snap.exe) process.executable = snap.exe.slice(0, 4096);
    if (snap.cmdline?.length) {
      process.command_line = snap.cmdline.join(" ").slice(0, 8192);
      process.args = snap.cmdline.slice(0, 256).map((a) => a.slice(0, 4096));
    }
    if (snap.cwd) process.cwd = snap.cwd.slice(0, 4096);
    const uid = snap.status?.euid;
    if (uid !== null && uid !== undefined) {
      const name = this.#users.name(uid);
      process.user = name === undefined ? { id: uid } : { name, id: uid };
    }
    if (snap.status?.vmRssKb != null) process.memory = { rss: snap.status.vmRssKb * 1024 };
    const chain = this.#ancestors(t);
    const parent = chain[0];
    if (parent) {
      process.parent = { pid: parent.pid, name: parent.comm.slice(0, 256) };
      const pexe = this.#exeOf(parent);
      if (pexe) process.parent.executable = pexe.slice(0, 4096);
      const pargs = this.#cmdlineOf(parent);
      if (pargs?.length) process.parent.command_line = pargs.join(" ").slice(0, 8192);
      process.ancestors = chain.map((a) => {
        const exe = this.#exeOf(a);
        return exe ? { pid: a.pid, name: a.comm.slice(0, 256), executable: exe.slice(0, 4096) } : { pid: a.pid, name: a.comm.slice(0, 256) };
      });
    }
    const r: ProcessRecord = { id: this.#id(t, action), kind: "process", ts: Math.max(1, Math.round(ts)), event: { action }, process };
    const session = this.#session(chain);
    if (session) r.session = { ...session };
    let hash: Promise<Hash | null> | undefined;
    const hashes = this.hashes;
    if (hashes && snap.exe) {
      const exe = snap.exe;
      // the process may be gone by the time a hash slot frees: then hash the file by its path
      hash = hashes.hash(this.fs.path(t.pid, "exe")).then((h) => h ?? (exe.endsWith(" (deleted)") ? null : hashes.hash(exe)));
    }
    return { r, hash };
  }

  #ancestors(t: Tracked): Tracked[] {
    const out: Tracked[] = [];
    const max = this.#o.maxAncestors ?? 8;
    // a parent gone already (a short-lived shell) is still named while it is remembered
    const get = (pid: number) => this.#known.get(pid) ?? this.#ghosts.get(pid)?.t;
    let p = get(t.ppid);
    while (p && out.length < max && p.pid !== t.pid && !out.includes(p)) {
      out.push(p);
      p = p.ppid > 0 ? get(p.ppid) : undefined;
    }
    return out;
  }

  /** The nearest sshd ancestor that serves a logged-in user ("sshd: alice@pts/0"). */
  #session(chain: Tracked[]): Session | undefined {
    for (const a of chain) {
      if (a.comm !== "sshd" && a.comm !== "sshd-session") continue;
      if (a.session) return a.session;
      // read afresh: sshd changes its title after authentication
      a.cmdline = this.fs.cmdline(a.pid);
      const m = SSHD_SESSION.exec(a.cmdline?.join(" ") ?? "");
      if (!m) continue;
      const s: Session = { sshdPid: a.pid, user: m[1]!.slice(0, 256) };
      if (this.#o.sessionSourceIp ?? true) {
        const parent = this.#known.get(a.ppid);
        const ip = inboundPeerOf(this.fs, a.pid) ?? (parent && (parent.comm === "sshd" || parent.comm === "sshd-session") ? inboundPeerOf(this.fs, parent.pid) : undefined);
        if (ip) s.sourceIp = ip;
      }
      a.session = s;
      return s;
    }
    return undefined;
  }

  async #deliver(batch: PendingRecord[]): Promise<void> {
    this.#pendingBatches++;
    const job = this.#chain.then(async () => {
      const hashes = await Promise.all(batch.map((p) => p.hash));
      hashes.forEach((h, i) => {
        if (h) batch[i]!.r.process.hash = { md5: h.md5, sha256: h.sha256 };
      });
      await this.#o.onRecords(batch.map((p) => p.r));
    });
    this.#chain = job.catch((err) => {
      this.#s.errors++;
      this.#o.onError?.(err);
    }).finally(() => {
      this.#pendingBatches--;
    });
    await this.#chain;
  }

  /**
   * PRC-4 / AGT-10: SIGKILL to `pid` only if it still is the process that was reported — same
   * start time (±10 ms) and, when given, the same executable SHA-256. Never pid 1, this agent,
   * its parent or a kernel thread. Node has no pidfd, so a pid reused in the microseconds
   * between the last check and the signal cannot be ruled out; the start time is checked again
   * right before it.
   */
  async kill(req: KillRequest): Promise<{ ok: boolean; message: string }> {
    const { pid, start, sha256 } = req;
    if (!this.#started) await this.baseline();
    const selfPid = this.#o.selfPid ?? process.pid;
    const parentPid = this.#o.parentPid ?? process.ppid;
    if (!Number.isInteger(pid) || pid < 1) return { ok: false, message: `refused: ${pid} is not a process id` };
    if (pid === 1) return { ok: false, message: "refused: pid 1 (init) is never killed" };
    if (pid === selfPid) return { ok: false, message: `refused: pid ${pid} is the agent itself` };
    if (pid === parentPid) return { ok: false, message: `refused: pid ${pid} is the agent's parent` };
    const check = (): { ok: true; st: ProcStat } | { ok: false; message: string } => {
      const st = this.fs.stat(pid);
      if (!st || st.state === "Z" || st.state === "X") return { ok: false, message: killNotRunning.gone(pid) };
      if (isKernelThread(st)) return { ok: false, message: `refused: pid ${pid} (${st.comm}) is a kernel thread` };
      if (this.fs.exe(pid) === null) return { ok: false, message: `refused: pid ${pid} (${st.comm}) has no executable to check (a kernel thread, or unreadable)` };
      const actual = startTimeMs(this.#btime, st.startTicks);
      if (Math.abs(actual - start) > 10) {
        return { ok: false, message: killNotRunning.reused(pid, `${st.comm}, started ${iso(actual)}; expected one started ${iso(start)}`) };
      }
      return { ok: true, st };
    };
    const first = check();
    if (!first.ok) return first;
    if (sha256) {
      const h = await (this.hashes ?? new ExeHashCache()).hash(this.fs.path(pid, "exe"));
      if (!h) {
        const again = check();
        return again.ok ? { ok: false, message: `refused: could not hash the executable of pid ${pid} to compare it` } : again;
      }
      if (h.sha256 !== sha256.toLowerCase()) return { ok: false, message: `refused: pid ${pid} (${first.st.comm}) runs an executable with SHA-256 ${h.sha256}, not ${sha256}` };
    }
    const last = check();
    if (!last.ok) return last;
    const exe = this.fs.exe(pid);
    const what = `pid ${pid} (${last.st.comm}${exe ? `, ${exe}` : ""})`;
    try {
      (this.#o.signal ?? ((p, s) => process.kill(p, s)))(pid, "SIGKILL");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ESRCH") return { ok: false, message: killNotRunning.gone(pid) };
      return { ok: false, message: `could not kill ${what}: ${code ?? String(err)}` };
    }
    const deadline = Date.now() + (this.#o.killConfirmMs ?? 1000);
    for (;;) {
      const st = this.fs.stat(pid);
      if (!st || st.startTicks !== last.st.startTicks || st.state === "Z" || st.state === "X") return { ok: true, message: `killed ${what} with SIGKILL` };
      if (Date.now() >= deadline) return { ok: false, message: `SIGKILL sent to ${what} but it still runs (state ${st.state}) after ${this.#o.killConfirmMs ?? 1000} ms` };
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

/** Same command line; against a notice's cut arguments, a prefix (less a possibly split last character). */
function sameArgs(table: string[] | null | undefined, notice: string[], truncated?: boolean): boolean {
  if (!table) return false;
  const a = table.join(" ");
  const b = notice.join(" ");
  return truncated ? a.startsWith(b.slice(0, Math.max(0, b.length - 2))) : a === b;
}
