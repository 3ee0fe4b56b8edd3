import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { DayCount } from "../../core/index.ts";
import { principal } from "../auth.ts";
import { iso, type RouteDeps } from "./common.ts";

const DAY = 86_400_000;
/** An agent long-polls every ~25 s; one silent for 2 minutes is offline. */
export const ONLINE_WINDOW_MS = 120_000;
/** BF-3: the alert types of a brute-force attack. */
export const BRUTE_FORCE_TYPES = ["ssh_brute_force", "rdp_brute_force", "ftp_brute_force", "mysql_brute_force", "slow_brute_force", "distributed_brute_force", "logon_scan_accounts", "logon_scan_hosts", "logon_after_brute_force"];
const SEVERITIES = ["critical", "high", "medium", "low"] as const;
const STATUSES = ["unhandled", "handled", "blocked", "whitelisted_manual", "whitelisted_auto", "expired"] as const;

const daysQuery = z.object({ days: z.enum(["7", "30", "90"]).default("7").describe("Window: the last 7, 30 or 90 UTC days, today included.") });
/** One row per UTC day: { day: "YYYY-MM-DD", <key>: count, … } for every key. */
const perDay = (keys: readonly string[]) => z.array(z.record(z.string(), z.union([z.string(), z.number()]))).describe(`Per UTC day: day (YYYY-MM-DD), ${keys.join(", ")}.`);
const windowSchema = z.object({ days: z.number(), from: z.string(), to: z.string() });
const sourceSchema = z.object({ ip: z.string(), alerts: z.number(), attempts: z.number().describe("Sum of the alerts' counts."), assets: z.number(), lastSeen: z.string(), blocked: z.boolean().describe("A pending or active block exists."), blocks: z.number().describe("Blocks ever made for it.") });
const assetSchema = z.object({ assetId: z.string(), hostname: z.string().nullable(), alerts: z.number(), attempts: z.number(), sources: z.number(), lastSeen: z.string() });

/** Dense per-day rows from sparse (day, key, n) buckets: every day of the window, every key, zeros included. */
function fill(from: number, days: number, keys: readonly string[], rows: DayCount[], map: (k: string) => string | null = (k) => k): Record<string, string | number>[] {
  const out = Array.from({ length: days }, (_, i) => ({ day: new Date(from + i * DAY).toISOString().slice(0, 10), ...Object.fromEntries(keys.map((k) => [k, 0])) }) as Record<string, string | number>);
  for (const r of rows) {
    const k = map(r.key);
    const row = out[Math.floor((r.day - from) / DAY)];
    if (row && k !== null && k in row) row[k] = (row[k] as number) + r.n;
  }
  return out;
}

