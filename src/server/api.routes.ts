import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { verify as argonVerify } from "@node-rs/argon2";
import { newId, normalizeIp, parseCidr, UserError, ErrorCodes, SEVERITIES, parseDuration, type Clock, type Role, type Store, type User, DEFAULT_ACCOUNT } from "../core/index.ts";
import type { IpPolicyService } from "../response/index.ts";
import { formatEnrolToken, newApiTokenSecret, randomSecret, sha256hex } from "./secrets.ts";
import type { Pki } from "./pki.ts";

export interface ApiDeps {
  store: Store;
  clock: Clock;
  policies: IpPolicyService;
  pki: Pki;
  notify: (agentId: string) => void;
  /** How an agent reaches this server, for the enrol command shown to operators. */
  agentUrl: () => string;
  rememberOperatorIp: (ip: string) => void;
  defenceDefault: boolean;
}

declare module "fastify" {
  interface FastifyRequest {
    user?: User;
  }
}

const RANK: Record<Role, number> = { viewer: 0, analyst: 1, admin: 2 };
const PUBLIC = new Set(["/api/v1/health", "/api/v1/auth/login", "/api/v1/openapi.json"]);

function need(req: FastifyRequest, role: Role): User {
  const u = req.user;
  if (!u) throw new UserError("unauthenticated", ErrorCodes.AUTH_MISSING, "sign in or send an API token (Authorization: Bearer hwk_…)");
  if (RANK[u.role] < RANK[role]) throw new UserError("forbidden", ErrorCodes.AUTH_INVALID, `this needs the ${role} role; you are ${u.role}`);
  return u;
}

const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) });
const alertSchema = z.object({
  id: z.string(), assetId: z.string(), type: z.string(), ruleId: z.string(), name: z.string(), severity: z.enum(["low", "medium", "high", "critical"]),
  status: z.string(), dedupKey: z.string(), firstSeen: z.string(), lastSeen: z.string(), count: z.number(),
  source: z.object({ ip: z.string().nullable() }), user: z.object({ name: z.string().nullable() }),
  attack: z.array(z.string()), evidence: z.record(z.string(), z.unknown()), triage: z.string(), response: z.string().nullable(),
});
const policySchema = z.object({
  id: z.string(), assetId: z.string(), ip: z.string(), status: z.string(), reason: z.string(), alertId: z.string().nullable(),
  createdBy: z.string(), createdAt: z.string(), expiresAt: z.string().nullable(), updatedAt: z.string(), lastResult: z.string().nullable(),
});
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const pageQuery = { limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).default(0) };

