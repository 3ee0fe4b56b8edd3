import { test } from "node:test";
import assert from "node:assert/strict";
import { assessEntity, defaultBlockValidity, levelOf, type EntityFacts } from "./risk.ts";

const NOW = Date.parse("2026-03-01T10:00:00Z");
const HOUR = 3_600_000;

/** An attacker address seen once, an hour and a half ago, on one asset, by one medium alert of no weighed type. */
function facts(over: Partial<EntityFacts> = {}): EntityFacts {
  return {
    key: "ip:203.0.113.7", kind: "ip", label: "203.0.113.7",
    alerts: [{ type: "custom_thing", severity: "medium", lastSeen: NOW - 1.5 * HOUR, assetId: "ag_1" }],
    intel: [], spread: { events: 1, assets: 1 }, lastSeen: NOW - 1.5 * HOUR, handled: null, ...over,
  };
}
const reason = (r: ReturnType<typeof assessEntity>, factor: string) => r.reasons.find((x) => x.factor === factor)!;

test("EVT-6 a baseline entity with nothing against it is low, and every factor is still explained", () => {
  const r = assessEntity(facts(), NOW);
  assert.equal(r.level, "low");
  assert.equal(r.score, 0);
  assert.deepEqual(r.reasons.map((x) => x.factor), ["behaviour", "severity", "reputation", "spread", "recency"]);
  assert.equal(reason(r, "reputation").text, "no intel list names it");
  assert.equal(reason(r, "spread").text, "seen on 1 asset in 1 event over the last 30 days");
  assert.equal(reason(r, "recency").text, "last seen 90 min ago");
  assert.deepEqual(r.suggestion, { actions: ["block"], text: "optional: block it on the host firewall of every affected asset" });
});

test("EVT-6 behaviour: what the entity did, each kind once, weighs most (brute force, logon, miner)", () => {
  const r = assessEntity(facts({ alerts: [
    { type: "ssh_brute_force", severity: "high", lastSeen: NOW, assetId: "ag_1" },
    { type: "ssh_brute_force", severity: "high", lastSeen: NOW, assetId: "ag_2" },
    { type: "logon_after_brute_force", severity: "critical", lastSeen: NOW, assetId: "ag_1" },
    { type: "mining_program", severity: "high", lastSeen: NOW, assetId: "ag_1" },
  ] }), NOW);
  const b = reason(r, "behaviour");
  assert.equal(b.text, "it logged on after guessing a password, ran a miner, brute-forced logons");
  assert.equal(b.points, 7, "capped: 3 + 3 + 2");
  assert.deepEqual(reason(r, "severity"), { factor: "severity", points: 2, text: "its worst alert is critical" });
  assert.equal(r.level, "critical");
  assert.equal(defaultBlockValidity(r.level), "7d");
});

test("EVT-6 reputation: the intel lists that name it are listed and weigh 3, +1 per further list", () => {
  const one = assessEntity(facts({ intel: [{ list: "abuse-ch-feodo", category: "c2", provenance: "shipped" }] }), NOW);
  assert.deepEqual(reason(one, "reputation"), { factor: "reputation", points: 3, text: "named by 1 intel list: abuse-ch-feodo (c2)" });
  assert.equal(one.level, "medium");
  const two = assessEntity(facts({ intel: [{ list: "a", category: "mining_pool", provenance: "x" }, { list: "b", category: "scanner", provenance: "y" }, { list: "a", category: "mining_pool", provenance: "x" }] }), NOW);
  assert.equal(reason(two, "reputation").points, 4);
  assert.match(reason(two, "reputation").text, /^named by 2 intel lists: a \(mining_pool\), b \(scanner\)$/);
});

test("EVT-6 spread: several assets and repeat events in 30 days raise the risk", () => {
  assert.equal(reason(assessEntity(facts({ spread: { events: 1, assets: 2 } }), NOW), "spread").points, 1);
  assert.equal(reason(assessEntity(facts({ spread: { events: 3, assets: 6 } }), NOW), "spread").points, 3);
  assert.equal(reason(assessEntity(facts({ spread: { events: 3, assets: 6 } }), NOW), "spread").text, "seen on 6 assets in 3 events over the last 30 days");
});

test("EVT-6 recency: active within the hour adds, a week of silence takes away", () => {
  assert.deepEqual(reason(assessEntity(facts({ lastSeen: NOW - 10 * 60_000 }), NOW), "recency"), { factor: "recency", points: 1, text: "active within the last hour" });
  assert.deepEqual(reason(assessEntity(facts({ lastSeen: NOW - 9 * 24 * HOUR }), NOW), "recency"), { factor: "recency", points: -2, text: "last seen 9 days ago" });
});

test("EVT-6 already handled: blocked everywhere lowers the risk and leaves nothing to suggest; partly handled still suggests", () => {
  const hot = facts({ alerts: [{ type: "logon_after_brute_force", severity: "critical", lastSeen: NOW, assetId: "ag_1" }], lastSeen: NOW });
  const open = assessEntity(hot, NOW);
  const all = assessEntity({ ...hot, handled: { done: 2, of: 2, what: "blocked" } }, NOW);
  assert.deepEqual(reason(all, "handled"), { factor: "handled", points: -4, text: "blocked on 2 of 2 assets" });
  assert.equal(all.score, open.score - 4);
  assert.deepEqual(all.suggestion, { actions: [], text: "nothing more: blocked on every asset it applies to" });
  const part = assessEntity({ ...hot, handled: { done: 1, of: 2, what: "blocked" } }, NOW);
  assert.equal(reason(part, "handled").points, -1);
  assert.deepEqual(part.suggestion.actions, ["block"]);
});

test("EVT-6 EVT-7 the suggestion follows the entity type; a compromised account counts what happened to it", () => {
  assert.deepEqual(assessEntity(facts({ key: "process:ag_1:/tmp/x", kind: "process", label: "/tmp/x" }), NOW).suggestion.actions, ["kill", "quarantine"]);
  assert.deepEqual(assessEntity(facts({ key: "file:ag_1:/var/www/s.php", kind: "file", label: "/var/www/s.php" }), NOW).suggestion.actions, ["quarantine"]);
  assert.deepEqual(assessEntity(facts({ key: "domain:pool.example", kind: "domain", label: "pool.example" }), NOW).suggestion, { actions: [], text: "no agent action: block it at your DNS resolver or web proxy" });
  const acct = assessEntity(facts({ key: "account:ag_1:deploy", kind: "account", label: "deploy", compromisedBy: "was logged on to from attacker address 203.0.113.7" }), NOW);
  assert.match(reason(acct, "behaviour").text, /was logged on to from attacker address 203\.0\.113\.7/);
  assert.deepEqual(acct.suggestion.actions, ["lock"]);
  assert.deepEqual([levelOf(9), levelOf(8), levelOf(6), levelOf(3), levelOf(2)], ["critical", "high", "high", "medium", "low"]);
});
