import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { normalizeIp, parseDuration, UserError, ErrorCodes, SEVERITIES } from "../../core/index.ts";
import { principal, auditFor } from "../auth.ts";
import { alertDto, alertSchema, blockDuration, errorSchema, pageQuery, type RouteDeps } from "./common.ts";

/** Alerts (ALR-10 filters) and their handling (ALR-8, the parts that exist so far). */
export async function alertsRoutes(root: FastifyInstance, deps: RouteDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, clock } = deps;

  app.get("/api/v1/alerts", {
    config: { access: "viewer" },
    schema: {
      tags: ["alerts"], description: "The account's alerts, newest first (ALR-10).",
      querystring: z.object({ type: z.string().optional(), severity: z.enum(SEVERITIES as ["low", "medium", "high", "critical"]).optional(), status: z.enum(["unhandled", "handled", "whitelisted_manual", "whitelisted_auto", "blocked", "expired"]).optional(), assetId: z.string().optional(), sourceIp: z.string().optional(), from: z.iso.datetime().optional(), to: z.iso.datetime().optional(), q: z.string().max(200).optional(), ...pageQuery }),
      response: { 200: z.object({ items: z.array(alertSchema), total: z.number() }) },
    },
  }, async (req) => {
    const q = req.query;
    const page = await store.alerts.list(principal(req).accountId, { type: q.type, severity: q.severity, status: q.status, assetId: q.assetId, sourceIp: q.sourceIp ? (normalizeIp(q.sourceIp) ?? q.sourceIp) : undefined, from: q.from ? Date.parse(q.from) : undefined, to: q.to ? Date.parse(q.to) : undefined, text: q.q, limit: q.limit, offset: q.offset });
    return { items: page.items.map(alertDto), total: page.total };
  });

  app.get("/api/v1/alerts/:id", { config: { access: "viewer" }, schema: { tags: ["alerts"], params: z.object({ id: z.string() }), response: { 200: alertSchema, 404: errorSchema } } }, async (req) => {
    const a = await store.alerts.get(principal(req).accountId, req.params.id);
    if (!a) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no alert ${req.params.id}`);
    return alertDto(a);
  });

  app.post("/api/v1/alerts/:id/handle", {
    config: { access: "analyst" },
    schema: {
      tags: ["alerts"], description: "Handles an alert: mark it handled, ignore it, or block its source on its asset for a period (ALR-8).",
      params: z.object({ id: z.string() }),
      body: z.object({ action: z.enum(["mark_handled", "ignore", "block"]), duration: blockDuration.optional(), remark: z.string().max(1000).default("") }),
      response: { 200: alertSchema, 404: errorSchema, 409: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    const now = clock.now();
    const { action, duration, remark } = req.body;
    const out = await store.transaction(async (tx) => {
      const a = await tx.alerts.get(p.accountId, req.params.id);
      if (!a) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no alert ${req.params.id}`);
      let how = action === "ignore" ? `ignored by ${p.actor}` : `handled by ${p.actor}`;
      let notifyAgent: string | null = null;
      if (action === "block") {
        if (!a.sourceIp) throw new UserError("conflict", ErrorCodes.ACTION_INVALID, "this alert has no source address to block");
        const d = duration ?? "12h";
        const r = await deps.policies.block(tx, { accountId: p.accountId, assetId: a.assetId, ip: a.sourceIp, reason: `${a.name} (${a.type}), handled by ${p.actor}`, alertId: a.id, createdBy: p.actor, duration: d === "permanent" ? null : parseDuration(d) }, now);
        if (r.kind === "allowlisted") throw new UserError("conflict", ErrorCodes.ACTION_INVALID, `${a.sourceIp} is allowlisted (${r.entry}); remove it from the allowlist to block it`);
        if (r.kind === "blocked") notifyAgent = r.action.agentId;
        how = `blocked ${a.sourceIp} for ${d} by ${p.actor}`;
      }
      const next = { ...a, status: "handled" as const, response: remark ? `${how}: ${remark}` : how, updatedAt: now };
      await tx.alerts.update(next);
      return { alert: next, notifyAgent };
    });
    if (out.notifyAgent) deps.notify(out.notifyAgent);
    await auditFor(deps.audit, req, `alert.${action}`, req.params.id, { duration, remark });
    return alertDto(out.alert);
  });
}
