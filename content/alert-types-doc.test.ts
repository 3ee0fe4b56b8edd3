import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadRules } from "./rules.ts";

test("ALR-2 ALR-4 the alert-types table in the docs matches the rule data: dedup key, whitelist fields, notify, severity", () => {
  const doc = readFileSync(join(import.meta.dirname, "..", "docs", "alert-types.md"), "utf8");
  for (const r of loadRules()) {
    const row = doc.split("\n").find((l) => l.startsWith(`| \`${r.type}\` |`));
    assert.ok(row, `docs/alert-types.md has no row for ${r.type}`);
    const cells = row.split("|").map((c) => c.trim());
    // a type may have several rules (one dedup key per type, ALR-2): the cell lists them
    assert.ok(cells[2]!.split(/,\s*/).includes(`\`${r.id}\``), `${r.type}: rule ${r.id} not in the row's rules ${cells[2]}`);
    assert.equal(cells[3], r.severity);
    assert.equal(cells[4], ["asset", ...r.dedupKey].join(" + "), `${r.type} dedup key`);
    assert.equal(cells[5], (r.whitelist?.fields ?? r.dedupKey).join(" + "), `${r.type} whitelist fields`);
    assert.equal(cells[6], r.notify);
  }
});
