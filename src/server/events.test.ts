import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { FakeClock, newId, type Alert, type EventEdge, type EventEntity, type SecurityEvent, type Severity } from "../core/index.ts";
import { tempDir, startServer, enrolToken } from "../../test/helpers.ts";
import { hashPassword, newApiTokenSecret, sha256hex, type HostwardServer } from "./index.ts";

const tmp = tempDir();
after(() => tmp.cleanup());
let n = 0;
const DAY = 86_400_000;
const A = "default";

/** A server with two assets of account A; events are put in through the store port, like correlation would. */
async function setup() {
  const clock = new FakeClock("2026-06-01T08:00:00Z");
  const { server, adminToken } = await startServer({ dataDir: join(tmp.dir, `s${n++}`), clock, listen: false });
  const asset = async (hostname: string) => {
    const id = newId("ag", clock.now());
    await server.store.agents.insert({ id, accountId: A, hostname, version: "1", os: "linux", enrolledAt: clock.now(), lastSeenAt: clock.now(), revokedAt: null, credentialHash: "x", rejectedRecords: 0, droppedRecords: 0 });
    return id;
  };
  const web = await asset("web-1"), db = await asset("db-1");
  const call = async (token: string, url: string, method = "GET", payload?: object) => {
    const r = await server.api.inject({ method: method as "GET", url, payload, headers: { authorization: `Bearer ${token}` } });
    return { status: r.statusCode, body: r.headers["content-type"]?.toString().startsWith("application/json") ? r.json() : r.rawPayload, headers: r.headers };
  };
  const api = (url: string, method = "GET", payload?: object) => call(adminToken, url, method, payload);
  return { server, clock, web, db, api, call, adminToken };
}

async function addUser(server: HostwardServer, role: "viewer" | "analyst" | "admin", name: string, account = A, disabled = false) {
  const id = newId("usr", 0);
  await server.store.users.insert({ id, accountId: account, username: name, passwordHash: await hashPassword("unused password 1234"), role, createdAt: 0, mustChangePassword: false, disabledAt: disabled ? 1 : null });
  const token = newApiTokenSecret();
  await server.store.apiTokens.insert({ id: newId("tok", 0), userId: id, name: "t", role, tokenHash: sha256hex(token), createdAt: 0, expiresAt: null, revokedAt: null, lastUsedAt: null });
  return { id, token };
}

interface AlertSpec { type?: string; severity?: Severity; status?: Alert["status"]; sourceIp?: string | null; userName?: string | null; at?: number; assetId?: string; attack?: string[]; evidence?: Record<string, unknown> }

async function seedAlert(server: HostwardServer, assetId: string, s: AlertSpec, at: number): Promise<Alert> {
  const a: Alert = {
    id: newId("al", at), accountId: A, assetId: s.assetId ?? assetId, type: s.type ?? "ssh_brute_force", ruleId: "r", name: s.type ?? "SSH brute force", severity: s.severity ?? "high", status: s.status ?? "unhandled",
    dedupKey: `k-${Math.random()}`, firstSeen: s.at ?? at, lastSeen: s.at ?? at, count: 3, sourceIp: s.sourceIp === undefined ? "203.0.113.7" : s.sourceIp, userName: s.userName ?? null, attack: s.attack ?? ["T1110.001"],
    evidence: { ...(s.sourceIp !== null ? { "source.ip": s.sourceIp ?? "203.0.113.7" } : {}), ...s.evidence }, triage: "", response: null, handledHow: s.status === "blocked" ? "killed by proactive defence" : null, whitelistedBy: null, createdAt: s.at ?? at, updatedAt: s.at ?? at,
  };
  await server.store.alerts.insert(a);
  return a;
}

