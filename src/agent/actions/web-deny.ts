import { spawn } from "node:child_process";
import { chmod, readFile, unlink } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { parseIPv4, parseIPv6, systemClock, type Clock } from "../../core/index.ts";
import { writeFileAtomic } from "../atomic-file.ts";
import { canonicalIp, MAX_BLOCK_SECONDS, type NftResult } from "./nftables.ts";

/**
 * EVT-10 web-server deny list: one nginx include file the agent owns, `deny <ip>;` lines of
 * validated addresses, sorted, written atomically, checked with `nginx -T` (which also tells
 * whether nginx includes the file at all), then nginx is reloaded. A file nginx refuses is
 * rolled back. A validity period is written beside its line and the agent removes the line
 * when it ends. The file's path is agent configuration, never something the server sends;
 * nginx is run with an argument array, never a shell.
 */
export interface WebDeny {
  deny(ip: string, timeoutSeconds?: number): Promise<NftResult>;
  allow(ip: string): Promise<NftResult>;
  /** At agent start: drops entries whose period ended while the agent was down. */
  start(): Promise<NftResult | null>;
  stop(): void;
}

export interface DenyEntry {
  ip: string;
  /** ms; null = until allowed again. */
  until: number | null;
}

export interface NginxDenyListOptions {
  /** The include file (default /etc/nginx/hostward-deny.conf). */
  file?: string;
  /** How nginx is run: argv prefix, e.g. ["nginx", "-c", "/etc/nginx/nginx.conf"] (default ["nginx"]). */
  nginx?: string[];
  clock?: Clock;
  timeoutMs?: number;
  /** Told when the agent removes an entry on its own (period over). */
  onExpired?: (message: string) => void;
}

