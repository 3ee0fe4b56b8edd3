import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { newId, assertAssignableOwner, UserError, ErrorCodes, SEVERITIES, type Alert, type EventEntity, type EventQuery, type EventStatus, type SecurityEvent, type Severity, type Store, type WhitelistRule } from "../../core/index.ts";
import { transition, whitelistFieldsOf, markEventHandled, markEventHandling, tacticsOf, type AttackMatrix } from "../../alerting/index.ts";
import { principal, auditFor, type Principal } from "../auth.ts";
import { eventsWorkbookStream, type SheetColumn } from "../events-export.ts";
import { alertDto, alertSchema, errorSchema, iso, type RouteDeps } from "./common.ts";

const DAY = 86_400_000;
/** EVT-3: lists take a time range, the last 30 days unless asked; events live 180 days. */
const DEFAULT_RANGE = 30 * DAY;
const MAX_RANGE = 180 * DAY;
/** EVT-5: entities and what touched them, over the last 30 days. */
const ENTITY_WINDOW = 30 * DAY;
/** EVT-14 */
export const EXPORT_MAX = 1000;
/** Aggregate views read at most this many events (newest first) and say when they stopped. */
const SCAN_MAX = 5000;

const eventStatus = z.enum(["unhandled", "handling", "handled", "failed"]);
const severity = z.enum(SEVERITIES as ["low", "medium", "high", "critical"]);
const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).max(10)]).optional();
const rangeQuery = {
  from: z.iso.datetime().optional().describe("Events last seen at or after (default: 30 days before `to`). The range spans at most 180 days (EVT-3)."),
  to: z.iso.datetime().optional().describe("Events first seen at or before (default: now)."),
};
const listFilters = {
  ...rangeQuery,
  status: oneOrMany(eventStatus).describe("One status, or repeat the parameter for several."),
  severity: oneOrMany(severity).describe("One severity, or repeat the parameter for several."),
  assetId: z.string().max(100).optional().describe("Events that touched this asset."),
  owner: z.string().max(100).optional().describe("The owner's user id."),
  q: z.string().max(200).optional().describe("Text in the title, an entity (address, path, user name) or an attacker address."),
};
type ListFilters = { from?: string; to?: string; status?: EventStatus | EventStatus[]; severity?: Severity | Severity[]; assetId?: string; owner?: string; q?: string };

const ownerSchema = z.object({ id: z.string(), username: z.string() }).nullable();
const overviewSchema = z.object({
  id: z.string(), title: z.string(), status: eventStatus, severity,
  severityChanged: z.boolean().describe("An operator set the severity (EVT-12); otherwise it is the highest of its alerts."),
  owner: ownerSchema,
  firstSeen: z.string(), lastSeen: z.string(), alertCount: z.number(),
  assets: z.array(z.object({ id: z.string(), hostname: z.string().nullable() })),
  tactics: z.array(z.object({ id: z.string(), name: z.string() })).describe("ATT&CK tactics its alerts cover, in kill-chain order."),
  techniques: z.array(z.string()), stage: z.object({ id: z.string(), name: z.string() }).nullable().describe("The furthest kill-chain stage (tactic) reached."),
  alertTypes: z.array(z.string()).describe("The alert sources that fed it."),
  attackerIps: z.array(z.string()),
  joinedBy: z.array(z.string()).describe("The correlation rules that joined its alerts (EVT-1)."),
  handledHow: z.string().nullable(), handledAt: z.string().nullable(),
});
type Overview = z.infer<typeof overviewSchema>;
const detailSchema = overviewSchema.extend({
  counts: z.object({ alertsByStatus: z.record(z.string(), z.number()), entities: z.number(), maliciousEntities: z.number(), edges: z.number() }),
});
const entitySchema = z.object({
  key: z.string(), kind: z.string(), label: z.string(), malicious: z.boolean(), firstSeen: z.string(), lastSeen: z.string(),
  assetId: z.string().nullable(), hostname: z.string().nullable(),
  assets: z.array(z.object({ id: z.string(), hostname: z.string().nullable() })).describe("Assets whose alerts name it (its spread)."),
  alertCount: z.number(), alertTypes: z.array(z.string()),
});
const eventTask = z.object({ kind: z.enum(["ip_policy", "agent_action", "event_task"]), id: z.string(), assetId: z.string().nullable(), what: z.string(), status: z.string(), at: z.string(), result: z.string().nullable() });
const activitySchema = z.object({ id: z.string(), at: z.string(), actor: z.string(), action: z.string(), detail: z.string(), remark: z.string() });
const remark = z.string().max(1000).default("");
const idParams = z.object({ id: z.string().max(100) });

/** Who and what an account's ids name: user names and host names, read once per request. */
interface Names { users: Map<string, string>; hosts: Map<string, string> }