/** An event of account A with its alerts, an attacker IP → host graph and the given entities. */
async function seedEvent(server: HostwardServer, o: { assetId: string; at: number; title?: string; severity?: Severity; status?: SecurityEvent["status"]; alerts?: AlertSpec[]; entities?: Partial<EventEntity>[]; tactics?: string[] }) {
  const alerts: Alert[] = [];
  for (const s of o.alerts ?? [{}]) alerts.push(await seedAlert(server, o.assetId, s, o.at));
  const first = Math.min(...alerts.map((a) => a.firstSeen)), last = Math.max(...alerts.map((a) => a.lastSeen));
  const e: SecurityEvent = {
    id: newId("evt", o.at), accountId: A, title: o.title ?? "SSH brute force from 203.0.113.7", status: o.status ?? "unhandled", severity: o.severity ?? "high", severityOverride: null, ownerUserId: null,
    firstSeen: first, lastSeen: last, alertCount: alerts.length, assetIds: [...new Set(alerts.map((a) => a.assetId))], tactics: o.tactics ?? ["TA0006"], techniques: [...new Set(alerts.flatMap((a) => a.attack))], stage: "Credential Access",
    alertTypes: [...new Set(alerts.map((a) => a.type))], joinedBy: ["same-attacker-ip"], handledHow: null, handledAt: null, createdAt: first, updatedAt: last,
  };
  await server.store.events.insert(e);
  for (const a of alerts) await server.store.events.addAlert(e.id, a.id, o.at);
  const host = `host:${o.assetId}`;
  const entities: EventEntity[] = [
    { key: host, kind: "host", label: "web-1", assetId: o.assetId, malicious: false, firstSeen: first, lastSeen: last },
    ...(o.entities ?? [{ key: "ip:203.0.113.7", kind: "ip", label: "203.0.113.7", assetId: null, malicious: true }]).map((x) => ({ firstSeen: first, lastSeen: last, assetId: null, malicious: false, ...x }) as EventEntity),
  ];
  const edges: EventEdge[] = entities.slice(1).flatMap((x) => alerts.map((a) => ({ from: x.key, to: host, relation: "attacked" as const, alertId: a.id, ts: a.firstSeen })));
  await server.store.events.upsertEntities(e.id, A, entities, edges);
  return { event: e, alerts };
}

