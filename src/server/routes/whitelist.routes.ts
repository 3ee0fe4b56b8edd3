import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { newId, UserError, ErrorCodes, WHITELIST_OPERATORS, type WhitelistRule } from "../../core/index.ts";
import { ruleMatches, ruleProblem, alertDocument, regexMatchesEmpty } from "../../alerting/index.ts";
import { principal, auditFor } from "../auth.ts";
import { errorSchema, iso, type RouteDeps } from "./common.ts";

const PREVIEW_WINDOW = 30 * 86_400_000;
const PREVIEW_SCAN = 50_000;

const ruleInput = z.object({
  alertType: z.string().min(1).max(100).describe("The alert type the rule applies to, or * for every type."),
  field: z.string().min(1).max(100).describe("Any alert field or evidence field (GET /api/v1/alert-types lists them)."),
  operator: z.enum(WHITELIST_OPERATORS as ["regex", "contains", "equals", "greater", "less"]),
  value: z.string().max(1000).describe("Regexes are RE2 (linear time)."),
  assetId: z.string().max(100).nullable().default(null).describe("null = all assets, present and future."),
  note: z.string().max(500).default(""),
});
const ruleSchema = ruleInput.extend({ id: z.string(), createdBy: z.string(), createdAt: z.string() });
const ruleDto = (r: WhitelistRule) => ({ id: r.id, alertType: r.alertType, field: r.field, operator: r.operator, value: r.value, assetId: r.assetId, note: r.note, createdBy: r.createdBy, createdAt: iso(r.createdAt)! });

