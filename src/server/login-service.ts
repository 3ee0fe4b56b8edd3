import { verify as argonVerify, hash as argonHash } from "@node-rs/argon2";
import { UserError, ErrorCodes, type Clock, type Store, type User, DEFAULT_ACCOUNT, newId, type AuditEntry } from "../core/index.ts";

/** ACC-2 lock-out thresholds: failures counted within `window`; a lock lasts until enough of them age out. */
export interface LockoutPolicy {
  window: number;
  /** One user from one source. */
  perUserSource: number;
  /** One source, whatever user names it tries. */
  perSource: number;
  /** One user from sources it never signed in from (a distributed guess); known sources are not locked. */
  perUser: number;
  /** A source a user signed in from within this period is "known". */
  knownFor: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { window: 15 * 60_000, perUserSource: 5, perSource: 20, perUser: 50, knownFor: 30 * 86_400_000 };

// Verified against when the user does not exist, so the answer takes as long either way.
let dummyHash: Promise<string> | null = null;
const dummy = () => (dummyHash ??= argonHash("hostward-no-such-user-" + Math.random()));

export type AuditFn = (e: Omit<AuditEntry, "id" | "at">) => Promise<void>;

export function passwordProblem(password: string, username: string): string | null {
  if (password.length < 12) return "a password needs at least 12 characters";
  if (password.length > 1024) return "a password may have at most 1024 characters";
  if (username && password.toLowerCase().includes(username.toLowerCase())) return "a password must not contain the user name";
  if (new Set(password).size < 5) return "a password needs more different characters";
  return null;
}

export function hashPassword(password: string): Promise<string> {
  return argonHash(password); // argon2id, the library's default
}

/** Sign-in with lock-out per user+source, per source, and per user from unknown sources (ACC-2). */
export class LoginService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #p: LockoutPolicy;
  readonly #audit: AuditFn;

  constructor(store: Store, clock: Clock, audit: AuditFn, policy: LockoutPolicy = DEFAULT_LOCKOUT) {
    this.#store = store;
    this.#clock = clock;
    this.#audit = audit;
    this.#p = policy;
  }

  async #locked(username: string, ip: string, user: User | null): Promise<{ scope: string; until: number } | null> {
    const { logins } = this.#store;
    const now = this.#clock.now();
    const since = now - this.#p.window;
    const until = async (q: { username?: string; ip?: string }) => ((await logins.oldestFailure(q, since)) ?? now) + this.#p.window;
    if ((await logins.failuresFrom(ip, since)) >= this.#p.perSource) return { scope: "source", until: await until({ ip }) };
    if ((await logins.failuresForUserFrom(username, ip, since)) >= this.#p.perUserSource) return { scope: "user+source", until: await until({ username, ip }) };
    if ((await logins.failuresForUser(username, since)) >= this.#p.perUser && !(user && (await logins.isKnownSource(user.id, ip, now - this.#p.knownFor)))) {
      return { scope: "user", until: await until({ username }) };
    }
    return null;
  }

  async login(username: string, password: string, ip: string): Promise<User> {
    const now = this.#clock.now();
    const user = await this.#store.users.findByName(username);
    const accountId = user?.accountId ?? DEFAULT_ACCOUNT;
    const lock = await this.#locked(username, ip, user);
    if (lock) {
      const minutes = Math.max(1, Math.ceil((lock.until - now) / 60_000));
      await this.#audit({ accountId, actor: `user:${username}`, ip, action: "login.refused_locked", target: username, outcome: "denied", details: { scope: lock.scope, until: new Date(lock.until).toISOString() } });
      throw new UserError("rate_limited", ErrorCodes.AUTH_LOCKED, `too many failed sign-ins${lock.scope === "source" ? " from your address" : lock.scope === "user+source" ? " for this user from your address" : " for this user"}: try again in ${minutes} minute${minutes === 1 ? "" : "s"}`, { retryAfterSeconds: Math.ceil((lock.until - now) / 1000) });
    }
    const ok = await argonVerify(user?.passwordHash ?? (await dummy()), password).catch(() => false);
    if (!user || !ok || user.disabledAt !== null) {
      await this.#store.logins.addFailure(username, ip, now);
      await this.#audit({ accountId, actor: `user:${username}`, ip, action: "login.failed", target: username, outcome: "failure", details: { reason: !user ? "unknown user" : !ok ? "wrong password" : "user disabled" } });
      const after = await this.#locked(username, ip, user);
      if (after) await this.#audit({ accountId, actor: "system", ip, action: "login.lockout", target: username, outcome: "success", details: { scope: after.scope, until: new Date(after.until).toISOString() } });
      throw new UserError("unauthenticated", ErrorCodes.AUTH_INVALID, user?.disabledAt ? "this user is disabled" : "wrong user name or password");
    }
    await this.#store.logins.clearFailures(username, ip);
    await this.#store.logins.markKnownSource(user.id, ip, now);
    await this.#audit({ accountId, actor: `user:${username}`, ip, action: "login.success", target: username, outcome: "success", details: {} });
    return user;
  }
}

export function auditWriter(store: Store, clock: Clock): AuditFn {
  return async (e) => {
    const at = clock.now();
    await store.audit.insert({ ...e, id: newId("aud", at), at });
  };
}
