import { spawn } from "node:child_process";
import { isIP } from "node:net";
import { normalizeIp, OperationalError } from "../../core/index.ts";

/**
 * AGT-10 block/unblock: source addresses go into timeout sets of our own table
 * `inet hostward`, dropped by one input-hook chain. Other tables are never touched,
 * and nft is always run with an argument array (never a shell); addresses are
 * validated and canonicalised before they reach a script.
 */
export interface NftResult {
  ok: boolean;
  message: string;
}

export interface BlockedEntry {
  ip: string;
  /** Seconds until the kernel removes the element; null for a permanent block. */
  expiresInSeconds: number | null;
}

export interface NftFirewallOptions {
  nftPath?: string;
  ipPath?: string;
  /** Run nft inside this network namespace (`ip netns exec`), used by tests. */
  netns?: string;
  /** Addresses never blocked, e.g. the Hostward server, so the agent channel stays open. */
  protect?: string[];
  timeoutMs?: number;
}

const TABLE = "inet hostward";
/** nft refuses timeouts of about ten years ("value too large"); longer blocks should be permanent. */
export const MAX_BLOCK_SECONDS = 365 * 24 * 3600;
const NETNS_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

const ENSURE_SCRIPT = `table ${TABLE} {
  set blocked4 { type ipv4_addr; flags timeout; }
  set blocked6 { type ipv6_addr; flags timeout; }
  chain input { type filter hook input priority -10; policy accept; }
}
flush chain ${TABLE} input
add rule ${TABLE} input ip saddr @blocked4 drop
add rule ${TABLE} input ip6 saddr @blocked6 drop
`;

/** Canonical form of a plain IPv4/IPv6 address (no zone, no CIDR, no spaces), or null. */
export function canonicalIp(ip: unknown): { ip: string; family: 4 | 6 } | null {
  if (typeof ip !== "string" || ip.length === 0 || ip.length > 64 || /\s/.test(ip)) return null;
  if (isIP(ip) === 0) return null; // node:net is the first gate; it still allows zones ("fe80::1%eth0")
  const n = normalizeIp(ip); // the second gate rejects zones and maps ::ffff:a.b.c.d to IPv4
  if (!n || !/^[0-9a-f.:]+$/.test(n)) return null;
  const family = isIP(n);
  return family === 4 || family === 6 ? { ip: n, family } : null;
}

function neverBlock(ip: string): boolean {
  return ip === "0.0.0.0" || ip === "::" || ip === "::1" || ip.startsWith("127.");
}

interface Exec {
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError?: string;
}

export class NftFirewall {
  #nft: string;
  #ip: string;
  #netns: string | undefined;
  #protect: Set<string>;
  #timeoutMs: number;

  constructor(opts: NftFirewallOptions = {}) {
    this.#nft = opts.nftPath ?? "nft";
    this.#ip = opts.ipPath ?? "ip";
    if (opts.netns !== undefined && !NETNS_RE.test(opts.netns)) throw new Error(`invalid netns name: ${JSON.stringify(opts.netns)}`);
    this.#netns = opts.netns;
    this.#protect = new Set((opts.protect ?? []).map((p) => canonicalIp(p)?.ip).filter((p) => p !== undefined));
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
  }

  #exec(args: string[], input?: string): Promise<Exec> {
    const [cmd, argv] = this.#netns ? [this.#ip, ["netns", "exec", this.#netns, this.#nft, ...args]] : [this.#nft, args];
    return new Promise((resolve) => {
      const c = spawn(cmd, argv, { stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      // Our own timer: spawn's `timeout` option leaves its timer running when the spawn itself fails.
      const timer = setTimeout(() => c.kill("SIGKILL"), this.#timeoutMs);
      const done = (r: Exec) => {
        clearTimeout(timer);
        resolve(r);
      };
      c.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
      c.stderr.on("data", (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4096)));
      c.on("error", (e: NodeJS.ErrnoException) => done({ code: null, stdout, stderr, spawnError: e.code === "ENOENT" ? `${cmd} not found` : e.message }));
      c.on("close", (code) => done({ code, stdout, stderr }));
      c.stdin.on("error", () => {}); // nft may exit before reading stdin; the exit code tells us why
      c.stdin.end(input ?? "");
    });
  }

  /** One line saying why nft failed, naming who must act. */
  #why(r: Exec): string {
    if (r.spawnError) return `cannot run nft: ${r.spawnError}`;
    const err = r.stderr.trim();
    if (/exec of ".*" failed/.test(err)) return `nft not found (${this.#nft}): ${err}`;
    if (/Operation not permitted|Permission denied/i.test(err)) return "permission denied: nft needs root or CAP_NET_ADMIN";
    if (r.code === null) return `nft timed out after ${this.#timeoutMs} ms`;
    return err.split("\n")[0] || `nft exited with code ${r.code}`;
  }

