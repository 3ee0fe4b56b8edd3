/**
 * AGT-4: network connections per process, polled from /proc/net/{tcp,tcp6,udp,udp6} and mapped
 * to processes through the `socket:[inode]` links in /proc/PID/fd.
 *
 * A poll every intervalMs sees what is open at that moment: a connection opened and closed
 * between two polls is not seen (conntrack or eBPF would be needed for that). Only this process's
 * network namespace is read; containers with their own are not.
 */
import { endianness } from "node:os";
import { normalizeIp, systemClock, type Clock } from "../../core/index.ts";
import type { ConnectionRecord } from "../../protocol/index.ts";
import type { ExeHashCache } from "./exe-hash-cache.ts";
import { ProcFs, type NetTableName } from "./proc-fs.ts";

export const NET_TABLES: readonly NetTableName[] = ["tcp", "tcp6", "udp", "udp6"];

/** include/net/tcp_states.h */
export const TCP_STATES: Readonly<Record<number, string>> = {
  1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2", 6: "TIME_WAIT",
  7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING", 12: "NEW_SYN_RECV",
};
const TCP_LISTEN = 10;

export type Direction = ConnectionRecord["network"]["direction"];

/** One line of a /proc/net table. */
export interface SocketEntry {
  table: NetTableName;
  transport: "tcp" | "udp";
  /** Of the addresses as reported: an IPv4-mapped IPv6 socket counts as ipv4. */
  type: "ipv4" | "ipv6";
  local: { ip: string; port: number };
  remote: { ip: string; port: number };
  stateCode: number;
  /** TCP state name; UDP: ESTABLISHED (connected) or UNCONN. */
  state: string;
  uid: number;
  /** 0 for sockets no process holds any more (TIME_WAIT). */
  inode: number;
}

const LITTLE_ENDIAN = endianness() === "LE";

/**
 * A /proc/net address: 8 hex digits (IPv4) or 32 (IPv6), each 32-bit word in host byte order.
 * IPv4-mapped IPv6 becomes IPv4.
 */
export function decodeHexAddress(hex: string, littleEndian = LITTLE_ENDIAN): string | null {
  if ((hex.length !== 8 && hex.length !== 32) || !/^[0-9A-Fa-f]+$/.test(hex)) return null;
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = [0, 2, 4, 6].map((i) => parseInt(hex.slice(w + i, w + i + 2), 16));
    bytes.push(...(littleEndian ? word.reverse() : word));
  }
  if (bytes.length === 4) return bytes.join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return normalizeIp(groups.join(":"));
}

function decodeEndpoint(s: string | undefined): { ip: string; port: number } | null {
  const c = s?.indexOf(":") ?? -1;
  if (!s || c < 0) return null;
  const ip = decodeHexAddress(s.slice(0, c));
  const port = parseInt(s.slice(c + 1), 16);
  return ip && port >= 0 && port <= 65535 ? { ip, port } : null;
}

/** Parses a /proc/net/{tcp,tcp6,udp,udp6} table (header skipped, malformed lines ignored), at most `max` entries. */
export function parseNetTable(text: string, table: NetTableName, max = 100_000): SocketEntry[] {
  const out: SocketEntry[] = [];
  const transport = table.startsWith("tcp") ? "tcp" : "udp";
  const lines = text.split("\n");
  for (let i = 1; i < lines.length && out.length < max; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 10) continue;
    const local = decodeEndpoint(f[1]);
    const remote = decodeEndpoint(f[2]);
    const stateCode = parseInt(f[3]!, 16);
    const uid = Number(f[7]);
    const inode = Number(f[9]);
    if (!local || !remote || !Number.isInteger(stateCode) || !Number.isInteger(inode)) continue;
    const state = transport === "tcp" ? TCP_STATES[stateCode] ?? `0x${f[3]}` : stateCode === 1 ? "ESTABLISHED" : "UNCONN";
    out.push({ table, transport, type: local.ip.includes(":") ? "ipv6" : "ipv4", local, remote, stateCode, state, uid, inode });
  }
  return out;
}

export function isLoopbackIp(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1";
}

function isUnspecified(ip: string): boolean {
  return ip === "0.0.0.0" || ip === "::";
}

