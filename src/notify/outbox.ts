import { newId, SEVERITIES, type Alert, type NotificationChannel, type OutboxItem, type Severity, type Store } from "../core/index.ts";
import { noticeFromAlert, type NoticeReason } from "./notice.ts";

const rank = (s: Severity) => SEVERITIES.indexOf(s);

/** Whether a channel wants this alert: enabled, severity at or above its minimum, and its type listed (empty list = all). */
export function channelWants(c: NotificationChannel, alert: Pick<Alert, "severity" | "type">): boolean {
  return c.enabled && rank(alert.severity) >= rank(c.minSeverity) && (c.types.length === 0 || c.types.includes(alert.type));
}

/**
 * ALR-9: queues one notification per matching channel of the alert's account and
 * returns how many. Call it inside the transaction that writes the alert (it uses only
 * `tx`), so an alert is never stored without its notifications or the other way round;
 * the dispatcher delivers them later, retrying a receiver that is down.
 *
 * The caller decides whether the alert deserves a notification at all: it must not call
 * this for a whitelisted alert, and it applies the rule's notify mode — "first": only
 * the first alert ever for its asset + dedup key; "every": also when a known alert fires
 * again (reason "recurred"); "never": not at all. Queue it after the alert's response
 * is decided, so the notice says whether the source was blocked.
 */
export async function enqueueForAlert(tx: Store, alert: Alert, reason: NoticeReason, now: number): Promise<number> {
  const channels = (await tx.notifications.listChannels(alert.accountId)).filter((c) => channelWants(c, alert));
  if (channels.length === 0) return 0;
  const asset = await tx.agents.getIn(alert.accountId, alert.assetId);
  const payload = noticeFromAlert(alert, asset?.hostname ?? null, reason) as unknown as Record<string, unknown>;
  const items: OutboxItem[] = channels.map((c) => ({
    id: newId("ntf", now), accountId: alert.accountId, channelId: c.id, alertId: alert.id, payload,
    status: "pending", attempts: 0, nextAttemptAt: now, lastError: null, createdAt: now, sentAt: null,
  }));
  await tx.notifications.enqueue(items);
  return items.length;
}