/** Custom whitelist rules (ALR-6, ALR-7) with a preview, and the entries whitelisting alerts made (ALR-4). */
export async function whitelistRoutes(root: FastifyInstance, deps: RouteDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, clock } = deps;
  const types = () => new Set(deps.rules.map((r) => r.type));

  async function validate(accountId: string, b: z.infer<typeof ruleInput>): Promise<void> {
    if (b.alertType !== "*" && !types().has(b.alertType)) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, `unknown alert type ${b.alertType} (see GET /api/v1/alert-types)`);
    const problem = ruleProblem(b);
    if (problem) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, problem);
    if (b.assetId !== null && !(await store.agents.getIn(accountId, b.assetId))) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, `no asset ${b.assetId} in this account`);
  }

  app.get("/api/v1/whitelist-rules", { config: { access: "viewer" }, schema: { tags: ["whitelist"], response: { 200: z.object({ items: z.array(ruleSchema) }) } } }, async (req) => ({ items: (await store.whitelist.listRules(principal(req).accountId)).map(ruleDto) }));

  app.post("/api/v1/whitelist-rules", {
    config: { access: "analyst" },
    schema: { tags: ["whitelist"], description: "Adds a custom whitelist rule (ALR-6). Matching alerts become Whitelisted automatically from now on, are never blocked and notify no one. Rules are OR-ed.", body: ruleInput, response: { 200: ruleSchema, 400: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    await validate(p.accountId, req.body);
    const now = clock.now();
    const r: WhitelistRule = { id: newId("wlr", now), accountId: p.accountId, ...req.body, createdBy: p.actor, createdAt: now, deletedAt: null };
    await store.whitelist.insertRule(r);
    await auditFor(deps.audit, req, "whitelist_rule.create", r.id, { alertType: r.alertType, field: r.field, operator: r.operator, value: r.value, assetId: r.assetId });
    return ruleDto(r);
  });

  app.delete("/api/v1/whitelist-rules/:id", {
    config: { access: "analyst" },
    schema: { tags: ["whitelist"], description: "Deletes a rule. Future alerts only (ALR-7): alerts it whitelisted stay whitelisted.", params: z.object({ id: z.string() }), response: { 200: z.object({ deleted: z.boolean() }), 404: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    if (!(await store.whitelist.deleteRule(p.accountId, req.params.id, clock.now()))) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no whitelist rule ${req.params.id}`);
    await auditFor(deps.audit, req, "whitelist_rule.delete", req.params.id);
    return { deleted: true };
  });

  app.post("/api/v1/whitelist-rules/preview", {
    config: { access: "viewer" },
    schema: {
      tags: ["whitelist"], description: "Before saving: how many and which alerts of the last 30 days the rule would have whitelisted, with warnings for rules so broad they span many alert types or assets.",
      body: ruleInput,
      response: { 200: z.object({ matched: z.number(), scanned: z.number(), truncated: z.boolean(), types: z.record(z.string(), z.number()), assets: z.record(z.string(), z.number()), sample: z.array(z.object({ id: z.string(), type: z.string(), assetId: z.string(), lastSeen: z.string(), value: z.unknown() })), warnings: z.array(z.string()) }), 400: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    await validate(p.accountId, req.body);
    const now = clock.now();
    const rule: WhitelistRule = { id: "preview", accountId: p.accountId, ...req.body, createdBy: p.actor, createdAt: now, deletedAt: null };
    const page = await store.alerts.list(p.accountId, { from: now - PREVIEW_WINDOW, limit: PREVIEW_SCAN, offset: 0 });
    const typesSeen = new Map<string, number>(), assetsSeen = new Set<string>();
    const types: Record<string, number> = {}, assets: Record<string, number> = {};
    const sample: { id: string; type: string; assetId: string; lastSeen: string; value: unknown }[] = [];
    let matched = 0;
    for (const a of page.items) {
      typesSeen.set(a.type, (typesSeen.get(a.type) ?? 0) + 1);
      assetsSeen.add(a.assetId);
      if (!ruleMatches(rule, a)) continue;
      matched++;
      types[a.type] = (types[a.type] ?? 0) + 1;
      assets[a.assetId] = (assets[a.assetId] ?? 0) + 1;
      if (sample.length < 50) sample.push({ id: a.id, type: a.type, assetId: a.assetId, lastSeen: iso(a.lastSeen)!, value: alertDocument(a)[rule.field] });
    }
    const warnings: string[] = [];
    const nTypes = Object.keys(types).length, nAssets = Object.keys(assets).length;
    if (nTypes >= 2) warnings.push(`matches ${nTypes} different alert types: a rule this broad can hide real attacks`);
    if (nAssets >= 5 && nAssets >= assetsSeen.size / 2) warnings.push(`matches alerts on ${nAssets} of the ${assetsSeen.size} assets with alerts`);
    const ofType = rule.alertType === "*" ? page.items.length : (typesSeen.get(rule.alertType) ?? 0);
    if (ofType >= 10 && matched / ofType > 0.5) warnings.push(`would have whitelisted ${Math.round((100 * matched) / ofType)} % of the ${ofType} ${rule.alertType === "*" ? "" : `${rule.alertType} `}alerts of the last 30 days`);
    if (rule.operator === "regex" && regexMatchesEmpty(rule.value)) warnings.push("the regex matches an empty string: it matches every alert that has the field");
    if (matched === 0 && page.items.length > 0 && !page.items.some((a) => alertDocument(a)[rule.field] !== undefined)) warnings.push(`no recent alert has the field ${rule.field}`);
    return { matched, scanned: page.items.length, truncated: page.total > page.items.length, types, assets, sample, warnings };
  });

  const entrySchema = z.object({ id: z.string(), alertType: z.string(), fields: z.record(z.string(), z.string()), assetId: z.string().nullable(), sourceAlertId: z.string().nullable(), createdBy: z.string(), createdAt: z.string() });
  app.get("/api/v1/whitelist-entries", { config: { access: "viewer" }, schema: { tags: ["whitelist"], description: "What whitelisting alerts stored (ALR-4).", response: { 200: z.object({ items: z.array(entrySchema) }) } } }, async (req) => ({
    items: (await store.whitelist.listEntries(principal(req).accountId)).map((e) => ({ id: e.id, alertType: e.alertType, fields: e.fields, assetId: e.assetId, sourceAlertId: e.sourceAlertId, createdBy: e.createdBy, createdAt: iso(e.createdAt)! })),
  }));

  app.delete("/api/v1/whitelist-entries/:id", { config: { access: "analyst" }, schema: { tags: ["whitelist"], description: "Deletes an entry: future alerts only.", params: z.object({ id: z.string() }), response: { 200: z.object({ deleted: z.boolean() }), 404: errorSchema } } }, async (req) => {
    const p = principal(req);
    if (!(await store.whitelist.deleteEntry(p.accountId, req.params.id))) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no whitelist entry ${req.params.id}`);
    await auditFor(deps.audit, req, "whitelist_entry.delete", req.params.id);
    return { deleted: true };
  });
}
