import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { newId, normalizeIp, parseCidr, parseDuration, UserError, ErrorCodes } from "../../core/index.ts";
import { principal, auditFor } from "../auth.ts";
import { blockDuration, errorSchema, iso, pageQuery, policyDto, policySchema, type RouteDeps } from "./common.ts";
import { PROACTIVE_KEY, type ProactiveSetting } from "../../response/index.ts";

/** The IP Policy Library (BF-4), response actions (RSP-1), the allowlist, the defence switch. */
export async function responseRoutes(root: FastifyInstance, deps: RouteDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, clock } = deps;

  app.get("/api/v1/ip-policies", {
    config: { access: "viewer" },
    schema: { tags: ["response"], description: "The IP Policy Library (BF-4): every blocking rule with its status.", querystring: z.object({ status: z.enum(["pending", "active", "disabled", "expired", "failed"]).optional(), ip: z.string().optional(), assetId: z.string().optional(), ...pageQuery }), response: { 200: z.object({ items: z.array(policySchema), total: z.number() }) } },
  }, async (req) => {
    const q = req.query;
    const page = await store.policies.list(principal(req).accountId, { status: q.status, ip: q.ip ? (normalizeIp(q.ip) ?? q.ip) : undefined, assetId: q.assetId, limit: q.limit, offset: q.offset });
    return { items: page.items.map(policyDto), total: page.total };
  });

  app.post("/api/v1/ip-policies", {
    config: { access: "analyst" },
    schema: { tags: ["response"], description: "Blocks an IP on an asset for a period (ALR-8 choices) or permanently.", body: z.object({ assetId: z.string(), ip: z.string(), duration: blockDuration, reason: z.string().max(500).default("blocked by an operator") }), response: { 200: policySchema, 404: errorSchema, 409: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const ip = normalizeIp(req.body.ip);
    if (!ip) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, `not an IP address: ${req.body.ip}`);
    const out = await store.transaction((tx) => deps.policies.block(tx, { accountId: p.accountId, assetId: req.body.assetId, ip, reason: req.body.reason, alertId: null, createdBy: p.actor, duration: req.body.duration === "permanent" ? null : parseDuration(req.body.duration) }, clock.now()));
    if (out.kind === "allowlisted") throw new UserError("conflict", ErrorCodes.ACTION_INVALID, `${ip} is allowlisted (${out.entry}); remove it from the allowlist to block it`);
    if (out.kind === "blocked") deps.notify(out.action.agentId);
    await auditFor(deps.audit, req, "ip_policy.create", out.policy.id, { ip, assetId: req.body.assetId, duration: req.body.duration });
    return policyDto(out.policy);
  });

  app.post("/api/v1/ip-policies/:id/disable", {
    config: { access: "analyst" },
    schema: { tags: ["response"], description: "Lifts a block within seconds (BF-4).", params: z.object({ id: z.string() }), response: { 200: policySchema, 404: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const pol = await store.transaction((tx) => deps.policies.disable(tx, p.accountId, req.params.id, p.actor, clock.now()));
    deps.notify(pol.assetId);
    await auditFor(deps.audit, req, "ip_policy.disable", pol.id, { ip: pol.ip, assetId: pol.assetId });
    return policyDto(pol);
  });

  app.post("/api/v1/ip-policies/:id/enable", {
    config: { access: "analyst" },
    schema: { tags: ["response"], description: "Re-enables a disabled or failed block for the rest of its validity period (BF-4).", params: z.object({ id: z.string() }), response: { 200: policySchema, 404: errorSchema, 409: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const out = await store.transaction((tx) => deps.policies.enable(tx, p.accountId, req.params.id, p.actor, clock.now()));
    if (out.action) deps.notify(out.action.agentId);
    await auditFor(deps.audit, req, "ip_policy.enable", out.policy.id, { ip: out.policy.ip, assetId: out.policy.assetId });
    return policyDto(out.policy);
  });

  app.get("/api/v1/actions", {
    config: { access: "viewer" },
    schema: { tags: ["response"], description: "Response actions sent to agents and their results (RSP-1).", querystring: z.object({ agentId: z.string().optional(), policyId: z.string().optional(), ...pageQuery }), response: { 200: z.object({ items: z.array(z.object({ id: z.string(), agentId: z.string(), type: z.string(), params: z.record(z.string(), z.unknown()), policyId: z.string().nullable(), status: z.string(), createdAt: z.string(), sentAt: z.string().nullable(), finishedAt: z.string().nullable(), result: z.string().nullable() })), total: z.number() }) } },
  }, async (req) => {
    const page = await store.actions.list(principal(req).accountId, req.query);
    return { items: page.items.map((a) => ({ id: a.id, agentId: a.agentId, type: a.type, params: a.params, policyId: a.policyId, status: a.status, createdAt: iso(a.createdAt)!, sentAt: iso(a.sentAt), finishedAt: iso(a.finishedAt), result: a.result })), total: page.total };
  });

  const allowDto = z.object({ id: z.string(), cidr: z.string(), note: z.string(), createdAt: z.string(), createdBy: z.string() });
  app.get("/api/v1/allowlist", { config: { access: "viewer" }, schema: { tags: ["response"], description: "Sources that are alerted on but never blocked.", response: { 200: z.object({ items: z.array(allowDto) }) } } }, async (req) => {
    return { items: (await store.allowlist.list(principal(req).accountId)).map((e) => ({ id: e.id, cidr: e.cidr, note: e.note, createdAt: iso(e.createdAt)!, createdBy: e.createdBy })) };
  });
  app.post("/api/v1/allowlist", { config: { access: "admin" }, schema: { tags: ["response"], body: z.object({ cidr: z.string().max(64), note: z.string().max(200).default("") }), response: { 200: allowDto } } }, async (req) => {
    const p = principal(req);
    if (!parseCidr(req.body.cidr)) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, `not an IP address or CIDR: ${req.body.cidr}`);
    const now = clock.now();
    const e = { id: newId("alw", now), accountId: p.accountId, cidr: req.body.cidr.trim(), note: req.body.note, createdAt: now, createdBy: p.actor };
    await store.allowlist.insert(e);
    await auditFor(deps.audit, req, "allowlist.add", e.id, { cidr: e.cidr, note: e.note });
    return { id: e.id, cidr: e.cidr, note: e.note, createdAt: iso(now)!, createdBy: e.createdBy };
  });
  app.delete("/api/v1/allowlist/:id", { config: { access: "admin" }, schema: { tags: ["response"], params: z.object({ id: z.string() }), response: { 200: z.object({ removed: z.boolean() }), 404: errorSchema } } }, async (req) => {
    const removed = await store.allowlist.remove(principal(req).accountId, req.params.id);
    if (!removed) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no allowlist entry ${req.params.id}`);
    await auditFor(deps.audit, req, "allowlist.remove", req.params.id);
    return { removed };
  });

  const defence = z.object({ enabled: z.boolean().describe("Block brute-force sources automatically (BF-3).") });
  app.get("/api/v1/settings/defence", { config: { access: "viewer" }, schema: { tags: ["settings"], response: { 200: defence } } }, async (req) => {
    return { enabled: (await store.accountSettings.get<boolean>(principal(req).accountId, "defence.enabled")) ?? deps.defenceDefault };
  });
  app.put("/api/v1/settings/defence", { config: { access: "admin" }, schema: { tags: ["settings"], body: defence, response: { 200: defence } } }, async (req) => {
    await store.accountSettings.set(principal(req).accountId, "defence.enabled", req.body.enabled);
    await auditFor(deps.audit, req, "settings.change", "defence.enabled", { enabled: req.body.enabled });
    return { enabled: req.body.enabled };
  });

  const proactive = z.object({
    enabled: z.boolean().describe("PRC-4: kill known-malicious processes on sight, on every asset of the account."),
    assets: z.record(z.string(), z.boolean()).describe("Per-asset overrides: asset id → on/off."),
  });
  app.get("/api/v1/settings/proactive-defence", { config: { access: "viewer" }, schema: { tags: ["settings"], description: "PRC-4 malicious host behaviour prevention: the account's switch and per-asset overrides (off by default).", response: { 200: proactive } } }, async (req) => {
    return (await store.accountSettings.get<ProactiveSetting>(principal(req).accountId, PROACTIVE_KEY)) ?? { enabled: false, assets: {} };
  });
  app.put("/api/v1/settings/proactive-defence", { config: { access: "admin" }, schema: { tags: ["settings"], body: proactive, response: { 200: proactive, 400: errorSchema } } }, async (req) => {
    const p = principal(req);
    for (const id of Object.keys(req.body.assets)) if (!(await store.agents.getIn(p.accountId, id))) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, `no asset ${id} in this account`);
    await store.accountSettings.set(p.accountId, PROACTIVE_KEY, req.body);
    await auditFor(deps.audit, req, "settings.change", PROACTIVE_KEY, req.body);
    return req.body;
  });
}
