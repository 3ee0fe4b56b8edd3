import { isIP } from "node:net";
import { z } from "zod";
import type { Alert, Clock, IpPolicy, Store } from "../../core/index.ts";
import type { IpPolicyService } from "../../response/index.ts";
import type { NotificationDispatcher } from "../../notify/index.ts";
import type { AuditFn, LoginService } from "../login-service.ts";
import type { Pki } from "../pki.ts";
import type { Rule } from "../../detection/index.ts";
import type { IntelService } from "../../intel/index.ts";
import type { EventCorrelator } from "../../alerting/index.ts";

export interface RouteDeps {
  store: Store;
  clock: Clock;
  policies: IpPolicyService;
  pki: Pki;
  login: LoginService;
  audit: AuditFn;
  notify: (agentId: string) => void;
  /** How an agent reaches this server, for the enrol command shown to operators. */
  agentUrl: () => string;
  defenceDefault: boolean;
  /** The detection rules in force (alert types, dedup keys, whitelist fields). */
  rules: Rule[];
  /** BF-4: an address a user signed in from is never auto-blocked. */
  rememberOperatorIp: (ip: string) => void;
  /** ALR-9: delivers notifications; the routes use it for "send test". */
  notifier: NotificationDispatcher;
  /** BF-1: the account's effective rules, and rebuilding detection after they change. */
  /** …and EVT-9/EVT-2: the event correlation ingest runs (rebuilding an event, its ATT&CK table). */
  ingest: { rulesFor(accountId: string): Promise<Rule[]>; reloadAccount(accountId: string): Promise<number>; readonly events: EventCorrelator };
  /** PRC-1: the intel lists. */
  intel: IntelService;
}

export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) });
export const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
export const pageQuery = { limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).default(0) };
export const roleSchema = z.enum(["viewer", "analyst", "admin"]);

export const alertSchema = z.object({
  id: z.string(), assetId: z.string(), type: z.string(), ruleId: z.string(), name: z.string(), severity: z.enum(["low", "medium", "high", "critical"]),
  status: z.string(), dedupKey: z.string(), firstSeen: z.string().describe("When it first happened: the event time the telemetry states (a DNS query's logged time, PRC-3)."), lastSeen: z.string(), count: z.number(),
  detectedAt: z.string().describe("When Hostward created the alert (PRC-3: detection time, beside the occurrence time)."),
  source: z.object({ ip: z.string().nullable() }), user: z.object({ name: z.string().nullable() }),
  attack: z.array(z.string()), evidence: z.record(z.string(), z.unknown()), triage: z.string(), response: z.string().nullable(),
  handledHow: z.string().nullable(), whitelistedBy: z.string().nullable(),
});
export const policySchema = z.object({
  id: z.string(), assetId: z.string(), ip: z.string(), status: z.string(), reason: z.string(), alertId: z.string().nullable(),
  createdBy: z.string(), createdAt: z.string(), expiresAt: z.string().nullable(), updatedAt: z.string(), lastResult: z.string().nullable(),
});

export function alertDto(a: Alert): z.infer<typeof alertSchema> {
  return {
    id: a.id, assetId: a.assetId, type: a.type, ruleId: a.ruleId, name: a.name, severity: a.severity, status: a.status, dedupKey: a.dedupKey,
    firstSeen: iso(a.firstSeen)!, lastSeen: iso(a.lastSeen)!, count: a.count, detectedAt: iso(a.createdAt)!, source: { ip: a.sourceIp }, user: { name: a.userName },
    attack: a.attack, evidence: a.evidence, triage: a.triage, response: a.response, handledHow: a.handledHow, whitelistedBy: a.whitelistedBy,
  };
}

export function policyDto(p: IpPolicy): z.infer<typeof policySchema> {
  return { id: p.id, assetId: p.assetId, ip: p.ip, status: p.status, reason: p.reason, alertId: p.alertId, createdBy: p.createdBy, createdAt: iso(p.createdAt)!, expiresAt: iso(p.expiresAt), updatedAt: iso(p.updatedAt)!, lastResult: p.lastResult };
}

/** ALR-8 block durations. */
export const blockDuration = z.enum(["6h", "12h", "1d", "7d", "permanent"]);

/**
 * RSP-3: the server's own agent-channel address, when it is an IP one, so that an isolation
 * keeps it open (the agent adds the address it is configured with in any case).
 */
export function agentChannelEndpoint(agentUrl: string): { addresses: string[]; port: number } | undefined {
  try {
    const u = new URL(agentUrl);
    const host = u.hostname.replace(/^\[|\]$/g, "");
    return isIP(host) && host !== "0.0.0.0" && host !== "::" ? { addresses: [host], port: Number(u.port || 443) } : undefined;
  } catch {
    return undefined;
  }
}
