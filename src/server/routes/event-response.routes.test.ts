import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeClock } from "../../core/index.ts";
import { tempDir, startServer, enrolToken } from "../../../test/helpers.ts";

/**
 * EVT-6, EVT-7 and RSP-1 through the front door: records in through the agent channel (the
 * real ingest and correlation), recommendations and resolve through the API, the tasks
 * collected and answered as an agent does.
 */
const tmp = tempDir();
after(() => tmp.cleanup());
let n = 0;
const ATTACKER = "5.9.20.20", POOL = "5.9.10.11";
const MINER = "/var/tmp/.x/kswapd1";
const MINER_SHA = "a".repeat(64);

type Asset = { agentId: string; secret: string };
type Item = { entityKey: string; action: string; selected: boolean; assetIds: string[]; validity: string | null; target: Record<string, unknown>; unavailable: string | null; accountId: string };
type Task = { id: string; action: string; assetId: string; status: string; result: string | null; actionId: string | null; policyId: string | null; what: string; validUntil: string | null };

async function setup(opts: { defence?: boolean } = {}) {
  const clock = new FakeClock("2026-06-01T08:00:00Z");
  const { server, adminToken } = await startServer({ dataDir: join(tmp.dir, `s${n++}`), clock, listen: false });
  const api = async (url: string, method = "GET", payload?: object, token = adminToken) => {
    const r = await server.api.inject({ method: method as "GET", url, payload, headers: { authorization: `Bearer ${token}` } });
    return { status: r.statusCode, body: r.json() };
  };
  if (opts.defence === false) assert.equal((await api("/api/v1/settings/defence", "PUT", { enabled: false })).status, 200);
  const enrol = async (hostname: string): Promise<Asset> =>
    (await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token: await enrolToken(server), hostname, version: "1", os: "linux" } })).json() as Asset;
  let seq = 0;
  const auth = (a: Asset) => ({ authorization: `Bearer ${a.agentId}.${a.secret}` });
  const send = async (asset: Asset, records: object[]) => {
    const r = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: auth(asset), payload: { records: records.map((x) => ({ id: `rec-${String(seq++).padStart(8, "0")}`, ...x })) } });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().rejected, []);
  };
  /** What the agent collects now (as its long poll would), answered with `answer` (default: succeeded). */
  const work = async (asset: Asset, answer: (a: { type: string; params: Record<string, unknown> }) => { status: "succeeded" | "failed"; result: string } = () => ({ status: "succeeded", result: "done" })) => {
    const got = (await server.agentChannel.inject({ method: "GET", url: "/agent/v1/actions?wait=0", headers: auth(asset) })).json().actions as { id: string; type: string; params: Record<string, unknown> }[];
    for (const a of got) {
      const r = await server.agentChannel.inject({ method: "POST", url: `/agent/v1/actions/${a.id}/result`, headers: auth(asset), payload: answer(a) });
      assert.equal(r.statusCode, 200, r.body);
    }
    return got;
  };
  const failures = (ip: string, user = "root", times = 6) => Array.from({ length: times }, () => ({ kind: "logon", ts: clock.now(), service: "ssh", event: { outcome: "failure", reason: "password" }, source: { ip }, user: { name: user } }));

  /** The attack: brute force on web-1, a logon, a miner in that SSH session talking to a pool, the same address on db-1. */
  const attack = async () => {
    const web = await enrol("web-1"), db = await enrol("db-1");
    await send(web, failures(ATTACKER, "deploy"));
    clock.advance(60_000);
    await send(web, [{ kind: "logon", ts: clock.now(), service: "ssh", event: { outcome: "success", reason: "password" }, source: { ip: ATTACKER }, user: { name: "deploy" } }]);
    clock.advance(60_000);
    const cmd = `${MINER} -o stratum+tcp://${POOL}:3333 -u 44AFFq5kSiGBoZ4N --donate-level 1`;
    await send(web, [{
      kind: "process", ts: clock.now(), event: { action: "start" }, session: { sshdPid: 700, user: "deploy", sourceIp: ATTACKER },
      process: { pid: 4242, ppid: 700, name: "kswapd1", executable: MINER, command_line: cmd, start: clock.now() - 1000, hash: { sha256: MINER_SHA } },
    }, {
      kind: "connection", ts: clock.now(), event: { action: "opened" }, network: { transport: "tcp", type: "ipv4", direction: "outbound" }, source: { ip: "10.0.0.5", port: 40000 },
      destination: { ip: POOL, port: 3333 }, process: { pid: 4242, name: "kswapd1", executable: MINER, command_line: cmd }, firstSeen: clock.now(), lastSeen: clock.now(),
    }]);
    clock.advance(60_000);
    await send(db, failures(ATTACKER));
    const events = (await api("/api/v1/events")).body.items as { id: string; alertTypes: string[] }[];
    assert.equal(events.length, 1, JSON.stringify(events.map((e) => e.alertTypes)));
    return { web, db, eventId: events[0]!.id };
  };
  return { server, clock, api, enrol, send, work, attack, adminToken };
}