  async #script(script: string): Promise<Exec> {
    return this.#exec(["-f", "-"], script);
  }

  /** Creates the table, sets and chain if missing; existing blocks are kept. Idempotent. */
  async ensure(): Promise<NftResult> {
    const r = await this.#script(ENSURE_SCRIPT);
    return r.code === 0 ? { ok: true, message: "table inet hostward ready" } : { ok: false, message: this.#why(r) };
  }

  /** Blocks `ip` (permanently without timeout). Re-blocking replaces the previous timeout. */
  async block(ip: string, timeoutSeconds?: number): Promise<NftResult> {
    const c = canonicalIp(ip);
    if (!c) return { ok: false, message: `invalid IP address: ${JSON.stringify(String(ip).slice(0, 64))}` };
    if (neverBlock(c.ip) || this.#protect.has(c.ip)) return { ok: false, message: `refusing to block protected address ${c.ip}` };
    if (timeoutSeconds !== undefined && (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > MAX_BLOCK_SECONDS)) {
      return { ok: false, message: `invalid timeout ${timeoutSeconds}: whole seconds from 1 to ${MAX_BLOCK_SECONDS}, or none for permanent` };
    }
    const set = c.family === 4 ? "blocked4" : "blocked6";
    const el = timeoutSeconds ? `${c.ip} timeout ${timeoutSeconds}s` : c.ip;
    // add (no-op if present) + delete + add, in one transaction: "add" alone would keep an
    // existing element's old timeout, and "delete" alone fails when the element is absent.
    const script = `add element ${TABLE} ${set} { ${c.ip} }\ndelete element ${TABLE} ${set} { ${c.ip} }\nadd element ${TABLE} ${set} { ${el} }\n`;
    let r = await this.#script(script);
    if (r.code !== 0 && /No such file or directory/.test(r.stderr)) {
      const e = await this.ensure(); // table missing (first use, or removed by someone): create, retry once
      if (!e.ok) return e;
      r = await this.#script(script);
    }
    if (r.code !== 0) return { ok: false, message: `block ${c.ip} failed: ${this.#why(r)}` };
    return { ok: true, message: timeoutSeconds ? `blocked ${c.ip} for ${timeoutSeconds}s` : `blocked ${c.ip} permanently` };
  }

  /** Unblocking an address that is not blocked succeeds ("was not blocked"). */
  async unblock(ip: string): Promise<NftResult> {
    const c = canonicalIp(ip);
    if (!c) return { ok: false, message: `invalid IP address: ${JSON.stringify(String(ip).slice(0, 64))}` };
    const set = c.family === 4 ? "blocked4" : "blocked6";
    const r = await this.#script(`delete element ${TABLE} ${set} { ${c.ip} }\n`);
    if (r.code === 0) return { ok: true, message: `unblocked ${c.ip}` };
    if (/No such file or directory/.test(r.stderr) && !/exec of/.test(r.stderr)) return { ok: true, message: `${c.ip} was not blocked` };
    return { ok: false, message: `unblock ${c.ip} failed: ${this.#why(r)}` };
  }

  /** Current blocks from `nft -j list table`; empty when the table does not exist. */
  async list(): Promise<BlockedEntry[]> {
    const r = await this.#exec(["-j", "list", "table", ...TABLE.split(" ")]);
    if (r.code !== 0) {
      if (/No such file or directory/.test(r.stderr) && !/exec of/.test(r.stderr)) return [];
      throw new OperationalError("HW_ERR_ACTION_FAILED", `cannot list blocks: ${this.#why(r)}`);
    }
    return parseNftBlocked(r.stdout);
  }

  /** Deletes the whole table (all blocks and the chain). Absent table is success. */
  async remove(): Promise<NftResult> {
    const r = await this.#exec(["delete", "table", ...TABLE.split(" ")]);
    if (r.code === 0) return { ok: true, message: "table inet hostward removed" };
    if (/No such file or directory/.test(r.stderr) && !/exec of/.test(r.stderr)) return { ok: true, message: "table inet hostward was not present" };
    return { ok: false, message: this.#why(r) };
  }
}

/** Elements of blocked4/blocked6 in nft's JSON: a bare string (no timeout) or {elem:{val,timeout,expires}}. */
export function parseNftBlocked(json: string): BlockedEntry[] {
  const out: BlockedEntry[] = [];
  const doc = JSON.parse(json) as { nftables?: unknown[] };
  for (const item of doc.nftables ?? []) {
    const set = (item as { set?: { name?: string; elem?: unknown[] } }).set;
    if (!set || (set.name !== "blocked4" && set.name !== "blocked6")) continue;
    for (const e of set.elem ?? []) {
      if (typeof e === "string") out.push({ ip: e, expiresInSeconds: null });
      else {
        const el = (e as { elem?: { val?: unknown; expires?: unknown } }).elem;
        if (el && typeof el.val === "string") out.push({ ip: el.val, expiresInSeconds: typeof el.expires === "number" ? el.expires : null });
      }
    }
  }
  return out;
}