export function isListening(e: SocketEntry): boolean {
  return e.transport === "tcp" ? e.stateCode === TCP_LISTEN : e.remote.port === 0 && isUnspecified(e.remote.ip);
}

/** The ports this host listens on (TCP LISTEN, unconnected UDP), for telling inbound from outbound. */
export class Listeners {
  #by = new Map<string, Set<string>>();

  constructor(entries: Iterable<SocketEntry>) {
    for (const e of entries) {
      if (!isListening(e)) continue;
      const k = `${e.transport}:${e.local.port}`;
      let s = this.#by.get(k);
      if (!s) this.#by.set(k, (s = new Set()));
      s.add(e.local.ip);
    }
  }

  has(transport: "tcp" | "udp", ip: string, port: number): boolean {
    const s = this.#by.get(`${transport}:${port}`);
    return !!s && (s.has(ip) || s.has("0.0.0.0") || s.has("::"));
  }

  /**
   * listening: a listening socket; inbound: the local port is one this host listens on;
   * outbound: an ephemeral local port and a real remote; unknown otherwise.
   */
  direction(e: SocketEntry): Direction {
    if (isListening(e)) return "listening";
    if (this.has(e.transport, e.local.ip, e.local.port)) return "inbound";
    if (!isUnspecified(e.remote.ip) && e.remote.port !== 0) return "outbound";
    return "unknown";
  }
}

/** The remote address of an established inbound TCP connection the process holds (an sshd session's client). */
export function inboundPeerOf(fs: ProcFs, pid: number): string | undefined {
  const inodes = new Set(fs.socketInodes(pid, 1024) ?? []);
  if (inodes.size === 0) return undefined;
  for (const t of ["tcp", "tcp6"] as const) {
    const text = fs.net(t);
    if (!text) continue;
    for (const e of parseNetTable(text, t)) if (e.stateCode === 1 && inodes.has(e.inode)) return e.remote.ip;
  }
  return undefined;
}

export interface ConnectionCollectorOptions {
  onRecords: (records: ConnectionRecord[]) => void | Promise<void>;
  onError?: (err: unknown) => void;
  /** /proc root; default "/proc". Ignored when procFs is given. */
  root?: string;
  procFs?: ProcFs;
  /** Shared with the process collector, so each executable is hashed once. */
  hashes?: ExeHashCache | null;
  clock?: Clock;
  /** Default 5000. */
  intervalMs?: number;
  /**
   * A still-open connection (not a listener) is reported ("seen") at most this often.
   * Default intervalMs: every poll. 60 000 cuts the volume twelvefold and still tells how long
   * a process has kept talking to an endpoint (firstSeen/lastSeen).
   */
  seenEveryMs?: number;
  /** Report connections whose two ends are loopback addresses. Default false. */
  includeLoopback?: boolean;
  /** Connections tracked at once; more are counted (stats.untracked) and not reported. Default 20 000. */
  maxConnections?: number;
  /** Records per poll; the rest wait for the next poll (stats.deferred). Default 5000. */
  maxRecordsPerPoll?: number;
}

export interface ConnectionStats {
  polls: number;
  opened: number;
  seen: number;
  closed: number;
  /** Records held back by maxRecordsPerPoll (retried next poll). */
  deferred: number;
  /** New connections not tracked because maxConnections was reached (counted at each poll). */
  untracked: number;
  /** Sockets no process holds (inode 0: TIME_WAIT), at the last poll; not reported. */
  orphans: number;
  /** Connections whose socket no process was found for. */
  unresolved: number;
  /** Polls that had to walk /proc/PID/fd to find the owners of new sockets. */
  fdScans: number;
  tracked: number;
  errors: number;
}

interface ProcInfo {
  pid: number;
  startTicks: number;
  name: string;
  executable?: string;
  command_line?: string;
  hash?: { md5: string; sha256: string };
}

interface Pending {
  r: ConnectionRecord;
  proc: ProcInfo | undefined;
}

interface Tracked {
  e: SocketEntry;
  direction: Direction;
  firstSeen: number;
  lastSeen: number;
  lastReported: number;
  idBase: string;
  proc?: ProcInfo;
}

