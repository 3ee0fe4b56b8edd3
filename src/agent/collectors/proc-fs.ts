/**
 * Small readers of Linux /proc (AGT-3, AGT-4) with a configurable root, so tests run against a
 * fake tree in a temp dir (FakeProcTree, below).
 *
 * The readers are synchronous on purpose: /proc files are made by the kernel in memory and never
 * wait on a disk, a read costs a few microseconds, and an async read would cost a thread-pool
 * round trip per file — too slow to catch short-lived processes. Every per-pid reader returns
 * null when the process is gone (or unreadable): processes vanish between any two reads.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * USER_HZ, the unit of the times in /proc/PID/stat. The kernel fixes it at 100 for user space on
 * every architecture Node runs on whatever CONFIG_HZ is (`getconf CLK_TCK` says 100 here); Node
 * cannot call sysconf, so it is a constant.
 */
export const CLK_TCK = 100;
export const MS_PER_TICK = 1000 / CLK_TCK;
/** /proc/PID/stat flags bit of a kernel thread (include/linux/sched.h). */
export const PF_KTHREAD = 0x00200000;
export const MAX_CMDLINE_BYTES = 8 * 1024;

/** The fields of /proc/PID/stat the collectors use. */
export interface ProcStat {
  pid: number;
  /** Thread name (≤ 15 bytes); may hold spaces and parentheses. */
  comm: string;
  /** R, S, D, Z, T, I, … */
  state: string;
  ppid: number;
  flags: number;
  /** User and system CPU time, in ticks (CLK_TCK). */
  utime: number;
  stime: number;
  /** Start time in ticks after boot. */
  startTicks: number;
  rssPages: number;
  threads: number;
}

export interface ProcStatus {
  /** Real and effective uid (the Uid: line's first two fields). */
  ruid: number | null;
  euid: number | null;
  /** VmRSS in kB; absent for kernel threads and zombies. */
  vmRssKb: number | null;
}

/**
 * Parses one /proc/PID/stat line. comm sits in parentheses and may itself hold ") " — the
 * LAST ")" ends it, because every field after it is a number or a one-letter state.
 */
export function parseStat(text: string): ProcStat | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 1 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const f = text.slice(close + 2).trim().split(" ");
  // f[0] is field 3 (state): field n sits at f[n - 3]
  if (!Number.isInteger(pid) || f.length < 22) return null;
  const n = (i: number) => Number(f[i]);
  const st: ProcStat = {
    pid,
    comm: text.slice(open + 1, close),
    state: f[0]!,
    ppid: n(1),
    flags: n(6),
    utime: n(11),
    stime: n(12),
    threads: n(17),
    startTicks: n(19),
    rssPages: n(21),
  };
  for (const k of ["ppid", "flags", "utime", "stime", "startTicks", "rssPages"] as const) if (!Number.isFinite(st[k])) return null;
  return st;
}

export function parseStatus(text: string): ProcStatus {
  const out: ProcStatus = { ruid: null, euid: null, vmRssKb: null };
  for (const line of text.split("\n")) {
    if (line.startsWith("Uid:")) {
      const [r, e] = line.slice(4).trim().split(/\s+/).map(Number);
      if (Number.isInteger(r)) out.ruid = r!;
      if (Number.isInteger(e)) out.euid = e!;
    } else if (line.startsWith("VmRSS:")) {
      const kb = parseInt(line.slice(6).trim(), 10);
      if (Number.isInteger(kb)) out.vmRssKb = kb;
    }
  }
  return out;
}

/** NUL-separated arguments; trailing NULs (and the padding some programs leave) dropped. */
export function parseCmdline(buf: Buffer): string[] {
  const args = buf.toString("utf8").split("\0");
  while (args.length && args[args.length - 1] === "") args.pop();
  return args;
}

/** Process start time in ms since the epoch: boot time (s) + start ticks × 10 ms. */
export function startTimeMs(btimeSec: number, startTicks: number): number {
  return btimeSec * 1000 + startTicks * MS_PER_TICK;
}

export function isKernelThread(st: ProcStat): boolean {
  return (st.flags & PF_KTHREAD) !== 0 || st.pid === 2 || st.ppid === 2;
}

// One buffer for every small read: the readers are synchronous, so it is never shared.
const BUF = Buffer.allocUnsafe(16 * 1024);

/** Reads up to `max` bytes (≤ 16 KiB) of a file; a view into BUF, consumed before the next read. */
function readSmall(path: string, max: number): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    let len = 0;
    const cap = Math.min(max, BUF.length);
    while (len < cap) {
      const n = readSync(fd, BUF, len, cap - len, null);
      if (n === 0) break;
      len += n;
    }
    return BUF.subarray(0, len);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

