import { spawn } from "node:child_process";
import { lookup as dnsLookup } from "node:dns/promises";
import { existsSync, readFileSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { isIP } from "node:net";
import { systemClock, type Clock } from "../../core/index.ts";
import { writeFileAtomic } from "../atomic-file.ts";
import { canonicalIp, MAX_BLOCK_SECONDS, type NftResult } from "./nftables.ts";

/**
 * RSP-3 host isolation: one table of our own, `inet hostward_isolation`, hooked before the
 * block table (priority -20 < -10), drops every packet in, out and forwarded except loopback,
 * the agent's server channel (new connections to the server's address:port and their replies)
 * and what keeps the host's address and neighbours alive (DHCP, IPv6 neighbour discovery).
 *
 * The drop rules apply only while the set `active` holds an element, and that element carries
 * the validity period as a kernel timeout: isolation ends on time even if the agent has died.
 * The agent also keeps its own state file so isolation is re-applied after a restart or reboot
 * and the table is removed when the period ends. nft runs with an argument array, never a
 * shell; every address reaching a script is canonicalised first.
 */
export interface Endpoint {
  ip: string;
  proto: "tcp" | "udp";
  port: number;
}

/** What the agent can do about isolation (AGT-10). */
export interface HostIsolation {
  isolate(allow: Endpoint[], timeoutSeconds?: number): Promise<NftResult>;
  release(why: string): Promise<NftResult>;
  /**
   * At agent start: re-applies a saved isolation (also keeping `channel` open: the agent's server
   * as configured now, which may have changed), or lifts one whose period ended while it was down.
   */
  restore(channel: Endpoint[]): Promise<NftResult | null>;
  stop(): void;
}

export interface NftIsolationOptions {
  /** Where the isolation survives agent restarts (in the agent's state directory). */
  stateFile: string;
  nftPath?: string;
  ipPath?: string;
  /** Run nft inside this network namespace (`ip netns exec`), used by tests. */
  netns?: string;
  timeoutMs?: number;
  clock?: Clock;
  /** Told when the agent lifts an isolation on its own (period over). */
  onReleased?: (message: string) => void;
}

interface SavedIsolation {
  allow: Endpoint[];
  /** ms; null = until released. */
  until: number | null;
  since: number;
}

const TABLE = "inet hostward_isolation";
const NETNS_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
/** setTimeout's limit; a longer wait is re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Validates and de-duplicates endpoints; addresses in canonical form. */
export function checkEndpoints(allow: unknown[]): { ok: true; endpoints: Endpoint[] } | { ok: false; message: string } {
  if (allow.length > 64) return { ok: false, message: "too many endpoints in the isolation allow list (64 at most)" };
  const out = new Map<string, Endpoint>();
  for (const e of allow) {
    const x = e as Partial<Endpoint>;
    const c = canonicalIp(x?.ip);
    if (!c) return { ok: false, message: `invalid address in the isolation allow list: ${JSON.stringify(String(x?.ip).slice(0, 64))}` };
    if (x.proto !== "tcp" && x.proto !== "udp") return { ok: false, message: `invalid protocol ${JSON.stringify(String(x.proto).slice(0, 8))}` };
    if (!Number.isInteger(x.port) || x.port! < 1 || x.port! > 65535) return { ok: false, message: `invalid port ${JSON.stringify(x.port)}` };
    out.set(`${c.ip} ${x.proto} ${x.port}`, { ip: c.ip, proto: x.proto, port: x.port! });
  }
  if (![...out.values()].some((e) => e.proto === "tcp")) return { ok: false, message: "refusing to isolate: no server address to keep open (the agent would be cut off)" };
  return { ok: true, endpoints: [...out.values()] };
}

/** The whole table in one nft transaction: re-running it replaces rules, sets and period (idempotent). */
export function isolationScript(allow: Endpoint[], timeoutSeconds: number | null): string {
  const v4 = allow.filter((e) => isIP(e.ip) === 4), v6 = allow.filter((e) => isIP(e.ip) === 6);
  const elems = (l: Endpoint[]) => l.map((e) => `${e.ip} . ${e.proto} . ${e.port}`).join(", ");
  const peers = (l: Endpoint[]) => [...new Set(l.map((e) => e.ip))].join(", ");
  const t = TABLE;
  const lines = [
    `table ${t} {`,
    `  set active { type nf_proto; flags timeout; }`,
    `  set allow4 { type ipv4_addr . inet_proto . inet_service; }`,
    `  set allow6 { type ipv6_addr . inet_proto . inet_service; }`,
    `  set peers4 { type ipv4_addr; }`,
    `  set peers6 { type ipv6_addr; }`,
    `  chain input { type filter hook input priority -20; policy accept; }`,
    `  chain output { type filter hook output priority -20; policy accept; }`,
    `  chain forward { type filter hook forward priority -20; policy accept; }`,
    `}`,
    ...["input", "output", "forward"].map((c) => `flush chain ${t} ${c}`),
    ...["active", "allow4", "allow6", "peers4", "peers6"].map((s) => `flush set ${t} ${s}`),
    // input: the server's replies (and ICMP errors about that connection), DHCP and ND replies
    `add rule ${t} input iif lo accept`,
    `add rule ${t} input meta nfproto != @active accept`,
    `add rule ${t} input ct state established ip saddr . meta l4proto . th sport @allow4 accept`,
    `add rule ${t} input ct state established ip6 saddr . meta l4proto . th sport @allow6 accept`,
    `add rule ${t} input ct state related ct original ip daddr @peers4 accept`,
    `add rule ${t} input ct state related ct original ip6 daddr @peers6 accept`,
    `add rule ${t} input udp sport 67 udp dport 68 accept`,
    `add rule ${t} input udp sport 547 udp dport 546 accept`,
    `add rule ${t} input icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept`,
    `add rule ${t} input drop`,
    // output: new connections to the server (and their packets), DHCP and ND requests
    `add rule ${t} output oif lo accept`,
    `add rule ${t} output meta nfproto != @active accept`,
    `add rule ${t} output ip daddr . meta l4proto . th dport @allow4 accept`,
    `add rule ${t} output ip6 daddr . meta l4proto . th dport @allow6 accept`,
    `add rule ${t} output ct state related ct original ip daddr @peers4 accept`,
    `add rule ${t} output ct state related ct original ip6 daddr @peers6 accept`,
    `add rule ${t} output udp sport 68 udp dport 67 accept`,
    `add rule ${t} output udp sport 546 udp dport 547 accept`,
    `add rule ${t} output icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept`,
    `add rule ${t} output drop`,
    // containers and VMs behind the host are cut off too
    `add rule ${t} forward meta nfproto != @active accept`,
    `add rule ${t} forward drop`,
  ];
  if (v4.length) lines.push(`add element ${t} allow4 { ${elems(v4)} }`, `add element ${t} peers4 { ${peers(v4)} }`);
  if (v6.length) lines.push(`add element ${t} allow6 { ${elems(v6)} }`, `add element ${t} peers6 { ${peers(v6)} }`);
  const to = timeoutSeconds ? ` timeout ${timeoutSeconds}s` : "";
  lines.push(`add element ${t} active { ipv4${to}, ipv6${to} }`);
  return lines.join("\n") + "\n";
}

/**
 * The endpoints that keep the agent's channel open: the server of the agent's own
 * configuration (resolved when it is a name, and then the resolvers on port 53 too, or a
 * new connection could not find it), plus any addresses the server sent, on its port.
 */
export async function channelEndpoints(
  serverUrl: string,
  sent: { serverAddresses?: string[]; serverPort?: number },
  opts: { lookup?: (host: string) => Promise<string[]>; resolvConf?: string } = {},
): Promise<{ ok: true; endpoints: Endpoint[]; notes: string[] } | { ok: false; message: string }> {
  const u = new URL(serverUrl);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
  const endpoints: Endpoint[] = [];
  const notes: string[] = [];
  if (isIP(host)) endpoints.push({ ip: host, proto: "tcp", port });
  else {
    const lookup = opts.lookup ?? (async (h: string) => (await dnsLookup(h, { all: true })).map((a) => a.address));
    try {
      for (const ip of await lookup(host)) endpoints.push({ ip, proto: "tcp", port });
    } catch (e) {
      notes.push(`could not resolve ${host}: ${(e as Error).message}`);
    }
    const conf = opts.resolvConf ?? "/etc/resolv.conf";
    const text = existsSync(conf) ? readFileSync(conf, "utf8").slice(0, 65536) : "";
    for (const m of text.matchAll(/^[ \t]*nameserver[ \t]+([0-9A-Fa-f:.]{2,45})[ \t]*$/gm)) {
      const ns = canonicalIp(m[1]);
      if (!ns || ns.ip.startsWith("127.") || ns.ip === "::1") continue; // loopback stays open anyway
      endpoints.push({ ip: ns.ip, proto: "udp", port: 53 }, { ip: ns.ip, proto: "tcp", port: 53 });
      notes.push(`DNS to ${ns.ip} kept open (the server is configured by name)`);
    }
  }
  for (const ip of sent.serverAddresses ?? []) endpoints.push({ ip, proto: "tcp", port: sent.serverPort ?? port });
  const c = checkEndpoints(endpoints);
  if (!c.ok) return { ok: false, message: notes.length ? `${c.message}; ${notes.join("; ")}` : c.message };
  return { ok: true, endpoints: c.endpoints, notes };
}

interface Exec { code: number | null; stdout: string; stderr: string; spawnError?: string }

export class NftIsolation implements HostIsolation {
  #nft: string;
  #ip: string;
  #netns: string | undefined;
  #timeoutMs: number;
  #clock: Clock;
  #stateFile: string;
  #onReleased: (message: string) => void;
  #timer: NodeJS.Timeout | null = null;
  /** One change at a time: an expiry never interleaves with an isolate. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(o: NftIsolationOptions) {
    this.#nft = o.nftPath ?? "nft";
    this.#ip = o.ipPath ?? "ip";
    if (o.netns !== undefined && !NETNS_RE.test(o.netns)) throw new Error(`invalid netns name: ${JSON.stringify(o.netns)}`);
    this.#netns = o.netns;
    this.#timeoutMs = o.timeoutMs ?? 10_000;
    this.#clock = o.clock ?? systemClock;
    this.#stateFile = o.stateFile;
    this.#onReleased = o.onReleased ?? (() => {});
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#queue.then(fn, fn);
    this.#queue = p.catch(() => {});
    return p;
  }

  #exec(args: string[], input?: string): Promise<Exec> {
    const [cmd, argv] = this.#netns ? [this.#ip, ["netns", "exec", this.#netns, this.#nft, ...args]] : [this.#nft, args];
    return new Promise((resolve) => {
      const c = spawn(cmd, argv, { stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "", stderr = "";
      const timer = setTimeout(() => c.kill("SIGKILL"), this.#timeoutMs);
      const done = (r: Exec) => { clearTimeout(timer); resolve(r); };
      c.stdout.on("data", (b: Buffer) => (stdout = (stdout + b.toString()).slice(-1 << 20)));
      c.stderr.on("data", (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4096)));
      c.on("error", (e: NodeJS.ErrnoException) => done({ code: null, stdout, stderr, spawnError: e.code === "ENOENT" ? `${cmd} not found` : e.message }));
      c.on("close", (code) => done({ code, stdout, stderr }));
      c.stdin.on("error", () => {});
      c.stdin.end(input ?? "");
    });
  }

  #why(r: Exec): string {
    if (r.spawnError) return `cannot run nft: ${r.spawnError}`;
    const err = r.stderr.trim();
    if (/Operation not permitted|Permission denied/i.test(err)) return "permission denied: nft needs root or CAP_NET_ADMIN";
    if (r.code === null) return `nft timed out after ${this.#timeoutMs} ms`;
    return err.split("\n")[0] || `nft exited with code ${r.code}`;
  }

  #saved(): SavedIsolation | null {
    if (!existsSync(this.#stateFile)) return null;
    try {
      const s = JSON.parse(readFileSync(this.#stateFile, "utf8")) as SavedIsolation;
      return Array.isArray(s.allow) && (s.until === null || typeof s.until === "number") ? s : null;
    } catch {
      return null;
    }
  }

  #arm(until: number | null): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (until === null) return;
    const wait = Math.max(0, until - this.#clock.now());
    this.#timer = setTimeout(() => void this.expire().catch(() => {}), Math.min(wait, MAX_TIMER_MS));
    this.#timer.unref();
  }

  /** Writes the table; re-isolating replaces the allow list and the period. */
  isolate(allow: Endpoint[], timeoutSeconds?: number): Promise<NftResult> {
    return this.#serial(async () => {
      const c = checkEndpoints(allow);
      if (!c.ok) return c;
      if (timeoutSeconds !== undefined && (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > MAX_BLOCK_SECONDS)) {
        return { ok: false, message: `invalid timeout ${timeoutSeconds}: whole seconds from 1 to ${MAX_BLOCK_SECONDS}, or none` };
      }
      const r = await this.#exec(["-f", "-"], isolationScript(c.endpoints, timeoutSeconds ?? null));
      if (r.code !== 0) return { ok: false, message: `isolation failed: ${this.#why(r)}` };
      const now = this.#clock.now();
      const until = timeoutSeconds ? now + timeoutSeconds * 1000 : null;
      await writeFileAtomic(this.#stateFile, JSON.stringify({ allow: c.endpoints, until, since: now } satisfies SavedIsolation));
      this.#arm(until);
      const open = c.endpoints.map((e) => `${e.ip.includes(":") ? `[${e.ip}]` : e.ip}:${e.port}/${e.proto}`).join(", ");
      return { ok: true, message: `host isolated${until ? ` until ${new Date(until).toISOString()}` : " until released"}; open: loopback, ${open}` };
    });
  }

  release(why: string): Promise<NftResult> {
    return this.#serial(() => this.#release(why));
  }

  async #release(why: string): Promise<NftResult> {
    const r = await this.#exec(["delete", "table", ...TABLE.split(" ")]);
    const absent = r.code !== 0 && /No such file or directory/.test(r.stderr) && !r.spawnError;
    if (r.code !== 0 && !absent) return { ok: false, message: `release failed: ${this.#why(r)}` };
    await unlink(this.#stateFile).catch(() => {});
    this.#arm(null);
    return { ok: true, message: absent ? "the host was not isolated" : `isolation lifted (${why})` };
  }

  /** Lifts the isolation if its period is over (the timer's job; callable with a fake clock). */
  expire(): Promise<NftResult | null> {
    return this.#serial(async () => {
      const s = this.#saved();
      if (!s || s.until === null) return null;
      if (s.until > this.#clock.now()) {
        this.#arm(s.until);
        return null;
      }
      const r = await this.#release(`its validity period ended at ${new Date(s.until).toISOString()}`);
      this.#onReleased(r.message);
      return r;
    });
  }

  async restore(channel: Endpoint[]): Promise<NftResult | null> {
    const s = this.#saved();
    if (!s) return null;
    const now = this.#clock.now();
    if (s.until !== null && s.until <= now) return this.expire();
    const left = s.until === null ? undefined : Math.max(1, Math.ceil((s.until - now) / 1000));
    const r = await this.isolate([...channel, ...s.allow].slice(0, 64), left);
    return r.ok ? { ok: true, message: `isolation re-applied after restart: ${r.message}` } : r;
  }

  stop(): void {
    this.#arm(null);
  }
}
