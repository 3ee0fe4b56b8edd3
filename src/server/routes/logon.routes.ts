import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { newId, parseCidr, UserError, ErrorCodes, LOGON_FACTORS, type LogonApproval, type LogonFactor } from "../../core/index.ts";
import { AUTO_UPDATE_KEY, DEFAULT_AUTO_UPDATE } from "../../alerting/index.ts";
import { queueAgentAction } from "../../response/index.ts";
import { parseTimeRange, backdoorReasons, LEARNING_WINDOW_MS, RULE_OVERRIDES_KEY, ruleOverride, type AutoUpdate, type RuleOverrides } from "../../detection/index.ts";
import { inventoryAccount } from "../../protocol/index.ts";
import { principal, auditFor } from "../auth.ts";
import { errorSchema, iso, type RouteDeps } from "./common.ts";

const approvalInput = z.object({
  factor: z.enum(LOGON_FACTORS as [LogonFactor, ...LogonFactor[]]),
  value: z.string().min(1).max(256).describe("location: CC, CC/Region or CC/Region/City (e.g. DE/Berlin/Berlin); ip: address or CIDR; time: [days ]HH:MM-HH:MM (e.g. Mon-Fri 08:00-19:00; 22:00-06:00 spans midnight); account: a user name."),
  tz: z.string().max(64).nullable().default(null).describe("time ranges: IANA zone, e.g. Europe/Berlin (default UTC)."),
  assetIds: z.array(z.string().max(100)).max(1000).nullable().default(null).describe("null = every asset, present and future."),
  note: z.string().max(500).default(""),
});
const approvalSchema = approvalInput.extend({ id: z.string(), source: z.enum(["operator", "auto"]), createdBy: z.string(), createdAt: z.string() });
const approvalDto = (a: LogonApproval) => ({ id: a.id, factor: a.factor, value: a.value, tz: a.tz, assetIds: a.assetIds, note: a.note, source: a.source, createdBy: a.createdBy, createdAt: iso(a.createdAt)! });
const autoUpdateSchema = z.object({ location: z.boolean(), ip: z.boolean(), account: z.boolean() }).describe("LOG-6: add what learning approves (locations, IPs and accounts with 6 successes) to the operators' entries.");

