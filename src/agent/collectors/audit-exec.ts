/**
 * Issue 7 / AGT-3 fast path: successful execve/execveat events from auditd's log, so that a
 * process living between two /proc scans (a `/bin/true`, one stage of `curl … | sh`) is still
 * reported. The kernel's proc connector would do this without auditd, but Node cannot open a
 * netlink socket without a native addon.
 *
 * auditd writes one line per record; a syscall's records (SYSCALL, EXECVE, CWD, PATH…,
 * PROCTITLE) share one `audit(SECONDS.MS:SERIAL)` id, may be interleaved with other events'
 * records and a long argument is split over several EXECVE lines (`a1_len=… a1[0]=… a1[1]=…`).
 * Everything in them is attacker text: hex is decoded into bounded buffers and never evaluated.
 * The ProcessCollector turns each exec into its start record (noteExecs), so it stays the one
 * producer of process records.
 */
import { execFile } from "node:child_process";
import { accessSync, constants, readdirSync, readFileSync } from "node:fs";
import { FileTail, type TailLine, type TailPosition, type TailStateStore } from "./file-tail.ts";
import type { ExecNotice } from "./processes.ts";

export const DEFAULT_AUDIT_LOG = "/var/log/audit/audit.log";
/** The key of the rule --audit-rules adds: it names the rule, so stop removes exactly it. */
export const AUDIT_RULE_KEY = "hostward_exec";

/** One successful exec, as auditd logged it. */
export interface AuditExec {
  /** The event id, "SECONDS.MS:SERIAL" ("node:" before it when the log names nodes). */
  id: string;
  serial: number;
  /** The exec's time, ms since the epoch (the kernel's clock at the syscall's exit). */
  ts: number;
  syscall: "execve" | "execveat";
  pid: number;
  ppid: number;
  uid?: number;
  euid?: number;
  /** Login uid and audit session; absent when unset (4294967295). */
  auid?: number;
  ses?: number;
  comm?: string;
  exe?: string;
  tty?: string;
  key?: string;
  /** What EXECVE said; the arguments kept may be fewer (see truncated). */
  argc: number;
  args: string[];
  /** Arguments cut at maxCommandBytes / maxArgs, some missing, or taken from PROCTITLE (128 bytes). */
  truncated: boolean;
  cwd?: string;
}

export interface AuditParserOptions {
  /** Bytes of the command line (arguments joined by spaces) kept. Default 4096. */
  maxCommandBytes?: number;
  /** Arguments kept. Default 256 (the record schema's bound). */
  maxArgs?: number;
  /** Events buffered while their records arrive; the oldest is finished when more come. Default 1024. */
  maxPending?: number;
  /** An event whose closing record never came is finished this long after its first record. Default 2000 (auditd's end_of_event_timeout). */
  eventTimeoutMs?: number;
}

export interface AuditParseCounts {
  lines: number;
  /** Successful execs returned. */
  execs: number;
  /** Exec syscalls that failed (success=no). */
  failed: number;
  /** SYSCALL records of other syscalls. */
  otherSyscalls: number;
  /** Records of types that do not belong to a syscall event we read (logins, config changes…). */
  otherTypes: number;
  /** Lines not in auditd's format, or a SYSCALL record without pid/ppid. Counted, never fatal. */
  malformed: number;
  /** Events finished by the timeout or because too many were pending, not by their last record. */
  unfinished: number;
}

interface Pending {
  id: string;
  ts: number;
  serial: number;
  seenAt: number;
  /** null: its SYSCALL record has not come yet; "skip": not a successful exec. */
  sys: AuditExec | null | "skip";
  /** The closing record (PROCTITLE, EOE) came before the SYSCALL record. */
  closed: boolean;
  argc: number;
  /** Byte parts of each argument, by index. */
  args: Buffer[][];
  argBytes: number;
  truncated: boolean;
  sawExecve: boolean;
  cwd?: string;
  title?: string[];
}