/** Console charts: overview (alerts, blocks, tops, totals) and the BF-3 attack analysis. */
export async function statsRoutes(root: FastifyInstance, deps: RouteDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, clock } = deps;

  /** The last `days` UTC days, today included: [from, to). */
  const window = (days: number) => {
    const today = Math.floor(clock.now() / DAY) * DAY;
    const from = today - (days - 1) * DAY;
    return { days, from, to: today + DAY };
  };
  const hostnames = async (accountId: string) => new Map((await store.agents.list(accountId)).map((a) => [a.id, a.hostname]));
  const sources = async (accountId: string, w: { from: number; to: number }, types: string[] | undefined, limit: number) => {
    const tops = await store.stats.topSources(accountId, { ...w, types, limit });
    const blocks = await store.stats.blocksOf(accountId, tops.map((t) => t.key));
    return tops.map((t) => ({ ip: t.key, alerts: t.alerts, attempts: t.attempts, assets: t.spread, lastSeen: iso(t.lastSeen)!, blocked: (blocks[t.key]?.live ?? 0) > 0, blocks: blocks[t.key]?.total ?? 0 }));
  };

  app.get("/api/v1/stats/overview", {
    config: { access: "viewer" },
    schema: {
      tags: ["stats"], description: "Overview charts: alerts per UTC day (first occurrence) by severity and status, blocks per day, the most attacked assets and most active sources (alerts active in the window), and current totals.",
      querystring: daysQuery,
      response: { 200: z.object({
        window: windowSchema,
        alertsBySeverity: perDay(SEVERITIES), alertsByStatus: perDay(STATUSES), blocks: perDay(["blocks"]),
        topAssets: z.array(assetSchema), topSources: z.array(sourceSchema),
        totals: z.object({ unhandled: z.number(), unhandledCritical: z.number(), alerts: z.number(), activeBlocks: z.number(), pendingBlocks: z.number(), blocksInWindow: z.number(), assetsOnline: z.number(), assetsOffline: z.number(), onlineWindowSeconds: z.number() }),
      }) },
    },
  }, async (req) => {
    const acc = principal(req).accountId;
    const w = window(Number(req.query.days));
    const [sev, st, bl, assets, names, tops, t] = await Promise.all([
      store.stats.alertsPerDay(acc, "severity", w), store.stats.alertsPerDay(acc, "status", w), store.stats.blocksPerDay(acc, w),
      store.stats.topAssets(acc, { ...w, limit: 10 }), hostnames(acc), sources(acc, w, undefined, 10), store.stats.totals(acc, clock.now() - ONLINE_WINDOW_MS),
    ]);
    const alertsBySeverity = fill(w.from, w.days, SEVERITIES, sev);
    const blocks = fill(w.from, w.days, ["blocks"], bl, () => "blocks");
    return {
      window: { days: w.days, from: iso(w.from)!, to: iso(w.to)! },
      alertsBySeverity, alertsByStatus: fill(w.from, w.days, STATUSES, st), blocks,
      topAssets: assets.map((a) => ({ assetId: a.key, hostname: names.get(a.key) ?? null, alerts: a.alerts, attempts: a.attempts, sources: a.spread, lastSeen: iso(a.lastSeen)! })),
      topSources: tops,
      totals: {
        unhandled: t.unhandled, unhandledCritical: t.unhandledCritical, alerts: sev.reduce((s, r) => s + r.n, 0), activeBlocks: t.liveBlocks, pendingBlocks: t.pendingBlocks,
        blocksInWindow: bl.reduce((s, r) => s + r.n, 0), assetsOnline: t.assetsOnline, assetsOffline: t.assetsOffline, onlineWindowSeconds: ONLINE_WINDOW_MS / 1000,
      },
    };
  });

  app.get("/api/v1/stats/attacks", {
    config: { access: "viewer" },
    schema: {
      tags: ["stats"], description: "BF-3 attack analysis: brute-force alerts (SSH, RDP, FTP and MySQL brute force, slow and distributed brute force, logon scanning, logon after brute force) and blocks per UTC day, top sources with their attempts and block status, and a per-asset breakdown.",
      querystring: daysQuery,
      response: { 200: z.object({
        window: windowSchema,
        perDay: perDay([...BRUTE_FORCE_TYPES, "blocks"]),
        topSources: z.array(sourceSchema),
        assets: z.array(assetSchema.extend({ blocks: z.number(), online: z.boolean() })),
        totals: z.object({ attacks: z.number(), attempts: z.number(), sources: z.number(), blocks: z.number(), successfulLogons: z.number() }),
      }) },
    },
  }, async (req) => {
    const acc = principal(req).accountId;
    const w = window(Number(req.query.days));
    const q = { ...w, types: BRUTE_FORCE_TYPES };
    const [byType, bl, tops, assets, blocksPerAsset, agents] = await Promise.all([
      store.stats.alertsPerDay(acc, "type", q), store.stats.blocksPerDay(acc, w), sources(acc, w, BRUTE_FORCE_TYPES, 20),
      store.stats.topAssets(acc, { ...q, limit: 100 }), store.stats.blocksPerAsset(acc, w), store.agents.list(acc),
    ]);
    const days = fill(w.from, w.days, BRUTE_FORCE_TYPES, byType);
    const blocksByDay = fill(w.from, w.days, ["blocks"], bl, () => "blocks");
    const agentOf = new Map(agents.map((a) => [a.id, a]));
    const online = (id: string) => { const a = agentOf.get(id); return !!a && a.revokedAt === null && (a.lastSeenAt ?? 0) >= clock.now() - ONLINE_WINDOW_MS; };
    return {
      window: { days: w.days, from: iso(w.from)!, to: iso(w.to)! },
      perDay: days.map((d, i) => ({ ...d, blocks: blocksByDay[i]!.blocks ?? 0 })),
      topSources: tops,
      assets: assets.map((a) => ({ assetId: a.key, hostname: agentOf.get(a.key)?.hostname ?? null, alerts: a.alerts, attempts: a.attempts, sources: a.spread, lastSeen: iso(a.lastSeen)!, blocks: blocksPerAsset[a.key] ?? 0, online: online(a.key) })),
      totals: {
        attacks: byType.reduce((s, r) => s + r.n, 0),
        attempts: assets.reduce((s, a) => s + a.attempts, 0),
        sources: (await store.stats.topSources(acc, { ...q, limit: 10_000 })).length,
        blocks: bl.reduce((s, r) => s + r.n, 0),
        successfulLogons: byType.filter((r) => r.key === "logon_after_brute_force").reduce((s, r) => s + r.n, 0),
      },
    };
  });
}