function validTz(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Why an approval value is not valid for its factor, or null. */
function approvalProblem(b: z.infer<typeof approvalInput>): string | null {
  switch (b.factor) {
    case "location":
      return /^[A-Za-z]{2}(\/[^/]{1,100}){0,2}$/.test(b.value) ? null : "a location is CC, CC/Region or CC/Region/City with a two-letter country code";
    case "ip":
      return parseCidr(b.value) ? null : `not an IP address or CIDR: ${JSON.stringify(b.value)}`;
    case "time":
      if (!parseTimeRange(b.value)) return "a time range is [days ]HH:MM-HH:MM, e.g. Mon-Fri 08:00-19:00";
      return b.tz === null || validTz(b.tz) ? null : `unknown time zone ${JSON.stringify(b.tz)}`;
    case "account":
      return /[\s:]/.test(b.value) ? "an account name has no spaces or colons" : null;
  }
}

const BASELINE_CHECKS = ["weak_password", "account_inventory"] as const;

/**
 * Logon intelligence: approved logon settings and what assets learned (LOG-2 … LOG-6),
 * the baseline (BF-5) and account inventory (AGT-7), and per-account rule thresholds (BF-1).
 */
export async function logonRoutes(root: FastifyInstance, deps: RouteDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, clock } = deps;

  const assertAssets = async (accountId: string, ids: string[] | null) => {
    for (const id of ids ?? []) if (!(await store.agents.getIn(accountId, id))) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, `no asset ${id} in this account`);
  };

  app.get("/api/v1/logon/approvals", {
    config: { access: "viewer" },
    schema: { tags: ["logon"], description: "LOG-6: approved logon locations, IPs, time ranges and accounts (operators' and automatic), and the auto-update switches.", response: { 200: z.object({ items: z.array(approvalSchema), autoUpdate: autoUpdateSchema }) } },
  }, async (req) => {
    const p = principal(req);
    const auto = { ...DEFAULT_AUTO_UPDATE, ...(await store.accountSettings.get<Partial<AutoUpdate>>(p.accountId, AUTO_UPDATE_KEY)) };
    return { items: (await store.logon.listApprovals(p.accountId)).map(approvalDto), autoUpdate: auto };
  });

  app.post("/api/v1/logon/approvals", {
    config: { access: "analyst" },
    schema: { tags: ["logon"], description: "LOG-6: approves a location, IP, time range or account. A factor with entries is judged against them alone, taking priority over learning.", body: approvalInput, response: { 200: approvalSchema, 400: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const problem = approvalProblem(req.body);
    if (problem) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, problem);
    await assertAssets(p.accountId, req.body.assetIds);
    const now = clock.now();
    const value = req.body.factor === "ip" ? req.body.value.trim() : req.body.value;
    const a: LogonApproval = { id: newId("la", now), accountId: p.accountId, factor: req.body.factor, value, tz: req.body.factor === "time" ? req.body.tz : null, assetIds: req.body.assetIds, source: "operator", note: req.body.note, createdBy: p.actor, createdAt: now };
    await store.logon.insertApproval(a);
    await auditFor(deps.audit, req, "logon_approval.create", a.id, { factor: a.factor, value: a.value, assetIds: a.assetIds });
    return approvalDto(a);
  });

  app.delete("/api/v1/logon/approvals/:id", {
    config: { access: "analyst" },
    schema: { tags: ["logon"], params: z.object({ id: z.string() }), response: { 200: z.object({ deleted: z.boolean() }), 404: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    if (!(await store.logon.deleteApproval(p.accountId, req.params.id))) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no logon approval ${req.params.id}`);
    await auditFor(deps.audit, req, "logon_approval.delete", req.params.id);
    return { deleted: true };
  });

  app.put("/api/v1/logon/auto-update", {
    config: { access: "admin" },
    schema: { tags: ["logon"], body: autoUpdateSchema, response: { 200: autoUpdateSchema } },
  }, async (req) => {
    const p = principal(req);
    await store.accountSettings.set(p.accountId, AUTO_UPDATE_KEY, req.body);
    await auditFor(deps.audit, req, "logon.auto_update", null, req.body);
    return req.body;
  });

  const learnedSchema = z.object({ assetId: z.string(), key: z.string(), label: z.string(), how: z.enum(["learning", "six_successes", "operator"]), ip: z.string(), approvedAt: z.string() });
  app.get("/api/v1/logon/locations", {
    config: { access: "viewer" },
    schema: {
      tags: ["logon"], description: "LOG-2/LOG-4: the locations each asset learned to trust (during its first 24 hours, or by six successes from one IP), and each asset's learning window.",
      querystring: z.object({ assetId: z.string().optional() }),
      response: { 200: z.object({ items: z.array(learnedSchema), learning: z.array(z.object({ assetId: z.string(), hostname: z.string(), startedAt: z.string().nullable(), endsAt: z.string().nullable(), active: z.boolean() })) }) },
    },
  }, async (req) => {
    const p = principal(req);
    const now = clock.now();
    const agents = (await store.agents.list(p.accountId)).filter((a) => req.query.assetId === undefined || a.id === req.query.assetId);
    const learning = [];
    for (const a of agents) {
      const s = await store.logon.learningStartedAt(a.id);
      learning.push({ assetId: a.id, hostname: a.hostname, startedAt: iso(s), endsAt: s === null ? null : iso(s + LEARNING_WINDOW_MS), active: s === null || now - s <= LEARNING_WINDOW_MS });
    }
    const items = (await store.logon.listLocations(p.accountId, req.query.assetId)).map((l) => ({ assetId: l.assetId, key: l.key, label: l.label, how: l.how, ip: l.ip, approvedAt: iso(l.approvedAt)! }));
    return { items, learning };
  });

  app.post("/api/v1/logon/locations", {
    config: { access: "analyst" },
    schema: {
      tags: ["logon"], description: "Adds a location to what one asset learned (as if learning had approved it), e.g. from an unusual-logon alert. Unlike an operator location entry (POST /api/v1/logon/approvals), it does not make the learned locations stop counting.",
      body: z.object({ assetId: z.string(), country: z.string().regex(/^[A-Za-z]{2}$/), region: z.string().max(100).default(""), city: z.string().max(100).default(""), ip: z.string().max(64).default("").describe("The address whose logon this came from, if any.") }),
      response: { 200: learnedSchema, 400: errorSchema, 404: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    if (!(await store.agents.getIn(p.accountId, req.body.assetId))) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no asset ${req.body.assetId}`);
    const { country, region, city } = req.body;
    const cc = country.toUpperCase();
    const l = { accountId: p.accountId, assetId: req.body.assetId, key: `${cc}/${region}/${city}`, label: [city, region, cc].filter(Boolean).join(", "), how: "operator" as const, ip: req.body.ip, approvedAt: clock.now() };
    await store.logon.approveLocation(l);
    await auditFor(deps.audit, req, "logon_location.approve", req.body.assetId, { key: l.key });
    return { assetId: l.assetId, key: l.key, label: l.label, how: l.how, ip: l.ip, approvedAt: iso(l.approvedAt)! };
  });

  app.delete("/api/v1/logon/locations", {
    config: { access: "analyst" },
    schema: { tags: ["logon"], description: "Withdraws a learned location: logons from it alert again.", querystring: z.object({ assetId: z.string(), key: z.string() }), response: { 200: z.object({ deleted: z.boolean() }), 404: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    if (!(await store.logon.revokeLocation(p.accountId, req.query.assetId, req.query.key))) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `asset ${req.query.assetId} has no learned location ${req.query.key}`);
    await auditFor(deps.audit, req, "logon_location.revoke", req.query.assetId, { key: req.query.key });
    return { deleted: true };
  });

  // ---- BF-5 baseline and AGT-7 inventory ----

  const findingSchema = z.object({ assetId: z.string(), hostname: z.string(), check: z.string(), subject: z.string(), reason: z.string(), scheme: z.string(), firstSeen: z.string(), lastSeen: z.string() });
  const runSchema = z.object({ assetId: z.string(), hostname: z.string(), check: z.string(), ts: z.string(), trigger: z.string(), checked: z.number(), findings: z.number(), skipped: z.array(z.object({ subject: z.string(), reason: z.string() })), durationMs: z.number(), receivedAt: z.string() });
  const hostnames = async (accountId: string) => new Map((await store.agents.list(accountId)).map((a) => [a.id, a.hostname]));

  app.get("/api/v1/baseline/findings", {
    config: { access: "viewer" },
    schema: { tags: ["baseline"], description: "BF-5: accounts whose password the last baseline run found weak (never the password or its hash), per asset.", querystring: z.object({ assetId: z.string().optional(), check: z.string().optional() }), response: { 200: z.object({ items: z.array(findingSchema) }) } },
  }, async (req) => {
    const p = principal(req);
    const names = await hostnames(p.accountId);
    return { items: (await store.baseline.findings(p.accountId, req.query)).map((f) => ({ assetId: f.assetId, hostname: names.get(f.assetId) ?? f.assetId, check: f.check, subject: f.subject, reason: f.reason, scheme: f.scheme, firstSeen: iso(f.firstSeen)!, lastSeen: iso(f.lastSeen)! })) };
  });

  app.get("/api/v1/baseline/runs", {
    config: { access: "viewer" },
    schema: { tags: ["baseline"], description: "The latest run of each baseline check per asset.", querystring: z.object({ assetId: z.string().optional(), check: z.string().optional() }), response: { 200: z.object({ items: z.array(runSchema) }) } },
  }, async (req) => {
    const p = principal(req);
    const names = await hostnames(p.accountId);
    return { items: (await store.baseline.runs(p.accountId, req.query)).map((r) => ({ assetId: r.assetId, hostname: names.get(r.assetId) ?? r.assetId, check: r.check, ts: iso(r.ts)!, trigger: r.trigger, checked: r.checked, findings: r.findings, skipped: r.skipped, durationMs: r.durationMs, receivedAt: iso(r.receivedAt)! })) };
  });

  app.post("/api/v1/baseline/run", {
    config: { access: "analyst" },
    schema: {
      tags: ["baseline"], description: "BF-5: runs the baseline on the assets now (rather than at the daily run): the agents check local password hashes against the dictionary and send the account inventory. Results arrive as runs (GET /api/v1/baseline/runs) within seconds to minutes.",
      body: z.object({ assetIds: z.array(z.string()).max(10_000).optional().describe("Default: every asset of the account that is not revoked."), checks: z.array(z.enum(BASELINE_CHECKS)).min(1).default([...BASELINE_CHECKS]) }),
      response: { 200: z.object({ queued: z.array(z.object({ assetId: z.string(), actionId: z.string() })), requestedAt: z.string() }), 400: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    const now = clock.now();
    const agents = (await store.agents.list(p.accountId)).filter((a) => a.revokedAt === null);
    const ids = req.body.assetIds ?? agents.map((a) => a.id);
    for (const id of ids) if (!agents.some((a) => a.id === id)) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no asset ${id} in this account (or it is revoked)`);
    const queued = await store.transaction(async (tx) => {
      const out = [];
      for (const assetId of ids) {
        const action = await queueAgentAction(tx, { accountId: p.accountId, agentId: assetId, type: "run_baseline", params: { checks: req.body.checks } }, now);
        out.push({ assetId, actionId: action.id });
      }
      return out;
    });
    for (const q of queued) deps.notify(q.assetId);
    await auditFor(deps.audit, req, "baseline.run", null, { assets: ids.length, checks: req.body.checks });
    return { queued, requestedAt: iso(now)! };
  });

  const invAccount = inventoryAccount.extend({ backdoorReasons: z.array(z.string()), weakPassword: z.string().nullable() });
  app.get("/api/v1/assets/:id/accounts", {
    config: { access: "viewer" },
    schema: {
      tags: ["baseline"], description: "AGT-7: the asset's local accounts as last inventoried: uid-0 accounts, shells, authorized keys, with backdoor reasons and weak-password findings.",
      params: z.object({ id: z.string() }),
      response: { 200: z.object({ assetId: z.string(), ts: z.string().nullable(), uidMin: z.number().nullable(), accounts: z.array(invAccount) }), 404: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    if (!(await store.agents.getIn(p.accountId, req.params.id))) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no asset ${req.params.id}`);
    const inv = await store.inventory.get(p.accountId, req.params.id);
    const weak = new Map((await store.baseline.findings(p.accountId, { assetId: req.params.id, check: "weak_password" })).map((f) => [f.subject, f.reason]));
    if (!inv) return { assetId: req.params.id, ts: null, uidMin: null, accounts: [] };
    const all = inv.accounts as never[];
    return {
      assetId: req.params.id, ts: iso(inv.ts), uidMin: inv.uidMin,
      accounts: inv.accounts.map((a) => ({ ...(a as unknown as z.infer<typeof inventoryAccount>), backdoorReasons: backdoorReasons(a as never, all), weakPassword: weak.get(a.name) ?? null })),
    };
  });

  // ---- BF-1 per-account thresholds ----

  const ruleInfo = z.object({
    id: z.string(), type: z.string(), name: z.string(), description: z.string(), severity: z.string(), enabled: z.boolean(),
    threshold: z.object({ count: z.number(), window: z.number().describe("ms"), groupBy: z.array(z.string()), distinct: z.string().optional() }).nullable(),
    defaults: z.object({ enabled: z.boolean(), count: z.number().nullable(), window: z.number().nullable() }),
    overridden: z.boolean(),
  });
  app.get("/api/v1/detection/rules", {
    config: { access: "viewer" },
    schema: { tags: ["detection"], description: "The detection rules in force for this account, with their thresholds (the shipped value and this account's override).", response: { 200: z.object({ items: z.array(ruleInfo) }) } },
  }, async (req) => {
    const p = principal(req);
    const o = (await store.accountSettings.get<RuleOverrides>(p.accountId, RULE_OVERRIDES_KEY)) ?? {};
    const effective = await deps.ingest.rulesFor(p.accountId);
    return {
      items: effective.map((r) => {
        const d = deps.rules.find((x) => x.id === r.id)!;
        return {
          id: r.id, type: r.type, name: r.name, description: r.description, severity: r.severity, enabled: r.enabled,
          threshold: r.threshold ? { count: r.threshold.count, window: r.threshold.window, groupBy: r.threshold.groupBy, ...(r.threshold.distinct ? { distinct: r.threshold.distinct } : {}) } : null,
          defaults: { enabled: d.enabled, count: d.threshold?.count ?? null, window: d.threshold?.window ?? null },
          overridden: o[r.id] !== undefined,
        };
      }),
    };
  });

  app.patch("/api/v1/detection/rules/:id", {
    config: { access: "admin" },
    schema: {
      tags: ["detection"], description: "BF-1: changes a rule for this account — switch it off, or set its threshold count and window (e.g. 3 failures in 5m). `reset: true` returns to the shipped values. Takes effect at once; the rule's state is rebuilt from stored telemetry.",
      params: z.object({ id: z.string() }),
      body: ruleOverride.extend({ reset: z.boolean().optional() }),
      response: { 200: z.object({ id: z.string(), override: z.record(z.string(), z.unknown()).nullable() }), 400: errorSchema, 404: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    const rule = deps.rules.find((r) => r.id === req.params.id);
    if (!rule) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no rule ${req.params.id}`);
    const { reset, ...change } = req.body;
    if (!rule.threshold && (change.count !== undefined || change.window !== undefined || change.sustainFor !== undefined)) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, `${rule.id} has no threshold to change`);
    if (change.sustainFor !== undefined && !rule.threshold?.sustain) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, `${rule.id} is not a sustained rule`);
    const all = (await store.accountSettings.get<RuleOverrides>(p.accountId, RULE_OVERRIDES_KEY)) ?? {};
    const next = reset ? undefined : { ...all[rule.id], ...change };
    if (next) all[rule.id] = next;
    else delete all[rule.id];
    await store.accountSettings.set(p.accountId, RULE_OVERRIDES_KEY, all);
    await deps.ingest.reloadAccount(p.accountId);
    await auditFor(deps.audit, req, "detection_rule.update", rule.id, req.body);
    return { id: rule.id, override: next ?? null };
  });
}