export type NetTableName = "tcp" | "tcp6" | "udp" | "udp6";

export class ProcFs {
  readonly root: string;
  readonly maxCmdlineBytes: number;

  constructor(opts: { root?: string; maxCmdlineBytes?: number } = {}) {
    this.root = opts.root ?? "/proc";
    this.maxCmdlineBytes = Math.min(opts.maxCmdlineBytes ?? MAX_CMDLINE_BYTES, BUF.length);
  }

  path(pid: number, file: string): string {
    return join(this.root, String(pid), file);
  }

  /** Process (thread group) ids; /proc lists threads only under /proc/PID/task. */
  listPids(): number[] {
    const out: number[] = [];
    for (const name of readdirSync(this.root)) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(name);
      if (Number.isInteger(pid)) out.push(pid);
    }
    return out;
  }

  stat(pid: number): ProcStat | null {
    const b = readSmall(this.path(pid, "stat"), 4096);
    return b ? parseStat(b.toString("utf8")) : null;
  }

  status(pid: number): ProcStatus | null {
    const b = readSmall(this.path(pid, "status"), 16 * 1024);
    return b ? parseStatus(b.toString("utf8")) : null;
  }

  /** Arguments, bounded to maxCmdlineBytes; [] for kernel threads and zombies. */
  cmdline(pid: number): string[] | null {
    const b = readSmall(this.path(pid, "cmdline"), this.maxCmdlineBytes);
    return b ? parseCmdline(b) : null;
  }

  /** The executable's path; " (deleted)" kept when the file is gone. Null for kernel threads. */
  exe(pid: number): string | null {
    return this.#link(this.path(pid, "exe"));
  }

  cwd(pid: number): string | null {
    return this.#link(this.path(pid, "cwd"));
  }

  #link(p: string): string | null {
    try {
      return readlinkSync(p);
    } catch {
      return null;
    }
  }

  /** Inodes of the process's sockets (fd links `socket:[N]`), at most `max`. */
  socketInodes(pid: number, max = 65_536): number[] | null {
    const dir = this.path(pid, "fd");
    let fds: string[];
    try {
      fds = readdirSync(dir);
    } catch {
      return null;
    }
    const out: number[] = [];
    for (const fd of fds) {
      const l = this.#link(join(dir, fd));
      if (l && l.startsWith("socket:[")) {
        out.push(Number(l.slice(8, -1)));
        if (out.length >= max) break;
      }
    }
    return out;
  }

  /** Boot time (s since the epoch), /proc/stat `btime`. */
  bootTimeSec(): number | null {
    try {
      const m = /^btime (\d+)$/m.exec(readFileSync(join(this.root, "stat"), "utf8"));
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  }

  /** Tasks (processes and threads) forked since boot, /proc/stat `processes`. */
  forkCount(): number | null {
    try {
      const m = /^processes (\d+)$/m.exec(readFileSync(join(this.root, "stat"), "utf8"));
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  }

  /** Seconds since boot, /proc/uptime. */
  uptimeSec(): number | null {
    const b = readSmall(join(this.root, "uptime"), 256);
    const v = b ? parseFloat(b.toString("utf8")) : NaN;
    return Number.isFinite(v) ? v : null;
  }

  /** The kernel's random id of this boot (a UUID), or null. */
  bootId(): string | null {
    const b = readSmall(join(this.root, "sys/kernel/random/boot_id"), 64);
    const s = b?.toString("utf8").trim();
    return s && /^[0-9a-f-]{8,64}$/.test(s) ? s : null;
  }

  /** /proc/net/{tcp,tcp6,udp,udp6}, the network namespace of this process; null when absent. */
  net(table: NetTableName): string | null {
    try {
      return readFileSync(join(this.root, "net", table), "utf8");
    } catch {
      return null;
    }
  }
}

/** uid → user name from /etc/passwd, reloaded when the file's mtime changes (checked at most every recheckMs). */
export class UserNames {
  #path: string;
  #recheckMs: number;
  #now: () => number;
  #names = new Map<number, string>();
  #mtimeMs = -1;
  #checkedAt = -Infinity;

  constructor(opts: { path?: string; recheckMs?: number; now?: () => number } = {}) {
    this.#path = opts.path ?? "/etc/passwd";
    this.#recheckMs = opts.recheckMs ?? 1000;
    this.#now = opts.now ?? Date.now;
  }

  name(uid: number): string | undefined {
    const now = this.#now();
    if (now - this.#checkedAt >= this.#recheckMs) {
      this.#checkedAt = now;
      this.#reload();
    }
    return this.#names.get(uid);
  }

  #reload(): void {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.#path).mtimeMs;
    } catch {
      this.#names.clear();
      this.#mtimeMs = -1;
      return;
    }
    if (mtimeMs === this.#mtimeMs) return;
    this.#mtimeMs = mtimeMs;
    this.#names.clear();
    let text: string;
    try {
      text = readFileSync(this.#path, "utf8");
    } catch {
      return;
    }
    for (const line of text.split("\n")) {
      const f = line.split(":");
      const uid = Number(f[2]);
      // the first entry of a uid wins, as getpwuid does
      if (f.length >= 7 && f[0] && Number.isInteger(uid) && !this.#names.has(uid)) this.#names.set(uid, f[0].slice(0, 256));
    }
  }
}

/** Test support: one process of a FakeProcTree. */
export interface FakeProc {
  pid: number;
  comm: string;
  ppid?: number;
  state?: string;
  flags?: number;
  utime?: number;
  stime?: number;
  startTicks?: number;
  rssPages?: number;
  uid?: number;
  vmRssKb?: number;
  /** Arguments (written NUL-separated) or the raw file content. */
  cmdline?: string[] | string;
  /** Target of the exe link; null: no link (a kernel thread). */
  exe?: string | null;
  cwd?: string;
  socketInodes?: number[];
}

/**
 * Test support: writes a /proc-shaped tree (pid dirs with stat, status, cmdline, exe, cwd, fd;
 * stat with btime; uptime; boot_id; net tables) under a directory, for ProcFs({ root }).
 */
export class FakeProcTree {
  readonly root: string;

  constructor(root: string, boot: { btime?: number; bootId?: string; uptime?: number } = {}) {
    this.root = root;
    mkdirSync(join(root, "net"), { recursive: true });
    mkdirSync(join(root, "sys/kernel/random"), { recursive: true });
    writeFileSync(join(root, "stat"), `cpu  1 2 3 4 5 6 7 0 0 0\nintr 1 2 3\nctxt 5\nbtime ${boot.btime ?? 1_767_225_600}\nprocesses 100\n`);
    writeFileSync(join(root, "uptime"), `${boot.uptime ?? 1000}.00 1900.00\n`);
    writeFileSync(join(root, "sys/kernel/random/boot_id"), `${boot.bootId ?? "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"}\n`);
    for (const t of ["tcp", "tcp6", "udp", "udp6"] as const) this.setNet(t, []);
  }

  add(p: FakeProc): void {
    const dir = join(this.root, String(p.pid));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, "fd"), { recursive: true });
    this.#write(p);
  }

  /** Rewrites a process's files with some fields changed (e.g. more CPU ticks). */
  update(p: FakeProc): void {
    const dir = join(this.root, String(p.pid));
    for (const f of ["exe", "cwd"]) rmSync(join(dir, f), { force: true });
    rmSync(join(dir, "fd"), { recursive: true, force: true });
    mkdirSync(join(dir, "fd"), { recursive: true });
    this.#write(p);
  }

  remove(pid: number): void {
    rmSync(join(this.root, String(pid)), { recursive: true, force: true });
  }

  /** A net table: the header and these lines (in the kernel's format). */
  setNet(table: NetTableName, lines: string[]): void {
    const head = table.endsWith("6")
      ? "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
      : "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
    writeFileSync(join(this.root, "net", table), [head, ...lines, ""].join("\n"));
  }

  #write(p: FakeProc): void {
    const dir = join(this.root, String(p.pid));
    const rest = [
      p.state ?? "S", p.ppid ?? 1, p.pid, p.pid, 0, -1, p.flags ?? 4194304, 100, 0, 0, 0,
      p.utime ?? 0, p.stime ?? 0, 0, 0, 20, 0, 1, 0, p.startTicks ?? 100, 10_000_000, p.rssPages ?? 200,
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0",
    ];
    writeFileSync(join(dir, "stat"), `${p.pid} (${p.comm}) ${rest.join(" ")}\n`);
    const uid = p.uid ?? 0;
    writeFileSync(join(dir, "status"), `Name:\t${p.comm}\nState:\tS (sleeping)\nPid:\t${p.pid}\nPPid:\t${p.ppid ?? 1}\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\n${p.vmRssKb === undefined ? "" : `VmRSS:\t${p.vmRssKb} kB\n`}Threads:\t1\n`);
    const cmd = p.cmdline ?? [p.comm];
    writeFileSync(join(dir, "cmdline"), typeof cmd === "string" ? cmd : cmd.map((a) => `${a}\0`).join(""));
    if (p.exe !== null) symlinkSync(p.exe ?? `/usr/bin/${p.comm}`, join(dir, "exe"));
    symlinkSync(p.cwd ?? "/", join(dir, "cwd"));
    (p.socketInodes ?? []).forEach((ino, i) => symlinkSync(`socket:[${ino}]`, join(dir, "fd", String(i + 3))));
  }
}
