import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { FakeClock, parseDuration, type Alert } from "../src/core/index.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { EventCorrelator, markEventHandled, markEventHandling } from "../src/alerting/index.ts";
import { loadAttack } from "./attack.ts";
import { CORRELATION_DIR, correlationTestSchema, loadCorrelationRules, parseCorrelationRule, type CorrelationTest } from "./correlation.ts";

/** Runs every correlation rule's .test.yml through the real correlation and store, all rules loaded (as in production). */
const rules = loadCorrelationRules();
const attack = loadAttack();
const files = readdirSync(CORRELATION_DIR).filter((f) => f.endsWith(".test.yml")).sort();
const specs = files.map((f) => ({ f, spec: correlationTestSchema.parse(parseYaml(readFileSync(join(CORRELATION_DIR, f), "utf8"))) }));

type Case = CorrelationTest["cases"][number];

/** Plays a case's alerts with a fake clock; returns the alert groups (by ref) the events formed. */
async function playCase(c: Case): Promise<{ groups: string[][]; joinedBy: Map<string, string[]> }> {
  const store = new SqliteStore({ path: ":memory:" });
  const correlator = new EventCorrelator({ rules, attack });
  const clock = new FakeClock("2026-01-01T00:00:00Z");
  const alerts = new Map<string, Alert>();
  let n = 0;
  try {
    for (const x of c.alerts) {
      clock.set(x.at.startsWith("+") ? clock.now() + parseDuration(x.at.slice(1)) : Date.parse(x.at));
      const now = clock.now();
      await store.transaction(async (tx) => {
        let a = alerts.get(x.ref);
        if (a) {
          a = { ...a, lastSeen: now, count: a.count + 1, updatedAt: now };
          await tx.alerts.update(a);
        } else {
          assert.ok(x.type, `${x.ref}: a new alert needs a type`);
          a = {
            id: `al_${String(n++).padStart(4, "0")}_${x.ref}`, accountId: "default", assetId: x.asset, type: x.type, ruleId: `hw-${x.type}`, name: x.type.replaceAll("_", " "),
            severity: x.severity, status: x.status, dedupKey: `${x.type}:${x.ref}`, firstSeen: now, lastSeen: now, count: 1, sourceIp: x.sourceIp ?? null,
            userName: x.userName ?? null, attack: x.attack, evidence: x.evidence, triage: "", response: null, handledHow: null, whitelistedBy: null, createdAt: now, updatedAt: now,
          };
          await tx.alerts.insert(a);
        }
        alerts.set(x.ref, a);
        await correlator.onAlert(tx, a, now);
        if (x.then) {
          const e = (await tx.events.get("default", (await tx.events.eventOfAlert(a.id))!))!;
          await (x.then === "handled" ? markEventHandled : markEventHandling)(tx, e, "test", "user:test", "", now);
        }
      });
    }
    const byEvent = new Map<string, string[]>();
    for (const [ref, a] of alerts) {
      const id = await store.events.eventOfAlert(a.id);
      assert.ok(id, `${ref} is in no event`);
      byEvent.set(id, [...(byEvent.get(id) ?? []), ref]);
    }
    const joinedBy = new Map<string, string[]>();
    for (const [id, refs] of byEvent) joinedBy.set(refs.join(","), (await store.events.get("default", id))!.joinedBy);
    return { groups: [...byEvent.values()], joinedBy };
  } finally {
    await store.close();
  }
}

const norm = (gs: string[][]) => gs.map((g) => [...g].sort().join(",")).sort();

describe("correlation rules as data (EVT-1)", () => {
  test("EVT-1 every correlation rule has a .test.yml with a case it joins and a case kept apart", () => {
    for (const r of rules) {
      const s = specs.find((x) => x.spec.rule === r.id);
      assert.ok(s, `correlation rule ${r.id} has no test file`);
      assert.ok(s.spec.cases.some((c) => c.expect.joinedBy?.includes(r.id)), `${r.id}: no positive case`);
      assert.ok(s.spec.cases.some((c) => c.expect.events.length > 1 && !c.expect.joinedBy), `${r.id}: no negative case`);
    }
    assert.deepEqual(specs.map((s) => s.spec.rule).filter((id) => !rules.some((r) => r.id === id)), [], "a test file names a rule that does not exist");
  });

  test("a malformed correlation rule is refused with a clear message", () => {
    assert.throws(() => parseCorrelationRule("id: x\nname: x\njoins: [ip]\nscope: account\nwindow: soon\n", "w.yml"), /w\.yml: window: not a duration/);
    assert.throws(() => parseCorrelationRule("id: x\nname: x\njoins: [file]\nscope: account\nwindow: 1h\n", "f.yml"), /f\.yml: .*not bound to one asset/);
    assert.throws(() => parseCorrelationRule("id: x\nname: x\njoins: [ip]\nscope: account\nwindow: 1h\nignoreNets: [10.0.0.0/33]\n", "n.yml"), /n\.yml: ignoreNets\.0: a CIDR/);
  });

  for (const { f, spec } of specs) {
    describe(f, () => {
      for (const c of spec.cases) {
        test(c.name, async () => {
          const { groups, joinedBy } = await playCase(c);
          assert.deepEqual(norm(groups), norm(c.expect.events));
          if (c.expect.joinedBy) {
            const first = [...c.expect.events[0]!];
            const got = [...joinedBy].find(([k]) => norm([k.split(",")])[0] === norm([first])[0])?.[1] ?? [];
            for (const r of c.expect.joinedBy) assert.ok(got.includes(r), `joined by ${JSON.stringify(got)}, expected ${r}`);
          }
        });
      }
    });
  }
});
