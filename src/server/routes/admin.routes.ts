import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { newId, parseDuration, UserError, ErrorCodes, ROLE_RANK, type User } from "../../core/index.ts";
import { principal, auditFor } from "../auth.ts";
import { hashPassword, passwordProblem } from "../login-service.ts";
import { newApiTokenSecret, newPassword, sha256hex } from "../secrets.ts";
import { errorSchema, iso, pageQuery, roleSchema, type RouteDeps } from "./common.ts";

const userSchema = z.object({ id: z.string(), username: z.string(), role: roleSchema, accountId: z.string(), createdAt: z.string(), mustChangePassword: z.boolean(), disabledAt: z.string().nullable() });
const userDto = (u: User) => ({ id: u.id, username: u.username, role: u.role, accountId: u.accountId, createdAt: iso(u.createdAt)!, mustChangePassword: u.mustChangePassword, disabledAt: iso(u.disabledAt) });
const tokenSchema = z.object({ id: z.string(), name: z.string(), role: roleSchema, userId: z.string(), createdAt: z.string(), expiresAt: z.string().nullable(), revokedAt: z.string().nullable(), lastUsedAt: z.string().nullable() });
const usernameSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, "letters, digits and . _ @ - only");

/** Users and roles, API tokens, accounts (ACC-1) and the audit log (ACC-2). */
export async function adminRoutes(root: FastifyInstance, deps: RouteDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, clock } = deps;

  // --- users ---
  app.get("/api/v1/users", { config: { access: "admin" }, schema: { tags: ["users"], response: { 200: z.object({ items: z.array(userSchema) }) } } }, async (req) => ({ items: (await store.users.list(principal(req).accountId)).map(userDto) }));

  app.post("/api/v1/users", {
    config: { access: "admin" },
    schema: { tags: ["users"], description: "Adds a user to the account. Without a password, a one-time password is made and returned once; the user must change it at first sign-in.", body: z.object({ username: usernameSchema, role: roleSchema, password: z.string().max(1024).optional() }), response: { 200: z.object({ user: userSchema, oneTimePassword: z.string().nullable() }), 409: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    if (await store.users.findByName(req.body.username)) throw new UserError("conflict", ErrorCodes.REQUEST_INVALID, `user name ${req.body.username} is taken`);
    const oneTime = req.body.password === undefined ? newPassword() : null;
    const password = req.body.password ?? oneTime!;
    const problem = passwordProblem(password, req.body.username);
    if (problem) throw new UserError("invalid", ErrorCodes.PASSWORD_WEAK, problem);
    const now = clock.now();
    const user: User = { id: newId("usr", now), accountId: p.accountId, username: req.body.username, passwordHash: await hashPassword(password), role: req.body.role, createdAt: now, mustChangePassword: oneTime !== null, disabledAt: null };
    await store.users.insert(user);
    await auditFor(deps.audit, req, "user.add", user.username, { role: user.role });
    return { user: userDto(user), oneTimePassword: oneTime };
  });

  app.patch("/api/v1/users/:id", {
    config: { access: "admin" },
    schema: { tags: ["users"], description: "Changes a user's role, or disables/enables the user (a disabled user's sessions and tokens stop working at once).", params: z.object({ id: z.string() }), body: z.object({ role: roleSchema.optional(), disabled: z.boolean().optional() }), response: { 200: userSchema, 404: errorSchema, 409: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const u = await store.users.getIn(p.accountId, req.params.id);
    if (!u) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no user ${req.params.id}`);
    if (u.id === p.user.id && (req.body.disabled || (req.body.role && req.body.role !== "admin"))) throw new UserError("conflict", ErrorCodes.REQUEST_INVALID, "you cannot demote or disable yourself; ask another admin");
    const now = clock.now();
    await store.users.update(p.accountId, u.id, { role: req.body.role, disabledAt: req.body.disabled === undefined ? undefined : req.body.disabled ? now : null });
    if (req.body.disabled) await store.sessions.removeForUser(u.id);
    await auditFor(deps.audit, req, "user.change", u.username, { role: req.body.role, disabled: req.body.disabled });
    return userDto((await store.users.get(u.id))!);
  });

  // --- API tokens ---
  app.get("/api/v1/tokens", { config: { access: "viewer" }, schema: { tags: ["tokens"], description: "Your API tokens (never their secrets).", response: { 200: z.object({ items: z.array(tokenSchema) }) } } }, async (req) => {
    const items = (await store.apiTokens.listForUser(principal(req).user.id)).map((t) => ({ id: t.id, name: t.name, role: t.role, userId: t.userId, createdAt: iso(t.createdAt)!, expiresAt: iso(t.expiresAt), revokedAt: iso(t.revokedAt), lastUsedAt: iso(t.lastUsedAt) }));
    return { items };
  });

  app.post("/api/v1/tokens", {
    config: { access: "viewer" },
    schema: { tags: ["tokens"], description: "Creates an API token for you with a role no higher than yours; the secret is shown once. Use it as `Authorization: Bearer hwk_…`.", body: z.object({ name: z.string().min(1).max(100), role: roleSchema.optional(), ttl: z.string().optional().describe("e.g. 90d; omitted = no expiry") }), response: { 200: z.object({ id: z.string(), token: z.string(), role: roleSchema, expiresAt: z.string().nullable() }), 403: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const role = req.body.role ?? p.role;
    if (ROLE_RANK[role] > ROLE_RANK[p.role]) throw new UserError("forbidden", ErrorCodes.AUTH_FORBIDDEN, `a token cannot have more rights than you (${p.role})`);
    let expiresAt: number | null = null;
    const now = clock.now();
    if (req.body.ttl) {
      try {
        expiresAt = now + parseDuration(req.body.ttl);
      } catch (e) {
        throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, (e as Error).message);
      }
    }
    const secret = newApiTokenSecret();
    const id = newId("tok", now);
    await store.apiTokens.insert({ id, userId: p.user.id, name: req.body.name, role, tokenHash: sha256hex(secret), createdAt: now, expiresAt, revokedAt: null, lastUsedAt: null });
    await auditFor(deps.audit, req, "token.create", id, { name: req.body.name, role });
    return { id, token: secret, role, expiresAt: iso(expiresAt) };
  });

  app.delete("/api/v1/tokens/:id", {
    config: { access: "viewer" },
    schema: { tags: ["tokens"], description: "Revokes a token at once: yours, or (admins) any token of a user of the account.", params: z.object({ id: z.string() }), response: { 200: z.object({ revoked: z.boolean() }), 404: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const t = await store.apiTokens.get(req.params.id);
    const owner = t ? await store.users.get(t.userId) : null;
    const mayRevoke = t && owner && (t.userId === p.user.id || (p.role === "admin" && owner.accountId === p.accountId));
    if (!mayRevoke) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no token ${req.params.id}`);
    const revoked = await store.apiTokens.revoke(t.id, clock.now());
    await auditFor(deps.audit, req, "token.revoke", t.id, { owner: owner.username });
    return { revoked };
  });

  // --- accounts ---
  const accountSchema = z.object({ id: z.string(), name: z.string(), parentId: z.string().nullable(), createdAt: z.string() });
  app.get("/api/v1/accounts", { config: { access: "viewer" }, schema: { tags: ["accounts"], description: "Your account and the member accounts it manages (act on one with the `x-hostward-account` header).", response: { 200: z.object({ items: z.array(accountSchema) }) } } }, async (req) => {
    const items = (await store.accounts.listManaged(principal(req).user.accountId)).map((a) => ({ id: a.id, name: a.name, parentId: a.parentId, createdAt: iso(a.createdAt)! }));
    return { items };
  });

  app.post("/api/v1/accounts", {
    config: { access: "admin" },
    schema: { tags: ["accounts"], description: "Creates a member account managed by your (master) account.", body: z.object({ name: z.string().min(1).max(100) }), response: { 200: accountSchema, 403: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    const own = await store.accounts.get(p.user.accountId);
    if (!own || own.parentId !== null || p.accountId !== own.id) throw new UserError("forbidden", ErrorCodes.ACCOUNT_FORBIDDEN, "only a master account's admins can create member accounts");
    const now = clock.now();
    const a = { id: newId("acc", now), name: req.body.name, parentId: own.id, createdAt: now };
    await store.accounts.insert(a);
    await auditFor(deps.audit, req, "account.create", a.id, { name: a.name });
    return { ...a, createdAt: iso(now)! };
  });

  // --- audit log ---
  app.get("/api/v1/audit", {
    config: { access: "admin" },
    schema: { tags: ["audit"], description: "The account's audit log, newest first: sign-ins, failures, lock-outs, token writes, settings, allowlist and response actions.", querystring: z.object({ action: z.string().max(100).optional(), actor: z.string().max(200).optional(), from: z.iso.datetime().optional(), to: z.iso.datetime().optional(), ...pageQuery }), response: { 200: z.object({ items: z.array(z.object({ id: z.string(), at: z.string(), actor: z.string(), ip: z.string().nullable(), action: z.string(), target: z.string().nullable(), outcome: z.string(), details: z.record(z.string(), z.unknown()) })), total: z.number() }) } },
  }, async (req) => {
    const q = req.query;
    const page = await store.audit.list(principal(req).accountId, { action: q.action, actor: q.actor, from: q.from ? Date.parse(q.from) : undefined, to: q.to ? Date.parse(q.to) : undefined, limit: q.limit, offset: q.offset });
    return { items: page.items.map((e) => ({ id: e.id, at: iso(e.at)!, actor: e.actor, ip: e.ip, action: e.action, target: e.target, outcome: e.outcome, details: e.details })), total: page.total };
  });
}
