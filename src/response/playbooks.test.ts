import { test, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { FakeClock, UserError } from "../core/index.ts";
import { SqliteStore } from "../store/index.ts";
import { IpPolicyService } from "./ip-policy-service.ts";
import { parsePlaybook, planPlaybook, runPlaybook, validatePlaybook, type Playbook } from "./playbooks.ts";

let store: SqliteStore;
const clock = new FakeClock("2026-03-01T10:00:00Z");
const policies = new IpPolicyService([]);
const A = "default";

beforeEach(async () => {
  store = new SqliteStore({ path: ":memory:" });
  for (const [id, hostname] of [["ag_web", "web-1"], ["ag_db", "db-1"]] as const) {
    await store.agents.insert({ id, accountId: A, hostname, version: "1", os: "linux", enrolledAt: 0, lastSeenAt: 0, revokedAt: null, credentialHash: "x", rejectedRecords: 0, droppedRecords: 0 });
  }
});
afterEach(() => store.close());

const contain = parsePlaybook(`
id: contain
name: Contain
target: ip
steps:
  - action: block_ip
    params: { ip: "{{target.ip}}", timeoutSeconds: 3600 }
    when: { target.public: true }
  - action: web_deny_ip
    params: { ip: "{{ target.ip }}", timeoutSeconds: 3600 }
    continueOnError: true
  - action: run_baseline
    params: { checks: [account_inventory] }
`, "contain.yml");

const isolate = parsePlaybook(`
id: iso
name: Isolate
target: host
steps:
  - action: isolate_host
    params: { timeoutSeconds: 600 }
    when: { asset.isolated: false }
`, "iso.yml");

const opts = (target: object, assetIds = ["ag_web"]) => ({ accountId: A, assetIds, target: target as { kind: "ip"; ip: string }, now: clock.now() });
const actions = async () => (await store.actions.list(A, { limit: 100, offset: 0 })).items;

test("EVT-10 a dry run lists each step's resolved parameters and skipped steps with reasons, and queues nothing", async () => {
  const plan = await store.transaction((tx) => planPlaybook(tx, contain, opts({ kind: "ip", ip: "::ffff:185.220.101.7" }, ["ag_web", "ag_db"]), policies));
  assert.deepEqual(plan.target, { ip: "185.220.101.7", public: true });
  assert.deepEqual(plan.steps.map((s) => [s.hostname, s.action, s.status]), [["web-1", "block_ip", "queue"], ["web-1", "web_deny_ip", "queue"], ["web-1", "run_baseline", "queue"], ["db-1", "block_ip", "queue"], ["db-1", "web_deny_ip", "queue"], ["db-1", "run_baseline", "queue"]]);
  assert.deepEqual(plan.steps[0]!.params, { ip: "185.220.101.7", timeoutSeconds: 3600 });
  assert.deepEqual(await actions(), []);
  assert.equal((await store.policies.list(A, { limit: 10, offset: 0 })).total, 0);

  // a private address: the public-only block is skipped, with the reason
  const priv = await store.transaction((tx) => planPlaybook(tx, contain, opts({ kind: "ip", ip: "10.77.1.2" }), policies));
  assert.deepEqual(priv.steps.map((s) => [s.action, s.status, s.reason]), [["block_ip", "skipped", "condition target.public = true does not hold"], ["web_deny_ip", "queue", null], ["run_baseline", "queue", null]]);
});

test("EVT-10 RSP-1 a run queues exactly the dry run's steps in one transaction; a block is an expiring IP policy", async () => {
  const run = await store.transaction((tx) => runPlaybook(tx, contain, opts({ kind: "ip", ip: "185.220.101.7" }), "user:alice", policies));
  assert.deepEqual(run.tasks.map((t) => t.type), ["block_ip", "web_deny_ip", "run_baseline"]);
  const queued = await actions();
  assert.deepEqual(new Set(queued.map((a) => a.id)), new Set(run.tasks.map((t) => t.actionId)));
  assert.ok(queued.every((a) => a.status === "queued" && a.agentId === "ag_web"));
  assert.deepEqual(queued.find((a) => a.type === "web_deny_ip")!.params, { ip: "185.220.101.7", timeoutSeconds: 3600 });
  const pol = (await store.policies.list(A, { limit: 10, offset: 0 })).items[0]!;
  assert.equal(pol.ip, "185.220.101.7");
  assert.equal(pol.expiresAt, clock.now() + 3_600_000);
  assert.equal(pol.createdBy, "user:alice");
  assert.equal(run.tasks[0]!.policyId, pol.id);

  // again: the live block is not doubled (skipped with its reason), the rest queue again
  const again = await store.transaction((tx) => planPlaybook(tx, contain, opts({ kind: "ip", ip: "185.220.101.7" }), policies));
  assert.match(again.steps[0]!.reason!, /already blocked on this asset by pol_/);
});

test("EVT-10 an allowlisted address is never blocked by a playbook", async () => {
  await store.allowlist.insert({ id: "alw_1", accountId: A, cidr: "185.220.101.0/24", note: "partner", createdAt: 0, createdBy: "x" });
  const run = await store.transaction((tx) => runPlaybook(tx, contain, opts({ kind: "ip", ip: "185.220.101.7" }), "user:alice", policies));
  assert.equal(run.plan.steps[0]!.status, "skipped");
  assert.match(run.plan.steps[0]!.reason!, /allowlisted \(allowlist 185\.220\.101\.0\/24 \(partner\)\)/);
  assert.equal((await store.policies.list(A, { limit: 10, offset: 0 })).total, 0);
  assert.deepEqual(run.tasks.map((t) => t.type), ["web_deny_ip", "run_baseline"]);
});

test("EVT-10 templating refuses an attacker-controlled value that fails the action's validation; the run queues nothing", async () => {
  const pb = parsePlaybook(`
id: block-by-name
name: Block what the account says
target: account
steps:
  - action: block_ip
    params: { ip: "{{target.name}}" }
  - action: run_baseline
    params: { checks: [account_inventory] }
`, "x.yml");
  const evil = { kind: "account", name: "1.2.3.4; nft flush ruleset" };
  const plan = await store.transaction((tx) => planPlaybook(tx, pb, opts(evil), policies));
  assert.equal(plan.steps[0]!.status, "invalid");
  assert.equal(plan.steps[0]!.reason, 'refused: params.ip: not an IP address: "1.2.3.4; nft flush ruleset"');
  await assert.rejects(store.transaction((tx) => runPlaybook(tx, pb, opts(evil), "user:alice", policies)), (e: UserError) => e.code === "HW_ERR_PLAYBOOK_STEP_INVALID" && /nothing queued: step 0 \(block_ip\) on web-1: refused: params\.ip: not an IP address/.test(e.message));
  assert.deepEqual(await actions(), [], "all or nothing: the valid step was not queued either");

  // with continueOnError the refused step is left out and the others run
  const lenient = validatePlaybook({ ...pb, steps: [{ ...pb.steps[0]!, continueOnError: true }, pb.steps[1]!] }, "y.yml");
  const run = await store.transaction((tx) => runPlaybook(tx, lenient, opts(evil), "user:alice", policies));
  assert.deepEqual(run.tasks.map((t) => t.type), ["run_baseline"]);
  // an IP target that is not an IP is refused the same way
  const ip = await store.transaction((tx) => planPlaybook(tx, contain, opts({ kind: "ip", ip: "$(reboot)" }), policies));
  assert.deepEqual(ip.steps.map((s) => s.status), ["skipped", "invalid", "queue"]);
});

test("EVT-10 RSP-3 conditions on the asset: isolate is skipped while the asset is isolated, and runs again after release or expiry", async () => {
  const plan = () => store.transaction((tx) => planPlaybook(tx, isolate, { accountId: A, assetIds: ["ag_web"], target: { kind: "host" }, channel: { addresses: ["10.77.0.1"], port: 8443 }, now: clock.now() }));
  const p1 = await plan();
  assert.equal(p1.steps[0]!.status, "queue");
  assert.deepEqual(p1.steps[0]!.params, { timeoutSeconds: 600, serverAddresses: ["10.77.0.1"], serverPort: 8443 });
  const run = await store.transaction((tx) => runPlaybook(tx, isolate, { accountId: A, assetIds: ["ag_web"], target: { kind: "host" }, now: clock.now() }, "user:alice"));
  assert.equal((await plan()).steps[0]!.status, "skipped", "queued isolation counts");
  await store.actions.finish(run.tasks[0]!.actionId, "ag_web", "succeeded", "host isolated", clock.now());
  const p2 = await plan();
  assert.equal(p2.steps[0]!.reason, "condition asset.isolated = false does not hold");
  clock.advance(601_000);
  assert.equal((await plan()).steps[0]!.status, "queue", "the validity period ended");
  clock.advance(-601_000);
  await store.transaction(async (tx) => {
    const { queueAgentAction } = await import("./agent-actions.ts");
    await queueAgentAction(tx, { accountId: A, agentId: "ag_web", type: "release_host", params: {} }, clock.now() + 1);
  });
  assert.equal((await plan()).steps[0]!.status, "queue", "released");
});

test("EVT-10 a run names known assets of the caller's account and a target of the playbook's kind", async () => {
  await assert.rejects(store.transaction((tx) => planPlaybook(tx, isolate, { accountId: "other", assetIds: ["ag_web"], target: { kind: "host" }, now: 0 })), /no asset ag_web/);
  await assert.rejects(store.transaction((tx) => planPlaybook(tx, isolate, opts({ kind: "ip", ip: "192.0.2.1" }))), /acts on host targets, not on ip/);
  await assert.rejects(store.transaction((tx) => planPlaybook(tx, isolate, { accountId: A, assetIds: [], target: { kind: "host" }, now: 0 })), /1 to 100 assets/);
  // a validity period given for the run overrides the playbook's
  const p = await store.transaction((tx) => planPlaybook(tx, contain, { ...opts({ kind: "ip", ip: "185.220.101.7" }), validitySeconds: 60 }, policies));
  assert.deepEqual(p.steps.map((s) => s.params?.timeoutSeconds), [60, 60, undefined]);
});

test("EVT-10 the schema refuses bad playbooks with messages naming the file, the step and the field", () => {
  const base = { id: "x", name: "X", target: "ip", steps: [{ action: "block_ip", params: { ip: "{{target.ip}}" } }] } as unknown as Playbook;
  const bad = (over: object, re: RegExp) => assert.throws(() => validatePlaybook({ ...base, ...over }, "custom.yml"), (e: UserError) => e.code === "HW_ERR_PLAYBOOK_INVALID" && re.test(e.message), JSON.stringify(over));
  bad({ steps: [{ action: "run_command", params: { cmd: "rm -rf /" } }] }, /^custom\.yml: steps\.0\.action: Invalid option/);
  bad({ steps: [{ action: "block_ip", params: { ip: "x{{target.ip}}" } }] }, /steps\.0 \(block_ip\): params\.ip: a template must be the whole value/);
  bad({ steps: [{ action: "block_ip", params: { ip: "{{target.path}}" } }] }, /a ip target has no field "path" \(it has: ip, public\)/);
  bad({ steps: [{ action: "block_ip", params: { ip: "{{target.ip}}", timeoutSeconds: "soon" } }] }, /steps\.0 \(block_ip\): params\.timeoutSeconds: Invalid input: expected number/);
  bad({ steps: [{ action: "block_ip", params: {} }] }, /params\.ip: Invalid input/);
  bad({ steps: [{ action: "block_ip", params: { ip: "{{target.ip}}", shell: "id" } }] }, /Unrecognized key: "shell"/);
  bad({ steps: [{ action: "block_ip", params: { ip: "{{target.ip}}" }, when: { "asset.owner": "x" } }] }, /when\.asset\.owner: unknown field \(asset fields: isolated, hostname\)/);
  bad({ steps: [{ action: "block_ip", params: { ip: "{{target.ip}}" }, when: { "env.HOME": "x" } }] }, /a condition names target\.<field> or asset\.<field>/);
  bad({ target: "cluster" }, /target: Invalid option/);
  bad({ steps: [] }, /steps: Too small/);
  bad({ id: "Bad Id" }, /id: lower-case letters, digits and dashes/);
  bad({ extra: 1 }, /Unrecognized key: "extra"/);
  assert.throws(() => parsePlaybook("id: [unclosed", "broken.yml"), (e: UserError) => e.code === "HW_ERR_PLAYBOOK_INVALID" && /^broken\.yml: not valid YAML: .* at line 1, column 14$/.test(e.message));
});