export class ConnectionCollector {
  readonly fs: ProcFs;
  readonly intervalMs: number;
  #o: ConnectionCollectorOptions;
  #clock: Clock;
  #seenEveryMs: number;
  #maxConnections: number;
  #maxRecords: number;
  #boot = "";
  #tracked = new Map<string, Tracked>();
  #procs = new Map<number, ProcInfo>();
  #pendingHashes: Promise<void>[] = [];
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #loop: Promise<void> | null = null;
  #s: Omit<ConnectionStats, "tracked"> = { polls: 0, opened: 0, seen: 0, closed: 0, deferred: 0, untracked: 0, orphans: 0, unresolved: 0, fdScans: 0, errors: 0 };

  constructor(o: ConnectionCollectorOptions) {
    this.#o = o;
    this.fs = o.procFs ?? new ProcFs({ root: o.root });
    this.#clock = o.clock ?? systemClock;
    this.intervalMs = o.intervalMs ?? 5000;
    this.#seenEveryMs = o.seenEveryMs ?? this.intervalMs;
    this.#maxConnections = o.maxConnections ?? 20_000;
    this.#maxRecords = o.maxRecordsPerPoll ?? 5000;
  }

  get stats(): ConnectionStats {
    return { ...this.#s, tracked: this.#tracked.size };
  }

  /** Polls now (connections already open are reported "opened", firstSeen = now), then every intervalMs. */
  async start(): Promise<void> {
    this.#running = true;
    await this.poll();
    const tick = () => {
      this.#timer = setTimeout(() => {
        this.#loop = this.poll().finally(() => {
          if (this.#running) tick();
        });
      }, this.intervalMs);
      this.#timer.unref?.();
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#loop?.catch(() => {});
    await this.#chain;
  }

  /** One poll: opened/seen/closed records, delivered (after hashing) before it resolves. */
  async poll(): Promise<void> {
    try {
      await this.#poll();
    } catch (err) {
      this.#s.errors++;
      this.#o.onError?.(err);
    }
  }

  async #poll(): Promise<void> {
    const now = this.#clock.now();
    this.#s.polls++;
    if (!this.#boot) this.#boot = (this.fs.bootId()?.replace(/-/g, "").slice(0, 12) ?? String(this.fs.bootTimeSec() ?? 0));
    const entries: SocketEntry[] = [];
    for (const t of NET_TABLES) {
      const text = this.fs.net(t);
      if (text) entries.push(...parseNetTable(text, t));
    }
    const listeners = new Listeners(entries);
    const present = new Set<string>();
    const fresh: { key: string; e: SocketEntry; direction: Direction }[] = [];
    let orphans = 0;
    for (const e of entries) {
      if (e.inode === 0) {
        orphans++;
        continue;
      }
      const direction = listeners.direction(e);
      if (!this.#o.includeLoopback && direction !== "listening" && isLoopbackIp(e.local.ip) && isLoopbackIp(e.remote.ip)) continue;
      const key = `${e.table}|${e.local.ip}|${e.local.port}|${e.remote.ip}|${e.remote.port}|${e.inode}`;
      present.add(key);
      const t = this.#tracked.get(key);
      if (t) {
        t.e = e;
        t.lastSeen = now;
      } else fresh.push({ key, e, direction });
    }
    this.#s.orphans = orphans;

    const records: Pending[] = [];
    const room = () => records.length < this.#maxRecords;
    for (const [key, t] of this.#tracked) {
      if (present.has(key)) continue;
      this.#tracked.delete(key);
      records.push(this.#record(t, "closed", now));
      this.#s.closed++;
    }

    if (fresh.length) {
      const owners = this.#owners(new Set(fresh.map((f) => f.e.inode)));
      for (const f of fresh) {
        if (this.#tracked.size >= this.#maxConnections) {
          this.#s.untracked++;
          continue;
        }
        if (!room()) {
          this.#s.deferred++;
          continue;
        }
        const pid = owners.get(f.e.inode);
        const proc = pid === undefined ? undefined : this.#procInfo(pid);
        if (!proc) this.#s.unresolved++;
        const rport = f.e.transport === "tcp" ? f.e.remote.port : `${f.e.remote.port}u`;
        const t: Tracked = { e: f.e, direction: f.direction, firstSeen: now, lastSeen: now, lastReported: now, proc, idBase: `cn-${this.#boot}-${f.e.inode}-${rport}-${now}` };
        this.#tracked.set(f.key, t);
        records.push(this.#record(t, "opened", now));
        this.#s.opened++;
      }
    }

    for (const t of this.#tracked.values()) {
      if (t.direction === "listening" || t.lastSeen !== now || t.firstSeen === now || now - t.lastReported < this.#seenEveryMs) continue;
      if (!room()) {
        this.#s.deferred++;
        continue;
      }
      t.lastReported = now;
      records.push(this.#record(t, "seen", now));
      this.#s.seen++;
    }

    // forget process details no tracked connection uses any more
    const used = new Set<number>();
    for (const t of this.#tracked.values()) if (t.proc) used.add(t.proc.pid);
    for (const pid of this.#procs.keys()) if (!used.has(pid)) this.#procs.delete(pid);

    if (records.length) await this.#deliver(records);
  }

  /** Socket inode → pid, walking /proc/PID/fd only until every wanted inode is found. */
  #owners(want: Set<number>): Map<number, number> {
    const out = new Map<number, number>();
    this.#s.fdScans++;
    // ascending pids: a socket shared by a server's master and workers goes to the master
    for (const pid of this.fs.listPids().sort((a, b) => a - b)) {
      for (const ino of this.fs.socketInodes(pid) ?? []) {
        if (want.delete(ino)) out.set(ino, pid);
      }
      if (want.size === 0) break;
    }
    return out;
  }

  #procInfo(pid: number): ProcInfo | undefined {
    const st = this.fs.stat(pid);
    if (!st) return undefined;
    const known = this.#procs.get(pid);
    if (known && known.startTicks === st.startTicks) return known;
    const p: ProcInfo = { pid, startTicks: st.startTicks, name: st.comm.slice(0, 256) };
    const exe = this.fs.exe(pid);
    if (exe) p.executable = exe.slice(0, 4096);
    const args = this.fs.cmdline(pid);
    if (args?.length) p.command_line = args.join(" ").slice(0, 8192);
    this.#procs.set(pid, p);
    if (this.#o.hashes && exe) {
      const hashes = this.#o.hashes;
      const h = hashes.hash(this.fs.path(pid, "exe")).then((r) => r ?? (exe.endsWith(" (deleted)") ? null : hashes.hash(exe)));
      this.#pendingHashes.push(h.then((r) => void (r && (p.hash = r))));
    }
    return p;
  }

  #record(t: Tracked, action: "opened" | "seen" | "closed", now: number): Pending {
    const { e } = t;
    const local = { ip: e.local.ip, port: e.local.port };
    const remote = { ip: e.remote.ip, port: e.remote.port };
    // ECS: source is the side that opened the connection; a listener is the destination of what it accepts
    const towardUs = t.direction === "inbound" || t.direction === "listening";
    const r: ConnectionRecord = {
      id: `${t.idBase}-${action === "seen" ? `s${now}` : action[0]}`,
      kind: "connection",
      ts: now,
      event: { action },
      network: { transport: e.transport, type: e.type, state: e.state, direction: t.direction },
      source: towardUs ? remote : local,
      destination: towardUs ? local : remote,
      firstSeen: t.firstSeen,
      lastSeen: t.lastSeen,
    };
    return { r, proc: t.proc };
  }

  async #deliver(records: Pending[]): Promise<void> {
    const hashes = this.#pendingHashes;
    this.#pendingHashes = [];
    const job = this.#chain.then(async () => {
      await Promise.all(hashes);
      // the process details are taken once its executable is hashed
      for (const { r, proc } of records) if (proc) r.process = projectProc(proc);
      await this.#o.onRecords(records.map((p) => p.r));
    });
    this.#chain = job.catch((err) => {
      this.#s.errors++;
      this.#o.onError?.(err);
    });
    await this.#chain;
  }
}

function projectProc(p: ProcInfo): NonNullable<ConnectionRecord["process"]> {
  const out: NonNullable<ConnectionRecord["process"]> = { pid: p.pid, name: p.name };
  if (p.executable !== undefined) out.executable = p.executable;
  if (p.command_line !== undefined) out.command_line = p.command_line;
  if (p.hash) out.hash = { ...p.hash };
  return out;
}
