import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeClock, assertAssignableOwner, type User } from "../core/index.ts";
import { tempDir, startServer } from "../../test/helpers.ts";
import { setSessionCookie } from "./auth.ts";
import type { HostwardServer } from "./index.ts";

const tmp = tempDir();
after(() => tmp.cleanup());
let n = 0;

async function setup() {
  const clock = new FakeClock("2026-05-01T09:00:00Z");
  const { server, adminToken } = await startServer({ dataDir: join(tmp.dir, `s${n++}`), clock, listen: false });
  const admin = { authorization: `Bearer ${adminToken}` };
  const addUser = async (username: string, role: string, password: string) => {
    const r = await server.api.inject({ method: "POST", url: "/api/v1/users", headers: admin, payload: { username, role, password } });
    assert.equal(r.statusCode, 200, r.body);
    return r.json().user;
  };
  const login = (username: string, password: string, ip: string) => server.api.inject({ method: "POST", url: "/api/v1/auth/login", remoteAddress: ip, payload: { username, password } });
  const audit = async (action: string) => (await server.api.inject({ url: `/api/v1/audit?action=${action}&limit=500`, headers: admin })).json().items as { actor: string; ip: string; target: string; details: Record<string, unknown> }[];
  return { server, clock, admin, addUser, login, audit };
}

function cookieOf(res: { headers: Record<string, unknown> }): string {
  return String(res.headers["set-cookie"]).split(";")[0]!;
}

