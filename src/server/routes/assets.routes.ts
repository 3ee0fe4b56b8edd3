import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { newId, parseDuration, UserError, ErrorCodes, type Store } from "../../core/index.ts";
import { principal, auditFor } from "../auth.ts";
import { formatEnrolToken, randomSecret, sha256hex } from "../secrets.ts";
import type { Pki } from "../pki.ts";
import { errorSchema, iso, type RouteDeps } from "./common.ts";

const agentSchema = z.object({ id: z.string(), hostname: z.string(), version: z.string(), os: z.string(), enrolledAt: z.string(), lastSeenAt: z.string().nullable(), revokedAt: z.string().nullable(), rejectedRecords: z.number(), droppedRecords: z.number() });

/** Assets and their agents; enrolment tokens (AGT-1), which belong to one account. */
export async function assetsRoutes(root: FastifyInstance, deps: RouteDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, clock } = deps;

  app.get("/api/v1/agents", { config: { access: "viewer" }, schema: { tags: ["assets"], description: "The account's enrolled agents (one per asset).", response: { 200: z.object({ items: z.array(agentSchema) }) } } }, async (req) => {
    const items = (await store.agents.list(principal(req).accountId)).map((a) => ({ id: a.id, hostname: a.hostname, version: a.version, os: a.os, enrolledAt: iso(a.enrolledAt)!, lastSeenAt: iso(a.lastSeenAt), revokedAt: iso(a.revokedAt), rejectedRecords: a.rejectedRecords, droppedRecords: a.droppedRecords }));
    return { items };
  });

  app.post("/api/v1/agents/:id/revoke", { config: { access: "admin" }, schema: { tags: ["assets"], description: "Revokes an agent's credential: it is refused from its next request on.", params: z.object({ id: z.string() }), response: { 200: z.object({ revoked: z.boolean() }), 404: errorSchema } } }, async (req) => {
    const p = principal(req);
    if (!(await store.agents.getIn(p.accountId, req.params.id))) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no agent ${req.params.id}`);
    const revoked = await store.agents.revoke(p.accountId, req.params.id, clock.now());
    await auditFor(deps.audit, req, "agent.revoke", req.params.id);
    return { revoked };
  });

  app.get("/api/v1/enrolment-tokens", { config: { access: "admin" }, schema: { tags: ["assets"], response: { 200: z.object({ items: z.array(z.object({ id: z.string(), note: z.string(), createdAt: z.string(), expiresAt: z.string(), usedAt: z.string().nullable(), usedByAgentId: z.string().nullable() })) }) } } }, async (req) => {
    const items = (await store.enrolTokens.list(principal(req).accountId)).map((t) => ({ id: t.id, note: t.note, createdAt: iso(t.createdAt)!, expiresAt: iso(t.expiresAt)!, usedAt: iso(t.usedAt), usedByAgentId: t.usedByAgentId }));
    return { items };
  });

  app.post("/api/v1/enrolment-tokens", {
    config: { access: "admin" },
    schema: { tags: ["assets"], description: "Creates a one-time agent enrolment token for this account (AGT-1). The token carries the server CA's fingerprint; it is shown once.", body: z.object({ ttl: z.string().default("24h"), note: z.string().max(200).default("") }).prefault({}), response: { 200: z.object({ token: z.string(), expiresAt: z.string(), command: z.string() }) } },
  }, async (req) => {
    const p = principal(req);
    let ttl: number;
    try {
      ttl = parseDuration(req.body.ttl);
    } catch (e) {
      throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, (e as Error).message);
    }
    const created = await createEnrolToken(store, deps.pki, clock.now(), ttl, req.body.note, p.accountId);
    await auditFor(deps.audit, req, "enrolment_token.create", null, { ttl: req.body.ttl, note: req.body.note });
    return { token: created.token, expiresAt: iso(created.expiresAt)!, command: `hostward agent --server ${deps.agentUrl()} --token ${created.token}` };
  });
}

/** Makes a one-time enrolment token; only its hash is stored. */
export async function createEnrolToken(store: Store, pki: Pki, now: number, ttl: number, note: string, accountId: string): Promise<{ token: string; expiresAt: number }> {
  const secret = randomSecret(24);
  const expiresAt = now + ttl;
  await store.enrolTokens.insert({ id: newId("et", now), accountId, tokenHash: sha256hex(secret), note, createdAt: now, expiresAt, usedAt: null, usedByAgentId: null });
  return { token: formatEnrolToken(secret, pki.caFingerprint), expiresAt };
}
