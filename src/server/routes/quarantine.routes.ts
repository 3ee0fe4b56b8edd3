import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { UserError, ErrorCodes, type QuarantinedFile } from "../../core/index.ts";
import { queueAgentAction, requestRestore } from "../../response/index.ts";
import { principal, auditFor } from "../auth.ts";
import { errorSchema, iso, type RouteDeps } from "./common.ts";

const fileDto = z.object({
  assetId: z.string(), entryId: z.string(),
  originalPath: z.string().describe("Where the file was; attacker-chosen text."),
  sha256: z.string(), md5: z.string().nullable(), size: z.number(), mode: z.string().describe("Octal, e.g. 0644."), uid: z.number(), gid: z.number(),
  quarantinedAt: z.string(), expiresAt: z.string().describe("When the agent purges it (30 days after quarantine)."),
  state: z.enum(["quarantined", "restored", "purged"]), updatedAt: z.string(),
});
const toDto = (f: QuarantinedFile): z.infer<typeof fileDto> => ({
  assetId: f.assetId, entryId: f.entryId, originalPath: f.originalPath, sha256: f.sha256, md5: f.md5, size: f.size,
  mode: `0${f.mode.toString(8).padStart(3, "0")}`, uid: f.uid, gid: f.gid, quarantinedAt: iso(f.quarantinedAt)!, expiresAt: iso(f.expiresAt)!, state: f.state, updatedAt: iso(f.updatedAt)!,
});

/** RSP-2 / WS-7: the file quarantine panel — what the agents' vaults hold — restore, and on-demand web scans (WS-4). */
export async function quarantineRoutes(root: FastifyInstance, deps: RouteDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, clock } = deps;

  app.get("/api/v1/quarantine", {
    config: { access: "viewer" },
    schema: {
      tags: ["quarantine"], description: "RSP-2: files in the agents' quarantine vaults (and those restored or purged), newest first. A file stays restorable for 30 days, then its agent purges it.",
      querystring: z.object({ assetId: z.string().max(100).optional(), state: z.enum(["quarantined", "restored", "purged"]).optional(), limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).default(0) }),
      response: { 200: z.object({ items: z.array(fileDto), total: z.number() }) },
    },
  }, async (req) => {
    const page = await store.quarantine.list(principal(req).accountId, req.query);
    return { items: page.items.map(toDto), total: page.total };
  });

  app.post("/api/v1/quarantine/:assetId/:entryId/restore", {
    config: { access: "analyst" },
    schema: {
      tags: ["quarantine"], description: "RSP-2: puts a quarantined file back at its original path. The agent checks the vault copy's integrity and hash and refuses a path that escapes or a file that exists there; the result arrives as the action's result and a new vault record.",
      params: z.object({ assetId: z.string().max(100), entryId: z.string().max(64) }),
      body: z.object({ remark: z.string().max(1000).default("") }),
      response: { 200: z.object({ actionId: z.string(), file: fileDto }), 404: errorSchema, 409: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    const r = await store.transaction((tx) => requestRestore(tx, p.accountId, req.params.assetId, req.params.entryId, clock.now()));
    deps.notify(req.params.assetId);
    await auditFor(deps.audit, req, "quarantine.restore", req.params.entryId, { assetId: req.params.assetId, path: r.file.originalPath, remark: req.body.remark });
    return { actionId: r.actionId, file: toDto(r.file) };
  });

  app.post("/api/v1/assets/:id/web-scan", {
    config: { access: "analyst" },
    schema: {
      tags: ["quarantine"], description: "WS-4 / AGT-5: a full scan of the asset's watched web directories now (besides the scheduled ones). Findings arrive as alerts.",
      params: z.object({ id: z.string().max(100) }),
      body: z.object({}).default({}),
      response: { 200: z.object({ actionId: z.string() }), 404: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    const agent = await store.agents.getIn(p.accountId, req.params.id);
    if (!agent || agent.revokedAt !== null) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no asset ${req.params.id} in this account (or it is revoked)`);
    const action = await store.transaction((tx) => queueAgentAction(tx, { accountId: p.accountId, agentId: agent.id, type: "scan_web_files", params: {} }, clock.now()));
    deps.notify(agent.id);
    await auditFor(deps.audit, req, "web_scan.run", agent.id);
    return { actionId: action.id };
  });
}
