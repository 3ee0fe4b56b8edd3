// The fleet benchmark's arithmetic (not in the CI suite: `node --test bench/fleet/loadgen.test.ts`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { histQuantile, parseMetrics, quantiles } from "./loadgen.ts";

const scrape = (counts: [string, number][], extra = "") =>
  counts.map(([le, n]) => `hostward_detection_latency_seconds_bucket{le="${le}"} ${n}`).join("\n") + `\nhostward_detection_latency_seconds_count ${counts.at(-1)![1]}\n${extra}`;

test("issue 10: detection-latency quantiles come from the histogram's delta over the window, summed across workers", () => {
  const before = parseMetrics([scrape([["0.1", 100], ["1", 100], ["+Inf", 100]], "hostward_records_accepted_total 5")]);
  // in the window: worker A 90 fast + 10 slow, worker B 100 slow (between 0.1 s and 1 s)
  const after = parseMetrics([
    scrape([["0.1", 190], ["1", 200], ["+Inf", 200]], "hostward_records_accepted_total 7"),
    scrape([["0.1", 0], ["1", 100], ["+Inf", 100]], "hostward_records_accepted_total 3"),
  ]);
  assert.equal(after.counters.get("hostward_records_accepted_total"), 10);
  // 200 new observations: 90 under 0.1 s, 110 between 0.1 and 1 s
  const p50 = histQuantile(before.buckets, after.buckets, 0.5)!;
  assert.ok(p50 > 0.1 && p50 < 1, `p50 ${p50}`);
  assert.ok(Math.abs(p50 - (0.1 + 0.9 * (10 / 110))) < 1e-9);
  const p99 = histQuantile(before.buckets, after.buckets, 0.99)!;
  assert.ok(p99 > 0.9 && p99 <= 1);
  // the observations made before the window do not count
  assert.equal(histQuantile(before.buckets, before.buckets, 0.5), null);
});

test("a quantile past the largest finite bucket is its bound, negated", () => {
  const after = parseMetrics([scrape([["1", 10], ["60", 10], ["+Inf", 100]])]);
  assert.equal(histQuantile(new Map(), after.buckets, 0.99), -60);
  assert.equal(histQuantile(new Map(), after.buckets, 0.05), 0.5);
});

test("client-side quantiles", () => {
  const q = quantiles(Array.from({ length: 100 }, (_, i) => 100 - i));
  assert.deepEqual(q, { n: 100, p50: 51, p99: 100 });
  assert.deepEqual(quantiles([]), { n: 0, p50: null, p99: null });
});