/** type=… msg=audit(…): with auditd's optional node= prefix. Anchored, bounded: linear. */
const HEAD = /^(?:node=([^ ]{1,255}) )?type=([A-Z0-9_]{1,40}(?:\[\d{1,5}\])?) msg=audit\((\d{1,12})\.(\d{1,3}):(\d{1,20})\): ?/;
const ARG_KEY = /^a(\d{1,7})(?:\[(\d{1,7})\]|(_len))?$/;
const HEX = /^(?:[0-9A-Fa-f]{2})+$/;
/** Records that belong to a syscall event and may carry what an exec needs. */
const SYSCALL_TYPES = new Set(["SYSCALL", "EXECVE", "CWD", "PATH", "PROCTITLE", "EOE", "BPRM_FCAPS", "SOCKADDR", "MMAP", "OBJ_PID"]);
/** execve and execveat by audit arch (AUDIT_ARCH_*, as auditd prints it). */
const EXEC_SYSCALLS: Record<string, readonly [number, number]> = {
  c000003e: [59, 322], // x86_64
  "40000003": [11, 358], // i386
  c00000b7: [221, 281], // aarch64
  "40000028": [11, 387], // arm
  c00000f3: [221, 281], // riscv64
};
const UNSET = 4294967295;

/**
 * key=value fields of one record's body, in order. Values are `"quoted"` (kept with their quotes:
 * auditd quotes only text without spaces, quotes or control bytes), `'quoted'` or bare. One pass.
 */
export function auditFields(body: string): Map<string, string> {
  const m = new Map<string, string>();
  const n = body.length;
  let i = 0;
  while (i < n) {
    while (i < n && body.charCodeAt(i) === 32) i++;
    let j = i;
    let c = 0;
    while (j < n && (c = body.charCodeAt(j)) !== 61 && c !== 32) j++;
    if (j >= n) break;
    if (c === 32) {
      i = j + 1; // a word without "=": not a field
      continue;
    }
    const key = body.slice(i, j);
    const q = body.charCodeAt(j + 1);
    let stop: number;
    if (q === 34 || q === 39) {
      const end = body.indexOf(q === 34 ? '"' : "'", j + 2);
      stop = end < 0 ? n : end + 1;
    } else {
      const end = body.indexOf(" ", j + 1);
      stop = end < 0 ? n : end;
    }
    if (key && !m.has(key)) m.set(key, body.slice(j + 1, stop));
    i = stop;
  }
  return m;
}

/** A field's text: quotes removed, hex decoded (at most maxBytes), "(null)"/"(none)" as absent. */
export function auditText(v: string | undefined, maxBytes = 4096): string | undefined {
  if (v === undefined || v === "(null)" || v === "(none)" || v === "") return undefined;
  if (v.charCodeAt(0) === 34) return v.slice(1, v.endsWith('"') && v.length > 1 ? -1 : undefined).slice(0, maxBytes);
  if (HEX.test(v)) return Buffer.from(v.slice(0, maxBytes * 2), "hex").toString("utf8");
  return v.slice(0, maxBytes);
}

function uint(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d{1,10}$/.test(v)) return undefined;
  const n = Number(v);
  return n > UNSET ? undefined : n;
}

/** Bytes of a value (hex or quoted), at most `max`. */
function valueBytes(v: string, max: number): Buffer {
  if (max <= 0) return Buffer.alloc(0);
  if (v.charCodeAt(0) === 34) return Buffer.from(v.slice(1, v.endsWith('"') && v.length > 1 ? -1 : undefined).slice(0, max), "latin1");
  if (HEX.test(v)) return Buffer.from(v.slice(0, max * 2), "hex");
  return Buffer.from(v.slice(0, max), "latin1");
}

/** Bytes a value stands for. */
function valueLength(v: string): number {
  if (v.charCodeAt(0) === 34) return Math.max(0, v.length - (v.endsWith('"') && v.length > 1 ? 2 : 1));
  return HEX.test(v) ? v.length / 2 : v.length;
}

/**
 * Turns audit.log lines into successful execs. Bounded: at most maxPending events held, each
 * with at most maxCommandBytes of arguments; a malformed line is counted and skipped.
 */
export class AuditLogParser {
  readonly counts: AuditParseCounts = { lines: 0, execs: 0, failed: 0, otherSyscalls: 0, otherTypes: 0, malformed: 0, unfinished: 0 };
  readonly maxCommandBytes: number;
  readonly maxArgs: number;
  readonly maxPending: number;
  readonly eventTimeoutMs: number;
  #pending = new Map<string, Pending>();
  /** Ids finished lately: a straggling record of one is dropped rather than start a new event. */
  #done = new Set<string>();