describe("ACC-2 sign-in and lock-out", () => {
  test("ACC-2 passwords are stored as argon2id hashes, never in clear", async () => {
    const { server, addUser, admin } = await setup();
    try {
      const u = await addUser("carol", "analyst", "tall green lantern lorac 42");
      const stored = (await server.store.users.get(u.id))!;
      assert.match(stored.passwordHash, /^\$argon2id\$v=19\$/);
      assert.ok(!stored.passwordHash.includes("lantern"));
      const weak = await server.api.inject({ method: "POST", url: "/api/v1/users", headers: admin, payload: { username: "dave", role: "viewer", password: "short" } });
      assert.equal(weak.statusCode, 400);
      assert.match(weak.json().error.message, /at least 12 characters/);
      const oneTime = await server.api.inject({ method: "POST", url: "/api/v1/users", headers: admin, payload: { username: "dave", role: "viewer" } });
      assert.match(oneTime.json().oneTimePassword, /^\w{5}-\w{5}-\w{5}-\w{5}$/);
      assert.equal(oneTime.json().user.mustChangePassword, true);
    } finally {
      await server.close();
    }
  });

  test("ACC-2 five failures lock that user from that source; the right password is refused until the lock expires; the user's own source is unaffected", async () => {
    const { server, clock, addUser, login, audit } = await setup();
    try {
      await addUser("alice", "analyst", "tall green lantern ecila 42");
      // alice works from her usual address
      assert.equal((await login("alice", "tall green lantern ecila 42", "192.0.2.50")).statusCode, 200);
      for (let i = 0; i < 5; i++) {
        const r = await login("alice", `guess-${i}`, "198.51.100.66");
        assert.equal(r.statusCode, 401);
        assert.equal(r.json().error.message, "wrong user name or password");
      }
      const locked = await login("alice", "tall green lantern ecila 42", "198.51.100.66");
      assert.equal(locked.statusCode, 429, "the correct password is refused while locked");
      assert.equal(locked.json().error.code, "HW_ERR_AUTH_LOCKED");
      assert.match(locked.json().error.message, /too many failed sign-ins for this user from your address: try again in 15 minutes/);
      assert.equal(locked.headers["retry-after"], "900");
      // alice's own sign-in from her address still works
      assert.equal((await login("alice", "tall green lantern ecila 42", "192.0.2.50")).statusCode, 200);
      const lockouts = await audit("login.lockout");
      assert.equal(lockouts.length, 1);
      assert.equal(lockouts[0]!.target, "alice");
      assert.equal(lockouts[0]!.ip, "198.51.100.66");
      assert.equal((await audit("login.failed")).length, 5);
      assert.equal((await audit("login.refused_locked")).length, 1);
      clock.advance(14 * 60_000);
      assert.equal((await login("alice", "tall green lantern ecila 42", "198.51.100.66")).statusCode, 429);
      clock.advance(60_000 + 1);
      assert.equal((await login("alice", "tall green lantern ecila 42", "198.51.100.66")).statusCode, 200, "the lock expired");
    } finally {
      await server.close();
    }
  });

  test("ACC-2 a source guessing many user names is locked whatever user it tries next", async () => {
    const { server, addUser, login } = await setup();
    try {
      await addUser("bob", "viewer", "tall green lantern b-o 42");
      for (let i = 0; i < 20; i++) assert.equal((await login(`user${i}`, "x", "203.0.113.70")).statusCode, 401);
      const r = await login("bob", "tall green lantern b-o 42", "203.0.113.70");
      assert.equal(r.statusCode, 429);
      assert.match(r.json().error.message, /from your address/);
      assert.equal((await login("bob", "tall green lantern b-o 42", "203.0.113.71")).statusCode, 200);
    } finally {
      await server.close();
    }
  });

  test("ACC-2 a distributed guess on one user locks it for new sources, not for sources it signed in from", async () => {
    const { server, addUser, login } = await setup();
    try {
      await addUser("erin", "admin", "tall green lantern nire 42");
      assert.equal((await login("erin", "tall green lantern nire 42", "192.0.2.80")).statusCode, 200);
      for (let i = 0; i < 50; i++) await login("erin", "x", `198.51.100.${i + 1}`);
      assert.equal((await login("erin", "tall green lantern nire 42", "203.0.113.99")).statusCode, 429);
      assert.equal((await login("erin", "tall green lantern nire 42", "192.0.2.80")).statusCode, 200, "her known address is not locked out");
    } finally {
      await server.close();
    }
  });

  test("ACC-2 session cookie is HttpOnly, SameSite=Strict, Secure under TLS; the one-time password must be changed first", async () => {
    const { server, login } = await setup();
    try {
      const r = await login("admin", server.firstAdminPassword!, "192.0.2.1");
      assert.equal(r.statusCode, 200);
      const sc = String(r.headers["set-cookie"]);
      assert.match(sc, /^hw_session=[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
      let tlsCookie = "";
      setSessionCookie({ protocol: "https" } as never, { header: (_: string, v: string) => (tlsCookie = v) } as never, "s", 1000);
      assert.match(tlsCookie, /; Secure$/);
      const cookie = cookieOf(r);
      const { csrfToken } = r.json();
      const blocked = await server.api.inject({ url: "/api/v1/alerts", headers: { cookie } });
      assert.equal(blocked.statusCode, 403);
      assert.equal(blocked.json().error.code, "HW_ERR_AUTH_PASSWORD_CHANGE_REQUIRED");
      const weak = await server.api.inject({ method: "POST", url: "/api/v1/auth/password", headers: { cookie, "x-csrf-token": csrfToken }, payload: { currentPassword: server.firstAdminPassword, newPassword: "admin-admin-admin" } });
      assert.equal(weak.statusCode, 400);
      assert.match(weak.json().error.message, /must not contain the user name/);
      const ok = await server.api.inject({ method: "POST", url: "/api/v1/auth/password", headers: { cookie, "x-csrf-token": csrfToken }, payload: { currentPassword: server.firstAdminPassword, newPassword: "correct horse battery staple" } });
      assert.equal(ok.statusCode, 200);
      assert.equal((await server.api.inject({ url: "/api/v1/alerts", headers: { cookie } })).statusCode, 200);
      assert.equal((await login("admin", server.firstAdminPassword!, "192.0.2.1")).statusCode, 401, "the one-time password is gone");
      const out = await server.api.inject({ method: "POST", url: "/api/v1/auth/logout", headers: { cookie, "x-csrf-token": csrfToken } });
      assert.equal(out.statusCode, 200);
      assert.equal((await server.api.inject({ url: "/api/v1/alerts", headers: { cookie } })).statusCode, 401, "signed out");
    } finally {
      await server.close();
    }
  });

  test("ACC-2 CSRF: a cookie-authenticated change without the token, or with a wrong one, is refused", async () => {
    const { server, addUser, login, audit } = await setup();
    try {
      await addUser("frank", "admin", "tall green lantern knarf 42");
      const r = await login("frank", "tall green lantern knarf 42", "192.0.2.9");
      const cookie = cookieOf(r);
      const { csrfToken } = r.json();
      const body = { cidr: "10.1.0.0/16", note: "office" };
      const none = await server.api.inject({ method: "POST", url: "/api/v1/allowlist", headers: { cookie }, payload: body });
      assert.equal(none.statusCode, 403);
      assert.equal(none.json().error.code, "HW_ERR_AUTH_CSRF");
      const wrong = await server.api.inject({ method: "POST", url: "/api/v1/allowlist", headers: { cookie, "x-csrf-token": csrfToken.slice(0, -2) + "xx" }, payload: body });
      assert.equal(wrong.statusCode, 403);
      // another session's token does not fit this session
      const other = (await login("frank", "tall green lantern knarf 42", "192.0.2.9")).json().csrfToken;
      assert.equal((await server.api.inject({ method: "POST", url: "/api/v1/allowlist", headers: { cookie, "x-csrf-token": other }, payload: body })).statusCode, 403);
      assert.equal((await server.api.inject({ url: "/api/v1/allowlist", headers: { cookie } })).json().items.length, 0, "nothing was changed");
      const ok = await server.api.inject({ method: "POST", url: "/api/v1/allowlist", headers: { cookie, "x-csrf-token": csrfToken }, payload: body });
      assert.equal(ok.statusCode, 200);
      assert.equal((await audit("csrf.refused")).length, 3);
    } finally {
      await server.close();
    }
  });
});

describe("ACC-1 roles", () => {
  test("ACC-1 a viewer cannot handle an alert; an analyst cannot add a user; an analyst can handle", async () => {
    const { server, addUser, admin } = await setup();
    try {
      const now = Date.now();
      await server.store.agents.insert({ id: "ag_roles", accountId: "default", hostname: "h", version: "1", os: "l", enrolledAt: now, lastSeenAt: now, revokedAt: null, credentialHash: "x", rejectedRecords: 0, droppedRecords: 0 });
      await server.store.alerts.insert({ id: "al_roles", accountId: "default", assetId: "ag_roles", type: "ssh_brute_force", ruleId: "r", name: "SSH brute force", severity: "high", status: "unhandled", dedupKey: "k", firstSeen: now, lastSeen: now, count: 5, sourceIp: "203.0.113.5", userName: null, attack: [], evidence: {}, triage: "", response: null, handledHow: null, whitelistedBy: null, createdAt: now, updatedAt: now });
      const tok = async (username: string, role: string) => {
        await addUser(username, role, `tall green lantern ${username.length} 42`);
        const u = await server.store.users.findByName(username);
        const r = await server.api.inject({ method: "POST", url: "/api/v1/tokens", headers: admin, payload: { name: "x" } });
        void r;
        // sign in as that user and make a token of their own
        const li = await server.api.inject({ method: "POST", url: "/api/v1/auth/login", remoteAddress: "192.0.2.3", payload: { username, password: `tall green lantern ${username.length} 42` } });
        const cookie = String(li.headers["set-cookie"]).split(";")[0]!;
        const t = await server.api.inject({ method: "POST", url: "/api/v1/tokens", headers: { cookie, "x-csrf-token": li.json().csrfToken }, payload: { name: "cli" } });
        assert.equal(t.json().role, u!.role);
        return { authorization: `Bearer ${t.json().token}` };
      };
      const viewer = await tok("vera", "viewer");
      const analyst = await tok("andy", "analyst");
      const v = await server.api.inject({ method: "POST", url: "/api/v1/alerts/al_roles/handle", headers: viewer, payload: { action: "mark_handled" } });
      assert.equal(v.statusCode, 403);
      assert.match(v.json().error.message, /needs the analyst role; you have viewer/);
      const a = await server.api.inject({ method: "POST", url: "/api/v1/users", headers: analyst, payload: { username: "mallory", role: "admin" } });
      assert.equal(a.statusCode, 403);
      assert.equal(await server.store.users.findByName("mallory"), null);
      const h = await server.api.inject({ method: "POST", url: "/api/v1/alerts/al_roles/handle", headers: analyst, payload: { action: "mark_handled", remark: "known scanner" } });
      assert.equal(h.statusCode, 200);
      assert.equal(h.json().status, "handled");
      assert.equal(h.json().handledHow, "marked handled");
      const [t] = (await server.api.inject({ url: "/api/v1/alerts/al_roles/history", headers: viewer })).json().items;
      assert.match(t.actor, /^token:tok_\w+ \(andy\)$/);
      assert.equal(t.remark, "known scanner");
    } finally {
      await server.close();
    }
  });

  test("EVT-11 an owner who cannot handle events cannot be assigned", () => {
    const u = (role: User["role"], over: Partial<User> = {}): User => ({ id: "u", accountId: "acc", username: "x", passwordHash: "", role, createdAt: 0, mustChangePassword: false, disabledAt: null, ...over });
    assert.throws(() => assertAssignableOwner(u("viewer"), "acc"), /the viewer role cannot handle events/);
    assert.throws(() => assertAssignableOwner(u("analyst", { disabledAt: 1 }), "acc"), /disabled/);
    assert.throws(() => assertAssignableOwner(u("admin", { accountId: "other" }), "acc"), /no such user in this account/);
    assert.throws(() => assertAssignableOwner(null, "acc"), /no such user/);
    assert.equal(assertAssignableOwner(u("analyst"), "acc").role, "analyst");
    assert.equal(assertAssignableOwner(u("admin"), "acc").role, "admin");
  });
});

describe("ACC-2 API tokens and the audit log", () => {
  test("ACC-2 a token is shown once, capped at its user's role, and a revoked token gets 401 at once", async () => {
    const { server, admin, audit } = await setup();
    try {
      const c = await server.api.inject({ method: "POST", url: "/api/v1/tokens", headers: admin, payload: { name: "ci", role: "analyst", ttl: "90d" } });
      assert.equal(c.statusCode, 200);
      const { id, token } = c.json();
      assert.match(token, /^hwk_/);
      const list = (await server.api.inject({ url: "/api/v1/tokens", headers: admin })).body;
      assert.ok(list.includes(id) && !list.includes(token), "listed, secret never shown again");
      const bearer = { authorization: `Bearer ${token}` };
      assert.equal((await server.api.inject({ url: "/api/v1/alerts", headers: bearer })).statusCode, 200);
      assert.equal((await server.api.inject({ url: "/api/v1/users", headers: bearer })).statusCode, 403, "an analyst token of an admin is an analyst");
      assert.equal((await server.api.inject({ method: "DELETE", url: `/api/v1/tokens/${id}`, headers: admin })).statusCode, 200);
      const after = await server.api.inject({ url: "/api/v1/alerts", headers: bearer });
      assert.equal(after.statusCode, 401);
      assert.match(after.json().error.message, /revoked/);
      const viewerTok = await server.api.inject({ method: "POST", url: "/api/v1/tokens", headers: bearer, payload: { name: "x" } });
      assert.equal(viewerTok.statusCode, 401);
      const created = await audit("token.create");
      assert.equal(created.length, 1);
      const writes = await audit("api.write");
      assert.ok(writes.some((w) => w.details.status === 200 && w.actor.includes("token:")), "token use for a write is audited");
    } finally {
      await server.close();
    }
  });

  test("ACC-2 the audit log records who did what from where: settings, allowlist, response actions", async () => {
    const { server, admin, audit } = await setup();
    try {
      const now = Date.now();
      await server.store.agents.insert({ id: "ag_audit", accountId: "default", hostname: "h", version: "1", os: "l", enrolledAt: now, lastSeenAt: now, revokedAt: null, credentialHash: "x", rejectedRecords: 0, droppedRecords: 0 });
      await server.api.inject({ method: "PUT", url: "/api/v1/settings/defence", headers: admin, payload: { enabled: false }, remoteAddress: "192.0.2.44" });
      await server.api.inject({ method: "POST", url: "/api/v1/allowlist", headers: admin, payload: { cidr: "10.2.0.0/16" }, remoteAddress: "192.0.2.44" });
      const pol = await server.api.inject({ method: "POST", url: "/api/v1/ip-policies", headers: admin, payload: { assetId: "ag_audit", ip: "203.0.113.8", duration: "1d" }, remoteAddress: "192.0.2.44" });
      assert.equal(pol.statusCode, 200, pol.body);
      await server.api.inject({ method: "POST", url: `/api/v1/ip-policies/${pol.json().id}/disable`, headers: admin, remoteAddress: "192.0.2.44" });
      for (const [action, target] of [["settings.change", "defence.enabled"], ["allowlist.add", null], ["ip_policy.create", pol.json().id], ["ip_policy.disable", pol.json().id]] as const) {
        const e = (await audit(action))[0];
        assert.ok(e, `${action} audited`);
        assert.equal(e.ip, "192.0.2.44");
        assert.match(e.actor, /^token:tok_\w+ \(admin\)$/);
        if (target) assert.equal(e.target, target);
      }
      assert.deepEqual((await audit("settings.change"))[0]!.details, { enabled: false });
    } finally {
      await server.close();
    }
  });

  test("ACC-1 AGT-1 an agent enrols into the account of its token, and its alerts stay in that account", async () => {
    const { server, admin } = await setup();
    try {
      const acc = await server.api.inject({ method: "POST", url: "/api/v1/accounts", headers: admin, payload: { name: "Shop" } });
      const member = { ...admin, "x-hostward-account": acc.json().id };
      const tok = await server.api.inject({ method: "POST", url: "/api/v1/enrolment-tokens", headers: member, payload: {} });
      const en = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token: tok.json().token, hostname: "shop-web", version: "1", os: "l" } });
      assert.equal(en.json().accountId, acc.json().id);
      const { agentId, secret } = en.json();
      const records = Array.from({ length: 5 }, (_, i) => ({ id: `acc-rec-${i}-xxxx`, kind: "logon", ts: Date.now() + i, service: "ssh", event: { outcome: "failure", reason: "password" }, source: { ip: "203.0.113.33" } }));
      await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: { authorization: `Bearer ${agentId}.${secret}` }, payload: { records } });
      assert.equal((await server.api.inject({ url: "/api/v1/alerts", headers: member })).json().total, 1);
      assert.equal((await server.api.inject({ url: "/api/v1/alerts", headers: admin })).json().total, 0, "not in the master account's own list");
      assert.equal((await server.api.inject({ url: "/api/v1/ip-policies", headers: member })).json().total, 1);
      assert.equal((await server.api.inject({ url: "/api/v1/agents", headers: admin })).json().items.length, 0);
    } finally {
      await server.close();
    }
  });
});

export type { HostwardServer };