describe("security events API (EVT)", () => {
  test("EVT-2 EVT-3 the list takes a time range (the last 30 days by default, at most 180) and filters; items carry the overview", async () => {
    const { server, clock, web, db, api } = await setup();
    try {
      const now = clock.now();
      const recent = await seedEvent(server, { assetId: web, at: now - DAY, severity: "critical", tactics: ["TA0002", "TA0006"] });
      const older = await seedEvent(server, { assetId: db, at: now - 40 * DAY, title: "Miner on db-1", severity: "medium", entities: [{ key: `file:${db}:/tmp/xmrig`, kind: "file", label: "/tmp/xmrig", assetId: db, malicious: true }] });
      await seedEvent(server, { assetId: web, at: now - 100 * DAY, status: "handled" });

      let r = await api("/api/v1/events");
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.items.map((e: { id: string }) => e.id), [recent.event.id], "only the last 30 days by default");
      const o = r.body.items[0];
      assert.deepEqual(o.assets, [{ id: web, hostname: "web-1" }]);
      assert.deepEqual(o.tactics, [{ id: "TA0006", name: "Credential Access" }, { id: "TA0002", name: "Execution" }], "kill-chain order: the brute force before what it led to");
      assert.deepEqual(o.attackerIps, ["203.0.113.7"]);
      assert.equal(o.alertCount, 1);
      assert.equal(o.owner, null);
      assert.equal(o.lastSeen, new Date(now - DAY).toISOString());

      const since = (d: number) => new Date(now - d * DAY).toISOString();
      r = await api(`/api/v1/events?from=${since(60)}`);
      assert.deepEqual(r.body.items.map((e: { id: string }) => e.id), [recent.event.id, older.event.id], "newest first");
      assert.equal((await api(`/api/v1/events?from=${since(120)}`)).body.total, 3);
      assert.equal((await api(`/api/v1/events?from=${since(200)}`)).status, 400, "more than 180 days");
      assert.equal((await api(`/api/v1/events?from=${since(1)}&to=${since(2)}`)).status, 400, "from after to");
      assert.equal((await api(`/api/v1/events?from=${since(120)}&status=handled`)).body.total, 1);
      assert.equal((await api(`/api/v1/events?from=${since(120)}&severity=critical&severity=medium`)).body.total, 2);
      assert.deepEqual((await api(`/api/v1/events?from=${since(120)}&assetId=${db}`)).body.items.map((e: { id: string }) => e.id), [older.event.id]);
      assert.deepEqual((await api(`/api/v1/events?from=${since(120)}&q=xmrig`)).body.items.map((e: { id: string }) => e.id), [older.event.id], "text matches entities");
      assert.equal((await api(`/api/v1/events?status=bogus`)).status, 400);

      const d = await api(`/api/v1/events/${recent.event.id}`);
      assert.equal(d.status, 200);
      assert.deepEqual(d.body.counts, { alertsByStatus: { unhandled: 1 }, entities: 2, maliciousEntities: 1, edges: 1 });
      assert.equal((await api("/api/v1/events/evt_nope")).status, 404);
    } finally {
      await server.close();
    }
  });

  test("EVT-1 EVT-2 EVT-8 through ingest: one address brute-forcing two assets is one event; Handled turns its alerts Handled and a later alert opens a new event", async () => {
    const { server, clock, api } = await setup();
    try {
      const enrol = async (hostname: string) => (await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token: await enrolToken(server), hostname, version: "1", os: "linux" } })).json() as { agentId: string; secret: string };
      const [web, db, app] = [await enrol("web-a"), await enrol("db-a"), await enrol("app-a")];
      let seq = 0;
      const burst = async (asset: { agentId: string; secret: string }, ip: string) => {
        const records = Array.from({ length: 6 }, (_, i) => ({ id: `rec-${String(seq++).padStart(8, "0")}`, kind: "logon", ts: clock.now() + i * 1000, service: "ssh", event: { outcome: "failure", reason: "password" }, source: { ip }, user: { name: "root" } }));
        const r = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: { authorization: `Bearer ${asset.agentId}.${asset.secret}` }, payload: { records } });
        assert.equal(r.statusCode, 200, r.body);
        clock.advance(60_000);
      };
      const attacker = "5.9.12.34"; // public (no traffic is sent): the attacker-ip rule joins it across assets
      await burst(web, attacker);
      await burst(db, attacker);
      let list = (await api("/api/v1/events")).body;
      assert.equal(list.total, 1, JSON.stringify(list.items.map((e: { title: string }) => e.title)));
      const ev = list.items[0];
      assert.deepEqual(ev.assets.map((a: { hostname: string }) => a.hostname).sort(), ["db-a", "web-a"]);
      assert.deepEqual(ev.attackerIps, [attacker]);
      assert.equal(ev.alertCount, 2);
      assert.deepEqual(ev.tactics, [{ id: "TA0006", name: "Credential Access" }]);
      assert.equal(ev.stage.name, "Credential Access");
      const graph = (await api(`/api/v1/events/${ev.id}/graph`)).body as { nodes: { id: string }[]; edges: { from: string }[] };
      assert.ok(graph.nodes.some((x) => x.id === `ip:${attacker}`) && graph.edges.some((x) => x.from === `ip:${attacker}`), "the attacker is a node with its edges");

      const r = await api(`/api/v1/events/${ev.id}/status`, "POST", { status: "handled", how: "blocked at the edge", remark: "done" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const alerts = (await api(`/api/v1/events/${ev.id}/alerts`)).body.items as { status: string; handledHow: string }[];
      assert.deepEqual(alerts.map((a) => a.status), ["handled", "handled"]);
      assert.ok(alerts.every((a) => /blocked at the edge/.test(a.handledHow)));

      await burst(app, attacker);
      list = (await api("/api/v1/events")).body;
      assert.equal(list.total, 2, "the handled event takes no alert: a new one opens");
      assert.deepEqual(list.items[0].assets.map((a: { hostname: string }) => a.hostname), ["app-a"]);
      assert.equal(list.items[0].status, "unhandled");
    } finally {
      await server.close();
    }
  });

  test("EVT-3 the scheduled job purges events last seen more than 180 days ago; newer ones stay", async () => {
    const { server, clock, web, api } = await setup();
    try {
      const old = await seedEvent(server, { assetId: web, at: clock.now() - 10 * DAY });
      const young = await seedEvent(server, { assetId: web, at: clock.now() - DAY });
      clock.advance(170 * DAY);
      await server.runJobs();
      assert.ok(await server.store.events.get(A, old.event.id), "179 days old: still there");
      clock.advance(2 * DAY);
      await server.runJobs();
      assert.equal(await server.store.events.get(A, old.event.id), null, "181 days old: gone");
      assert.equal(await server.store.alerts.get(A, old.alerts[0]!.id), null, "with its alerts");
      assert.ok(await server.store.alerts.get(A, young.alerts[0]!.id));
      assert.ok(await server.store.events.get(A, young.event.id));
      assert.equal((await api(`/api/v1/events/${old.event.id}`)).status, 404);
    } finally {
      await server.close();
    }
  });

  test("EVT-11 EVT-12 EVT-13 owner hand-over, severity and status changes with remarks are in the activity log", async () => {
    const { server, web, api, call } = await setup();
    try {
      const { event } = await seedEvent(server, { assetId: web, at: Date.parse("2026-05-31T08:00:00Z") });
      const alice = await addUser(server, "analyst", "alice");
      const viewer = await addUser(server, "viewer", "vic");
      const gone = await addUser(server, "analyst", "gone", A, true);
      await server.store.accounts.insert({ id: "acc_other", name: "other", parentId: null, createdAt: 0 });
      const other = await addUser(server, "admin", "bob-other", "acc_other");
      const url = `/api/v1/events/${event.id}`;

      let r = await api(`${url}/owner`, "POST", { userId: alice.id, remark: "alice takes the night shift" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.owner, { id: alice.id, username: "alice" });
      r = await api(`${url}/owner`, "POST", { userId: viewer.id, remark: "x" });
      assert.equal(r.status, 400, "EVT-11: a viewer cannot handle events");
      assert.equal(r.body.error.code, "HW_ERR_OWNER_NOT_PERMITTED");
      assert.equal((await api(`${url}/owner`, "POST", { userId: gone.id, remark: "x" })).status, 400, "a disabled user cannot own");
      assert.equal((await api(`${url}/owner`, "POST", { userId: other.id, remark: "x" })).status, 404, "another account's user does not exist here");
      assert.equal((await call(viewer.token, `${url}/owner`, "POST", { userId: null, remark: "x" })).status, 403, "a viewer cannot assign");
      assert.equal((await call(alice.token, `${url}/severity`, "POST", { severity: "critical", remark: "the miner is confirmed" })).body.severity, "critical");
      assert.equal((await api(`${url}/status`, "POST", { status: "handling", remark: "blocking the address" })).body.status, "handling");
      assert.equal((await api(`${url}/status`, "POST", { status: "unhandled", remark: "the block failed" })).body.status, "unhandled");
      r = await api(`${url}/owner`, "POST", { userId: null, remark: "back to the queue" });
      assert.equal(r.body.owner, null);
      assert.equal(r.body.severityChanged, true);

      const log = (await api(`${url}/activity`)).body.items as { action: string; actor: string; detail: string; remark: string }[];
      const mine = log.filter((x) => ["owner", "severity", "status"].includes(x.action));
      assert.deepEqual(mine.map((x) => [x.action, x.remark]), [
        ["owner", "alice takes the night shift"], ["severity", "the miner is confirmed"], ["status", "blocking the address"], ["status", "the block failed"], ["owner", "back to the queue"],
      ]);
      assert.match(mine[0]!.detail, /no one → alice/);
      assert.match(mine[1]!.detail, /high → critical/);
      assert.match(mine[1]!.actor, /alice/, "the actor is who made the change");
      const audit = await server.store.audit.list(A, { action: "event.severity", limit: 10, offset: 0 });
      assert.equal(audit.total, 1);
    } finally {
      await server.close();
    }
  });

  test("EVT-8 Handled turns the event's unhandled alerts Handled with its handling info; a precision-defence (Blocked) alert never changes", async () => {
    const { server, web, api } = await setup();
    try {
      const { event, alerts } = await seedEvent(server, { assetId: web, at: Date.parse("2026-05-31T08:00:00Z"), alerts: [{}, { type: "malicious_process", status: "blocked" }, { status: "whitelisted_manual" }] });
      const r = await api(`/api/v1/events/${event.id}/status`, "POST", { status: "handled", how: "blocked 203.0.113.7 on web-1", remark: "done" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.status, "handled");
      const after = await Promise.all(alerts.map((a) => server.store.alerts.get(A, a.id)));
      assert.equal(after[0]!.status, "handled");
      assert.match(String(after[0]!.handledHow), /blocked 203\.0\.113\.7 on web-1/);
      assert.equal(after[1]!.status, "blocked", "precision defence: unchanged");
      assert.equal(after[1]!.handledHow, "killed by proactive defence");
      assert.equal(after[2]!.status, "whitelisted_manual", "only unhandled alerts turn handled");
    } finally {
      await server.close();
    }
  });

  test("EVT-9 whitelisting from an event creates custom rules; its alerts become whitelisted and leave it; a Blocked alert stays", async () => {
    const { server, web, api } = await setup();
    try {
      const md5 = "ab".repeat(16);
      const { event, alerts } = await seedEvent(server, {
        assetId: web, at: Date.parse("2026-05-31T08:00:00Z"),
        alerts: [{}, { type: "web_file_backdoor", sourceIp: null, evidence: { "file.path": "/var/www/html/x.php", "file.hash.md5": md5 } }, { type: "malicious_process", status: "blocked", sourceIp: null }],
      });
      const r = await api(`/api/v1/events/${event.id}/whitelist`, "POST", { remark: "our own pen test" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(new Set(r.body.whitelisted), new Set([alerts[0]!.id, alerts[1]!.id]));
      assert.deepEqual(r.body.kept.map((k: { alertId: string }) => k.alertId), [alerts[2]!.id]);
      const rules = (await api("/api/v1/whitelist-rules")).body.items as { alertType: string; field: string; operator: string; value: string; assetId: string }[];
      assert.deepEqual(rules.map((x) => [x.alertType, x.field, x.operator, x.value, x.assetId]).sort(), [
        ["ssh_brute_force", "source.ip", "equals", "203.0.113.7", web],
        ["web_file_backdoor", "file.hash.md5", "equals", md5, web],
      ]);
      const a0 = await server.store.alerts.get(A, alerts[0]!.id);
      assert.equal(a0!.status, "whitelisted_manual");
      assert.match(String(a0!.whitelistedBy), /^rule:wlr/);
      assert.equal((await server.store.alerts.get(A, alerts[2]!.id))!.status, "blocked");
      assert.deepEqual((await api(`/api/v1/events/${event.id}/alerts`)).body.items.map((a: { id: string }) => a.id), [alerts[2]!.id], "the whitelisted alerts left the event");
      assert.equal(await server.store.events.eventOfAlert(alerts[0]!.id), null);
      const graph = (await api(`/api/v1/events/${event.id}/graph`)).body as { nodes: { id: string }[] };
      assert.ok(!graph.nodes.some((x) => x.id === "ip:203.0.113.7"), "the event is rebuilt from the alert that stays: the whitelisted ones' entities no longer join");
      assert.equal((await api(`/api/v1/events/${event.id}`)).body.alertCount, 1);
      const log = (await api(`/api/v1/events/${event.id}/activity`)).body.items as { action: string; remark: string }[];
      assert.ok(log.some((x) => x.action === "whitelist" && x.remark === "our own pen test"));
      // the same again creates no duplicate rule
      await api(`/api/v1/events/${event.id}/whitelist`, "POST", { remark: "again" });
      assert.equal((await api("/api/v1/whitelist-rules")).body.items.length, 2);
    } finally {
      await server.close();
    }
  });

  test("EVT-4 the timeline orders the alerts by first occurrence; the graph is entities and relations as JSON", async () => {
    const { server, web, api } = await setup();
    try {
      const t0 = Date.parse("2026-05-31T08:00:00Z");
      const { event, alerts } = await seedEvent(server, {
        assetId: web, at: t0,
        alerts: [{ type: "cryptominer", at: t0 + 3_600_000, attack: ["T1496"] }, { type: "ssh_brute_force", at: t0 }, { type: "logon_after_brute_force", at: t0 + 60_000, attack: ["T1078"] }],
      });
      const tl = (await api(`/api/v1/events/${event.id}/timeline`)).body.items as { alertId: string; at: string; techniques: string[] }[];
      assert.deepEqual(tl.map((x) => x.alertId), [alerts[1]!.id, alerts[2]!.id, alerts[0]!.id]);
      assert.deepEqual(tl[2]!.techniques, ["T1496"]);
      const g = (await api(`/api/v1/events/${event.id}/graph`)).body as { nodes: { id: string; kind: string; malicious: boolean }[]; edges: { from: string; to: string; relation: string }[] };
      assert.deepEqual(g.nodes.map((x) => [x.id, x.kind, x.malicious]).sort(), [[`host:${web}`, "host", false], ["ip:203.0.113.7", "ip", true]]);
      assert.equal(g.edges.length, 3);
      assert.ok(g.edges.every((x) => x.from === "ip:203.0.113.7" && x.to === `host:${web}` && x.relation === "attacked"));
    } finally {
      await server.close();
    }
  });

  test("EVT-5 entities of the last 30 days with their events, alerts and tasks; the affected-assets view", async () => {
    const { server, clock, web, db, api } = await setup();
    try {
      const now = clock.now();
      const e1 = await seedEvent(server, { assetId: web, at: now - DAY, severity: "critical" });
      const e2 = await seedEvent(server, { assetId: db, at: now - 2 * DAY, severity: "high" });
      await seedEvent(server, { assetId: db, at: now - 45 * DAY, entities: [{ key: "ip:198.51.100.9", kind: "ip", label: "198.51.100.9", malicious: true }] });
      await server.store.policies.insert({ id: "pol_evt5", accountId: A, assetId: web, ip: "203.0.113.7", status: "active", reason: "from the event", alertId: e1.alerts[0]!.id, createdBy: "user:admin", createdAt: now - DAY, expiresAt: null, updatedAt: now - DAY, lastResult: null });

      const list = (await api("/api/v1/entities?kind=ip")).body;
      assert.deepEqual(list.items.map((x: { key: string; events: number }) => [x.key, x.events]), [["ip:203.0.113.7", 2]], "the 45-day-old entity is not listed");
      assert.equal((await api("/api/v1/entities?q=203.0.113")).body.total, 1);
      const one = await api(`/api/v1/entities/${encodeURIComponent("ip:203.0.113.7")}/events`);
      assert.equal(one.status, 200, JSON.stringify(one.body));
      assert.deepEqual(one.body.events.map((e: { id: string }) => e.id).sort(), [e1.event.id, e2.event.id].sort());
      assert.deepEqual(one.body.alerts.map((a: { id: string }) => a.id).sort(), [e1.alerts[0]!.id, e2.alerts[0]!.id].sort());
      assert.deepEqual(one.body.entity.assets.map((a: { hostname: string }) => a.hostname).sort(), ["db-1", "web-1"], "one IP, two assets: its spread");
      assert.deepEqual(one.body.tasks.map((t: { id: string }) => t.id), ["pol_evt5"]);
      assert.equal((await api(`/api/v1/entities/${encodeURIComponent("ip:198.51.100.9")}/events`)).status, 404, "nothing of the last 30 days");
      const hostKey = await api(`/api/v1/entities/${encodeURIComponent(`host:${web}`)}/events`);
      assert.equal(hostKey.status, 200, "a key with a colon and an id");

      const ents = (await api(`/api/v1/events/${e1.event.id}/entities`)).body.items as { key: string; malicious: boolean; alertCount: number; assets: { id: string }[] }[];
      assert.equal(ents[0]!.key, "ip:203.0.113.7", "malicious entities first");
      assert.equal(ents[0]!.alertCount, 1);

      const aa = (await api("/api/v1/events/affected-assets")).body;
      assert.deepEqual(aa.items.map((x: { hostname: string; events: number; bySeverity: Record<string, number> }) => [x.hostname, x.events, x.bySeverity.critical, x.bySeverity.high]).sort(), [["db-1", 1, 0, 1], ["web-1", 1, 1, 0]]);
      assert.equal((await api(`/api/v1/events/affected-assets?from=${new Date(now - 60 * DAY).toISOString()}`)).body.items.find((x: { hostname: string }) => x.hostname === "db-1").events, 2);
      const path = `/var/www/html/${"deep/".repeat(60)}shell.php`;
      await seedEvent(server, { assetId: web, at: now - DAY, entities: [{ key: `file:${web}:${path}`, kind: "file", label: path, assetId: web, malicious: true }] });
      const long = await api(`/api/v1/entities/${encodeURIComponent(`file:${web}:${path}`)}/events`);
      assert.equal(long.status, 200, "a file entity's key (a long path) fits in the URL");
      assert.equal(long.body.entity.label, path);
    } finally {
      await server.close();
    }
  });

  test("EVT-14 the export is an .xlsx with the sheets events, affected assets and entities; a user name =HYPERLINK(\"http://x\") is a text cell", async () => {
    const { server, clock, web, api } = await setup();
    try {
      const evil = '=HYPERLINK("http://x")';
      const { event } = await seedEvent(server, { assetId: web, at: clock.now() - DAY, title: `Logon as ${evil}`, alerts: [{ userName: evil }], entities: [{ key: `account:${web}:${evil}`, kind: "account", label: evil, assetId: web, malicious: false }] });
      const r = await api("/api/v1/events/export.xlsx?severity=high");
      assert.equal(r.status, 200, String(r.body));
      assert.match(String(r.headers["content-disposition"]), /^attachment; filename="hostward-events-[0-9-]+\.xlsx"$/);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(r.body as unknown as ArrayBuffer);
      assert.deepEqual(wb.worksheets.map((w) => w.name), ["events", "affected assets", "entities"]);
      const ev = wb.getWorksheet("events")!;
      assert.equal(ev.getCell("A2").value, event.id);
      assert.equal(ev.getCell("B2").value, `Logon as ${evil}`, "text not starting like a formula is left as it is");
      assert.equal(wb.getWorksheet("affected assets")!.getCell("B2").value, "web-1");
      const label = wb.getWorksheet("entities")!.getColumn(3).values.find((v) => String(v).includes("HYPERLINK"));
      assert.equal(label, `'${evil}`);
      wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => assert.notEqual(c.type, ExcelJS.ValueType.Formula, `${ws.name}!${c.address} is a formula`))));
      assert.equal((await server.store.audit.list(A, { action: "event.export", limit: 5, offset: 0 })).total, 1);
      const none = await api("/api/v1/events/export.xlsx?severity=low");
      assert.equal(none.status, 200, "an empty export is still a workbook");
    } finally {
      await server.close();
    }
  });

  test("EVT-14 more than 1,000 matching events are refused with a clear message unless limit narrows the export", async () => {
    const { server, clock, web, api } = await setup();
    try {
      const now = clock.now();
      const base = { accountId: A, status: "unhandled" as const, severity: "low" as const, severityOverride: null, ownerUserId: null, alertCount: 0, assetIds: [web], tactics: [], techniques: [], stage: null, alertTypes: [], joinedBy: [], handledHow: null, handledAt: null };
      for (let i = 0; i < 1001; i++) {
        const at = now - 1000 - i;
        await server.store.events.insert({ ...base, id: `evt_bulk_${String(i).padStart(4, "0")}`, title: `bulk ${i}`, firstSeen: at, lastSeen: at, createdAt: at, updatedAt: at });
      }
      const r = await api("/api/v1/events/export.xlsx");
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /1001 events match; an export holds at most 1000/);
      const ok = await api("/api/v1/events/export.xlsx?limit=5");
      assert.equal(ok.status, 200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(ok.body as unknown as ArrayBuffer);
      assert.equal(wb.getWorksheet("events")!.rowCount, 6, "a header and the 5 newest");
      assert.equal(wb.getWorksheet("events")!.getCell("A2").value, "evt_bulk_0000");
    } finally {
      await server.close();
    }
  });
});
