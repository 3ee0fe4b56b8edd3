import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { parseDuration } from "../src/core/index.ts";
import { DetectionEngine, ruleTestSchema, parseRule } from "../src/detection/index.ts";
import { telemetryRecord } from "../src/protocol/index.ts";
import { loadRules, RULES_DIR } from "./rules.ts";

/** `b` over `a`, objects merged deeply. */
function merge(a: unknown, b: unknown): unknown {
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v);
    return out;
  }
  return b === undefined ? a : b;
}

/** Runs every rule's .test.yml through the real engine, all rules loaded (as in production). */
const rules = loadRules();
const files = readdirSync(RULES_DIR).filter((f) => f.endsWith(".test.yml"));

describe("detection rules as data", () => {
  test("every rule has a .test.yml with positive and negative cases", () => {
    for (const r of rules) {
      const f = readdirSync(RULES_DIR).find((x) => x.endsWith(".test.yml") && new RegExp(`^rule: ${r.id}$`, "m").test(readFileSync(join(RULES_DIR, x), "utf8")));
      assert.ok(f, `rule ${r.id} has no test file`);
      const spec = ruleTestSchema.parse(parseYaml(readFileSync(join(RULES_DIR, f), "utf8")));
      assert.ok(spec.cases.some((c) => c.expect.some((e) => e.type === r.type)), `${r.id}: no positive case`);
      assert.ok(spec.cases.some((c) => !c.expect.some((e) => e.type === r.type)), `${r.id}: no negative case`);
    }
  });

  test("a malformed rule is refused with a clear message", () => {
    assert.throws(() => parseRule("id: X\n", "bad.yml"), /bad\.yml: .*type/);
    assert.throws(() => parseRule("id: a\ntype: b\nname: n\nseverity: high\nrecord: logon\ndedupKey: [source.ip]\nthreshold: {count: 5, window: soon, groupBy: [source.ip]}\n", "w.yml"), /not a duration/);
  });

  for (const f of files) {
    const spec = ruleTestSchema.parse(parseYaml(readFileSync(join(RULES_DIR, f), "utf8")));
    describe(f, () => {
      for (const c of spec.cases) {
        test(c.name, () => {
          const engine = new DetectionEngine(rules);
          let t = 0;
          const merged = new Map<string, { type: string; count: number; severity: string; dedup: string }>();
          c.records.forEach(({ asset, ...raw }, i) => {
            const ts = String(raw.ts);
            t = ts.startsWith("+") ? t + parseDuration(ts.slice(1)) : Date.parse(ts);
            const logon = raw.kind === undefined || raw.kind === "logon";
            const full = { id: `case-${i}-xxxxxxxx`, kind: "logon", ...(logon ? { service: "ssh" } : {}), ...raw, ts: t };
            // the record as the agent sends it must be valid; the server's enrichment (source.geo,
            // user.weakPassword, unusual.*, process.miner, destination.pool, …) is kept on top, as ingest does
            const record = merge(full, telemetryRecord.parse(full)) as typeof full;
            for (const d of engine.process({ assetId: String(asset ?? "asset-1"), accountId: "acct-1", record })) {
              const m = merged.get(d.dedupKey);
              if (m && !d.opened) m.count += d.count;
              else if (m) m.count += d.count;
              else merged.set(d.dedupKey, { type: d.type, count: d.count, severity: d.severity, dedup: d.dedupKey });
            }
          });
          const got = [...merged.values()];
          assert.equal(got.length, c.expect.length, `alerts: ${JSON.stringify(got)}`);
          for (const e of c.expect) {
            const g = got.find((x) => x.type === e.type);
            assert.ok(g, `expected ${e.type} in ${JSON.stringify(got)}`);
            if (e.count !== undefined) assert.equal(g.count, e.count, `${e.type} count`);
            if (e.severity !== undefined) assert.equal(g.severity, e.severity);
            if (e.dedup !== undefined) assert.equal(g.dedup, e.dedup);
          }
        });
      }
    });
  }
});
