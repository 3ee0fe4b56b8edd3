import { queueAgentAction } from "./agent-actions.ts";
import { cidrContains, newId, parseCidr, type AgentAction, type Cidr, type IpPolicy, type Store, UserError, ErrorCodes } from "../core/index.ts";

export interface BlockRequest {
  accountId: string;
  assetId: string;
  ip: string;
  reason: string;
  alertId: string | null;
  createdBy: string;
  /** ms; null = permanent. */
  duration: number | null;
}

export type BlockOutcome =
  | { kind: "blocked"; policy: IpPolicy; action: AgentAction }
  | { kind: "already"; policy: IpPolicy }
  | { kind: "allowlisted"; entry: string }
  | { kind: "operator" }
  | { kind: "approved_logon_ip"; entry: string }
  | { kind: "defence_off" };

/** Called after a transaction commits, so a waiting agent gets its action at once. */
export type ActionNotify = (agentId: string) => void;

/**
 * BF-3, BF-4, RSP-1: the IP Policy Library. Every block is a policy row plus a typed
 * action queued for the asset's agent; disabling or expiry queues the unblock.
 */
export class IpPolicyService {
  readonly #staticAllow: Cidr[];
  readonly #isOperatorIp: (ip: string) => boolean;
  /** `isOperatorIp`: addresses console/API users work from, never blocked automatically (BF-4). */
  constructor(staticAllowlist: string[], isOperatorIp: (ip: string) => boolean = () => false) {
    this.#isOperatorIp = isOperatorIp;
    this.#staticAllow = staticAllowlist.map((c) => {
      const p = parseCidr(c);
      if (!p) throw new UserError("invalid", ErrorCodes.CONFIG_INVALID, `allowlist entry is not an IP or CIDR: ${c}`);
      return p;
    });
  }

  /** The allowlist entry (config or store) covering ip, if any. */
  async allowedBy(tx: Store, accountId: string, ip: string): Promise<string | null> {
    for (const c of this.#staticAllow) if (cidrContains(c, ip)) return `config allowlist`;
    for (const e of await tx.allowlist.list(accountId)) {
      const c = parseCidr(e.cidr);
      if (c && cidrContains(c, ip)) return `allowlist ${e.cidr}${e.note ? ` (${e.note})` : ""}`;
    }
    return null;
  }

  /** Automatic block (defence): honours the allowlist, operators' addresses and the defence switch. */
  async autoBlock(tx: Store, req: BlockRequest, now: number): Promise<BlockOutcome> {
    const allowed = await this.allowedBy(tx, req.accountId, req.ip);
    if (allowed) return { kind: "allowlisted", entry: allowed };
    if (this.#isOperatorIp(req.ip)) return { kind: "operator" };
    // BF-4: an address operators approved for logons (LOG-6) is never blocked automatically
    for (const a of await tx.logon.listApprovals(req.accountId)) {
      if (a.factor !== "ip" || (a.assetIds !== null && !a.assetIds.includes(req.assetId))) continue;
      const c = parseCidr(a.value);
      if (c && cidrContains(c, req.ip)) return { kind: "approved_logon_ip", entry: a.value };
    }
    const enabled = (await tx.accountSettings.get<boolean>(req.accountId, "defence.enabled")) ?? true;
    if (!enabled) return { kind: "defence_off" };
    return this.#block(tx, req, now);
  }

  /** A block asked for by a person: still never blocks an allowlisted address. */
  async block(tx: Store, req: BlockRequest, now: number): Promise<Extract<BlockOutcome, { kind: "blocked" | "already" | "allowlisted" }>> {
    const allowed = await this.allowedBy(tx, req.accountId, req.ip);
    if (allowed) return { kind: "allowlisted", entry: allowed };
    return this.#block(tx, req, now);
  }

  async #block(tx: Store, req: BlockRequest, now: number): Promise<Extract<BlockOutcome, { kind: "blocked" | "already" }>> {
    const live = await tx.policies.findLive(req.assetId, req.ip);
    if (live) return { kind: "already", policy: live };
    const agent = await tx.agents.getIn(req.accountId, req.assetId);
    if (!agent) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no asset ${req.assetId}`);
    const policy: IpPolicy = {
      id: newId("pol", now),
      accountId: agent.accountId,
      assetId: req.assetId,
      ip: req.ip,
      status: "pending",
      reason: req.reason,
      alertId: req.alertId,
      createdBy: req.createdBy,
      createdAt: now,
      expiresAt: req.duration === null ? null : now + req.duration,
      updatedAt: now,
      lastResult: null,
    };
    await tx.policies.insert(policy);
    const action = await this.#queue(tx, policy, "block_ip", now);
    return { kind: "blocked", policy, action };
  }

  /** BF-4: disabling lifts the block (recovery from an accidental lock-out). */
  async disable(tx: Store, accountId: string, id: string, by: string, now: number): Promise<IpPolicy> {
    const p = await tx.policies.get(accountId, id);
    if (!p) throw new UserError("not_found", ErrorCodes.POLICY_NOT_FOUND, `no IP policy ${id}`);
    if (p.status !== "active" && p.status !== "pending" && p.status !== "failed") return p;
    const next: IpPolicy = { ...p, status: "disabled", updatedAt: now, lastResult: `disabled by ${by}` };
    await tx.policies.update(next);
    await this.#queue(tx, next, "unblock_ip", now);
    return next;
  }

  /**
   * BF-4: re-enables a disabled (or failed) block for the rest of its validity period.
   * An allowlisted address is still refused; an expired period cannot be revived.
   */
  async enable(tx: Store, accountId: string, id: string, by: string, now: number): Promise<{ policy: IpPolicy; action: AgentAction | null }> {
    const p = await tx.policies.get(accountId, id);
    if (!p) throw new UserError("not_found", ErrorCodes.POLICY_NOT_FOUND, `no IP policy ${id}`);
    if (p.status === "active" || p.status === "pending") return { policy: p, action: null };
    if (p.status === "expired" || (p.expiresAt !== null && p.expiresAt <= now)) throw new UserError("conflict", ErrorCodes.ACTION_INVALID, "this block's validity period is over; block the address again for a new period");
    const allowed = await this.allowedBy(tx, accountId, p.ip);
    if (allowed) throw new UserError("conflict", ErrorCodes.ACTION_INVALID, `${p.ip} is allowlisted (${allowed}); remove it from the allowlist to block it`);
    const live = await tx.policies.findLive(p.assetId, p.ip);
    if (live) throw new UserError("conflict", ErrorCodes.ACTION_INVALID, `${p.ip} is already blocked on this asset by ${live.id}`);
    const next: IpPolicy = { ...p, status: "pending", updatedAt: now, lastResult: `enabled by ${by}` };
    await tx.policies.update(next);
    return { policy: next, action: await this.#queue(tx, next, "block_ip", now) };
  }

  /** RSP-1: policies whose validity ended become Expired and their block is undone. */
  async expireDue(tx: Store, now: number): Promise<IpPolicy[]> {
    const due = await tx.policies.listDue(now);
    const out: IpPolicy[] = [];
    for (const p of due) {
      const next: IpPolicy = { ...p, status: "expired", updatedAt: now, lastResult: "validity period ended" };
      await tx.policies.update(next);
      await this.#queue(tx, next, "unblock_ip", now);
      out.push(next);
    }
    return out;
  }

  /** An agent's answer to a block: the policy becomes active, or failed with the reason. */
  async onActionResult(tx: Store, action: AgentAction, now: number): Promise<void> {
    if (!action.policyId || action.type !== "block_ip") return;
    const p = await tx.policies.get(action.accountId, action.policyId);
    if (!p || p.status !== "pending") return;
    await tx.policies.update({ ...p, status: action.status === "succeeded" ? "active" : "failed", updatedAt: now, lastResult: action.result });
  }

  async #queue(tx: Store, p: IpPolicy, type: "block_ip" | "unblock_ip", now: number): Promise<AgentAction> {
    const params: AgentAction["params"] = { ip: p.ip };
    if (type === "block_ip" && p.expiresAt !== null) params.timeoutSeconds = Math.max(1, Math.ceil((p.expiresAt - now) / 1000));
    return queueAgentAction(tx, { accountId: p.accountId, agentId: p.assetId, type, params, policyId: p.id }, now);
  }
}