  constructor(o: AuditParserOptions = {}) {
    this.maxCommandBytes = o.maxCommandBytes ?? 4096;
    this.maxArgs = o.maxArgs ?? 256;
    this.maxPending = o.maxPending ?? 1024;
    this.eventTimeoutMs = o.eventTimeoutMs ?? 2000;
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** One line of the log; returns the execs it completed (usually none or one). */
  push(line: string, now = Date.now()): AuditExec[] {
    this.counts.lines++;
    if (line.length === 0) return [];
    const h = HEAD.exec(line);
    if (!h) {
      this.counts.malformed++;
      return [];
    }
    const [head, node, type, sec, ms, serial] = h as unknown as [string, string | undefined, string, string, string, string];
    if (!SYSCALL_TYPES.has(type)) {
      this.counts.otherTypes++;
      return [];
    }
    const id = `${node ? `${node}:` : ""}${sec}.${ms}:${serial}`;
    if (this.#done.has(id)) return [];
    const out: AuditExec[] = [];
    let p = this.#pending.get(id);
    if (!p) {
      if (this.#pending.size >= this.maxPending) {
        const [oldId, old] = this.#pending.entries().next().value!;
        this.#pending.delete(oldId);
        this.#finish(old, true, out);
      }
      p = { id, ts: Number(sec) * 1000 + Number(ms.padEnd(3, "0")), serial: Number(serial), seenAt: now, sys: null, closed: false, argc: 0, args: [], argBytes: 0, truncated: false, sawExecve: false };
      this.#pending.set(id, p);
    }
    // auditd's ENRICHED format adds the translated fields after a 0x1d separator
    const gs = line.indexOf("\x1d", head.length);
    const body = gs < 0 ? line.slice(head.length) : line.slice(head.length, gs);
    switch (type) {
      case "SYSCALL":
        this.#syscall(p, body, gs < 0 ? "" : line.slice(gs + 1));
        break;
      case "EXECVE":
        if (p.sys !== "skip") this.#execve(p, body);
        break;
      case "CWD":
        if (p.sys !== "skip") p.cwd = auditText(auditFields(body).get("cwd"));
        break;
      case "PROCTITLE":
        if (p.sys !== "skip") p.title = (auditText(auditFields(body).get("proctitle"), 256) ?? "").split("\0").filter((a) => a.length > 0);
        p.closed = true;
        break;
      case "EOE":
        p.closed = true;
        break;
    }
    // PROCTITLE is the last record the kernel writes for a syscall event
    if (p.closed && p.sys !== null) {
      this.#pending.delete(id);
      this.#finish(p, false, out);
    }
    return out;
  }

  /** Finishes events whose closing record has not come within eventTimeoutMs (all of them with `all`). */
  flush(now = Date.now(), all = false): AuditExec[] {
    const out: AuditExec[] = [];
    for (const [id, p] of this.#pending) {
      // insertion order is arrival order: the first one still young ends the sweep
      if (!all && now - p.seenAt < this.eventTimeoutMs) break;
      this.#pending.delete(id);
      this.#finish(p, true, out);
    }
    return out;
  }

  #syscall(p: Pending, body: string, enriched: string): void {
    const f = auditFields(body);
    const pid = uint(f.get("pid"));
    const ppid = uint(f.get("ppid"));
    const nr = Number(f.get("syscall"));
    const known = EXEC_SYSCALLS[f.get("arch") ?? ""];
    const name = known ? (nr === known[0] ? "execve" : nr === known[1] ? "execveat" : null) : auditFields(enriched).get("SYSCALL") ?? null;
    if (name !== "execve" && name !== "execveat") {
      this.counts.otherSyscalls++;
      p.sys = "skip";
      return;
    }
    if (f.get("success") !== "yes") {
      this.counts.failed++;
      p.sys = "skip";
      return;
    }
    if (pid === undefined || ppid === undefined) {
      this.counts.malformed++;
      p.sys = "skip";
      return;
    }
    const e: AuditExec = { id: p.id, serial: p.serial, ts: p.ts, syscall: name, pid, ppid, argc: 0, args: [], truncated: false };
    const set = <K extends "uid" | "euid" | "auid" | "ses">(k: K) => {
      const v = uint(f.get(k));
      if (v !== undefined && v !== UNSET) e[k] = v;
    };
    set("uid");
    set("euid");
    set("auid");
    set("ses");
    const comm = auditText(f.get("comm"), 64);
    const exe = auditText(f.get("exe"));
    const tty = auditText(f.get("tty"), 64);
    const key = auditText(f.get("key"), 256);
    if (comm !== undefined) e.comm = comm;
    if (exe !== undefined) e.exe = exe;
    if (tty !== undefined) e.tty = tty;
    if (key !== undefined) e.key = key;
    p.sys = e;
  }

  #execve(p: Pending, body: string): void {
    p.sawExecve = true;
    for (const [k, v] of auditFields(body)) {
      if (k === "argc") {
        p.argc = uint(v) ?? 0;
        continue;
      }
      const m = ARG_KEY.exec(k);
      if (!m || m[3]) continue; // aN_len only announces the chunks
      const idx = Number(m[1]);
      if (idx >= this.maxArgs) {
        p.truncated = true;
        continue;
      }
      // +1: the space that joins it to the previous argument in the command line
      const room = this.maxCommandBytes - p.argBytes - (m[2] === undefined || m[2] === "0" ? 1 : 0);
      if (room <= 0) {
        p.truncated = true;
        continue;
      }
      const b = valueBytes(v, room);
      if (b.length < valueLength(v)) p.truncated = true;
      (p.args[idx] ??= []).push(b);
      p.argBytes += b.length + (m[2] === undefined || m[2] === "0" ? 1 : 0);
    }
  }

