import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { normalizeIp, parseDuration, UserError, ErrorCodes, SEVERITIES, type Alert, type AlertQuery, type Store } from "../../core/index.ts";
import { transition, whitelistAlert, unwhitelistAlert, STANDARD_FIELDS } from "../../alerting/index.ts";
import { queueAgentAction } from "../../response/index.ts";
import { principal, auditFor, type Principal } from "../auth.ts";
import { alertDto, alertSchema, blockDuration, errorSchema, iso, type RouteDeps } from "./common.ts";

const statusEnum = z.enum(["unhandled", "handled", "whitelisted_manual", "whitelisted_auto", "blocked", "expired"]);
const filters = {
  type: z.string().max(100).optional(),
  severity: z.enum(SEVERITIES as ["low", "medium", "high", "critical"]).optional(),
  status: statusEnum.optional(),
  assetId: z.string().max(100).optional(),
  sourceIp: z.string().max(64).optional(),
  from: z.iso.datetime().optional().describe("Last occurrence at or after."),
  to: z.iso.datetime().optional().describe("First occurrence at or before."),
  q: z.string().max(200).refine((v) => v.trim().length === 0 || v.trim().length >= 3, "search text needs at least 3 characters").optional().describe("Free text (3 characters or more): name, type, source address, user name."),
};
type Filters = { type?: string; severity?: Alert["severity"]; status?: Alert["status"]; assetId?: string; sourceIp?: string; from?: string; to?: string; q?: string };

function toQuery(q: Filters): Omit<AlertQuery, "limit" | "offset"> {
  return { type: q.type, severity: q.severity, status: q.status, assetId: q.assetId, sourceIp: q.sourceIp ? (normalizeIp(q.sourceIp) ?? q.sourceIp) : undefined, from: q.from ? Date.parse(q.from) : undefined, to: q.to ? Date.parse(q.to) : undefined, text: q.q };
}

/** Opaque keyset cursor: the (lastSeen, id) of the last alert of a page. */
const encodeCursor = (a: Alert) => Buffer.from(JSON.stringify([a.lastSeen, a.id])).toString("base64url");
function decodeCursor(c: string): { lastSeen: number; id: string } {
  try {
    const [lastSeen, id] = JSON.parse(Buffer.from(c, "base64url").toString("utf8")) as [number, string];
    if (typeof lastSeen === "number" && typeof id === "string") return { lastSeen, id };
  } catch {
    /* fall through */
  }
  throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, "the cursor is not one this API gave out");
}

const handleBody = z.object({
  action: z.enum(["block", "ignore", "mark_handled", "whitelist", "virus_removal", "quarantine"]).describe("ALR-8. virus_removal (MIN-5): kill the alert's process and quarantine its executable. quarantine (WS-7, RSP-2): move the alert's file (a web shell) into the agent's vault, restorable for 30 days."),
  duration: blockDuration.optional().describe("For block: 6h, 12h, 1d, 7d or permanent (default 12h)."),
  scope: z.enum(["asset", "all"]).default("asset").describe("For whitelist: this asset only, or all assets (present and future)."),
  remark: z.string().max(1000).default(""),
});
type HandleBody = z.infer<typeof handleBody>;

