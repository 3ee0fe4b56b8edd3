import { test, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeClock, newId, type WhitelistEntry, type WhitelistRule } from "../core/index.ts";
import { findWhitelist } from "../alerting/index.ts";
import { tempDir, startServer, enrolToken } from "../../test/helpers.ts";
import { prng } from "../../test/prng.ts";

/**
 * Whitelists apply before response: random alert streams against random whitelist sets
 * (rules and entries, added before and during the stream), and no block is ever queued
 * for a source that a whitelist in force at that moment covers. Seeded, so a failure
 * replays; each round runs in its own account.
 */
const tmp = tempDir();
after(() => tmp.cleanup());

test("ALR-6 property: nothing whitelisted is ever blocked automatically (random streams × random whitelists)", async () => {
  const clock = new FakeClock("2026-07-01T00:00:00Z");
  const { server, adminToken } = await startServer({ dataDir: join(tmp.dir, "p"), clock, listen: false });
  const ROUNDS = 25;
  let checkedBlocks = 0, whitelistedAlerts = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const rnd = prng(1000 + round);
      const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      // a fresh account with two assets
      const accountId = newId("acc", clock.now());
      await server.store.accounts.insert({ id: accountId, name: `round ${round}`, parentId: "default", createdAt: clock.now() });
      const asAcc = { authorization: `Bearer ${adminToken}`, "x-hostward-account": accountId };
      const assets: { agentId: string; secret: string }[] = [];
      for (const h of ["a", "b"]) {
        const tok = (await server.api.inject({ method: "POST", url: "/api/v1/enrolment-tokens", headers: asAcc, payload: {} })).json().token;
        assets.push((await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token: tok, hostname: h, version: "1", os: "l" } })).json());
      }
      void enrolToken;
      const pool = Array.from({ length: 6 }, (_, i) => `203.0.${round}.${i + 1}`);
      const addRandomRule = async () => {
        const ip = pick(pool);
        const op = pick(["equals", "contains", "regex"] as const);
        const value = op === "equals" ? ip : op === "contains" ? ip.slice(0, ip.length - 1) : `^${ip.replaceAll(".", "\\.").slice(0, -1)}[0-9]$`;
        const r = await server.api.inject({ method: "POST", url: "/api/v1/whitelist-rules", headers: asAcc, payload: { alertType: pick(["ssh_brute_force", "*"]), field: "source.ip", operator: op, value, assetId: rnd() < 0.5 ? null : pick(assets).agentId } });
        assert.equal(r.statusCode, 200, r.body);
      };
      for (let i = Math.floor(rnd() * 3); i > 0; i--) await addRandomRule();
      let seq = 0;
      const seenActions = new Set<string>();
      for (let step = 0; step < 15; step++) {
        // whitelist snapshot in force before this batch
        const entries: WhitelistEntry[] = await server.store.whitelist.listEntries(accountId);
        const rules: WhitelistRule[] = await server.store.whitelist.listRules(accountId);
        const asset = pick(assets);
        const records = Array.from({ length: 1 + Math.floor(rnd() * 10) }, () => {
          clock.advance(Math.floor(rnd() * 10_000));
          return { id: `p${round}-${seq++}-xxxxxx`, kind: "logon", ts: clock.now(), service: "ssh", event: { outcome: rnd() < 0.9 ? "failure" : "success", reason: "password" }, source: { ip: pick(pool) }, user: { name: pick(["root", "admin", "oracle"]) } };
        });
        const r = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: { authorization: `Bearer ${asset.agentId}.${asset.secret}` }, payload: { records } });
        assert.equal(r.statusCode, 200);
        // every block queued by this batch: its alert must not be covered by the whitelists in force
        const actions = (await server.store.actions.list(accountId, { limit: 500, offset: 0 })).items.filter((a) => a.type === "block_ip" && !seenActions.has(a.id));
        for (const act of actions) {
          seenActions.add(act.id);
          const pol = (await server.store.policies.get(accountId, act.policyId!))!;
          const alert = (await server.store.alerts.get(accountId, pol.alertId!))!;
          const hit = findWhitelist(alert, entries, rules);
          assert.equal(hit, null, `round ${round} step ${step}: ${act.params.ip} blocked on ${act.agentId} although ${hit?.text}`);
          checkedBlocks++;
        }
        // meanwhile operators whitelist things: an alert (ALR-4) or a new rule (ALR-6)
        if (rnd() < 0.3) {
          const open = (await server.store.alerts.list(accountId, { status: "unhandled", limit: 50, offset: 0 })).items;
          if (open.length) {
            const res = await server.api.inject({ method: "POST", url: `/api/v1/alerts/${pick(open).id}/handle`, headers: asAcc, payload: { action: "whitelist", scope: pick(["asset", "all"]) } });
            assert.equal(res.statusCode, 200, res.body);
          }
        }
        if (rnd() < 0.2) await addRandomRule();
      }
      // and no whitelisted alert has a policy created after it was whitelisted
      for (const a of (await server.store.alerts.list(accountId, { limit: 500, offset: 0 })).items) {
        if (a.status !== "whitelisted_auto" && a.status !== "whitelisted_manual") continue;
        whitelistedAlerts++;
        const wlAt = (await server.store.transitions.list(accountId, a.id)).find((t) => t.to === a.status)!.at;
        const later = (await server.store.policies.list(accountId, { ip: a.sourceIp!, assetId: a.assetId, limit: 50, offset: 0 })).items.filter((p) => p.alertId === a.id && p.createdAt > wlAt);
        assert.deepEqual(later, [], `alert ${a.id} was blocked after being whitelisted`);
      }
    }
    assert.ok(checkedBlocks > 20, `the streams must produce blocks to check (got ${checkedBlocks})`);
    assert.ok(whitelistedAlerts > 20, `the streams must produce whitelisted alerts (got ${whitelistedAlerts})`);
  } finally {
    await server.close();
  }
});
