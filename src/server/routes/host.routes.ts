import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { UserError, ErrorCodes } from "../../core/index.ts";
import { principal } from "../auth.ts";
import { errorSchema, iso, type RouteDeps } from "./common.ts";

const SCAN = 5000;

/** AGT-3/AGT-4: an asset's processes and connections as its agent last reported them. */
export async function hostRoutes(root: FastifyInstance, deps: RouteDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store } = deps;
  const asset = async (accountId: string, id: string) => {
    if (!(await store.agents.getIn(accountId, id))) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no asset ${id}`);
  };

  app.get("/api/v1/assets/:id/processes", {
    config: { access: "viewer" },
    schema: {
      tags: ["assets"], description: "AGT-3: the asset's processes the agent reported (new ones and busy ones), newest first, the latest record of each; exited ones left out. Command lines and paths are attacker-controlled text.",
      params: z.object({ id: z.string() }), querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) }),
      response: { 200: z.object({ items: z.array(z.object({ seenAt: z.string(), action: z.string(), process: z.record(z.string(), z.unknown()), session: z.unknown().optional() })) }), 404: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    await asset(p.accountId, req.params.id);
    const records = await store.telemetry.recent(req.params.id, "process", SCAN);
    const seen = new Set<string>();
    const items = [];
    for (const r of records) {
      const b = r.body as { event: { action: string }; process: { pid: number; start?: number }; session?: unknown };
      const key = `${b.process.pid}:${b.process.start ?? ""}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (b.event.action === "exit") continue;
      items.push({ seenAt: iso(r.ts)!, action: b.event.action, process: b.process as Record<string, unknown>, ...(b.session ? { session: b.session } : {}) });
      if (items.length >= req.query.limit) break;
    }
    return { items };
  });

  app.get("/api/v1/assets/:id/connections", {
    config: { access: "viewer" },
    schema: {
      tags: ["assets"], description: "AGT-4: the asset's network connections per process as last reported (closed ones left out), newest first.",
      params: z.object({ id: z.string() }), querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) }),
      response: { 200: z.object({ items: z.array(z.object({ seenAt: z.string(), action: z.string(), network: z.unknown(), source: z.unknown(), destination: z.unknown(), process: z.unknown().optional(), firstSeen: z.string(), lastSeen: z.string() })) }), 404: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    await asset(p.accountId, req.params.id);
    const records = await store.telemetry.recent(req.params.id, "connection", SCAN);
    const seen = new Set<string>();
    const items = [];
    for (const r of records) {
      const b = r.body as { event: { action: string }; network: { transport: string }; source: { ip: string; port: number }; destination: { ip: string; port: number }; process?: unknown; firstSeen: number; lastSeen: number };
      const key = `${b.network.transport} ${b.source.ip}:${b.source.port} ${b.destination.ip}:${b.destination.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (b.event.action === "closed") continue;
      items.push({ seenAt: iso(r.ts)!, action: b.event.action, network: b.network, source: b.source, destination: b.destination, ...(b.process ? { process: b.process } : {}), firstSeen: iso(b.firstSeen)!, lastSeen: iso(b.lastSeen)! });
      if (items.length >= req.query.limit) break;
    }
    return { items };
  });
}
