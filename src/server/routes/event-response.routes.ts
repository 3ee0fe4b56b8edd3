import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { UserError, ErrorCodes, type EventTask, type Store } from "../../core/index.ts";
import { recommend, resolveEvent, resolveItemSchema, type RecommendDeps, type ResolveOptions } from "../../response/index.ts";
import { principal, auditFor } from "../auth.ts";
import { agentChannelEndpoint, errorSchema, iso, type RouteDeps } from "./common.ts";

const idParams = z.object({ id: z.string().max(100) });
const riskSchema = z.object({
  key: z.string(), kind: z.string(), label: z.string(),
  level: z.enum(["critical", "high", "medium", "low"]), score: z.number(),
  suggestion: z.object({ actions: z.array(z.string()), text: z.string() }).describe("The handling suggested (no actions: nothing an agent can do, or already done)."),
  reasons: z.array(z.object({ factor: z.enum(["behaviour", "severity", "reputation", "spread", "recency", "handled"]), points: z.number(), text: z.string() })).describe("Every point of the score, explained."),
});
const itemSchema = z.object({
  entityKey: z.string(), kind: z.string(), label: z.string(), action: z.enum(["block", "kill", "quarantine", "isolate", "lock"]),
  selected: z.boolean().describe("In the recommended plan; the others are offered."), assetIds: z.array(z.string()), accountId: z.string().describe("The destination account."),
  validity: z.string().nullable().describe("6h, 12h, 1d, 7d or permanent; null: the action has none."), target: z.record(z.string(), z.unknown()),
  why: z.string(), unavailable: z.string().nullable().describe("Why it cannot be carried out."),
});
const taskSchema = z.object({
  id: z.string(), resolutionId: z.string(), entityKey: z.string(), action: z.string(), assetId: z.string(), accountId: z.string().describe("The destination account."),
  what: z.string(), status: z.enum(["queued", "succeeded", "failed"]), result: z.string().nullable(), actionId: z.string().nullable(), policyId: z.string().nullable(),
  validUntil: z.string().nullable().describe("When its validity period ends and the agent or the policy library undoes it (RSP-1)."),
  createdBy: z.string(), createdAt: z.string(), finishedAt: z.string().nullable(),
});
const taskDto = (t: EventTask): z.infer<typeof taskSchema> => ({
  id: t.id, resolutionId: t.resolutionId, entityKey: t.entityKey, action: t.action, assetId: t.assetId, accountId: t.targetAccountId, what: t.what, status: t.status, result: t.result,
  actionId: t.actionId, policyId: t.policyId, validUntil: t.validityMs === null ? null : iso(t.createdAt + t.validityMs), createdBy: t.createdBy, createdAt: iso(t.createdAt)!, finishedAt: iso(t.finishedAt),
});

/** EVT-6 risk assessment, EVT-7 recommended handling and resolution, RSP-1 the event's tasks. */
export async function eventResponseRoutes(root: FastifyInstance, deps: RouteDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, clock } = deps;
  const rdeps: RecommendDeps = {
    policies: deps.policies,
    intel: (kind, value) => deps.intel.lookupIndicator(kind === "hash" ? "sha256" : kind, value),
  };
  const channel = (): ResolveOptions["channel"] => agentChannelEndpoint(deps.agentUrl());
  const getEvent = async (s: Store, accountId: string, id: string) => {
    const e = await s.events.get(accountId, id);
    if (!e) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no event ${id}`);
    return e;
  };

  app.get("/api/v1/events/:id/recommendations", {
    config: { access: "viewer" },
    schema: {
      tags: ["events"],
      description: "EVT-6 and EVT-7: the risk of each malicious (or compromised) entity — level, suggestion and the reasons (what it did, worst severity, intel lists naming it, spread over 30 days, recency, what is already handled) — and the recommended handling: an IP blocked on every affected asset (validity by risk: critical 7d, high 1d, medium 12h, low 6h), a process killed and its executable quarantined, a file quarantined, a compromised account locked (7d), a host the attacker ran code on optionally isolated (1d). Edit the items and POST them to /resolve.",
      params: idParams,
      response: { 200: z.object({ eventId: z.string(), status: z.string(), risks: z.array(riskSchema), items: z.array(itemSchema) }), 404: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    // reads only: no transaction (it would hold the writer lock from ingest)
    const e = await getEvent(store, p.accountId, req.params.id);
    const r = await recommend(store, e, rdeps, clock.now());
    return { eventId: e.id, status: e.status, risks: r.risks, items: r.items };
  });

  app.post("/api/v1/events/:id/resolve", {
    config: { access: "analyst" },
    schema: {
      tags: ["events"],
      description: "EVT-7: carries out the chosen items (the recommendation's, with an edited validity period, assets or destination account) as tasks, all queued in one transaction (a refused item refuses all). The event becomes Handling; when every task has succeeded it becomes Handled and its unhandled alerts Handled with the handling info (EVT-8); a failed task makes it Failed with the reason.",
      params: idParams,
      body: z.object({ items: z.array(resolveItemSchema).min(1).max(100), remark: z.string().max(1000).default("") }),
      response: { 200: z.object({ eventId: z.string(), status: z.string(), resolutionId: z.string(), tasks: z.array(taskSchema) }), 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    const now = clock.now();
    const accounts = (await store.accounts.listManaged(p.user.accountId)).map((a) => a.id);
    const r = await store.transaction(async (tx) => resolveEvent(tx, await getEvent(tx, p.accountId, req.params.id), req.body.items, rdeps, { actor: p.actor, remark: req.body.remark, accounts, channel: channel(), now }));
    for (const id of r.wake) deps.notify(id);
    await auditFor(deps.audit, req, "event.resolve", r.event.id, { resolution: r.resolutionId, items: req.body.items, tasks: r.tasks.map((t) => t.id), remark: req.body.remark });
    return { eventId: r.event.id, status: r.event.status, resolutionId: r.resolutionId, tasks: r.tasks.map(taskDto) };
  });

  app.get("/api/v1/events/:id/tasks", {
    config: { access: "viewer" },
    schema: {
      tags: ["events"], description: "RSP-1: the event's handling tasks (every resolution, oldest first) with status and result; a block's policy is in the IP policy library, where it expires and is undone.",
      params: idParams, response: { 200: z.object({ items: z.array(taskSchema) }), 404: errorSchema },
    },
  }, async (req) => {
    const p = principal(req);
    const e = await getEvent(store, p.accountId, req.params.id);
    return { items: (await store.eventTasks.list(p.accountId, e.id)).map(taskDto) };
  });
}
