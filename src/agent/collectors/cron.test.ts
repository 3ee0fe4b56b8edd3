import { test } from "node:test";
import assert from "node:assert/strict";
import { CronError, parseCron } from "./cron.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The next `n` firings after `from`, in UTC. */
function fires(expr: string, from: string, n = 3): (string | null)[] {
  const c = parseCron(expr, { utc: true });
  const out: (string | null)[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    const nx = c.next(t);
    out.push(iso(nx));
    if (nx === null) break;
    t = nx;
  }
  return out;
}

test("WS-4 the default daily scan \"17 3 * * *\" fires at 03:17 every day, strictly after the given instant", () => {
  assert.deepEqual(fires("17 3 * * *", "2025-03-10T01:00:00Z"), ["2025-03-10T03:17:00.000Z", "2025-03-11T03:17:00.000Z", "2025-03-12T03:17:00.000Z"]);
  // exactly at a firing: the next one is a day later
  assert.deepEqual(fires("17 3 * * *", "2025-03-10T03:17:00Z", 1), ["2025-03-11T03:17:00.000Z"]);
  // seconds into the minute are dropped, never fired twice
  assert.deepEqual(fires("17 3 * * *", "2025-03-10T03:16:59.999Z", 1), ["2025-03-10T03:17:00.000Z"]);
});

test("WS-4 cron lists, ranges and steps", () => {
  assert.deepEqual(fires("*/15 * * * *", "2025-01-01T00:07:00Z", 4), ["2025-01-01T00:15:00.000Z", "2025-01-01T00:30:00.000Z", "2025-01-01T00:45:00.000Z", "2025-01-01T01:00:00.000Z"]);
  assert.deepEqual(fires("0,30 9-10 * * *", "2025-01-01T08:00:00Z", 5), ["2025-01-01T09:00:00.000Z", "2025-01-01T09:30:00.000Z", "2025-01-01T10:00:00.000Z", "2025-01-01T10:30:00.000Z", "2025-01-02T09:00:00.000Z"]);
  assert.deepEqual(fires("0-20/10 0 * * *", "2025-01-01T00:00:00Z", 3), ["2025-01-01T00:10:00.000Z", "2025-01-01T00:20:00.000Z", "2025-01-02T00:00:00.000Z"]);
  assert.deepEqual(fires("5/20 0 * * *", "2025-01-01T00:00:00Z", 4), ["2025-01-01T00:05:00.000Z", "2025-01-01T00:25:00.000Z", "2025-01-01T00:45:00.000Z", "2025-01-02T00:05:00.000Z"]);
});

test("WS-4 cron month and weekday names, weekday 7 is Sunday, and day rollover across months and years", () => {
  // 2025-01-01 is a Wednesday
  assert.deepEqual(fires("0 12 * * mon-fri", "2025-01-03T13:00:00Z", 2), ["2025-01-06T12:00:00.000Z", "2025-01-07T12:00:00.000Z"]);
  assert.deepEqual(fires("0 0 * * 7", "2025-01-01T00:00:00Z", 2), ["2025-01-05T00:00:00.000Z", "2025-01-12T00:00:00.000Z"]);
  assert.deepEqual(fires("0 0 * * SUN", "2025-01-01T00:00:00Z", 1), ["2025-01-05T00:00:00.000Z"]);
  assert.deepEqual(fires("30 1 1 jan,jul *", "2025-02-01T00:00:00Z", 2), ["2025-07-01T01:30:00.000Z", "2026-01-01T01:30:00.000Z"]);
  assert.deepEqual(fires("59 23 31 * *", "2025-01-31T23:59:00Z", 2), ["2025-03-31T23:59:00.000Z", "2025-05-31T23:59:00.000Z"]);
  // Feb 29 fires in leap years only
  assert.deepEqual(fires("0 0 29 2 *", "2025-01-01T00:00:00Z", 2), ["2028-02-29T00:00:00.000Z", "2032-02-29T00:00:00.000Z"]);
});

test("WS-4 cron: day-of-month and day-of-week both restricted means either; a `*` field leaves the day to the other", () => {
  // the 13th, or any Friday (2025-06-06 is a Friday)
  assert.deepEqual(fires("0 0 13 * fri", "2025-06-01T00:00:00Z", 3), ["2025-06-06T00:00:00.000Z", "2025-06-13T00:00:00.000Z", "2025-06-20T00:00:00.000Z"]);
  // only the 1st
  assert.deepEqual(fires("0 0 1 * *", "2025-06-01T00:00:00Z", 1), ["2025-07-01T00:00:00.000Z"]);
});

test("WS-4 cron macros", () => {
  assert.deepEqual(fires("@daily", "2025-01-01T10:00:00Z", 1), ["2025-01-02T00:00:00.000Z"]);
  assert.deepEqual(fires("@hourly", "2025-01-01T10:00:00Z", 1), ["2025-01-01T11:00:00.000Z"]);
  assert.deepEqual(fires("@weekly", "2025-01-01T10:00:00Z", 1), ["2025-01-05T00:00:00.000Z"]);
});

test("WS-4 cron in local time fires at the wall-clock time", () => {
  const c = parseCron("17 3 * * *");
  const n = new Date(c.next(Date.now())!);
  assert.deepEqual([n.getHours(), n.getMinutes(), n.getSeconds()], [3, 17, 0]);
  assert.ok(n.getTime() - Date.now() <= 25 * 3_600_000 && n.getTime() > Date.now());
});

test("WS-4 malformed cron expressions are refused with a reason, never guessed", () => {
  const bad = ["", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *", "* * * foo *", "1,,2 * * * *", "1-2-3 * * * *", "@reboot", "0 0 30 2 *", "1/2/3 * * * *", "-1 * * * *"];
  for (const e of bad) assert.throws(() => parseCron(e), CronError, JSON.stringify(e));
});

test("WS-4 cron across daylight-saving changes always moves forward (Europe/Berlin)", () => {
  const saved = process.env.TZ;
  process.env.TZ = "Europe/Berlin";
  try {
    const half = parseCron("*/30 * * * *");
    let t = at("2025-10-26T00:00:00Z");
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) seen.push(iso((t = half.next(t)!))!);
    // 02:00–03:00 local happens twice that night: every real half hour fires once, in order
    assert.deepEqual(seen, ["2025-10-26T00:30:00.000Z", "2025-10-26T01:00:00.000Z", "2025-10-26T01:30:00.000Z", "2025-10-26T02:00:00.000Z", "2025-10-26T02:30:00.000Z"]);
    // 02:30 does not exist on 30 March: the daily job skips that day rather than loop or fire early
    const daily = parseCron("30 2 * * *");
    assert.equal(iso(daily.next(at("2025-03-29T12:00:00Z"))), "2025-03-31T00:30:00.000Z");
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});
