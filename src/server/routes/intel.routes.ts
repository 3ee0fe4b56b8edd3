import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { INDICATOR_KINDS, type IndicatorKind } from "../../intel/index.ts";
import { auditFor } from "../auth.ts";
import type { RouteDeps } from "./common.ts";

const match = z.object({ kind: z.string(), indicator: z.string(), list: z.string(), category: z.string(), provenance: z.string(), note: z.string().optional(), ref: z.string().optional(), via: z.string().optional() });

/** PRC-1: look an indicator up in the intel lists; what is loaded; reload now. */
export async function intelRoutes(root: FastifyInstance, deps: RouteDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const kinds = [...INDICATOR_KINDS] as [IndicatorKind, ...IndicatorKind[]];

  app.get("/api/v1/intel/lookup", {
    config: { access: "viewer" },
    schema: {
      tags: ["intel"], description: "Looks a value up in every intel list (shipped and operators' feeds): an IP, domain, URL, file hash, port, process name or command line. Without `kind` the kind is guessed.",
      querystring: z.object({ value: z.string().min(1).max(2048), kind: z.enum(kinds).optional() }),
      response: { 200: z.object({ kind: z.string().nullable(), value: z.string(), matches: z.array(match) }) },
    },
  }, async (req) => {
    const { value, kind } = req.query;
    return kind ? { kind, value, matches: deps.intel.lookupIndicator(kind, value) } : deps.intel.lookupAny(value);
  });

  const source = z.object({
    name: z.string(), path: z.string(), shipped: z.boolean(), format: z.string().nullable(), kinds: z.array(z.string()), categories: z.array(z.string()), provenance: z.string(),
    entries: z.number(), rejected: z.number(), skipped: z.number(), problems: z.array(z.string()), loadedAt: z.number().nullable(), error: z.string().nullable(), stale: z.boolean(),
  });
  const status = z.object({ loadedAt: z.number().nullable(), checkedAt: z.number().nullable(), entries: z.number(), byKind: z.record(z.string(), z.number()), sources: z.array(source) });
  app.get("/api/v1/intel/sources", { config: { access: "viewer" }, schema: { tags: ["intel"], description: "Every intel list loaded: entries, rejected lines, errors, when loaded.", response: { 200: status } } }, async () => deps.intel.status());

  app.post("/api/v1/intel/reload", { config: { access: "admin" }, schema: { tags: ["intel"], description: "Reloads every list now (they are also reloaded when a file changes).", response: { 200: status } } }, async (req) => {
    const s = deps.intel.reload();
    await auditFor(deps.audit, req, "intel.reload", null, { entries: s.entries });
    return s;
  });
}