/** Alerts (ALR-10 lists), their history (ALR-1) and handling (ALR-4, ALR-5, ALR-8). */
export async function alertsRoutes(root: FastifyInstance, deps: RouteDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, clock } = deps;
  const whitelistFields = (type: string) => {
    const r = deps.rules.find((x) => x.type === type);
    return r ? (r.whitelist?.fields ?? r.dedupKey) : ["source.ip"];
  };

  /** One alert's handling, inside the caller's transaction; returns the agent to wake, if any. */
  async function handle(tx: Store, p: Principal, a: Alert, b: HandleBody, now: number): Promise<{ alert: Alert; wake: string | null }> {
    if (a.status === "blocked") throw new UserError("conflict", ErrorCodes.ACTION_INVALID, "a precision-defence (Blocked) alert is never changed");
    const ch = { actor: p.actor, remark: b.remark };
    switch (b.action) {
      case "whitelist": {
        const alert = await whitelistAlert(tx, a, whitelistFields(a.type), b.scope, { ...ch, how: "whitelisted" }, now);
        // a whitelisted source is never kept blocked: lift the blocks this alert caused
        let wake: string | null = null;
        for (const pol of (await tx.policies.list(p.accountId, { assetId: a.assetId, ip: a.sourceIp ?? "", limit: 50, offset: 0 })).items) {
          if (pol.alertId !== a.id || (pol.status !== "active" && pol.status !== "pending")) continue;
          await deps.policies.disable(tx, p.accountId, pol.id, `${p.actor} (alert whitelisted)`, now);
          wake = pol.assetId;
        }
        return { alert, wake };
      }
      case "ignore":
        return { alert: await transition(tx, a, "handled", { ...ch, how: "ignored" }, now), wake: null };
      case "mark_handled":
        return { alert: await transition(tx, a, "handled", { ...ch, how: "marked handled" }, now), wake: null };
      case "virus_removal": {
        // MIN-5: kill the process (the agent checks it still is that process) and quarantine its executable (the agent checks the hash)
        const ev = a.evidence;
        const pid = ev["process.pid"], start = ev["process.start"];
        const exe = typeof ev["process.executable"] === "string" ? (ev["process.executable"] as string).replace(/ \(deleted\)$/, "") : null;
        const sha256 = (ev["process.hash"] as { sha256?: string } | undefined)?.sha256;
        if (typeof pid !== "number" || typeof start !== "number" || !exe || !sha256) throw new UserError("conflict", ErrorCodes.ACTION_INVALID, "this alert names no process with its start time, executable and hash: virus removal needs them");
        // queued in this order: the agent kills before it moves the file
        const kill = await queueAgentAction(tx, { accountId: p.accountId, agentId: a.assetId, type: "kill_process", params: { pid, start, sha256 } }, now);
        const quarantine = await queueAgentAction(tx, { accountId: p.accountId, agentId: a.assetId, type: "quarantine_file", params: { path: exe, sha256 } }, now);
        const how = `virus detection and removal: kill process ${pid} (${kill.id}), quarantine ${exe} (${quarantine.id})`;
        return { alert: await transition(tx, a, "handled", { ...ch, how }, now, { response: how }), wake: a.assetId };
      }
      case "quarantine": {
        // WS-7: web shells are never quarantined automatically; this is the operator's review ending in quarantine
        const path = a.evidence["file.path"];
        const sha256 = (a.evidence["file.hash"] as { sha256?: string } | undefined)?.sha256;
        if (typeof path !== "string" || !sha256) throw new UserError("conflict", ErrorCodes.ACTION_INVALID, "this alert names no file with its SHA-256: quarantine needs both");
        const q = await queueAgentAction(tx, { accountId: p.accountId, agentId: a.assetId, type: "quarantine_file", params: { path, sha256 } }, now);
        const how = `quarantine ${path} (${q.id})`;
        return { alert: await transition(tx, a, "handled", { ...ch, how }, now, { response: how }), wake: a.assetId };
      }
      case "block": {
        if (!a.sourceIp) throw new UserError("conflict", ErrorCodes.ACTION_INVALID, "this alert has no source address to block");
        const d = b.duration ?? "12h";
        const r = await deps.policies.block(tx, { accountId: p.accountId, assetId: a.assetId, ip: a.sourceIp, reason: `${a.name} (${a.type}), handled by ${p.actor}`, alertId: a.id, createdBy: p.actor, duration: d === "permanent" ? null : parseDuration(d) }, now);
        if (r.kind === "allowlisted") throw new UserError("conflict", ErrorCodes.ACTION_INVALID, `${a.sourceIp} is allowlisted (${r.entry}); remove it from the allowlist to block it`);
        const how = `blocked ${a.sourceIp} for ${d === "permanent" ? "good" : d}${r.kind === "already" ? ` (already blocked by ${r.policy.id})` : ` by ${r.kind === "blocked" ? r.policy.id : "policy"}`}`;
        return { alert: await transition(tx, a, "handled", { ...ch, how }, now), wake: r.kind === "blocked" ? r.action.agentId : null };
      }
    }
  }

  app.get("/api/v1/alerts", {
    config: { access: "viewer" },
    schema: {
      tags: ["alerts"], description: "The account's alerts, newest first (ALR-10). Page with `cursor` (stable while alerts arrive) or `offset`.",
      querystring: z.object({ ...filters, limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).default(0), cursor: z.string().max(200).optional() }),
      response: { 200: z.object({ items: z.array(alertSchema), total: z.number(), nextCursor: z.string().nullable() }) },
    },
  }, async (req) => {
    const q = req.query;
    const page = await store.alerts.list(principal(req).accountId, { ...toQuery(q), limit: q.limit, offset: q.offset, after: q.cursor ? decodeCursor(q.cursor) : undefined });
    const last = page.items.at(-1);
    return { items: page.items.map(alertDto), total: page.total, nextCursor: last && page.items.length === q.limit ? encodeCursor(last) : null };
  });

  app.get("/api/v1/alerts/counts", {
    config: { access: "viewer" },
    schema: { tags: ["alerts"], description: "Counts per status and per severity for the same filters (ALR-10).", querystring: z.object(filters), response: { 200: z.object({ total: z.number(), byStatus: z.record(z.string(), z.number()), bySeverity: z.record(z.string(), z.number()) }) } },
  }, async (req) => store.alerts.counts(principal(req).accountId, toQuery(req.query)));

  app.get("/api/v1/alerts/:id", { config: { access: "viewer" }, schema: { tags: ["alerts"], description: "One alert, with the security event it belongs to (EVT-1), if any.", params: z.object({ id: z.string() }), response: { 200: alertSchema.extend({ eventId: z.string().nullable() }), 404: errorSchema } } }, async (req) => {
    const a = await store.alerts.get(principal(req).accountId, req.params.id);
    if (!a) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no alert ${req.params.id}`);
    return { ...alertDto(a), eventId: await store.events.eventOfAlert(a.id) };
  });

  app.get("/api/v1/alerts/:id/history", {
    config: { access: "viewer" },
    schema: { tags: ["alerts"], description: "Every status change of the alert: who, when, how, remark (ALR-1).", params: z.object({ id: z.string() }), response: { 200: z.object({ items: z.array(z.object({ at: z.string(), from: z.string(), to: z.string(), actor: z.string(), how: z.string(), remark: z.string() })) }), 404: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    if (!(await store.alerts.get(p.accountId, req.params.id))) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no alert ${req.params.id}`);
    return { items: (await store.transitions.list(p.accountId, req.params.id)).map((t) => ({ at: iso(t.at)!, from: t.from, to: t.to, actor: t.actor, how: t.how, remark: t.remark })) };
  });

  app.post("/api/v1/alerts/:id/handle", {
    config: { access: "analyst" },
    schema: { tags: ["alerts"], description: "Handles an alert (ALR-8): block its source on its asset for 6 h, 12 h, 1 d, 7 d or permanently; ignore; mark handled; whitelist (ALR-4).", params: z.object({ id: z.string() }), body: handleBody, response: { 200: alertSchema, 404: errorSchema, 409: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const now = clock.now();
    const out = await store.transaction(async (tx) => {
      const a = await tx.alerts.get(p.accountId, req.params.id);
      if (!a) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no alert ${req.params.id}`);
      return handle(tx, p, a, req.body, now);
    });
    if (out.wake) deps.notify(out.wake);
    await auditFor(deps.audit, req, `alert.${req.body.action}`, req.params.id, { duration: req.body.duration, scope: req.body.action === "whitelist" ? req.body.scope : undefined, remark: req.body.remark });
    return alertDto(out.alert);
  });

  const bulkResult = z.object({ results: z.array(z.object({ id: z.string(), ok: z.boolean(), status: z.string().nullable(), error: z.string().nullable() })) });
  type BulkResults = z.infer<typeof bulkResult>["results"];

  /** Applies `fn` to each named alert in its own transaction: one refusal never undoes the others. */
  async function eachAlert(p: Principal, ids: string[], fn: (tx: Store, a: Alert) => Promise<{ alert: Alert; wake: string | null }>): Promise<BulkResults> {
    const results: BulkResults = [];
    for (const id of new Set(ids)) {
      try {
        const out = await store.transaction(async (tx) => {
          const a = await tx.alerts.get(p.accountId, id);
          if (!a) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no alert ${id}`);
          return fn(tx, a);
        });
        if (out.wake) deps.notify(out.wake);
        results.push({ id, ok: true, status: out.alert.status, error: null });
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        results.push({ id, ok: false, status: null, error: e.message });
      }
    }
    return results;
  }

  app.post("/api/v1/alerts/handle", {
    config: { access: "analyst" },
    schema: { tags: ["alerts"], description: "Handles many alerts at once; each succeeds or fails on its own.", body: handleBody.extend({ ids: z.array(z.string().max(100)).min(1).max(500) }), response: { 200: bulkResult } },
  }, async (req) => {
    const p = principal(req);
    const now = clock.now();
    const results = await eachAlert(p, req.body.ids, (tx, a) => handle(tx, p, a, req.body, now));
    await auditFor(deps.audit, req, `alert.${req.body.action}`, `${results.filter((r) => r.ok).length} alerts`, { ids: req.body.ids, remark: req.body.remark });
    return { results };
  });

  app.post("/api/v1/alerts/unwhitelist", {
    config: { access: "analyst" },
    schema: { tags: ["alerts"], description: "Removes alerts from the whitelist, one or many (ALR-5): they return to Unhandled, and the whitelist entries they created are deleted.", body: z.object({ ids: z.array(z.string().max(100)).min(1).max(500), remark: z.string().max(1000).default("") }), response: { 200: bulkResult } },
  }, async (req) => {
    const p = principal(req);
    const now = clock.now();
    const results = await eachAlert(p, req.body.ids, async (tx, a) => ({ alert: await unwhitelistAlert(tx, a, { actor: p.actor, how: "removed from the whitelist", remark: req.body.remark }, now), wake: null }));
    await auditFor(deps.audit, req, "alert.unwhitelist", `${results.filter((r) => r.ok).length} alerts`, { ids: req.body.ids, remark: req.body.remark });
    return { results };
  });

  app.get("/api/v1/alert-types", {
    config: { access: "viewer" },
    schema: { tags: ["alerts"], description: "Every alert type with its dedup key (ALR-2), what whitelisting stores (ALR-4), and the fields a whitelist rule can test (ALR-6).", response: { 200: z.object({ items: z.array(z.object({ type: z.string(), name: z.string(), severity: z.string(), dedupKey: z.array(z.string()), whitelistFields: z.array(z.string()), notify: z.string(), fields: z.array(z.string()) })) }) } },
  }, async (req) => {
    const p = principal(req);
    const items = [];
    for (const r of deps.rules) {
      const seen = await store.alerts.evidenceKeys(p.accountId, r.type, 200);
      items.push({ type: r.type, name: r.name, severity: r.severity, dedupKey: ["asset.id", ...r.dedupKey], whitelistFields: [...(r.whitelist?.fields ?? r.dedupKey)], notify: r.notify, fields: [...new Set([...STANDARD_FIELDS, ...seen])].sort() });
    }
    return { items };
  });
}