  #finish(p: Pending, early: boolean, out: AuditExec[]): void {
    this.#done.add(p.id);
    if (this.#done.size > 256) this.#done.delete(this.#done.values().next().value!);
    if (p.sys === null || p.sys === "skip") return;
    if (early) this.counts.unfinished++;
    const e = p.sys;
    e.argc = p.argc;
    const args: string[] = [];
    for (let i = 0; i < p.args.length; i++) {
      const parts = p.args[i];
      if (!parts) {
        p.truncated = true;
        break;
      }
      args.push(Buffer.concat(parts).toString("utf8"));
    }
    if (p.sawExecve) {
      e.args = args;
      e.truncated = p.truncated || args.length < p.argc;
    } else if (p.title?.length) {
      // no EXECVE record (dropped by a full backlog, or filtered): the kernel's 128-byte title
      e.args = p.title;
      e.truncated = true;
    }
    if (p.cwd !== undefined) e.cwd = p.cwd;
    this.counts.execs++;
    out.push(e);
  }
}

/** What the ProcessCollector takes (its noteExecs). */
export function toExecNotice(e: AuditExec): ExecNotice {
  const n: ExecNotice = { pid: e.pid, ppid: e.ppid, ts: e.ts, args: e.args, truncated: e.truncated, ref: `a${e.ts}.${e.serial}` };
  if (e.exe !== undefined) n.exe = e.exe;
  if (e.comm !== undefined) n.comm = e.comm;
  if (e.cwd !== undefined) n.cwd = e.cwd;
  const uid = e.euid ?? e.uid;
  if (uid !== undefined) n.uid = uid;
  return n;
}

export interface ExecSink {
  noteExecs(execs: ExecNotice[]): Promise<void>;
}

export interface AuditExecSourceOptions {
  /** Default /var/log/audit/audit.log. */
  path?: string;
  state: TailStateStore;
  sink: ExecSink;
  /** Start at the end of the log (default true): old execs are history, not new processes. */
  startAtEnd?: boolean;
  /** How often the log is read. Default 200 ms. */
  pollMs?: number;
  /** How often the read position is written. Default 5000 ms (and at stop). */
  saveEveryMs?: number;
  parser?: AuditParserOptions;
  onStatus?: (msg: string) => void;
}

/**
 * The tail saves its position after every delivery; auditd writes each record apart, so that
 * would be an atomic file write (with fsync) per few lines. Positions are kept in memory and
 * written at most every `everyMs` and at stop: after a crash a few seconds are read again, and
 * their records carry the same ids (the server takes each id once).
 */
export class ThrottledTailState implements TailStateStore {
  #inner: TailStateStore;
  #everyMs: number;
  #dirty = new Map<string, TailPosition>();
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(inner: TailStateStore, everyMs = 5000) {
    this.#inner = inner;
    this.#everyMs = everyMs;
  }

