import { newId, type AgentAction, type Store } from "../core/index.ts";

/** AGT-10: queues one typed action for an asset's agent (inside the caller's transaction). */
export async function queueAgentAction(tx: Store, a: Pick<AgentAction, "accountId" | "agentId" | "type" | "params"> & { policyId?: string | null }, now: number): Promise<AgentAction> {
  const action: AgentAction = { id: newId("act", now), accountId: a.accountId, agentId: a.agentId, type: a.type, params: a.params, policyId: a.policyId ?? null, status: "queued", createdAt: now, sentAt: null, finishedAt: null, result: null };
  await tx.actions.insert(action);
  return action;
}

/** PRC-4: the account's proactive-defence switch, overridden per asset (off by default). */
export const PROACTIVE_KEY = "defence.proactive";
export interface ProactiveSetting { enabled: boolean; assets: Record<string, boolean> }
export async function proactiveDefenceOn(tx: Store, accountId: string, assetId: string): Promise<boolean> {
  const s = await tx.accountSettings.get<ProactiveSetting>(accountId, PROACTIVE_KEY);
  return s?.assets[assetId] ?? s?.enabled ?? false;
}
