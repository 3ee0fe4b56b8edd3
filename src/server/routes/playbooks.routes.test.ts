import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeClock } from "../../core/index.ts";
import { tempDir, startServer } from "../../../test/helpers.ts";
import type { HostwardServer } from "../index.ts";

const tmp = tempDir();
let server: HostwardServer;
let token = "";
const agentId = "ag_pb_1";

before(async () => {
  ({ server, adminToken: token } = await startServer({ dataDir: join(tmp.dir, "s"), clock: new FakeClock("2026-03-01T10:00:00Z"), listen: false }));
  await server.store.agents.insert({ id: agentId, accountId: "default", hostname: "web-1", version: "1", os: "linux", enrolledAt: 0, lastSeenAt: 0, revokedAt: null, credentialHash: "x", rejectedRecords: 0, droppedRecords: 0 });
});
after(async () => {
  await server.close();
  tmp.cleanup();
});

const call = async (method: "GET" | "POST", url: string, payload?: object) => {
  const r = await server.api.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });
  return { status: r.statusCode, body: r.json() };
};
const queued = async () => (await call("GET", `/api/v1/actions?agentId=${agentId}`)).body.items as { id: string; type: string; params: Record<string, unknown>; status: string }[];

test("EVT-10 GET /api/v1/playbooks lists the built-in playbooks with their steps", async () => {
  const r = await call("GET", "/api/v1/playbooks");
  assert.equal(r.status, 200);
  const ids = r.body.items.map((p: { id: string }) => p.id);
  for (const id of ["isolate-host", "deep-virus-scan", "block-ip-firewall", "block-ip-web", "contain-brute-force"]) assert.ok(ids.includes(id), id);
  assert.deepEqual(r.body.errors, []);
  assert.deepEqual(r.body.items.find((p: { id: string }) => p.id === "block-ip-web").steps[0].params, { ip: "{{target.ip}}", timeoutSeconds: 86400 });
});

test("EVT-10 RSP-1 dry run queues nothing; run queues the same steps as tasks listed by GET /api/v1/actions, and is audited", async () => {
  const body = { target: { kind: "ip", ip: "185.220.101.7" }, assetIds: [agentId], validitySeconds: 7200 };
  const dry = await call("POST", "/api/v1/playbooks/contain-brute-force/dry-run", body);
  assert.equal(dry.status, 200);
  assert.deepEqual(dry.body.steps.map((s: { action: string; status: string }) => [s.action, s.status]), [["block_ip", "queue"], ["web_deny_ip", "queue"], ["run_baseline", "queue"]]);
  assert.deepEqual(await queued(), []);

  const run = await call("POST", "/api/v1/playbooks/contain-brute-force/run", body);
  assert.equal(run.status, 200);
  const tasks = await queued();
  assert.deepEqual(new Set(tasks.map((t) => t.id)), new Set(run.body.tasks.map((t: { id: string }) => t.id)));
  assert.deepEqual(tasks.find((t) => t.type === "web_deny_ip")!.params, { ip: "185.220.101.7", timeoutSeconds: 7200 });
  assert.ok(run.body.tasks.find((t: { type: string }) => t.type === "block_ip").policyId, "the block is an IP policy");
  const audit = (await call("GET", "/api/v1/audit?action=playbook.run")).body.items as { action: string; target: string }[];
  assert.ok(audit.some((e) => e.action === "playbook.run" && e.target === "contain-brute-force"), JSON.stringify(audit));
});

test("EVT-10 a refused parameter refuses the run with the step and the reason, and nothing is queued; unknown playbooks and wrong targets are 4xx", async () => {
  const before = (await queued()).length;
  const r = await call("POST", "/api/v1/playbooks/block-ip-firewall/run", { target: { kind: "ip", ip: "1.2.3.4; nft flush ruleset" }, assetIds: [agentId] });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, "HW_ERR_PLAYBOOK_STEP_INVALID");
  assert.match(r.body.error.message, /step 0 \(block_ip\) on web-1: refused: params\.ip: not an IP address/);
  assert.equal((await queued()).length, before);
  assert.equal((await call("POST", "/api/v1/playbooks/nope/dry-run", { target: { kind: "host" }, assetIds: [agentId] })).status, 404);
  assert.equal((await call("POST", "/api/v1/playbooks/isolate-host/dry-run", { target: { kind: "ip", ip: "192.0.2.1" }, assetIds: [agentId] })).status, 400);
  assert.equal((await call("POST", "/api/v1/playbooks/isolate-host/run", { target: { kind: "host" }, assetIds: ["ag_unknown"] })).status, 404);
});
