import { z } from "zod";
import type { Alert } from "../core/index.ts";

/**
 * The document every channel renders: the alert as it was when the notification was
 * queued. It is what a webhook receives verbatim, so its shape is versioned and only
 * ever grows. Kept in the outbox row, so a later change to the alert does not change
 * what a retry sends.
 */
export const NOTICE_VERSION = 1;
/** opened: a new alert; recurred: a known alert fired again (rules with `notify: every`); test: "send test". */
export type NoticeReason = "opened" | "recurred" | "test";

export const alertNoticeSchema = z.object({
  version: z.literal(NOTICE_VERSION).describe("Document version; fields are only ever added"),
  reason: z.enum(["opened", "recurred", "test"]).describe("opened: a new alert; recurred: a known alert fired again; test: sent by \"send test\""),
  alert: z.object({
    id: z.string(),
    type: z.string().describe("e.g. ssh_brute_force"),
    name: z.string(),
    ruleId: z.string(),
    severity: z.enum(["low", "medium", "high", "critical"]),
    status: z.string(),
    asset: z.object({ id: z.string(), hostname: z.string().nullable() }),
    source: z.object({ ip: z.string().nullable() }),
    user: z.object({ name: z.string().nullable() }),
    firstSeen: z.string().describe("ISO 8601"),
    lastSeen: z.string().describe("ISO 8601"),
    count: z.number(),
    attack: z.array(z.string()).describe("MITRE ATT&CK technique ids"),
    evidence: z.record(z.string(), z.unknown()),
    triage: z.string(),
    response: z.string().nullable(),
  }),
});
export type AlertNotice = z.infer<typeof alertNoticeSchema>;

/** Builds the notice; keys in a fixed order so the JSON is stable byte for byte. */
export function noticeFromAlert(a: Alert, hostname: string | null, reason: NoticeReason): AlertNotice {
  return {
    version: NOTICE_VERSION,
    reason,
    alert: {
      id: a.id, type: a.type, name: a.name, ruleId: a.ruleId, severity: a.severity, status: a.status,
      asset: { id: a.assetId, hostname },
      source: { ip: a.sourceIp }, user: { name: a.userName },
      firstSeen: new Date(a.firstSeen).toISOString(), lastSeen: new Date(a.lastSeen).toISOString(), count: a.count,
      attack: [...a.attack], evidence: a.evidence, triage: a.triage, response: a.response,
    },
  };
}

/** The notice stored in an outbox row, or null when the row is not one (never sendable). */
export function readNotice(payload: unknown): AlertNotice | null {
  const r = alertNoticeSchema.safeParse(payload);
  return r.success ? r.data : null;
}

/** A synthetic alert for "send test": obviously a test, and harmless to a receiver. */
export function testAlert(accountId: string, now: number): Alert {
  return {
    id: `test_${now.toString(16)}`, accountId, assetId: "test", type: "test", ruleId: "test", name: "Hostward test notification",
    severity: "low", status: "unhandled", dedupKey: "test", firstSeen: now, lastSeen: now, count: 1, sourceIp: "192.0.2.1", userName: null,
    attack: [], evidence: { note: "sent by \"send test\"; no action needed" }, triage: "This is a test of the notification channel.", response: null,
    handledHow: null, whitelistedBy: null, createdAt: now, updatedAt: now,
  } as Alert;
}
