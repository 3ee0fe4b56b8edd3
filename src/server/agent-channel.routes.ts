import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { newId, UserError, ErrorCodes, type Agent, type Clock, type Store } from "../core/index.ts";
import { actionResult, enrolRequest, telemetryBatch, agentAction, type BatchResult } from "../protocol/index.ts";
import type { ActionHub } from "./action-hub.ts";
import { onEventTaskResult, type IpPolicyService } from "../response/index.ts";
import { parseEnrolToken, randomSecret, safeEqualHex, sha256hex } from "./secrets.ts";
import type { Pki } from "./pki.ts";

export interface AgentChannelDeps {
  store: Store;
  clock: Clock;
  /** AGT-9: a batch in — stored and detected (standalone), or durable on the bus (cluster) — before the agent hears back. */
  accept: (agent: Agent, records: unknown[], dropped: number) => Promise<BatchResult>;
  hub: ActionHub;
  policies: IpPolicyService;
  pki: Pki;
  pollWait: number;
}

declare module "fastify" {
  interface FastifyRequest {
    agent?: Agent;
  }
}

function parse<T extends z.ZodType>(schema: T, v: unknown): z.infer<T> {
  const r = schema.safeParse(v);
  if (!r.success) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, r.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
  return r.data;
}

/** AGT-1: every agent request after enrolment carries `Bearer <agentId>.<secret>`. */
async function authenticate(store: Store, req: FastifyRequest): Promise<Agent> {
  const h = req.headers.authorization;
  const m = h ? /^Bearer ([A-Za-z0-9_]{1,80})\.([A-Za-z0-9_-]{16,128})$/.exec(h) : null;
  if (!m) throw new UserError("unauthenticated", ErrorCodes.AUTH_MISSING, "agent credential missing (Authorization: Bearer <agentId>.<secret>)");
  const agent = await store.agents.get(m[1]!);
  if (!agent || !safeEqualHex(agent.credentialHash, sha256hex(m[2]!))) throw new UserError("unauthenticated", ErrorCodes.AUTH_INVALID, "agent credential not valid");
  if (agent.revokedAt !== null) throw new UserError("unauthenticated", ErrorCodes.AGENT_REVOKED, "this agent was revoked; enrol it again with a new token");
  return agent;
}

/** The agent channel (served over TLS with the server's own CA). */
export async function agentChannelRoutes(app: FastifyInstance, deps: AgentChannelDeps): Promise<void> {
  const { store, clock } = deps;

  app.get("/agent/v1/ca", async (_req, reply) => {
    reply.type("application/x-pem-file").send(deps.pki.caCertPem);
  });

  app.post("/agent/v1/enrol", async (req) => {
    const body = parse(enrolRequest, req.body);
    const tok = parseEnrolToken(body.token);
    if (!tok) throw new UserError("unauthenticated", ErrorCodes.ENROL_TOKEN_INVALID, "enrolment token is malformed");
    if (tok.caFingerprint !== deps.pki.caFingerprint) throw new UserError("unauthenticated", ErrorCodes.ENROL_TOKEN_INVALID, "enrolment token was made for another server");
    const now = clock.now();
    return store.transaction(async (tx) => {
      const t = await tx.enrolTokens.findByHash(sha256hex(tok.secret));
      if (!t || t.usedAt !== null || t.expiresAt <= now) throw new UserError("unauthenticated", ErrorCodes.ENROL_TOKEN_INVALID, "enrolment token is unknown, used or expired; create a new one with `hostward token create`");
      const agentId = newId("ag", now);
      const secret = randomSecret(32);
      if (!(await tx.enrolTokens.consume(t.id, agentId, now))) throw new UserError("unauthenticated", ErrorCodes.ENROL_TOKEN_INVALID, "enrolment token was already used");
      await tx.agents.insert({ id: agentId, accountId: t.accountId, hostname: body.hostname, version: body.version, os: body.os, enrolledAt: now, lastSeenAt: now, revokedAt: null, credentialHash: sha256hex(secret), rejectedRecords: 0, droppedRecords: 0 });
      return { agentId, secret, accountId: t.accountId };
    });
  });

  app.post("/agent/v1/telemetry", async (req) => {
    const agent = await authenticate(store, req);
    const batch = parse(telemetryBatch, req.body);
    return deps.accept(agent, batch.records, batch.dropped ?? 0);
  });

  app.get("/agent/v1/actions", async (req) => {
    const agent = await authenticate(store, req);
    const q = parse(z.object({ wait: z.coerce.number().int().min(0).max(60_000).optional() }), req.query);
    const wait = Math.min(q.wait ?? deps.pollWait, deps.pollWait);
    await store.agents.touch(agent.id, clock.now());
    let actions = await store.actions.takeQueued(agent.id, clock.now(), 50);
    if (actions.length === 0 && wait > 0) {
      const ac = new AbortController();
      req.raw.once("close", () => ac.abort());
      await deps.hub.wait(agent.id, wait, ac.signal);
      if (!ac.signal.aborted) actions = await store.actions.takeQueued(agent.id, clock.now(), 50);
    }
    // A block's timeout is counted from now, not from when it was queued, so a late
    // delivery never outlives its policy; a block whose policy ended meanwhile is not sent.
    const out = [];
    const now = clock.now();
    for (const a of actions) {
      let params = a.params;
      if (a.type === "block_ip" && a.policyId) {
        const p = await store.policies.get(agent.accountId, a.policyId);
        if (!p || (p.status !== "pending" && p.status !== "active") || (p.expiresAt !== null && p.expiresAt <= now)) {
          await store.actions.finish(a.id, agent.id, "failed", "not sent: its policy ended before the agent collected it", now);
          continue;
        }
        params = p.expiresAt === null ? { ip: a.params.ip } : { ip: a.params.ip, timeoutSeconds: Math.max(1, Math.ceil((p.expiresAt - now) / 1000)) };
      }
      out.push(agentAction.parse({ id: a.id, type: a.type, params }));
    }
    return { actions: out };
  });

  app.post("/agent/v1/actions/:id/result", async (req) => {
    const agent = await authenticate(store, req);
    const { id } = parse(z.object({ id: z.string().max(80) }), req.params);
    const body = parse(actionResult, req.body);
    const now = clock.now();
    await store.transaction(async (tx) => {
      const a = await tx.actions.finish(id, agent.id, body.status, body.result, now);
      if (a) await deps.policies.onActionResult(tx, a, now);
      // EVT-7: the task of an event's resolution this action carries out, and the event's status
      if (a) await onEventTaskResult(tx, a, now);
    });
    return { ok: true };
  });
}