  load(path: string): Promise<TailPosition | null> {
    const p = this.#dirty.get(path);
    return p ? Promise.resolve({ ...p }) : this.#inner.load(path);
  }

  save(path: string, st: TailPosition): Promise<void> {
    this.#dirty.set(path, { ...st });
    if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.#everyMs);
      this.#timer.unref?.();
    }
    return Promise.resolve();
  }

  /** Writes what is pending now (the source's stop calls it). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const todo = [...this.#dirty];
    this.#dirty.clear();
    this.#writing = this.#writing.then(async () => {
      for (const [path, st] of todo) await this.#inner.save(path, st).catch(() => {});
    });
    return this.#writing;
  }
}

/** Tails the audit log (rotation-safe, position kept) and hands each exec to the sink. */
export class AuditExecSource {
  readonly path: string;
  readonly parser: AuditLogParser;
  readonly stats = { delivered: 0, sinkErrors: 0 };
  #o: AuditExecSourceOptions;
  #tail: FileTail;
  #state: ThrottledTailState;
  #timer: NodeJS.Timeout | null = null;
  #chain: Promise<void> = Promise.resolve();

  constructor(o: AuditExecSourceOptions) {
    this.#o = o;
    this.path = o.path ?? DEFAULT_AUDIT_LOG;
    this.parser = new AuditLogParser(o.parser);
    this.#state = new ThrottledTailState(o.state, o.saveEveryMs);
    // polling only: auditd writes each record apart, and an inotify wake-up per record cost about
    // three times the CPU of reading every 200 ms. EXECVE lines of a long argument run to ~7.5 KB.
    this.#tail = new FileTail({ path: this.path, state: this.#state, startAtEnd: o.startAtEnd ?? true, pollMs: o.pollMs ?? 200, watch: false, maxLineBytes: 16 * 1024, onLines: (l) => this.#onLines(l), onStatus: o.onStatus });
  }

  async start(): Promise<void> {
    await this.#tail.start();
    const tick = Math.max(100, Math.min(1000, this.parser.eventTimeoutMs / 2));
    this.#timer = setInterval(() => void this.#deliver(this.parser.flush()), tick);
    this.#timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#tail.stop();
    await this.#deliver(this.parser.flush(Date.now(), true));
    await this.#state.flush();
  }

  #onLines(lines: TailLine[]): Promise<void> {
    const out: AuditExec[] = [];
    const now = Date.now();
    for (const l of lines) for (const e of this.parser.push(l.text, now)) out.push(e);
    return this.#deliver(out);
  }

  /**
   * In order, one batch at a time. A sink failure is counted, not thrown: the tail would re-read
   * the lines, but the parser has already taken them in.
   */
  #deliver(execs: AuditExec[]): Promise<void> {
    if (execs.length === 0) return this.#chain;
    this.#chain = this.#chain.then(async () => {
      try {
        await this.#o.sink.noteExecs(execs.map(toExecNotice));
        this.stats.delivered += execs.length;
      } catch (err) {
        this.stats.sinkErrors++;
        this.#o.onStatus?.(`audit execs not delivered: ${(err as Error).message}`);
      }
    });
    return this.#chain;
  }
}

/** Is an auditd process running (a /proc scan of comm)? Without it, rules would only fill the kernel log. */
export function auditdRunning(procRoot = "/proc"): boolean {
  let pids: string[];
  try {
    pids = readdirSync(procRoot).filter((d) => /^\d{1,10}$/.test(d));
  } catch {
    return false;
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`${procRoot}/${pid}/comm`, "utf8").trim() === "auditd") return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

export type AuditChoice = { path: string; rules: boolean } | { off: string };

/**
 * The CLI's choice: an explicit --audit-log path is used as given; by default the usual log
 * when auditd runs and the log is readable; --no-audit turns it off. --audit-rules needs auditd
 * running (without it the kernel would write each exec to its own log).
 */
export function chooseAuditLog(o: { path?: string; off?: boolean; rules?: boolean; procRoot?: string }): AuditChoice {
  if (o.off) return { off: "--no-audit" };
  const running = auditdRunning(o.procRoot);
  if (o.rules && !running) return { off: "--audit-rules needs auditd running (it writes the log the agent reads); no audit rule added" };
  const path = o.path ?? DEFAULT_AUDIT_LOG;
  if (o.path === undefined) {
    if (!running) return { off: "auditd is not running" };
    try {
      accessSync(path, constants.R_OK);
    } catch {
      return { off: `${path} is not readable (run the agent as root)` };
    }
  }
  return { path, rules: Boolean(o.rules) };
}