const pick = (items: Item[], key: string, action: string) => {
  const i = items.find((x) => x.entityKey === key && x.action === action);
  assert.ok(i, `${action} ${key} in ${JSON.stringify(items.map((x) => `${x.action} ${x.entityKey}`))}`);
  return i;
};

describe("EVT-6 EVT-7 recommended handling", () => {
  test("EVT-6 EVT-7 the attacker address, the miner and the compromised account are assessed with reasons; the recommendation blocks the address on both assets and kills and quarantines the miner", async () => {
    const { server, api, attack } = await setup({ defence: false });
    try {
      const { web, db, eventId } = await attack();
      const r = await api(`/api/v1/events/${eventId}/recommendations`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const risks = r.body.risks as { key: string; level: string; reasons: { factor: string; points: number; text: string }[]; suggestion: { actions: string[] } }[];
      const ip = risks.find((x) => x.key === `ip:${ATTACKER}`)!;
      assert.equal(ip.level, "critical");
      assert.match(ip.reasons.find((x) => x.factor === "behaviour")!.text, /logged on after guessing a password/);
      assert.match(ip.reasons.find((x) => x.factor === "behaviour")!.text, /brute-forced logons/);
      assert.equal(ip.reasons.find((x) => x.factor === "spread")!.text, "seen on 2 assets in 1 event over the last 30 days");
      const miner = risks.find((x) => x.key === `process:${web.agentId}:${MINER}`)!;
      assert.match(miner.reasons.find((x) => x.factor === "behaviour")!.text, /ran a miner/);
      assert.deepEqual(miner.suggestion.actions, ["kill", "quarantine"]);
      const account = risks.find((x) => x.key === `account:${web.agentId}:deploy`)!;
      assert.match(account.reasons[0]!.text, new RegExp(`was logged on to from attacker address ${ATTACKER.replace(/\./g, "\\.")}`));
      assert.ok(risks.find((x) => x.key === `ip:${POOL}`), "the pool endpoint is assessed");

      const items = r.body.items as Item[];
      const block = pick(items, `ip:${ATTACKER}`, "block");
      assert.deepEqual([...block.assetIds].sort(), [web.agentId, db.agentId].sort(), "blocked on every affected asset");
      assert.equal(block.validity, "7d", "a critical address is blocked for 7 days by default");
      assert.equal(block.selected, true);
      assert.deepEqual(pick(items, `process:${web.agentId}:${MINER}`, "kill").target, { pid: 4242, start: Date.parse("2026-06-01T08:02:00Z") - 1000, sha256: MINER_SHA, executable: MINER });
      assert.deepEqual(pick(items, `process:${web.agentId}:${MINER}`, "quarantine").target, { path: MINER, sha256: MINER_SHA });
      assert.equal(pick(items, `account:${web.agentId}:deploy`, "lock").validity, "7d");
      const isolate = pick(items, `host:${web.agentId}`, "isolate");
      assert.equal(isolate.selected, false, "isolation is offered, never preselected");
      assert.ok(!items.some((x) => x.entityKey === `host:${db.agentId}`), "db-1 only saw failed logons: nothing ran there");
      assert.deepEqual(items.map((x) => x.action).filter((a, i, l) => l.indexOf(a) === i), ["block", "kill", "quarantine", "lock", "isolate"], "cut off, stop, remove, lock, isolate");
    } finally {
      await server.close();
    }
  });

  test("EVT-7 EVT-8 RSP-1 resolving queues every task in one go (Handling); when all succeed the event and its alerts are Handled; a later alert opens a new event", async () => {
    const { server, clock, api, work, send, attack } = await setup({ defence: false });
    try {
      const { web, db, eventId } = await attack();
      const items = (await api(`/api/v1/events/${eventId}/recommendations`)).body.items as Item[];
      const chosen = items.filter((x) => x.selected).map((x) => ({ entityKey: x.entityKey, action: x.action }));
      const r = await api(`/api/v1/events/${eventId}/resolve`, "POST", { items: chosen, remark: "confirmed intrusion" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.status, "handling");
      const tasks = r.body.tasks as Task[];
      assert.deepEqual(tasks.map((t) => `${t.action} ${t.assetId === web.agentId ? "web" : "db"}`), ["block web", "block db", "block web", "block db", "kill web", "quarantine web", "lock web"]);
      assert.ok(tasks.every((t) => t.status === "queued" && t.actionId));
      const blockWeb = tasks.find((t) => t.what === `block ${ATTACKER} on web-1 for 7d`)!;
      assert.ok(blockWeb.policyId, "a block is an IP policy");
      assert.equal(blockWeb.validUntil, new Date(clock.now() + 7 * 86_400_000).toISOString());
      const pol = (await api(`/api/v1/ip-policies?ip=${ATTACKER}`)).body.items as { assetId: string; expiresAt: string; status: string }[];
      assert.equal(pol.length, 2);
      let e = (await api(`/api/v1/events/${eventId}`)).body;
      assert.equal(e.status, "handling");
      assert.ok(((await api(`/api/v1/events/${eventId}/alerts`)).body.items as { status: string }[]).every((a) => a.status === "unhandled"), "Handling changes no alert");

      // the agents carry them out in queue order: blocks, kill, quarantine, lock
      const webGot = await work(web);
      assert.deepEqual(webGot.map((a) => a.type), ["block_ip", "block_ip", "kill_process", "quarantine_file", "lock_account"]);
      assert.deepEqual(webGot[2]!.params, { pid: 4242, start: Date.parse("2026-06-01T08:02:00Z") - 1000, sha256: MINER_SHA });
      assert.deepEqual(webGot[4]!.params, { user: "deploy", timeoutSeconds: 7 * 86_400 });
      e = (await api(`/api/v1/events/${eventId}`)).body;
      assert.equal(e.status, "handling", "db-1's blocks are still out");
      await work(db);
      e = (await api(`/api/v1/events/${eventId}`)).body;
      assert.equal(e.status, "handled");
      assert.match(e.handledHow, /^resolved: /);
      for (const what of [`block ${ATTACKER} on web-1 for 7d`, `block ${ATTACKER} on db-1 for 7d`, `kill process 4242 (${MINER}) on web-1`, `quarantine ${MINER} on web-1`, "lock account deploy on web-1 for 7d"]) assert.ok(e.handledHow.includes(what), `${what} in ${e.handledHow}`);
      const alerts = (await api(`/api/v1/events/${eventId}/alerts`)).body.items as { status: string; handledHow: string }[];
      assert.ok(alerts.length >= 5);
      assert.ok(alerts.every((a) => a.status === "handled" && a.handledHow.includes(`(security event ${eventId})`)), JSON.stringify(alerts.map((a) => a.status)));
      const listed = (await api(`/api/v1/events/${eventId}/tasks`)).body.items as Task[];
      assert.ok(listed.every((t) => t.status === "succeeded" && t.result === "done"), "RSP-1 tasks listed with status and result");
      assert.ok(((await api(`/api/v1/ip-policies?ip=${ATTACKER}`)).body.items as { status: string }[]).every((p) => p.status === "active"));
      const activity = (await api(`/api/v1/events/${eventId}/activity`)).body.items as { action: string; detail: string }[];
      assert.equal(activity.filter((a) => a.action === "task" && a.detail.startsWith("queued: ")).length, 7);
      assert.equal(activity.filter((a) => a.action === "task" && a.detail.startsWith("succeeded: ")).length, 7);

      // EVT-8: the Handled event takes no alert; the same address on a third asset opens a new one
      const app = await (async () => (await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token: await enrolToken(server), hostname: "app-1", version: "1", os: "linux" } })).json() as { agentId: string; secret: string })();
      clock.advance(60_000);
      await send(app, Array.from({ length: 6 }, () => ({ kind: "logon", ts: clock.now(), service: "ssh", event: { outcome: "failure", reason: "password" }, source: { ip: ATTACKER }, user: { name: "root" } })));
      const events = (await api("/api/v1/events")).body.items as { id: string; status: string }[];
      assert.equal(events.length, 2);
      assert.equal(events.find((x) => x.id !== eventId)!.status, "unhandled");
      assert.equal((await api(`/api/v1/events/${eventId}`)).body.alertCount, e.alertCount);
      assert.equal((await api(`/api/v1/events/${eventId}/resolve`, "POST", { items: chosen })).status, 409, "a Handled event is not resolved again");
    } finally {
      await server.close();
    }
  });

  test("EVT-7 a failed task sets the event to Failed with its reason; resolving again retries, and the new resolution decides", async () => {
    const { server, api, work, attack } = await setup({ defence: false });
    try {
      const { web, eventId } = await attack();
      const miner = `process:${web.agentId}:${MINER}`;
      let r = await api(`/api/v1/events/${eventId}/resolve`, "POST", { items: [{ entityKey: miner, action: "kill" }, { entityKey: miner, action: "quarantine" }] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await work(web, (a) => (a.type === "kill_process" ? { status: "failed", result: `refused: pid 4242 (kswapd1) runs an executable with SHA-256 ${"b".repeat(64)}, not ${MINER_SHA}` } : { status: "succeeded", result: "moved to the vault" }));
      let e = (await api(`/api/v1/events/${eventId}`)).body;
      assert.equal(e.status, "failed");
      const activity = (await api(`/api/v1/events/${eventId}/activity`)).body.items as { action: string; detail: string }[];
      assert.ok(activity.some((a) => a.action === "status" && a.detail.includes("handling → failed: task failed: kill process 4242") && a.detail.includes("runs an executable with SHA-256")), JSON.stringify(activity.map((a) => a.detail)));
      assert.ok(((await api(`/api/v1/events/${eventId}/alerts`)).body.items as { status: string }[]).every((a) => a.status === "unhandled"), "Failed changes no alert");

      // a retry with only the block: the new resolution's result decides
      r = await api(`/api/v1/events/${eventId}/resolve`, "POST", { items: [{ entityKey: `ip:${ATTACKER}`, action: "block", validity: "6h", assetIds: [web.agentId] }] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.status, "handling");
      assert.deepEqual((r.body.tasks as Task[]).map((t) => t.what), [`block ${ATTACKER} on web-1 for 6h`]);
      await work(web);
      e = (await api(`/api/v1/events/${eventId}`)).body;
      assert.equal(e.status, "handled");
    } finally {
      await server.close();
    }
  });

  test("EVT-7 a kill whose process is already gone (its shell ended with the miner it ran) reaches its aim: the task succeeds", async () => {
    const { server, api, work, attack } = await setup({ defence: false });
    try {
      const { web, eventId } = await attack();
      const r = await api(`/api/v1/events/${eventId}/resolve`, "POST", { items: [{ entityKey: `process:${web.agentId}:${MINER}`, action: "kill" }] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await work(web, () => ({ status: "failed", result: "pid 4242 already gone" }));
      const [t] = (await api(`/api/v1/events/${eventId}/tasks`)).body.items as Task[];
      assert.equal(t!.status, "succeeded");
      assert.equal(t!.result, "not running any more: pid 4242 already gone");
      assert.equal((await api(`/api/v1/events/${eventId}`)).body.status, "handled");
    } finally {
      await server.close();
    }
  });

  test("EVT-7 a block already pending (automatic defence) is not doubled: the task follows that policy's action", async () => {
    const { server, api, work, attack } = await setup();
    try {
      const { web, db, eventId } = await attack();
      // defence blocked the brute-forcing address on both assets already (pending: the agents have not answered)
      assert.equal(((await api(`/api/v1/ip-policies?ip=${ATTACKER}&status=pending`)).body.items as unknown[]).length, 2);
      const r = await api(`/api/v1/events/${eventId}/resolve`, "POST", { items: [{ entityKey: `ip:${ATTACKER}`, action: "block" }] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(((await api(`/api/v1/ip-policies?ip=${ATTACKER}`)).body.items as unknown[]).length, 2, "no second policy");
      assert.ok((r.body.tasks as Task[]).every((t) => t.status === "queued" && t.actionId));
      await work(web);
      await work(db);
      assert.equal((await api(`/api/v1/events/${eventId}`)).body.status, "handled");
    } finally {
      await server.close();
    }
  });

  test("EVT-7 refusals queue nothing: an allowlisted address, an entity not in the event, a kill elsewhere, a validity on a kill", async () => {
    const { server, api, attack } = await setup({ defence: false });
    try {
      const { web, db, eventId } = await attack();
      const miner = `process:${web.agentId}:${MINER}`;
      const refused = async (items: object[], status: number, re: RegExp) => {
        const r = await api(`/api/v1/events/${eventId}/resolve`, "POST", { items });
        assert.equal(r.status, status, JSON.stringify(r.body));
        assert.match(r.body.error.message, re);
      };
      await refused([{ entityKey: "ip:198.51.100.1", action: "block" }], 409, /is no malicious entity of this event/);
      await refused([{ entityKey: miner, action: "block" }], 409, /block is not a handling of .* \(offered: kill, quarantine\)/);
      await refused([{ entityKey: `ip:${ATTACKER}`, action: "block" }, { entityKey: miner, action: "kill", assetIds: [db.agentId] }], 409, /runs only where it was seen/);
      await refused([{ entityKey: miner, action: "kill", validity: "6h" }], 400, /kill has no validity period/);
      await refused([{ entityKey: `ip:${ATTACKER}`, action: "block", accountId: "acc_elsewhere" }], 403, /you do not manage account acc_elsewhere/);
      assert.equal((await api("/api/v1/allowlist", "POST", { cidr: `${ATTACKER}/32`, note: "our pen-tester" })).status, 200);
      const item = pick((await api(`/api/v1/events/${eventId}/recommendations`)).body.items, `ip:${ATTACKER}`, "block");
      assert.equal(item.selected, false);
      assert.match(item.unavailable!, /is allowlisted/);
      await refused([{ entityKey: miner, action: "kill" }, { entityKey: `ip:${ATTACKER}`, action: "block" }], 409, /is allowlisted/);
      assert.equal((await api(`/api/v1/events/${eventId}/tasks`)).body.items.length, 0);
      assert.equal((await api("/api/v1/actions")).body.items.length, 0, "nothing queued");
      assert.equal((await api(`/api/v1/events/${eventId}`)).body.status, "unhandled");
    } finally {
      await server.close();
    }
  });

  test("EVT-7 the destination account: a master account's analyst blocks the attacker on a member account's assets with an edited validity", async () => {
    const { server, api, attack, adminToken } = await setup({ defence: false });
    try {
      const { eventId } = await attack();
      const member = (await api("/api/v1/accounts", "POST", { name: "Shop" })).body.id as string;
      // the member's asset enrols with a token the master's admin makes for the member account
      const token = (await server.api.inject({ method: "POST", url: "/api/v1/enrolment-tokens", payload: { ttl: "1h" }, headers: { authorization: `Bearer ${adminToken}`, "x-hostward-account": member } })).json().token as string;
      const shop = (await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token, hostname: "shop-1", version: "1", os: "linux" } })).json() as Asset;
      const r = await api(`/api/v1/events/${eventId}/resolve`, "POST", { items: [{ entityKey: `ip:${ATTACKER}`, action: "block", accountId: member, validity: "12h" }] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const [t] = r.body.tasks as (Task & { accountId: string })[];
      assert.equal(t!.assetId, shop.agentId, "the member account's assets by default");
      assert.equal(t!.accountId, member);
      const pol = await server.store.policies.get(member, t!.policyId!);
      assert.equal(pol?.accountId, member);
      assert.equal(pol!.expiresAt! - pol!.createdAt, 12 * 3_600_000);
    } finally {
      await server.close();
    }
  });
});
