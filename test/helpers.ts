import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { createServer, loadServerConfig, createEnrolToken, newApiTokenSecret, sha256hex, type HostwardServer } from "../src/server/index.ts";
import type { Firewall } from "../src/agent/index.ts";
import type { Clock, GeoIpReader, IpReputationReader } from "../src/core/index.ts";
import type { Rule } from "../src/detection/index.ts";

export const quietLog = pino({ level: process.env.HW_TEST_LOG ?? "silent" });

export function tempDir(prefix = "hw-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A server on random loopback ports with its own data directory. */
export async function startServer(opts: { dataDir: string; clock?: Clock; overrides?: Record<string, unknown>; listen?: boolean; rules?: Rule[]; geo?: GeoIpReader; reputation?: IpReputationReader }): Promise<{ server: HostwardServer; apiUrl: string; agentUrl: string; adminToken: string }> {
  const cfg = loadServerConfig({ dataDir: opts.dataDir, api: { port: 0 }, agentChannel: { port: 0, host: "127.0.0.1" }, logLevel: "silent", ...opts.overrides }, {});
  const server = await createServer(cfg, { clock: opts.clock, logger: quietLog, rules: opts.rules, geo: opts.geo, reputation: opts.reputation });
  let apiUrl = "", agentUrl = "";
  if (opts.listen !== false) ({ apiUrl, agentUrl } = await server.listen());
  // a non-expiring API token (tests move fake clocks by weeks)
  const admin = (await server.store.users.findByName("admin"))!;
  const adminToken = newApiTokenSecret();
  await server.store.apiTokens.insert({ id: `tok_test_${Math.random().toString(36).slice(2)}`, userId: admin.id, name: "test", role: "admin", tokenHash: sha256hex(adminToken), createdAt: Date.now(), expiresAt: null, revokedAt: null, lastUsedAt: null });
  return { server, apiUrl, agentUrl, adminToken };
}

export async function enrolToken(server: HostwardServer): Promise<string> {
  return (await createEnrolToken(server.store, server.pki, Date.now(), 600_000, "test", "default")).token;
}

/**
 * Records firewall calls. Used where the test is about the server/agent protocol, not
 * the firewall; the real nftables path is proven in test/e2e/ssh-brute-force.int.test.ts.
 */
export class RecordingFirewall implements Firewall {
  calls: { op: string; ip?: string; timeout?: number }[] = [];
  async ensure() { this.calls.push({ op: "ensure" }); return { ok: true, message: "ok" }; }
  async block(ip: string, timeout?: number) { this.calls.push({ op: "block", ip, timeout }); return { ok: true, message: `blocked ${ip}` }; }
  async unblock(ip: string) { this.calls.push({ op: "unblock", ip }); return { ok: true, message: `unblocked ${ip}` }; }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** An sshd log line in Debian 12's RFC 3339 rsyslog format. */
export function sshdLine(kind: "fail" | "invalid" | "accept", ip: string, user = "root", at = new Date(), port = 40000 + Math.floor(Math.random() * 20000)): string {
  const ts = at.toISOString().replace("Z", "+00:00");
  const pid = 1000 + Math.floor(Math.random() * 30000);
  if (kind === "fail") return `${ts} srv sshd[${pid}]: Failed password for ${user} from ${ip} port ${port} ssh2`;
  if (kind === "invalid") return `${ts} srv sshd[${pid}]: Failed password for invalid user ${user} from ${ip} port ${port} ssh2`;
  return `${ts} srv sshd[${pid}]: Accepted password for ${user} from ${ip} port ${port} ssh2`;
}
