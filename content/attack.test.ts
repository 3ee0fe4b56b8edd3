import { test } from "node:test";
import assert from "node:assert/strict";
import { tacticsOf } from "../src/alerting/index.ts";
import { attackSchema, loadAttack } from "./attack.ts";
import { loadRules } from "./rules.ts";

const attack = loadAttack();

test("EVT-2 every ATT&CK technique of every detection rule is mapped to its tactics", () => {
  const missing = loadRules().flatMap((r) => r.attack.filter((t) => !attack.techniques[t]).map((t) => `${r.id}: ${t}`));
  assert.deepEqual(missing, []);
});

test("EVT-2 tactics come out in kill-chain order and the furthest is the stage", () => {
  // a brute force, the logon it led to, a downloaded miner talking to its pool
  const { tactics, stage } = tacticsOf(attack, ["T1496", "T1110.001", "T1078", "T1105", "T1059.004"]);
  assert.deepEqual(tactics, ["TA0006", "TA0001", "TA0002", "TA0011", "TA0040"]);
  assert.equal(stage, "TA0040");
  assert.deepEqual(tacticsOf(attack, ["T1110.999"]).tactics, ["TA0006"], "an unknown sub-technique falls back to its parent");
  assert.deepEqual(tacticsOf(attack, ["T9999"]), { tactics: [], stage: null });
});

test("the ATT&CK table refuses an unknown tactic and a stage that is not one of the technique's tactics", () => {
  const base = { tactics: { TA0001: { name: "Initial Access", order: 1 } }, techniques: {} };
  assert.equal(attackSchema.safeParse({ ...base, techniques: { T1078: { name: "Valid Accounts", tactics: ["TA0001"], stage: "TA0001" } } }).success, true);
  assert.equal(attackSchema.safeParse({ ...base, techniques: { T1078: { name: "Valid Accounts", tactics: ["TA0099"], stage: "TA0099" } } }).success, false);
  assert.equal(attackSchema.safeParse({ tactics: { TA0001: { name: "a", order: 1 }, TA0002: { name: "b", order: 1 } }, techniques: {} }).success, false, "orders are unique");
});