export type CommandRunner = (cmd: string, args: string[]) => Promise<{ code: number; output: string }>;

const defaultRun: CommandRunner = (cmd, args) =>
  new Promise((resolve) => {
    execFile(cmd, args, { timeout: 15_000, encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 127) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim().slice(0, 2000) });
    });
  });

/**
 * The exec rule --audit-rules adds (64-bit and, where the kernel has it, 32-bit syscalls), and
 * removes on stop. Only on request: a host's audit configuration is its operator's, and an
 * execve rule makes the kernel log every exec (disk and CPU the operator must agree to).
 */
export class AuditExecRules {
  static readonly specs = [["-F", "arch=b64", "-S", "execve", "-S", "execveat", "-k", AUDIT_RULE_KEY], ["-F", "arch=b32", "-S", "execve", "-S", "execveat", "-k", AUDIT_RULE_KEY]] as const;
  #run: CommandRunner;
  #added: (typeof AuditExecRules.specs)[number][] = [];

  constructor(o: { run?: CommandRunner } = {}) {
    this.#run = o.run ?? defaultRun;
  }

  /** Adds both rules; a rule with our key already there (left by a run that crashed) counts as ours. */
  async install(): Promise<{ ok: boolean; message: string }> {
    const said: string[] = [];
    for (const spec of AuditExecRules.specs) {
      const r = await this.#run("auditctl", ["-a", "always,exit", ...spec]);
      const arch = spec[1].slice(5);
      if (r.code === 0 || /exist/i.test(r.output)) {
        this.#added.push(spec);
        said.push(`${arch} rule in place`);
      } else said.push(`${arch} rule refused: ${r.output || `exit ${r.code}`}`);
    }
    // a 64-bit-only kernel refuses b32: one rule is enough there
    return { ok: this.#added.length > 0, message: `auditctl execve rule (key ${AUDIT_RULE_KEY}): ${said.join("; ")}` };
  }

  async remove(): Promise<{ ok: boolean; message: string }> {
    const said: string[] = [];
    let ok = true;
    for (const spec of this.#added.splice(0)) {
      const r = await this.#run("auditctl", ["-d", "always,exit", ...spec]);
      if (r.code !== 0) ok = false;
      said.push(`${spec[1].slice(5)}: ${r.code === 0 ? "removed" : r.output || `exit ${r.code}`}`);
    }
    return { ok, message: said.length ? `auditctl execve rule (key ${AUDIT_RULE_KEY}): ${said.join("; ")}` : "no audit rule to remove" };
  }

  /** Whether any loaded rule names execve (auditctl -l); null when that cannot be asked (not root, no auditctl). */
  async execRuleLoaded(): Promise<boolean | null> {
    const r = await this.#run("auditctl", ["-l"]);
    return r.code === 0 ? /\bexecve\b/.test(r.output) : null;
  }
}

/**
 * What the agent runs: the rule when asked for, then the tail. stop() ends the tail and removes
 * the rule it added.
 */
export async function startAuditExec(o: { path: string; rules: boolean; state: TailStateStore; sink: ExecSink; log: (level: "info" | "warn", msg: string) => void; run?: CommandRunner }): Promise<{ source: AuditExecSource; stop: () => Promise<void> }> {
  const rules = new AuditExecRules({ run: o.run });
  if (o.rules) {
    const r = await rules.install();
    o.log(r.ok ? "info" : "warn", r.message);
  } else if ((await rules.execRuleLoaded()) === false) {
    o.log("info", `auditd has no execve rule: short-lived processes are seen only by the /proc scan (add one, or run the agent with --audit-rules)`);
  }
  const source = new AuditExecSource({ path: o.path, state: o.state, sink: o.sink, onStatus: (m) => o.log("info", m) });
  await source.start();
  return {
    source,
    stop: async () => {
      await source.stop();
      if (o.rules) {
        const r = await rules.remove();
        o.log(r.ok ? "info" : "warn", r.message);
      }
    },
  };
}
