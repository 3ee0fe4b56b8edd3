import { newId, type Alert, type Store, DEFAULT_ACCOUNT } from "../core/index.ts";
import type { Detection } from "../detection/index.ts";
import { transition } from "./lifecycle.ts";

export const ALERT_EXPIRY_MS = 30 * 86_400_000;

export interface AppliedDetection {
  alert: Alert;
  /** A new alert row was opened (first time, or after the previous one expired). */
  created: boolean;
}

/**
 * ALR-2: one alert per (asset, dedup key). A recurrence updates last occurrence and
 * count; a whitelisted alert only its time. ALR-3: an expired alert is never reopened —
 * a recurrence after expiry opens a fresh Unhandled one.
 */
export async function applyDetection(tx: Store, d: Detection, now: number, accountId = DEFAULT_ACCOUNT): Promise<AppliedDetection> {
  const open = await tx.alerts.findOpen(d.assetId, d.dedupKey);
  if (open) {
    const whitelisted = open.status === "whitelisted_manual" || open.status === "whitelisted_auto";
    const next: Alert = {
      ...open,
      lastSeen: Math.max(open.lastSeen, d.lastSeen),
      firstSeen: Math.min(open.firstSeen, d.firstSeen),
      count: whitelisted ? open.count : open.count + d.count,
      updatedAt: now,
    };
    if (!whitelisted) {
      next.evidence = mergeEvidence(open.evidence, d.evidence);
      if (open.userName !== d.userName) next.userName = open.userName ?? d.userName;
    }
    await tx.alerts.update(next);
    return { alert: next, created: false };
  }
  const alert: Alert = {
    id: newId("al", now),
    accountId,
    assetId: d.assetId,
    type: d.type,
    ruleId: d.ruleId,
    name: d.name,
    severity: d.severity,
    status: "unhandled",
    dedupKey: d.dedupKey,
    firstSeen: d.firstSeen,
    lastSeen: d.lastSeen,
    count: d.count,
    sourceIp: d.sourceIp,
    userName: d.userName,
    attack: d.attack,
    evidence: d.evidence,
    triage: d.triage,
    response: null,
    handledHow: null,
    whitelistedBy: null,
    createdAt: now,
    updatedAt: now,
  };
  await tx.alerts.insert(alert);
  return { alert, created: true };
}

/** Keeps evidence lists bounded: union of sample values, at most 10 each. */
function mergeEvidence(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    if (Array.isArray(prev) && Array.isArray(v)) {
      const merged = [...prev];
      for (const x of v) if (merged.length < 10 && !merged.includes(x)) merged.push(x);
      out[k] = merged;
    } else if (prev === undefined) {
      out[k] = v;
    }
  }
  return out;
}

/** ALR-3, run as a scheduled job: alerts silent for over 30 days become Expired. */
export async function expireStaleAlerts(store: Store, now: number): Promise<number> {
  let total = 0;
  for (;;) {
    const stale = await store.alerts.listStale(now - ALERT_EXPIRY_MS, 500);
    if (stale.length === 0) return total;
    await store.transaction(async (tx) => {
      for (const a of stale) await transition(tx, a, "expired", { actor: "system", how: "no occurrence for 30 days" }, now);
    });
    total += stale.length;
  }
}
