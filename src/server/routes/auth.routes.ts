import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { verify as argonVerify } from "@node-rs/argon2";
import { UserError, ErrorCodes } from "../../core/index.ts";
import { principal, auditFor, setSessionCookie, clearSessionCookie, SESSION_TTL } from "../auth.ts";
import { hashPassword, passwordProblem } from "../login-service.ts";
import { randomSecret, sha256hex } from "../secrets.ts";
import { errorSchema, type RouteDeps } from "./common.ts";

const meSchema = z.object({ id: z.string(), username: z.string(), role: z.string(), accountId: z.string(), mustChangePassword: z.boolean(), via: z.enum(["session", "token"]) });

/** Sign-in, sign-out, password change (ACC-2). */
export async function authRoutes(root: FastifyInstance, deps: RouteDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, clock } = deps;

  app.get("/api/v1/health", { config: { access: "public" }, schema: { tags: ["system"], response: { 200: z.object({ status: z.literal("ok"), time: z.string() }) } } }, async () => ({ status: "ok" as const, time: new Date(clock.now()).toISOString() }));

  app.post("/api/v1/auth/login", {
    config: { access: "public" },
    schema: {
      tags: ["auth"],
      description: "Signs in: sets an HttpOnly, SameSite=Strict session cookie and returns the CSRF token that every state-changing request made with the cookie must send as `x-csrf-token`. Repeated failures lock the user and the source (HTTP 429).",
      body: z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) }),
      response: { 200: z.object({ csrfToken: z.string(), expiresAt: z.string(), user: meSchema }), 401: errorSchema, 429: errorSchema },
    },
  }, async (req, reply) => {
    const user = await deps.login.login(req.body.username, req.body.password, req.ip);
    deps.rememberOperatorIp(req.ip);
    const now = clock.now();
    const secret = randomSecret(32);
    const csrf = randomSecret(24);
    await store.sessions.insert({ idHash: sha256hex(secret), userId: user.id, csrf, ip: req.ip, createdAt: now, expiresAt: now + SESSION_TTL, lastSeenAt: now });
    setSessionCookie(req, reply, secret, SESSION_TTL);
    return { csrfToken: csrf, expiresAt: new Date(now + SESSION_TTL).toISOString(), user: { id: user.id, username: user.username, role: user.role, accountId: user.accountId, mustChangePassword: user.mustChangePassword, via: "session" as const } };
  });

  app.post("/api/v1/auth/logout", { config: { access: "viewer", duringPasswordChange: true }, schema: { tags: ["auth"], response: { 200: z.object({ ok: z.boolean() }) } } }, async (req, reply) => {
    const p = principal(req);
    if (p.session) await store.sessions.remove(p.session.idHash);
    clearSessionCookie(req, reply);
    await auditFor(deps.audit, req, "logout", p.user.username);
    return { ok: true };
  });

  app.get("/api/v1/me", { config: { access: "viewer", duringPasswordChange: true }, schema: { tags: ["auth"], response: { 200: meSchema.extend({ actingAccountId: z.string(), csrfToken: z.string().nullable() }) } } }, async (req) => {
    const p = principal(req);
    return { id: p.user.id, username: p.user.username, role: p.role, accountId: p.user.accountId, actingAccountId: p.accountId, mustChangePassword: p.user.mustChangePassword, via: p.via, csrfToken: p.session?.csrf ?? null };
  });

  app.post("/api/v1/auth/password", {
    config: { access: "viewer", duringPasswordChange: true },
    schema: { tags: ["auth"], description: "Changes your own password; ends your other sessions.", body: z.object({ currentPassword: z.string().max(1024), newPassword: z.string().max(1024) }), response: { 200: z.object({ ok: z.boolean() }), 400: errorSchema } },
  }, async (req) => {
    const p = principal(req);
    if (!(await argonVerify(p.user.passwordHash, req.body.currentPassword).catch(() => false))) {
      await auditFor(deps.audit, req, "password.change", p.user.username, { reason: "wrong current password" }, "failure");
      throw new UserError("invalid", ErrorCodes.AUTH_INVALID, "the current password is wrong");
    }
    const problem = passwordProblem(req.body.newPassword, p.user.username);
    if (problem) throw new UserError("invalid", ErrorCodes.PASSWORD_WEAK, problem);
    if (req.body.newPassword === req.body.currentPassword) throw new UserError("invalid", ErrorCodes.PASSWORD_WEAK, "the new password must differ from the current one");
    await store.users.updatePassword(p.user.id, await hashPassword(req.body.newPassword), false);
    await store.sessions.removeForUser(p.user.id, p.session?.idHash);
    await auditFor(deps.audit, req, "password.change", p.user.username);
    return { ok: true };
  });
}