export const DEFAULT_WEB_DENY_FILE = "/etc/nginx/hostward-deny.conf";
const HEADER = "# Hostward agent: web-server deny list (EVT-10). Written by the agent; edits are overwritten.\n# Include it in nginx's http or server block: include <this file>;\n";
const LINE_RE = /^deny ([0-9a-f.:]{2,45});(?: # until (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?Z))?$/;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The entries of a deny file; lines that are not ours are dropped (the file belongs to the agent). */
export function parseDenyFile(text: string): DenyEntry[] {
  const out = new Map<string, DenyEntry>();
  for (const raw of text.split("\n", 100_000)) {
    const m = LINE_RE.exec(raw.trim());
    if (!m) continue;
    const c = canonicalIp(m[1]);
    if (!c) continue;
    const until = m[2] ? Date.parse(m[2]) : null;
    out.set(c.ip, { ip: c.ip, until: Number.isNaN(until) ? null : until });
  }
  return [...out.values()];
}

/** IPv4 before IPv6, each in numeric order: the file reads like a sorted list and diffs cleanly. */
function sortKey(ip: string): string {
  const v4 = parseIPv4(ip);
  if (v4 !== null) return `4${v4.toString(16).padStart(8, "0")}`;
  return `6${(parseIPv6(ip) ?? []).map((g) => g.toString(16).padStart(4, "0")).join("")}`;
}

export function renderDenyFile(entries: DenyEntry[]): string {
  const sorted = [...entries].sort((a, b) => (sortKey(a.ip) < sortKey(b.ip) ? -1 : sortKey(a.ip) > sortKey(b.ip) ? 1 : 0));
  return HEADER + sorted.map((e) => `deny ${e.ip};${e.until !== null ? ` # until ${new Date(e.until).toISOString()}` : ""}\n`).join("");
}

interface Exec { code: number | null; stdout: string; stderr: string; spawnError?: string }

export class NginxDenyList implements WebDeny {
  readonly file: string;
  #nginx: string[];
  #clock: Clock;
  #timeoutMs: number;
  #onExpired: (message: string) => void;
  #timer: NodeJS.Timeout | null = null;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(o: NginxDenyListOptions = {}) {
    this.file = o.file ?? DEFAULT_WEB_DENY_FILE;
    if (!this.file.startsWith("/")) throw new Error(`the web deny file must be an absolute path: ${this.file}`);
    this.#nginx = o.nginx?.length ? o.nginx : ["nginx"];
    this.#clock = o.clock ?? systemClock;
    this.#timeoutMs = o.timeoutMs ?? 20_000;
    this.#onExpired = o.onExpired ?? (() => {});
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#queue.then(fn, fn);
    this.#queue = p.catch(() => {});
    return p;
  }

  #run(args: string[]): Promise<Exec> {
    const [cmd, ...pre] = this.#nginx as [string, ...string[]];
    return new Promise((resolve) => {
      const c = spawn(cmd, [...pre, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "", stderr = "";
      const timer = setTimeout(() => c.kill("SIGKILL"), this.#timeoutMs);
      const done = (r: Exec) => { clearTimeout(timer); resolve(r); };
      // `nginx -T` prints the whole configuration: keep a bounded amount
      c.stdout.on("data", (b: Buffer) => { if (stdout.length < 8 << 20) stdout += b.toString(); });
      c.stderr.on("data", (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4096)));
      c.on("error", (e: NodeJS.ErrnoException) => done({ code: null, stdout, stderr, spawnError: e.code === "ENOENT" ? `${cmd} not found` : e.message }));
      c.on("close", (code) => done({ code, stdout, stderr }));
    });
  }

  #why(r: Exec): string {
    if (r.spawnError) return `cannot run nginx: ${r.spawnError}`;
    if (r.code === null) return `nginx timed out after ${this.#timeoutMs} ms`;
    const lines = r.stderr.trim().split("\n").filter((l) => !/test is successful|syntax is ok/.test(l));
    const line = lines.find((l) => /\[(emerg|alert|error)\]/.test(l)) ?? lines[0] ?? `nginx exited with code ${r.code}`;
    return line.replace(/^nginx: /, "").replace(/^[0-9/: ]{0,40}\[(emerg|alert|error)\] (\d{1,10}#\d{1,10}: )?/, "");
  }

  async #read(): Promise<{ text: string | null; entries: DenyEntry[] }> {
    if (!existsSync(this.file)) return { text: null, entries: [] };
    const text = await readFile(this.file, "utf8");
    return { text, entries: parseDenyFile(text) };
  }

  /** Writes `entries`, tests, reloads; rolls the file back when nginx refuses it. */
  async #apply(before: string | null, entries: DenyEntry[], done: string): Promise<NftResult> {
    const next = renderDenyFile(entries);
    if (next === before) return { ok: true, message: `${done} (no change to ${this.file})` };
    if (!existsSync(dirname(this.file))) return { ok: false, message: `${dirname(this.file)} does not exist: is nginx installed? (set the file with --web-deny-file)` };
    await writeFileAtomic(this.file, next);
    await chmod(this.file, 0o644);
    const t = await this.#run(["-T", "-q"]);
    if (t.code !== 0) {
      if (before === null) await unlink(this.file).catch(() => {});
      else await writeFileAtomic(this.file, before).then(() => chmod(this.file, 0o644));
      return { ok: false, message: `nginx refused the configuration, deny list rolled back: ${this.#why(t)}` };
    }
    this.#arm(entries);
    if (!t.stdout.includes(`# configuration file ${this.file}:`)) {
      return { ok: false, message: `${this.file} is written, but nginx's configuration does not include it: add "include ${this.file};" to the http or server block` };
    }
    const r = await this.#run(["-s", "reload"]);
    if (r.code !== 0) return { ok: false, message: `${this.file} is written and valid, but nginx did not reload: ${this.#why(r)}` };
    return { ok: true, message: `${done}; nginx reloaded` };
  }

  #arm(entries: DenyEntry[]): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const next = Math.min(...entries.map((e) => e.until ?? Infinity));
    if (!Number.isFinite(next)) return;
    this.#timer = setTimeout(() => void this.expire().catch(() => {}), Math.min(Math.max(0, next - this.#clock.now()), MAX_TIMER_MS));
    this.#timer.unref();
  }

  deny(ip: string, timeoutSeconds?: number): Promise<NftResult> {
    return this.#serial(async () => {
      const c = canonicalIp(ip);
      if (!c) return { ok: false, message: `invalid IP address: ${JSON.stringify(String(ip).slice(0, 64))}` };
      if (c.ip === "0.0.0.0" || c.ip === "::" || c.ip === "::1" || c.ip.startsWith("127.")) return { ok: false, message: `refusing to deny the host's own address ${c.ip}` };
      if (timeoutSeconds !== undefined && (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > MAX_BLOCK_SECONDS)) {
        return { ok: false, message: `invalid timeout ${timeoutSeconds}: whole seconds from 1 to ${MAX_BLOCK_SECONDS}, or none` };
      }
      const now = this.#clock.now();
      const { text, entries } = await this.#read();
      const until = timeoutSeconds ? now + timeoutSeconds * 1000 : null;
      const kept = entries.filter((e) => e.ip !== c.ip && (e.until === null || e.until > now));
      return this.#apply(text, [...kept, { ip: c.ip, until }], `${c.ip} denied in ${this.file}${until ? ` until ${new Date(until).toISOString()}` : ""}`);
    });
  }

  allow(ip: string): Promise<NftResult> {
    return this.#serial(async () => {
      const c = canonicalIp(ip);
      if (!c) return { ok: false, message: `invalid IP address: ${JSON.stringify(String(ip).slice(0, 64))}` };
      const now = this.#clock.now();
      const { text, entries } = await this.#read();
      if (!entries.some((e) => e.ip === c.ip)) return { ok: true, message: `${c.ip} was not in ${this.file}` };
      return this.#apply(text, entries.filter((e) => e.ip !== c.ip && (e.until === null || e.until > now)), `${c.ip} removed from ${this.file}`);
    });
  }

  /** Removes entries whose period is over (the timer's job; callable with a fake clock). */
  expire(): Promise<NftResult | null> {
    return this.#serial(async () => {
      const now = this.#clock.now();
      const { text, entries } = await this.#read();
      const gone = entries.filter((e) => e.until !== null && e.until <= now);
      if (gone.length === 0) {
        this.#arm(entries);
        return null;
      }
      const r = await this.#apply(text, entries.filter((e) => !gone.includes(e)), `validity period ended: ${gone.map((e) => e.ip).join(", ")} removed from ${this.file}`);
      this.#onExpired(r.message);
      return r;
    });
  }

  async start(): Promise<NftResult | null> {
    return this.expire();
  }

  /** The current entries (for status output and tests). */
  async list(): Promise<DenyEntry[]> {
    return (await this.#read()).entries;
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
