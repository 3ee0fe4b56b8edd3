import { newId, UserError, ErrorCodes, type Alert, type AlertStatus, type Store } from "../core/index.ts";
import { findWhitelist, whitelistFieldsOf } from "./whitelist.ts";

export interface Change {
  actor: string;
  how: string;
  remark?: string;
}

export const isWhitelisted = (s: AlertStatus): boolean => s === "whitelisted_manual" || s === "whitelisted_auto";

/** ALR-1: every status change goes through here and is recorded (who, when, how, remark). */
export async function transition(tx: Store, a: Alert, to: AlertStatus, ch: Change, now: number, patch: Partial<Alert> = {}): Promise<Alert> {
  const next: Alert = { ...a, ...patch, status: to, updatedAt: now };
  if (to === "handled") next.handledHow = ch.how;
  if (!isWhitelisted(to)) next.whitelistedBy = null;
  await tx.alerts.update(next);
  await tx.transitions.insert({ id: newId("atr", now), accountId: a.accountId, alertId: a.id, at: now, from: a.status, to, actor: ch.actor, how: ch.how, remark: ch.remark ?? "" });
  return next;
}

/**
 * ALR-6: an alert covered by a whitelist entry or rule becomes Whitelisted automatically.
 * Called for new alerts and each time an alert fires again, before any response.
 */
export async function applyWhitelists(tx: Store, a: Alert, now: number): Promise<Alert> {
  if (isWhitelisted(a.status) || a.status === "expired" || a.status === "blocked") return a;
  const hit = findWhitelist(a, await tx.whitelist.listEntries(a.accountId, a.type), await tx.whitelist.listRules(a.accountId));
  if (!hit) return a;
  return transition(tx, a, "whitelisted_auto", { actor: "system", how: `matched ${hit.text}` }, now, { whitelistedBy: `${hit.kind}:${hit.id}` });
}

/**
 * ALR-4: whitelisting an alert stores its type's whitelist fields (only those present)
 * as an entry, for its asset or all assets, and marks it Whitelisted manually.
 */
export async function whitelistAlert(tx: Store, a: Alert, fields: readonly string[], scope: "asset" | "all", ch: Change, now: number): Promise<Alert> {
  if (a.status === "blocked") throw new UserError("conflict", ErrorCodes.ACTION_INVALID, "a precision-defence (Blocked) alert is never changed");
  const values = whitelistFieldsOf(a, fields);
  if (Object.keys(values).length === 0) throw new UserError("conflict", ErrorCodes.ACTION_INVALID, `this alert has none of its type's whitelist fields (${fields.join(", ")}); use a custom whitelist rule`);
  const id = newId("wle", now);
  await tx.whitelist.insertEntry({ id, accountId: a.accountId, alertType: a.type, fields: values, assetId: scope === "asset" ? a.assetId : null, sourceAlertId: a.id, createdBy: ch.actor, createdAt: now });
  return transition(tx, a, "whitelisted_manual", { ...ch, how: `${ch.how}: ${Object.entries(values).map(([k, v]) => `${k}=${v}`).join(", ")} on ${scope === "asset" ? "this asset" : "all assets"}` }, now, { whitelistedBy: `entry:${id}` });
}

/** ALR-5: back to Unhandled for a fresh decision; the entry the alert created goes too. */
export async function unwhitelistAlert(tx: Store, a: Alert, ch: Change, now: number): Promise<Alert> {
  if (!isWhitelisted(a.status)) throw new UserError("conflict", ErrorCodes.ACTION_INVALID, `alert ${a.id} is not whitelisted (it is ${a.status})`);
  await tx.whitelist.deleteEntriesFromAlert(a.accountId, a.id);
  return transition(tx, a, "unhandled", ch, now, { handledHow: null });
}
