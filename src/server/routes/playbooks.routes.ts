import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { UserError, ErrorCodes } from "../../core/index.ts";
import { playbookTargetSchema, planPlaybook, runPlaybook, type PlaybookRunOptions } from "../../response/index.ts";
import { loadPlaybooks, PLAYBOOKS_DIR } from "../../../content/playbooks.ts";
import { principal, auditFor } from "../auth.ts";
import { agentChannelEndpoint, errorSchema, type RouteDeps } from "./common.ts";

const stepDto = z.object({ action: z.string(), name: z.string().optional(), params: z.record(z.string(), z.unknown()), when: z.record(z.string(), z.unknown()).optional(), continueOnError: z.boolean() });
const playbookDto = z.object({ id: z.string(), name: z.string(), description: z.string(), target: z.string(), builtIn: z.boolean(), source: z.string(), steps: z.array(stepDto) });
const planDto = z.object({
  playbook: z.object({ id: z.string(), name: z.string(), target: z.string() }),
  target: z.record(z.string(), z.unknown()).describe("The target's typed fields the steps were resolved from."),
  steps: z.array(z.object({
    step: z.number(), name: z.string(), action: z.string(), assetId: z.string(), hostname: z.string(),
    status: z.enum(["queue", "skipped", "invalid"]).describe("queue: would be / was queued; skipped: a condition or policy says no; invalid: parameters refused."),
    params: z.record(z.string(), z.unknown()).nullable(), reason: z.string().nullable(), continueOnError: z.boolean(),
  })),
});
const runBody = z.object({
  target: playbookTargetSchema.describe("The entity acted on, of the playbook's target type: {kind: ip, ip} | {kind: host} | {kind: file, path, sha256} | {kind: process, pid, start, sha256?, executable?} | {kind: account, name}."),
  assetIds: z.array(z.string().max(80)).min(1).max(100).describe("The assets (agents) the steps run on."),
  validitySeconds: z.number().int().min(1).max(365 * 86400).optional().describe("Overrides the validity period of every step that has one (block, web deny, isolation)."),
});

/**
 * EVT-10 playbooks: the shipped ones and custom YAML files of the playbook directories (read
 * on each request, so a new file shows without a restart), a dry run, and a run that queues
 * the steps as agent actions — whose status and result are GET /api/v1/actions (RSP-1).
 */
export async function playbooksRoutes(root: FastifyInstance, deps: RouteDeps, dirs: string[] = [PLAYBOOKS_DIR]): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, clock } = deps;

  const find = (id: string) => {
    const pb = loadPlaybooks(dirs).playbooks.find((p) => p.id === id);
    if (!pb) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no playbook ${id} (an invalid file is listed with its error by GET /api/v1/playbooks)`);
    return pb;
  };
  const channel = (): PlaybookRunOptions["channel"] => agentChannelEndpoint(deps.agentUrl());
  const options = (accountId: string, body: z.infer<typeof runBody>): PlaybookRunOptions => ({ accountId, assetIds: body.assetIds, target: body.target, validitySeconds: body.validitySeconds, channel: channel(), now: clock.now() });

  app.get("/api/v1/playbooks", {
    config: { access: "viewer" },
    schema: { tags: ["response"], description: "EVT-10: built-in and custom playbooks, and the playbook files that failed validation with why.", response: { 200: z.object({ items: z.array(playbookDto), errors: z.array(z.object({ source: z.string(), message: z.string() })) }) } },
  }, async () => {
    const { playbooks, errors } = loadPlaybooks(dirs);
    return { items: playbooks.map((p) => ({ id: p.id, name: p.name, description: p.description, target: p.target, builtIn: p.builtIn, source: p.source, steps: p.steps })), errors };
  });

  app.post("/api/v1/playbooks/:id/dry-run", {
    config: { access: "viewer" },
    schema: { tags: ["response"], description: "EVT-10 dry run: each step on each asset with its resolved parameters, or why it is skipped or refused. Nothing is queued.", params: z.object({ id: z.string().max(64) }), body: runBody, response: { 200: planDto, 400: errorSchema, 404: errorSchema } },
  }, async (req) => {
    const pb = find(req.params.id);
    return store.transaction((tx) => planPlaybook(tx, pb, options(principal(req).accountId, req.body), deps.policies));
  });

  app.post("/api/v1/playbooks/:id/run", {
    config: { access: "analyst" },
    schema: {
      tags: ["response"], description: "EVT-10: queues the playbook's steps as agent actions in one transaction (all or nothing; a refused step refuses the run unless it says continueOnError). Tasks are GET /api/v1/actions.",
      params: z.object({ id: z.string().max(64) }), body: runBody,
      response: { 200: z.object({ tasks: z.array(z.object({ id: z.string(), assetId: z.string(), type: z.string(), policyId: z.string().nullable(), step: z.number() })), plan: planDto }), 400: errorSchema, 404: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    const pb = find(req.params.id);
    const run = await store.transaction((tx) => runPlaybook(tx, pb, options(p.accountId, req.body), p.actor, deps.policies));
    for (const agentId of new Set(run.tasks.map((t) => t.assetId))) deps.notify(agentId);
    await auditFor(deps.audit, req, "playbook.run", pb.id, { target: req.body.target, assetIds: req.body.assetIds, tasks: run.tasks.map((t) => t.actionId), skipped: run.plan.steps.filter((s) => s.status !== "queue").length });
    return { tasks: run.tasks.map((t) => ({ id: t.actionId, assetId: t.assetId, type: t.type, policyId: t.policyId, step: t.step })), plan: run.plan };
  });
}