/** REST API under /api/v1, described by the OpenAPI document at /api/v1/openapi.json. */
export async function apiRoutes(root: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, clock } = deps;
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.addHook("onRequest", async (req) => {
    const path = req.url.split("?")[0]!;
    if (!path.startsWith("/api/") || PUBLIC.has(path)) return;
    const h = req.headers.authorization;
    const m = h ? /^Bearer (hwk_[A-Za-z0-9_-]{20,100})$/.exec(h) : null;
    if (!m) throw new UserError("unauthenticated", ErrorCodes.AUTH_MISSING, "sign in or send an API token (Authorization: Bearer hwk_…)");
    const t = await store.apiTokens.findByHash(sha256hex(m[1]!));
    const now = clock.now();
    if (!t || t.revokedAt !== null || (t.expiresAt !== null && t.expiresAt <= now)) throw new UserError("unauthenticated", ErrorCodes.AUTH_INVALID, "API token is unknown, revoked or expired");
    const u = await store.users.get(t.userId);
    if (!u) throw new UserError("unauthenticated", ErrorCodes.AUTH_INVALID, "API token's user no longer exists");
    req.user = u;
    deps.rememberOperatorIp(req.ip);
    if (t.lastUsedAt === null || now - t.lastUsedAt > 60_000) await store.apiTokens.touch(t.id, now);
  });

  app.get("/api/v1/health", { schema: { tags: ["system"], response: { 200: z.object({ status: z.literal("ok"), time: z.string() }) } } }, async () => ({ status: "ok" as const, time: new Date(clock.now()).toISOString() }));

  app.post("/api/v1/auth/login", {
    schema: { tags: ["auth"], description: "Exchanges a user name and password for an API token valid 12 h.", body: z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) }), response: { 200: z.object({ token: z.string(), expiresAt: z.string(), mustChangePassword: z.boolean() }), 401: errorSchema } },
  }, async (req) => {
    const u = await store.users.findByName(req.body.username);
    // verify against a dummy hash when the user is unknown, so timing does not reveal names
    const ok = await argonVerify(u?.passwordHash ?? "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0R5gXZyq0n0Xy0m5kP0qS5Wm3bqJ2k0d3hV6H0xqk2Q", req.body.password).catch(() => false);
    if (!u || !ok) throw new UserError("unauthenticated", ErrorCodes.AUTH_INVALID, "wrong user name or password");
    const now = clock.now();
    const secret = newApiTokenSecret();
    const expiresAt = now + 12 * 3_600_000;
    await store.apiTokens.insert({ id: newId("tok", now), userId: u.id, name: "login", tokenHash: sha256hex(secret), createdAt: now, expiresAt, revokedAt: null, lastUsedAt: now });
    deps.rememberOperatorIp(req.ip);
    return { token: secret, expiresAt: new Date(expiresAt).toISOString(), mustChangePassword: u.mustChangePassword };
  });

  app.get("/api/v1/me", { schema: { tags: ["auth"], response: { 200: z.object({ id: z.string(), username: z.string(), role: z.string() }) } } }, async (req) => {
    const u = need(req, "viewer");
    return { id: u.id, username: u.username, role: u.role };
  });

  app.get("/api/v1/agents", {
    schema: { tags: ["assets"], description: "Enrolled agents (one per asset).", response: { 200: z.object({ items: z.array(z.object({ id: z.string(), hostname: z.string(), version: z.string(), os: z.string(), enrolledAt: z.string(), lastSeenAt: z.string().nullable(), revokedAt: z.string().nullable(), rejectedRecords: z.number(), droppedRecords: z.number() })) }) } },
  }, async (req) => {
    need(req, "viewer");
    const items = (await store.agents.list()).map((a) => ({ id: a.id, hostname: a.hostname, version: a.version, os: a.os, enrolledAt: iso(a.enrolledAt)!, lastSeenAt: iso(a.lastSeenAt), revokedAt: iso(a.revokedAt), rejectedRecords: a.rejectedRecords, droppedRecords: a.droppedRecords }));
    return { items };
  });

  app.post("/api/v1/agents/:id/revoke", { schema: { tags: ["assets"], params: z.object({ id: z.string() }), response: { 200: z.object({ revoked: z.boolean() }) } } }, async (req) => {
    need(req, "admin");
    if (!(await store.agents.get(req.params.id))) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no agent ${req.params.id}`);
    return { revoked: await store.agents.revoke(req.params.id, clock.now()) };
  });

  app.post("/api/v1/enrolment-tokens", {
    schema: { tags: ["assets"], description: "Creates a one-time agent enrolment token (AGT-1). The token carries the server CA's fingerprint.", body: z.object({ ttl: z.string().default("24h"), note: z.string().max(200).default("") }).prefault({}), response: { 200: z.object({ token: z.string(), expiresAt: z.string(), command: z.string() }) } },
  }, async (req) => {
    need(req, "admin");
    const now = clock.now();
    const created = await createEnrolToken(store, deps.pki, now, parseDuration(req.body.ttl), req.body.note);
    return { token: created.token, expiresAt: iso(created.expiresAt)!, command: `hostward agent --server ${deps.agentUrl()} --token ${created.token}` };
  });

  app.get("/api/v1/alerts", {
    schema: {
      tags: ["alerts"], description: "Alerts, newest first (ALR-10).",
      querystring: z.object({ type: z.string().optional(), severity: z.enum(SEVERITIES as ["low", "medium", "high", "critical"]).optional(), status: z.enum(["unhandled", "handled", "whitelisted_manual", "whitelisted_auto", "blocked", "expired"]).optional(), assetId: z.string().optional(), sourceIp: z.string().optional(), from: z.iso.datetime().optional(), to: z.iso.datetime().optional(), q: z.string().max(200).optional(), ...pageQuery }),
      response: { 200: z.object({ items: z.array(alertSchema), total: z.number() }) },
    },
  }, async (req) => {
    need(req, "viewer");
    const q = req.query;
    const p = await store.alerts.list({ type: q.type, severity: q.severity, status: q.status, assetId: q.assetId, sourceIp: q.sourceIp ? (normalizeIp(q.sourceIp) ?? q.sourceIp) : undefined, from: q.from ? Date.parse(q.from) : undefined, to: q.to ? Date.parse(q.to) : undefined, text: q.q, limit: q.limit, offset: q.offset });
    return { items: p.items.map(alertDto), total: p.total };
  });

  app.get("/api/v1/alerts/:id", { schema: { tags: ["alerts"], params: z.object({ id: z.string() }), response: { 200: alertSchema, 404: errorSchema } } }, async (req) => {
    need(req, "viewer");
    const a = await store.alerts.get(req.params.id);
    if (!a) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no alert ${req.params.id}`);
    return alertDto(a);
  });

  app.get("/api/v1/ip-policies", {
    schema: { tags: ["response"], description: "The IP Policy Library (BF-4): every blocking rule with its status.", querystring: z.object({ status: z.enum(["pending", "active", "disabled", "expired", "failed"]).optional(), ip: z.string().optional(), assetId: z.string().optional(), ...pageQuery }), response: { 200: z.object({ items: z.array(policySchema), total: z.number() }) } },
  }, async (req) => {
    need(req, "viewer");
    const p = await store.policies.list({ status: req.query.status, ip: req.query.ip ? (normalizeIp(req.query.ip) ?? req.query.ip) : undefined, assetId: req.query.assetId, limit: req.query.limit, offset: req.query.offset });
    return { items: p.items.map(policyDto), total: p.total };
  });

  app.post("/api/v1/ip-policies", {
    schema: { tags: ["response"], description: "Blocks an IP on an asset for a period (ALR-8 choices) or permanently.", body: z.object({ assetId: z.string(), ip: z.string(), duration: z.enum(["6h", "12h", "1d", "7d", "permanent"]), reason: z.string().max(500).default("blocked by an operator") }), response: { 200: policySchema, 409: errorSchema } },
  }, async (req) => {
    const u = need(req, "analyst");
    const ip = normalizeIp(req.body.ip);
    if (!ip) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, `not an IP address: ${req.body.ip}`);
    const now = clock.now();
    const out = await store.transaction((tx) => deps.policies.block(tx, { assetId: req.body.assetId, ip, reason: req.body.reason, alertId: null, createdBy: `user:${u.username}`, duration: req.body.duration === "permanent" ? null : parseDuration(req.body.duration) }, now));
    if (out.kind === "allowlisted") throw new UserError("conflict", ErrorCodes.ACTION_INVALID, `${ip} is allowlisted (${out.entry}); remove it from the allowlist to block it`);
    if (out.kind === "defence_off") throw new UserError("conflict", ErrorCodes.ACTION_INVALID, "defence is off");
    if (out.kind === "blocked") deps.notify(out.action.agentId);
    return policyDto(out.policy);
  });

  app.post("/api/v1/ip-policies/:id/disable", {
    schema: { tags: ["response"], description: "Lifts a block within seconds (BF-4).", params: z.object({ id: z.string() }), response: { 200: policySchema, 404: errorSchema } },
  }, async (req) => {
    const u = need(req, "analyst");
    const p = await store.transaction((tx) => deps.policies.disable(tx, req.params.id, `user:${u.username}`, clock.now()));
    deps.notify(p.assetId);
    return policyDto(p);
  });

  app.get("/api/v1/actions", {
    schema: { tags: ["response"], description: "Response actions sent to agents and their results (RSP-1).", querystring: z.object({ agentId: z.string().optional(), policyId: z.string().optional(), ...pageQuery }), response: { 200: z.object({ items: z.array(z.object({ id: z.string(), agentId: z.string(), type: z.string(), params: z.record(z.string(), z.unknown()), policyId: z.string().nullable(), status: z.string(), createdAt: z.string(), sentAt: z.string().nullable(), finishedAt: z.string().nullable(), result: z.string().nullable() })), total: z.number() }) } },
  }, async (req) => {
    need(req, "viewer");
    const p = await store.actions.list(req.query);
    return { items: p.items.map((a) => ({ ...a, createdAt: iso(a.createdAt)!, sentAt: iso(a.sentAt), finishedAt: iso(a.finishedAt) })), total: p.total };
  });

  const allowDto = z.object({ id: z.string(), cidr: z.string(), note: z.string(), createdAt: z.string(), createdBy: z.string() });
  app.get("/api/v1/allowlist", { schema: { tags: ["response"], description: "Sources that are alerted on but never blocked.", response: { 200: z.object({ items: z.array(allowDto) }) } } }, async (req) => {
    need(req, "viewer");
    return { items: (await store.allowlist.list()).map((e) => ({ ...e, createdAt: iso(e.createdAt)! })) };
  });
  app.post("/api/v1/allowlist", { schema: { tags: ["response"], body: z.object({ cidr: z.string().max(64), note: z.string().max(200).default("") }), response: { 200: allowDto } } }, async (req) => {
    const u = need(req, "admin");
    const c = parseCidr(req.body.cidr);
    if (!c) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, `not an IP address or CIDR: ${req.body.cidr}`);
    const now = clock.now();
    const e = { id: newId("alw", now), accountId: DEFAULT_ACCOUNT, cidr: req.body.cidr.trim(), note: req.body.note, createdAt: now, createdBy: `user:${u.username}` };
    await store.allowlist.insert(e);
    return { ...e, createdAt: iso(now)! };
  });
  app.delete("/api/v1/allowlist/:id", { schema: { tags: ["response"], params: z.object({ id: z.string() }), response: { 200: z.object({ removed: z.boolean() }) } } }, async (req) => {
    need(req, "admin");
    const removed = await store.allowlist.remove(req.params.id);
    if (!removed) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no allowlist entry ${req.params.id}`);
    return { removed };
  });

  const defence = z.object({ enabled: z.boolean().describe("Block brute-force sources automatically (BF-3).") });
  app.get("/api/v1/settings/defence", { schema: { tags: ["settings"], response: { 200: defence } } }, async (req) => {
    need(req, "viewer");
    return { enabled: (await store.settings.get<boolean>("defence.enabled")) ?? deps.defenceDefault };
  });
  app.put("/api/v1/settings/defence", { schema: { tags: ["settings"], body: defence, response: { 200: defence } } }, async (req) => {
    need(req, "admin");
    await store.settings.set("defence.enabled", req.body.enabled);
    return { enabled: req.body.enabled };
  });

  app.get("/api/v1/openapi.json", { schema: { hide: true } }, async () => root.swagger());
}

export function alertDto(a: import("../core/index.ts").Alert): z.infer<typeof alertSchema> {
  return {
    id: a.id, assetId: a.assetId, type: a.type, ruleId: a.ruleId, name: a.name, severity: a.severity, status: a.status, dedupKey: a.dedupKey,
    firstSeen: iso(a.firstSeen)!, lastSeen: iso(a.lastSeen)!, count: a.count, source: { ip: a.sourceIp }, user: { name: a.userName },
    attack: a.attack, evidence: a.evidence, triage: a.triage, response: a.response,
  };
}
function policyDto(p: import("../core/index.ts").IpPolicy): z.infer<typeof policySchema> {
  return { ...p, createdAt: iso(p.createdAt)!, expiresAt: iso(p.expiresAt), updatedAt: iso(p.updatedAt)! };
}

/** Makes a one-time enrolment token; only its hash is stored. */
export async function createEnrolToken(store: Store, pki: Pki, now: number, ttl: number, note: string): Promise<{ token: string; expiresAt: number }> {
  const secret = randomSecret(24);
  const expiresAt = now + ttl;
  await store.enrolTokens.insert({ id: newId("et", now), accountId: DEFAULT_ACCOUNT, tokenHash: sha256hex(secret), note, createdAt: now, expiresAt, usedAt: null, usedByAgentId: null });
  return { token: formatEnrolToken(secret, pki.caFingerprint), expiresAt };
}
