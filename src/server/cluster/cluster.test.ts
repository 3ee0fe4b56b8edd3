import { test } from "node:test";
import assert from "node:assert/strict";
import { loadRules } from "../../../content/rules.ts";
import { assign } from "./worker.ts";
import { rulesForStage, accountStageKinds, assetPartition, accountPartition } from "./stages.ts";

const keys = [...Array.from({ length: 16 }, (_, i) => `asset.${i}`), ...Array.from({ length: 16 }, (_, i) => `account.${i}.logon`)];

test("issue 10 assignment: every partition has one owner, none more than its share (rounded up), every worker computes the same", () => {
  for (const live of [["w1"], ["w1", "w2"], ["w1", "w2", "w3"], ["a", "b", "c", "d", "e"]]) {
    const a = assign(live, keys);
    assert.equal(a.size, keys.length);
    const load = live.map((w) => [...a.values()].filter((x) => x === w).length);
    assert.ok(Math.max(...load) <= Math.ceil(keys.length / live.length), `${live.length} workers: ${load}`);
    if (live.length <= 3) assert.ok(Math.max(...load) - Math.min(...load) <= 1, `${live.length} workers: ${load}`);
    assert.deepEqual([...assign([...live].reverse(), keys)], [...a], "order of the live list does not matter");
  }
});

test("issue 10 assignment: a worker leaving moves only its partitions and a few to rebalance", () => {
  const before = assign(["w1", "w2", "w3"], keys);
  const after = assign(["w1", "w2"], keys);
  const moved = keys.filter((k) => before.get(k) !== "w3" && before.get(k) !== after.get(k));
  assert.ok(moved.length <= 4, `survivors' partitions moved: ${moved.length}`);
  for (const k of keys) if (before.get(k) === "w3") assert.notEqual(after.get(k), "w3");
});

test("issue 10 stages: asset rules on the asset stage, account-scoped rules on the account stage, each emitted once", () => {
  const rules = loadRules();
  const asset = rulesForStage(rules, "asset"), account = rulesForStage(rules, "account");
  const emitted = [...asset.emit!, ...account.emit!].sort();
  assert.deepEqual(emitted, rules.map((r) => r.id).sort(), "every rule's detections reported by exactly one stage");
  assert.ok(account.emit!.has("hw-logon-scan-hosts"));
  assert.ok(!asset.emit!.has("hw-logon-scan-hosts"));
  assert.deepEqual(accountStageKinds(rules), ["logon"]);
  assert.equal(rulesForStage(rules, "all").emit, null);
});

test("issue 10 stages: a referenced rule of the other stage runs for its state but is not emitted", () => {
  const rules = loadRules();
  const base = rules.find((r) => r.id === "hw-ssh-brute-force")!;
  const follower = { ...rules.find((r) => r.id === "hw-logon-scan-hosts")!, id: "x-after", threshold: undefined, after: { rule: ["hw-ssh-brute-force"], within: 3_600_000, join: ["source.ip"] } };
  const s = rulesForStage([base, follower as never], "account");
  assert.deepEqual(s.rules.map((r) => r.id).sort(), ["hw-ssh-brute-force", "x-after"]);
  assert.deepEqual([...s.emit!], ["x-after"]);
});

test("issue 10 partitions: stable, in range, and spread", () => {
  const n = 16;
  const seen = new Set<number>();
  for (let i = 0; i < 400; i++) {
    const p = assetPartition("default", `ag_${i}`, n);
    assert.ok(p >= 0 && p < n);
    assert.equal(assetPartition("default", `ag_${i}`, n), p);
    seen.add(p);
  }
  assert.equal(seen.size, n);
  assert.equal(accountPartition("default", n), accountPartition("default", n));
});
