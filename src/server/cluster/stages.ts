import type { Rule } from "../../detection/index.ts";

/**
 * Issue 10: how a cluster splits detection so that no state is needed across workers.
 *
 * - `asset` stage: one consumer per asset partition (hash of account + asset) runs every
 *   asset-scoped rule; all of an asset's records reach the same engine, in order.
 * - `account` stage: one consumer per account partition (hash of account) runs the
 *   account-scoped rules (one source probing many assets of the account), over only the record
 *   kinds those rules read.
 * - `all`: the standalone server, one engine per account with every rule.
 *
 * A rule a stage's rules refer to (`after`, `suppressedBy`) runs there too, to keep their
 * state, but its detections are dropped: the stage that owns it reports them.
 */
export type Stage = "all" | "asset" | "account";

export interface StageRules {
  /** The rules the stage's engine runs. */
  rules: Rule[];
  /** Rule ids whose detections the stage keeps; null: all of them. */
  emit: Set<string> | null;
}

export function rulesForStage(rules: Rule[], stage: Stage): StageRules {
  if (stage === "all") return { rules, emit: null };
  const own = rules.filter((r) => (stage === "account") === (r.scope === "account"));
  const byId = new Map(rules.map((r) => [r.id, r]));
  const need = new Map(own.map((r) => [r.id, r]));
  const todo = [...own];
  while (todo.length) {
    const r = todo.pop()!;
    for (const ref of [...(r.after?.rule ?? []), ...r.suppressedBy]) {
      const o = byId.get(ref);
      if (o && !need.has(o.id)) {
        need.set(o.id, o);
        todo.push(o);
      }
    }
  }
  return { rules: rules.filter((r) => need.has(r.id)), emit: new Set(own.map((r) => r.id)) };
}

/** The record kinds the account-scoped rules read (the account stage's consumers filter on them). */
export function accountStageKinds(rules: Rule[]): string[] {
  return [...new Set(rulesForStage(rules, "account").rules.map((r) => r.record))].sort();
}

/** FNV-1a over UTF-16 units: stable across processes and versions, spreads ids evenly. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The asset partition of an asset's records. */
export function assetPartition(accountId: string, assetId: string, partitions: number): number {
  return hash32(accountId + "\u0000" + assetId) % partitions;
}

/** The account partition of an account's records. */
export function accountPartition(accountId: string, partitions: number): number {
  return hash32(accountId) % partitions;
}