/** Security events (EVT-2 … EVT-5, EVT-8, EVT-9, EVT-11 … EVT-14): lists, chain, entities, case work and export. */
export async function eventsRoutes(root: FastifyInstance, deps: RouteDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, clock } = deps;
  // the correlator ingest runs: its ATT&CK table, and rebuilding an event after alerts leave it (EVT-9)
  const correlator = deps.ingest.events;
  const attack: AttackMatrix = correlator.attack;
  const tactic = (id: string) => ({ id, name: attack.tactics[id]?.name ?? id });
  /** Tactic ids in kill-chain order with their names. */
  const tactics = (ids: readonly string[]) => [...ids].sort((a, b) => (attack.tactics[a]?.order ?? 99) - (attack.tactics[b]?.order ?? 99)).map(tactic);

  const names = async (accountId: string): Promise<Names> => ({
    users: new Map((await store.users.list(accountId)).map((u) => [u.id, u.username])),
    hosts: new Map((await store.agents.list(accountId)).map((a) => [a.id, a.hostname])),
  });
  /** One alert's tactics and furthest stage (the timeline shows them per alert). */
  const stageOf = (techniques: readonly string[]) => {
    const t = tacticsOf(attack, techniques);
    return { tactics: t.tactics.map(tactic), stage: t.stage === null ? null : tactic(t.stage) };
  };
  const assetRef = (n: Names, id: string) => ({ id, hostname: n.hosts.get(id) ?? null });

  function overview(e: SecurityEvent, entities: EventEntity[], n: Names): Overview {
    return {
      id: e.id, title: e.title, status: e.status, severity: e.severity, severityChanged: e.severityOverride !== null,
      owner: e.ownerUserId ? { id: e.ownerUserId, username: n.users.get(e.ownerUserId) ?? e.ownerUserId } : null,
      firstSeen: iso(e.firstSeen)!, lastSeen: iso(e.lastSeen)!, alertCount: e.alertCount,
      assets: e.assetIds.map((id) => assetRef(n, id)), tactics: tactics(e.tactics), techniques: e.techniques, stage: e.stage === null ? null : tactic(e.stage), alertTypes: e.alertTypes,
      attackerIps: [...new Set(entities.filter((x) => x.kind === "ip" && x.malicious).map((x) => x.label))],
      joinedBy: e.joinedBy, handledHow: e.handledHow, handledAt: iso(e.handledAt),
    };
  }

  /** The time range of a list: [from, to], the last 30 days by default, never over 180 days. */
  function range(q: { from?: string; to?: string }): { from: number; to: number } {
    const to = q.to ? Date.parse(q.to) : clock.now();
    const from = q.from ? Date.parse(q.from) : to - DEFAULT_RANGE;
    if (from > to) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, "`from` is after `to`");
    if (to - from > MAX_RANGE) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, "the time range spans more than 180 days; events older than 180 days are purged (EVT-3)");
    return { from, to };
  }
  const toQuery = (q: ListFilters): Omit<EventQuery, "limit" | "offset"> => {
    const r = range(q);
    return { ...r, status: q.status === undefined ? undefined : [q.status].flat(), severity: q.severity === undefined ? undefined : [q.severity].flat(), assetId: q.assetId, ownerUserId: q.owner, text: q.q?.trim() || undefined };
  };

  /** Every event matching (newest first), up to `max`. */
  async function scan(accountId: string, q: Omit<EventQuery, "limit" | "offset">, max: number): Promise<{ items: SecurityEvent[]; total: number }> {
    const items: SecurityEvent[] = [];
    let total = 0;
    for (let offset = 0; items.length < max; ) {
      const page = await store.events.list(accountId, { ...q, limit: Math.min(500, max - items.length), offset });
      total = page.total;
      items.push(...page.items);
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) break;
    }
    return { items, total };
  }

  async function getEvent(s: Store, accountId: string, id: string): Promise<SecurityEvent> {
    const e = await s.events.get(accountId, id);
    if (!e) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no event ${id}`);
    return e;
  }
  async function alertsOf(s: Store, e: SecurityEvent): Promise<Alert[]> {
    const out: Alert[] = [];
    for (const id of await s.events.alertIds(e.id)) {
      const a = await s.alerts.get(e.accountId, id);
      if (a) out.push(a);
    }
    return out.sort((a, b) => a.firstSeen - b.firstSeen || a.id.localeCompare(b.id));
  }
  const activity = (s: Store, p: Principal, e: SecurityEvent, action: string, detail: string, remarkText: string, now: number) =>
    s.events.addActivity({ id: newId("eva", now), eventId: e.id, accountId: e.accountId, at: now, actor: p.actor, action, detail, remark: remarkText });

  // --- lists (EVT-2, EVT-3) ---

  app.get("/api/v1/events", {
    config: { access: "viewer" },
    schema: {
      tags: ["events"], description: "Security events, newest first (EVT-2, EVT-3): related alerts grouped, with ATT&CK stages, affected assets, alert count, first and last occurrence, alert sources, severity, status and owner. The time range defaults to the last 30 days and spans at most 180.",
      querystring: z.object({ ...listFilters, limit: z.coerce.number().int().min(1).max(200).default(50), offset: z.coerce.number().int().min(0).default(0) }),
      response: { 200: z.object({ items: z.array(overviewSchema), total: z.number(), from: z.string(), to: z.string() }), 400: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    const q = toQuery(req.query);
    const page = await store.events.list(p.accountId, { ...q, limit: req.query.limit, offset: req.query.offset });
    const n = await names(p.accountId);
    const items = [];
    for (const e of page.items) items.push(overview(e, await store.events.entities(e.id), n));
    return { items, total: page.total, from: iso(q.from!)!, to: iso(q.to!)! };
  });

  app.get("/api/v1/events/affected-assets", {
    config: { access: "viewer" },
    schema: {
      tags: ["events"], description: "EVT-5: the assets events touched in the time range, with event counts by severity and by status.",
      querystring: z.object(rangeQuery),
      response: { 200: z.object({ items: z.array(z.object({ id: z.string(), hostname: z.string().nullable(), events: z.number(), bySeverity: z.record(z.string(), z.number()), open: z.number().describe("Events not Handled."), lastSeen: z.string() })), scanned: z.number(), truncated: z.boolean() }), 400: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    const { items, total } = await scan(p.accountId, range(req.query), SCAN_MAX);
    const n = await names(p.accountId);
    return { items: affectedAssets(items).map((a) => ({ ...assetRef(n, a.id), events: a.events, bySeverity: a.bySeverity, open: a.open, lastSeen: iso(a.lastSeen)! })), scanned: items.length, truncated: total > items.length };
  });

  app.get("/api/v1/events/export.xlsx", {
    config: { access: "viewer" },
    schema: {
      tags: ["events"], description: `EVT-14: the filtered events (at most ${EXPORT_MAX}; set \`limit\` to export the newest ones of a larger result) as an .xlsx workbook with the sheets events, affected assets and entities. No cell can run as a formula.`,
      querystring: z.object({ ...listFilters, limit: z.coerce.number().int().min(1).max(EXPORT_MAX).optional() }),
      // the stream is sent as it is (Fastify never serializes a stream)
      response: { 200: z.any().describe("The workbook (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet), as an attachment."), 400: errorSchema },
    },
  }, async (req, reply) => {
    const p = principal(req);
    const q = toQuery(req.query);
    const total = (await store.events.list(p.accountId, { ...q, limit: 1, offset: 0 })).total;
    if (total > EXPORT_MAX && req.query.limit === undefined) {
      throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, `${total} events match; an export holds at most ${EXPORT_MAX}: narrow the filters or the time range, or set limit (at most ${EXPORT_MAX}) to export the newest`, { total, max: EXPORT_MAX });
    }
    const { items } = await scan(p.accountId, q, req.query.limit ?? EXPORT_MAX);
    const n = await names(p.accountId);
    const rows: { e: SecurityEvent; o: Overview; entities: EventEntity[] }[] = [];
    for (const e of items) {
      const entities = await store.events.entities(e.id);
      rows.push({ e, o: overview(e, entities, n), entities });
    }
    const host = (id: string | null) => (id === null ? null : (n.hosts.get(id) ?? id));
    const t = (ms: number | null) => (ms === null ? null : new Date(ms));
    type Row = (typeof rows)[number];
    const eventCols: SheetColumn<Row>[] = [
      { header: "id", width: 30, value: (r) => r.o.id }, { header: "title", width: 50, value: (r) => r.o.title }, { header: "status", width: 11, value: (r) => r.o.status },
      { header: "severity", width: 10, value: (r) => r.o.severity }, { header: "owner", width: 16, value: (r) => r.o.owner?.username ?? null },
      { header: "first seen (UTC)", width: 20, value: (r) => t(r.e.firstSeen) }, { header: "last seen (UTC)", width: 20, value: (r) => t(r.e.lastSeen) },
      { header: "alerts", width: 8, value: (r) => r.o.alertCount }, { header: "assets", width: 30, value: (r) => r.o.assets.map((a) => a.hostname ?? a.id).join(", ") },
      { header: "tactics", width: 40, value: (r) => r.o.tactics.map((x) => x.name).join(", ") }, { header: "techniques", width: 30, value: (r) => r.o.techniques.join(", ") },
      { header: "stage", width: 20, value: (r) => r.o.stage?.name ?? null }, { header: "alert types", width: 40, value: (r) => r.o.alertTypes.join(", ") },
      { header: "attacker addresses", width: 30, value: (r) => r.o.attackerIps.join(", ") }, { header: "handled how", width: 30, value: (r) => r.o.handledHow },
      { header: "handled at (UTC)", width: 20, value: (r) => t(r.e.handledAt) },
    ];
    type AssetRow = ReturnType<typeof affectedAssets>[number];
    const assetCols: SheetColumn<AssetRow>[] = [
      { header: "asset id", width: 30, value: (a) => a.id }, { header: "hostname", width: 24, value: (a) => n.hosts.get(a.id) ?? null }, { header: "events", width: 8, value: (a) => a.events },
      ...(["critical", "high", "medium", "low"] as const).map((s) => ({ header: s, width: 9, value: (a: AssetRow) => a.bySeverity[s] ?? 0 })),
      { header: "open events", width: 11, value: (a) => a.open }, { header: "last seen (UTC)", width: 20, value: (a) => t(a.lastSeen) },
    ];
    type EntityRow = { eventId: string; x: EventEntity };
    const entityCols: SheetColumn<EntityRow>[] = [
      { header: "event id", width: 30, value: (r) => r.eventId }, { header: "kind", width: 9, value: (r) => r.x.kind }, { header: "entity", width: 50, value: (r) => r.x.label },
      { header: "malicious", width: 9, value: (r) => r.x.malicious }, { header: "asset", width: 24, value: (r) => host(r.x.assetId) },
      { header: "first seen (UTC)", width: 20, value: (r) => t(r.x.firstSeen) }, { header: "last seen (UTC)", width: 20, value: (r) => t(r.x.lastSeen) },
    ];
    const stream = eventsWorkbookStream({
      events: { columns: eventCols, rows },
      assets: { columns: assetCols, rows: affectedAssets(items) },
      entities: { columns: entityCols, rows: rows.flatMap((r) => r.entities.map((x) => ({ eventId: r.e.id, x }))) },
    });
    await auditFor(deps.audit, req, "event.export", `${items.length} events`, { total, from: iso(q.from!), to: iso(q.to!) });
    const stamp = new Date(clock.now()).toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
    return reply
      .type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
      .header("content-disposition", `attachment; filename="hostward-events-${stamp}.xlsx"`)
      .header("cache-control", "no-store")
      .send(stream);
  });

  // --- one event (EVT-2, EVT-4, EVT-13) ---

  app.get("/api/v1/events/:id", {
    config: { access: "viewer" },
    schema: { tags: ["events"], description: "One event's overview (EVT-2) with counts of its alerts by status and of its entities.", params: idParams, response: { 200: detailSchema, 404: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const e = await getEvent(store, p.accountId, req.params.id);
    const entities = await store.events.entities(e.id);
    const alertsByStatus: Record<string, number> = {};
    for (const a of await alertsOf(store, e)) alertsByStatus[a.status] = (alertsByStatus[a.status] ?? 0) + 1;
    return { ...overview(e, entities, await names(p.accountId)), counts: { alertsByStatus, entities: entities.length, maliciousEntities: entities.filter((x) => x.malicious).length, edges: (await store.events.edges(e.id)).length } };
  });

  app.get("/api/v1/events/:id/alerts", {
    config: { access: "viewer" },
    schema: { tags: ["events"], description: "The event's alerts, oldest first.", params: idParams, response: { 200: z.object({ items: z.array(alertSchema) }), 404: errorSchema } },
  }, async (req) => {
    const e = await getEvent(store, principal(req).accountId, req.params.id);
    return { items: (await alertsOf(store, e)).map(alertDto) };
  });

  app.get("/api/v1/events/:id/timeline", {
    config: { access: "viewer" },
    schema: {
      tags: ["events"], description: "EVT-4: the event's alerts in the order they first happened, each with its ATT&CK tactics.",
      params: idParams,
      response: { 200: z.object({ items: z.array(z.object({ at: z.string(), lastSeen: z.string(), alertId: z.string(), type: z.string(), name: z.string(), severity, status: z.string(), asset: z.object({ id: z.string(), hostname: z.string().nullable() }), sourceIp: z.string().nullable(), userName: z.string().nullable(), count: z.number(), techniques: z.array(z.string()), tactics: z.array(z.object({ id: z.string(), name: z.string() })), stage: z.object({ id: z.string(), name: z.string() }).nullable() })) }), 404: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    const e = await getEvent(store, p.accountId, req.params.id);
    const n = await names(p.accountId);
    return {
      items: (await alertsOf(store, e)).map((a) => ({
        at: iso(a.firstSeen)!, lastSeen: iso(a.lastSeen)!, alertId: a.id, type: a.type, name: a.name, severity: a.severity, status: a.status, asset: assetRef(n, a.assetId),
        sourceIp: a.sourceIp, userName: a.userName, count: a.count, techniques: a.attack, ...stageOf(a.attack),
      })),
    };
  });

  app.get("/api/v1/events/:id/graph", {
    config: { access: "viewer" },
    schema: {
      tags: ["events"], description: "EVT-4: the provenance graph: entities as nodes; logged-on-from, spawned, wrote, connected-to, resolved (and attacked, ran-on) as edges, each from the alert that showed it.",
      params: idParams,
      response: { 200: z.object({ nodes: z.array(z.object({ id: z.string(), kind: z.string(), label: z.string(), malicious: z.boolean(), assetId: z.string().nullable(), firstSeen: z.string(), lastSeen: z.string() })), edges: z.array(z.object({ from: z.string(), to: z.string(), relation: z.string(), ts: z.string(), alertId: z.string() })) }), 404: errorSchema },
    },
  }, async (req) => {
    const e = await getEvent(store, principal(req).accountId, req.params.id);
    const nodes = (await store.events.entities(e.id)).map((x) => ({ id: x.key, kind: x.kind, label: x.label, malicious: x.malicious, assetId: x.assetId, firstSeen: iso(x.firstSeen)!, lastSeen: iso(x.lastSeen)! }));
    const known = new Set(nodes.map((x) => x.id));
    const edges = (await store.events.edges(e.id)).filter((x) => known.has(x.from) && known.has(x.to)).sort((a, b) => a.ts - b.ts).map((x) => ({ from: x.from, to: x.to, relation: x.relation, ts: iso(x.ts)!, alertId: x.alertId }));
    return { nodes, edges };
  });

  app.get("/api/v1/events/:id/entities", {
    config: { access: "viewer" },
    schema: { tags: ["events"], description: "EVT-5/EVT-6: the event's entities with the facts a risk assessment rests on: malicious or not, first and last seen, the assets and alerts that name it.", params: idParams, response: { 200: z.object({ items: z.array(entitySchema) }), 404: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const e = await getEvent(store, p.accountId, req.params.id);
    const n = await names(p.accountId);
    const alerts = new Map((await alertsOf(store, e)).map((a) => [a.id, a]));
    const touching = new Map<string, Set<string>>();
    for (const edge of await store.events.edges(e.id)) {
      for (const k of [edge.from, edge.to]) {
        let s = touching.get(k);
        if (!s) touching.set(k, (s = new Set()));
        s.add(edge.alertId);
      }
    }
    const items = (await store.events.entities(e.id)).map((x) => {
      const named = [...(touching.get(x.key) ?? [])].map((id) => alerts.get(id)).filter((a): a is Alert => a !== undefined);
      const assets = new Set([...(x.assetId ? [x.assetId] : []), ...named.map((a) => a.assetId)]);
      return {
        key: x.key, kind: x.kind, label: x.label, malicious: x.malicious, firstSeen: iso(x.firstSeen)!, lastSeen: iso(x.lastSeen)!, assetId: x.assetId, hostname: x.assetId ? (n.hosts.get(x.assetId) ?? null) : null,
        assets: [...assets].map((id) => assetRef(n, id)), alertCount: named.length, alertTypes: [...new Set(named.map((a) => a.type))],
      };
    });
    items.sort((a, b) => Number(b.malicious) - Number(a.malicious) || b.lastSeen.localeCompare(a.lastSeen));
    return { items };
  });

  app.get("/api/v1/events/:id/activity", {
    config: { access: "viewer" },
    schema: { tags: ["events"], description: "EVT-13: every change of the event and every task result, oldest first: who, when, what, remark.", params: idParams, response: { 200: z.object({ items: z.array(activitySchema) }), 404: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const e = await getEvent(store, p.accountId, req.params.id);
    return { items: (await store.events.activity(p.accountId, e.id)).sort((a, b) => a.at - b.at).map((a) => ({ id: a.id, at: iso(a.at)!, actor: a.actor, action: a.action, detail: a.detail, remark: a.remark })) };
  });

  // --- case work (EVT-8, EVT-9, EVT-11, EVT-12) ---

  app.post("/api/v1/events/:id/owner", {
    config: { access: "analyst" },
    schema: { tags: ["events"], description: "EVT-11: hands the event over to an owner (an enabled analyst or admin of the account), or back to no one, with a hand-over remark.", params: idParams, body: z.object({ userId: z.string().max(100).nullable(), remark }), response: { 200: overviewSchema, 400: errorSchema, 404: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const now = clock.now();
    const n = await names(p.accountId);
    const e = await store.transaction(async (tx) => {
      const e = await getEvent(tx, p.accountId, req.params.id);
      const owner = req.body.userId === null ? null : assertAssignableOwner(await tx.users.getIn(p.accountId, req.body.userId), p.accountId);
      if ((owner?.id ?? null) === e.ownerUserId) return e;
      const next: SecurityEvent = { ...e, ownerUserId: owner?.id ?? null, updatedAt: now };
      await tx.events.update(next);
      const who = (id: string | null) => (id === null ? "no one" : (n.users.get(id) ?? id));
      await activity(tx, p, e, "owner", `owner: ${who(e.ownerUserId)} → ${who(next.ownerUserId)}`, req.body.remark, now);
      return next;
    });
    await auditFor(deps.audit, req, "event.owner", e.id, { userId: req.body.userId, remark: req.body.remark });
    return overview(e, await store.events.entities(e.id), n);
  });

  app.post("/api/v1/events/:id/severity", {
    config: { access: "analyst" },
    schema: { tags: ["events"], description: "EVT-12: changes the event's severity, with a remark. It then stays as set when further alerts join.", params: idParams, body: z.object({ severity, remark }), response: { 200: overviewSchema, 404: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const now = clock.now();
    const e = await store.transaction(async (tx) => {
      const e = await getEvent(tx, p.accountId, req.params.id);
      if (e.severity === req.body.severity && e.severityOverride === req.body.severity) return e;
      const next: SecurityEvent = { ...e, severity: req.body.severity, severityOverride: req.body.severity, updatedAt: now };
      await tx.events.update(next);
      await activity(tx, p, e, "severity", `severity: ${e.severity} → ${next.severity}`, req.body.remark, now);
      return next;
    });
    await auditFor(deps.audit, req, "event.severity", e.id, { severity: req.body.severity, remark: req.body.remark });
    return overview(e, await store.events.entities(e.id), await names(p.accountId));
  });

  app.post("/api/v1/events/:id/status", {
    config: { access: "analyst" },
    schema: {
      tags: ["events"], description: "EVT-8: Handled turns the event's unhandled alerts Handled with its handling info, and later alerts open a new event; Handling changes no alert and lets new alerts join; Unhandled reopens it. Precision-defence (Blocked) alerts never change.",
      params: idParams,
      body: z.object({ status: z.enum(["handled", "handling", "unhandled"]), how: z.string().max(500).optional().describe("How it was handled (the alerts' handling info); default \"marked handled\"."), remark }),
      response: { 200: overviewSchema, 404: errorSchema, 409: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    const now = clock.now();
    const b = req.body;
    const e = await store.transaction(async (tx) => {
      const e = await getEvent(tx, p.accountId, req.params.id);
      if (b.status === "handled") return markEventHandled(tx, e, b.how?.trim() || "marked handled", p.actor, b.remark, now);
      if (b.status === "handling") return markEventHandling(tx, e, b.how?.trim() ?? "", p.actor, b.remark, now);
      if (e.status === "unhandled") return e;
      const next: SecurityEvent = { ...e, status: "unhandled", handledHow: null, handledAt: null, updatedAt: now };
      await tx.events.update(next);
      await activity(tx, p, e, "status", `status: ${e.status} → unhandled`, b.remark, now);
      return next;
    });
    await auditFor(deps.audit, req, "event.status", e.id, { status: b.status, how: b.how, remark: b.remark });
    return overview(e, await store.events.entities(e.id), await names(p.accountId));
  });

  const whitelistFields = (type: string) => {
    const r = deps.rules.find((x) => x.type === type);
    return r ? (r.whitelist?.fields ?? r.dedupKey) : ["source.ip"];
  };

  app.post("/api/v1/events/:id/whitelist", {
    config: { access: "analyst" },
    schema: {
      tags: ["events"], description: "EVT-9: the event is a false positive. For each of its alerts a custom whitelist rule (ALR-6) on the alert's type and asset matches the value of its type's whitelist field (a file hash where the type has one); the alerts become Whitelisted and leave the event, and future alerts like them are whitelisted automatically. Precision-defence (Blocked) alerts never change and stay.",
      params: idParams, body: z.object({ remark }),
      response: { 200: z.object({ event: overviewSchema, rules: z.array(z.object({ id: z.string(), alertType: z.string(), field: z.string(), value: z.string(), assetId: z.string().nullable() })), whitelisted: z.array(z.string()), kept: z.array(z.object({ alertId: z.string(), reason: z.string() })) }), 404: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    const now = clock.now();
    const wake = new Set<string>();
    const out = await store.transaction(async (tx) => {
      const e = await getEvent(tx, p.accountId, req.params.id);
      const live = await tx.whitelist.listRules(p.accountId);
      const rules: WhitelistRule[] = [];
      const whitelisted: string[] = [], kept: { alertId: string; reason: string }[] = [];
      for (const a of await alertsOf(tx, e)) {
        if (a.status === "blocked") {
          kept.push({ alertId: a.id, reason: "a precision-defence (Blocked) alert is never changed" });
          continue;
        }
        const rule = ruleFor(a, whitelistFields(a.type));
        if (!rule) {
          kept.push({ alertId: a.id, reason: `it has none of its type's whitelist fields (${whitelistFields(a.type).join(", ")})` });
          continue;
        }
        const same = (r: WhitelistRule) => r.alertType === a.type && r.assetId === a.assetId && r.field === rule.field && r.operator === "equals" && r.value === rule.value;
        let r = [...rules, ...live].find(same);
        if (!r) {
          r = { id: newId("wlr", now), accountId: p.accountId, alertType: a.type, field: rule.field, operator: "equals", value: rule.value, assetId: a.assetId, note: `whitelisted from event ${e.id}${req.body.remark ? `: ${req.body.remark}` : ""}`.slice(0, 500), createdBy: p.actor, createdAt: now, deletedAt: null };
          await tx.whitelist.insertRule(r);
          rules.push(r);
        }
        if (a.status !== "whitelisted_manual" && a.status !== "whitelisted_auto") {
          await transition(tx, a, "whitelisted_manual", { actor: p.actor, how: `whitelisted from event ${e.id}: ${rule.field}=${rule.value} on this asset`, remark: req.body.remark }, now, { whitelistedBy: `rule:${r.id}` });
        }
        // a whitelisted source is never kept blocked: lift the blocks this alert caused
        for (const pol of (await tx.policies.list(p.accountId, { assetId: a.assetId, ip: a.sourceIp ?? "", limit: 50, offset: 0 })).items) {
          if (!a.sourceIp || pol.alertId !== a.id || (pol.status !== "active" && pol.status !== "pending")) continue;
          await deps.policies.disable(tx, p.accountId, pol.id, `${p.actor} (event whitelisted)`, now);
          wake.add(pol.assetId);
        }
        await tx.events.removeAlert(e.id, a.id);
        whitelisted.push(a.id);
      }
      // the overview, entities and edges are rebuilt from the alerts that stay, so the whitelisted ones' entities stop joining
      let next = whitelisted.length ? await correlator.recomputeEvent(tx, e, now) : e;
      await activity(tx, p, next, "whitelist", `whitelisted ${whitelisted.length} alert(s) with ${rules.length} new custom rule(s)${rules.length ? ` (${rules.map((r) => r.id).join(", ")})` : ""}${kept.length ? `; ${kept.length} alert(s) stay` : ""}`, req.body.remark, now);
      // nothing left to handle: a false positive, closed (it can take no alert now)
      if (next.alertCount === 0 && next.status !== "handled") next = await markEventHandled(tx, next, "whitelisted from the event (false positive)", p.actor, req.body.remark, now);
      return { event: next, rules, whitelisted, kept };
    });
    for (const id of wake) deps.notify(id);
    await auditFor(deps.audit, req, "event.whitelist", req.params.id, { rules: out.rules.map((r) => r.id), alerts: out.whitelisted, remark: req.body.remark });
    return {
      event: overview(out.event, await store.events.entities(out.event.id), await names(p.accountId)),
      rules: out.rules.map((r) => ({ id: r.id, alertType: r.alertType, field: r.field, value: r.value, assetId: r.assetId })),
      whitelisted: out.whitelisted, kept: out.kept,
    };
  });

  // --- entities (EVT-5) ---

  app.get("/api/v1/entities", {
    config: { access: "viewer" },
    schema: {
      tags: ["events"], description: "EVT-5: every entity of the last 30 days's events (addresses, hosts, accounts, processes, files, domains, URLs), most recent first, with how many events hold it.",
      querystring: z.object({ kind: z.enum(["ip", "host", "account", "process", "file", "domain", "url"]).optional(), q: z.string().max(200).optional().describe("Text in the entity (case-insensitive)."), malicious: z.enum(["true", "false"]).optional(), limit: z.coerce.number().int().min(1).max(500).default(100), offset: z.coerce.number().int().min(0).default(0) }),
      response: { 200: z.object({ items: z.array(z.object({ key: z.string(), kind: z.string(), label: z.string(), malicious: z.boolean(), assetId: z.string().nullable(), hostname: z.string().nullable(), firstSeen: z.string(), lastSeen: z.string(), events: z.number() })), total: z.number(), truncated: z.boolean().describe(`Only the newest ${SCAN_MAX} events were read.`) }) },
    },
  }, async (req) => {
    const p = principal(req);
    const since = clock.now() - ENTITY_WINDOW;
    const { items: evs, total } = await scan(p.accountId, { from: since, to: clock.now() }, SCAN_MAX);
    const needle = req.query.q?.trim().toLowerCase();
    const byKey = new Map<string, { x: EventEntity; events: number }>();
    for (const e of evs) {
      for (const x of await store.events.entities(e.id)) {
        if (x.lastSeen < since || (req.query.kind && x.kind !== req.query.kind) || (needle && !x.label.toLowerCase().includes(needle))) continue;
        if (req.query.malicious && String(x.malicious) !== req.query.malicious) continue;
        const seen = byKey.get(x.key);
        if (!seen) byKey.set(x.key, { x: { ...x }, events: 1 });
        else {
          seen.events++;
          seen.x.firstSeen = Math.min(seen.x.firstSeen, x.firstSeen);
          seen.x.lastSeen = Math.max(seen.x.lastSeen, x.lastSeen);
          seen.x.malicious ||= x.malicious;
        }
      }
    }
    const all = [...byKey.values()].sort((a, b) => b.x.lastSeen - a.x.lastSeen || a.x.key.localeCompare(b.x.key));
    const n = await names(p.accountId);
    return {
      items: all.slice(req.query.offset, req.query.offset + req.query.limit).map(({ x, events }) => ({ key: x.key, kind: x.kind, label: x.label, malicious: x.malicious, assetId: x.assetId, hostname: x.assetId ? (n.hosts.get(x.assetId) ?? null) : null, firstSeen: iso(x.firstSeen)!, lastSeen: iso(x.lastSeen)!, events })),
      total: all.length, truncated: total > evs.length,
    };
  });

  app.get("/api/v1/entities/:key/events", {
    config: { access: "viewer" },
    schema: {
      tags: ["events"], description: "EVT-5: one entity (its key, URL-encoded) with its events, its alerts and the handling tasks of the last 30 days.",
      params: z.object({ key: z.string().max(2000) }),
      response: {
        200: z.object({
          entity: z.object({ key: z.string(), kind: z.string(), label: z.string(), malicious: z.boolean(), firstSeen: z.string(), lastSeen: z.string(), assets: z.array(z.object({ id: z.string(), hostname: z.string().nullable() })) }),
          events: z.array(overviewSchema), alerts: z.array(alertSchema),
          tasks: z.array(eventTask),
        }),
        404: errorSchema,
      },
    },
  }, async (req) => {
    const p = principal(req);
    const key = req.params.key;
    const since = clock.now() - ENTITY_WINDOW;
    const evs = await store.events.eventsWithEntity(p.accountId, key, since, 200);
    if (evs.length === 0) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no event of the last 30 days holds the entity ${key}`);
    const n = await names(p.accountId);
    let entity: EventEntity | null = null;
    const assets = new Set<string>();
    const events: Overview[] = [], alerts: Alert[] = [], tasks: z.infer<typeof eventTask>[] = [];
    const alertIds = new Set<string>();
    for (const e of evs) {
      const entities = await store.events.entities(e.id);
      const x = entities.find((y) => y.key === key);
      if (x) {
        const prev: EventEntity = entity ?? x;
        entity = { ...prev, firstSeen: Math.min(prev.firstSeen, x.firstSeen), lastSeen: Math.max(prev.lastSeen, x.lastSeen), malicious: prev.malicious || x.malicious };
        if (x.assetId) assets.add(x.assetId);
      }
      events.push(overview(e, entities, n));
      for (const edge of await store.events.edges(e.id)) if (edge.from === key || edge.to === key) alertIds.add(edge.alertId);
      for (const a of await store.events.activity(p.accountId, e.id)) {
        if (a.action === "task" && a.at >= since) tasks.push({ kind: "event_task", id: a.id, assetId: null, what: a.detail, status: "recorded", at: iso(a.at)!, result: a.remark || null });
      }
    }
    if (!entity) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no event of the last 30 days holds the entity ${key}`);
    for (const id of alertIds) {
      const a = await store.alerts.get(p.accountId, id);
      if (a && a.lastSeen >= since) {
        alerts.push(a);
        assets.add(a.assetId);
      }
    }
    alerts.sort((a, b) => b.lastSeen - a.lastSeen);
    // the tasks that acted on it: blocks of an address, agent actions naming its path or address
    if (entity.kind === "ip") {
      for (const pol of (await store.policies.list(p.accountId, { ip: entity.label, limit: 200, offset: 0 })).items) {
        if (pol.createdAt >= since || pol.updatedAt >= since) tasks.push({ kind: "ip_policy", id: pol.id, assetId: pol.assetId, what: `block ${pol.ip} (${pol.reason})`, status: pol.status, at: iso(pol.createdAt)!, result: pol.lastResult });
      }
    }
    for (const assetId of assets) {
      for (const act of (await store.actions.list(p.accountId, { agentId: assetId, limit: 200, offset: 0 })).items) {
        if (act.createdAt < since || act.policyId !== null) continue;
        if (act.params.path !== entity.label && act.params.ip !== entity.label) continue;
        tasks.push({ kind: "agent_action", id: act.id, assetId: act.agentId, what: `${act.type} ${act.params.path ?? act.params.ip ?? ""}`.trim(), status: act.status, at: iso(act.createdAt)!, result: act.result });
      }
    }
    tasks.sort((a, b) => b.at.localeCompare(a.at));
    return {
      entity: { key: entity.key, kind: entity.kind, label: entity.label, malicious: entity.malicious, firstSeen: iso(entity.firstSeen)!, lastSeen: iso(entity.lastSeen)!, assets: [...assets].map((id) => assetRef(n, id)) },
      events, alerts: alerts.map(alertDto), tasks,
    };
  });
}

/** EVT-5 affected assets: per asset, events by severity, open ones, the latest. */
function affectedAssets(events: SecurityEvent[]): { id: string; events: number; bySeverity: Record<string, number>; open: number; lastSeen: number }[] {
  const by = new Map<string, { id: string; events: number; bySeverity: Record<string, number>; open: number; lastSeen: number }>();
  for (const e of events) {
    for (const id of new Set(e.assetIds)) {
      let a = by.get(id);
      if (!a) by.set(id, (a = { id, events: 0, bySeverity: { critical: 0, high: 0, medium: 0, low: 0 }, open: 0, lastSeen: 0 }));
      a.events++;
      a.bySeverity[e.severity] = (a.bySeverity[e.severity] ?? 0) + 1;
      if (e.status !== "handled") a.open++;
      a.lastSeen = Math.max(a.lastSeen, e.lastSeen);
    }
  }
  return [...by.values()].sort((a, b) => b.events - a.events || (b.bySeverity.critical ?? 0) - (a.bySeverity.critical ?? 0) || b.lastSeen - a.lastSeen);
}

/**
 * EVT-9: the rule that whitelists alerts like this one: its type, on its asset, where the
 * type's whitelist field equals this alert's value. Rules are OR-ed, so a type with several
 * whitelist fields gets one rule on its most specific field (a content hash), not one per field.
 */
function ruleFor(a: Alert, fields: readonly string[]): { field: string; value: string } | null {
  const values = whitelistFieldsOf(a, fields);
  const field = Object.keys(values).find((f) => /(^|\.)(hash|md5|sha256)(\.|$)/.test(f)) ?? Object.keys(values)[0];
  return field === undefined ? null : { field, value: values[field]! };
}
