import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ROLE_RANK, minRole, UserError, BugError, ErrorCodes, type Role, type Session, type Store, type User, type Clock, type AuditEntry } from "../core/index.ts";
import { safeEqualHex, sha256hex } from "./secrets.ts";
import type { AuditFn } from "./login-service.ts";

/**
 * Who is asking and on whose behalf. Every route declares its access in its config
 * (`access: "public" | "viewer" | "analyst" | "admin"`); this one hook enforces it, so
 * handlers never check roles themselves and a route without a declaration is refused.
 */
export interface Principal {
  user: User;
  /** The account the request acts on: the user's own, or a member account it manages. */
  accountId: string;
  role: Role;
  via: "session" | "token";
  tokenId: string | null;
  session: Session | null;
  /** For the audit log: "user:alice" or "token:tok_… (alice)". */
  actor: string;
}

export type Access = "public" | Role;

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    access?: Access;
    /** Reachable by a session whose user must still change the one-time password. */
    duringPasswordChange?: boolean;
  }
}

export const SESSION_COOKIE = "hw_session";
export const CSRF_HEADER = "x-csrf-token";
export const ACCOUNT_HEADER = "x-hostward-account";
export const SESSION_TTL = 12 * 3_600_000;
export const SESSION_IDLE = 2 * 3_600_000;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function readCookie(req: FastifyRequest, name: string): string | null {
  const h = req.headers.cookie;
  if (!h) return null;
  for (const part of h.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return null;
}

export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, secret: string, maxAgeMs: number): void {
  const secure = req.protocol === "https" ? "; Secure" : "";
  reply.header("set-cookie", `${SESSION_COOKIE}=${secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(maxAgeMs / 1000)}${secure}`);
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  const secure = req.protocol === "https" ? "; Secure" : "";
  reply.header("set-cookie", `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`);
}

/** The principal of a request, or a UserError saying why there is none. */
export function principal(req: FastifyRequest): Principal {
  if (!req.principal) throw new BugError(ErrorCodes.INTERNAL, "route reached without a principal");
  return req.principal;
}

export interface AuthDeps {
  store: Store;
  clock: Clock;
  audit: AuditFn;
  rememberOperatorIp: (ip: string) => void;
}

export function installAuth(app: FastifyInstance, deps: AuthDeps): void {
  const { store, clock } = deps;

  app.addHook("onRequest", async (req) => {
    const access = req.routeOptions.config?.access;
    if (req.routeOptions.url === undefined) return; // 404s: the not-found handler answers
    if (access === undefined) throw new BugError(ErrorCodes.INTERNAL, `route ${req.method} ${req.routeOptions.url} declares no access`);
    if (access === "public") return;
    const now = clock.now();
    const auth = req.headers.authorization;
    let p: Principal;
    if (auth !== undefined) {
      const m = /^Bearer (hwk_[A-Za-z0-9_-]{20,100})$/.exec(auth);
      if (!m) throw new UserError("unauthenticated", ErrorCodes.AUTH_INVALID, "malformed Authorization header (expected Bearer hwk_…)");
      const t = await store.apiTokens.findByHash(sha256hex(m[1]!));
      if (!t || t.revokedAt !== null || (t.expiresAt !== null && t.expiresAt <= now)) throw new UserError("unauthenticated", ErrorCodes.AUTH_INVALID, "API token is unknown, revoked or expired");
      const user = await store.users.get(t.userId);
      if (!user || user.disabledAt !== null) throw new UserError("unauthenticated", ErrorCodes.AUTH_INVALID, "the token's user is disabled or gone");
      if (t.lastUsedAt === null || now - t.lastUsedAt > 60_000) await store.apiTokens.touch(t.id, now);
      p = { user, accountId: user.accountId, role: minRole(user.role, t.role), via: "token", tokenId: t.id, session: null, actor: `token:${t.id} (${user.username})` };
    } else {
      const secret = readCookie(req, SESSION_COOKIE);
      if (!secret) throw new UserError("unauthenticated", ErrorCodes.AUTH_MISSING, "sign in, or send an API token (Authorization: Bearer hwk_…)");
      const s = await store.sessions.get(sha256hex(secret));
      if (!s || s.expiresAt <= now || now - s.lastSeenAt > SESSION_IDLE) throw new UserError("unauthenticated", ErrorCodes.AUTH_INVALID, "your session has ended; sign in again");
      const user = await store.users.get(s.userId);
      if (!user || user.disabledAt !== null) throw new UserError("unauthenticated", ErrorCodes.AUTH_INVALID, "this user is disabled");
      // CSRF: a cookie arrives with any request the browser makes; a state change must also
      // carry the token only our own page can read (double submit, bound to the session).
      if (!SAFE_METHODS.has(req.method)) {
        const sent = req.headers[CSRF_HEADER];
        if (typeof sent !== "string" || !safeEqualHex(sha256hex(sent), sha256hex(s.csrf))) {
          await deps.audit({ accountId: user.accountId, actor: `user:${user.username}`, ip: req.ip, action: "csrf.refused", target: `${req.method} ${req.routeOptions.url}`, outcome: "denied", details: {} });
          throw new UserError("forbidden", ErrorCodes.AUTH_CSRF, `missing or wrong ${CSRF_HEADER} header for a cookie-authenticated change`);
        }
      }
      if (user.mustChangePassword && !req.routeOptions.config?.duringPasswordChange) {
        throw new UserError("forbidden", ErrorCodes.AUTH_PASSWORD_CHANGE_REQUIRED, "change your one-time password first (POST /api/v1/auth/password)");
      }
      if (now - s.lastSeenAt > 60_000) await store.sessions.touch(s.idHash, now);
      p = { user, accountId: user.accountId, role: user.role, via: "session", tokenId: null, session: s, actor: `user:${user.username}` };
    }
    // a master account's users may act on a member account they manage
    const asked = req.headers[ACCOUNT_HEADER];
    if (typeof asked === "string" && asked !== p.accountId) {
      const acc = await store.accounts.get(asked);
      if (!acc || acc.parentId !== p.user.accountId) throw new UserError("forbidden", ErrorCodes.ACCOUNT_FORBIDDEN, `you do not manage account ${asked}`);
      p.accountId = acc.id;
    }
    req.principal = p;
    deps.rememberOperatorIp(req.ip);
    if (ROLE_RANK[p.role] < ROLE_RANK[access]) throw new UserError("forbidden", ErrorCodes.AUTH_FORBIDDEN, `this needs the ${access} role; you have ${p.role}`);
  });

  // token use for a write is audited (ACC-2), whatever the route
  app.addHook("onResponse", async (req, reply) => {
    const p = req.principal;
    if (!p || p.via !== "token" || SAFE_METHODS.has(req.method)) return;
    await deps.audit({ accountId: p.accountId, actor: p.actor, ip: req.ip, action: "api.write", target: `${req.method} ${req.routeOptions.url}`, outcome: reply.statusCode < 400 ? "success" : "failure", details: { status: reply.statusCode } }).catch(() => {});
  });
}

/** Audit entry for the request's principal. */
export function auditFor(audit: AuditFn, req: FastifyRequest, action: string, target: string | null, details: Record<string, unknown> = {}, outcome: AuditEntry["outcome"] = "success"): Promise<void> {
  const p = principal(req);
  return audit({ accountId: p.accountId, actor: p.actor, ip: req.ip, action, target, outcome, details });
}
