/**
 * Test helpers for the logon parsers (AGT-2), shared by their tests:
 * - expectLogon: the line gave a record with these fields, and it is a valid logon record
 *   (protocol `logonRecord`) once given an id;
 * - expectSkip: the line gave no record, for this kind of reason;
 * - fuzzParser: lines glued together from real fragments in random order never make a
 *   parser throw, and whatever record it returns is valid. Seeded (a linear congruential
 *   generator), so a failure replays.
 */
import assert from "node:assert/strict";
import { logonRecord } from "../../protocol/index.ts";
import type { LineSkip, LogonReason, LogonService, LogonType, ParsedLogon } from "./parse-util.ts";

/**
 * What a record must hold. service, outcome, reason and ip are always checked; `code` too
 * (absent means the event has none). ts is checked when given; every other field when its
 * key is present, even with the value undefined (so `port: undefined` says "no port").
 */
export interface WantLogon {
  service: LogonService;
  outcome: "success" | "failure";
  reason: LogonReason;
  ip: string;
  code?: string;
  /** ISO 8601 in UTC. */
  ts?: string;
  port?: number;
  user?: string;
  host?: string;
  type?: LogonType;
  protocol?: string;
  repeat?: number;
}

export function expectLogon(p: ParsedLogon | LineSkip | null, want: WantLogon): ParsedLogon {
  assert.ok(p !== null && !("skip" in p), `expected a logon record, got ${JSON.stringify(p)}`);
  assert.equal(p.kind, "logon");
  assert.equal(p.service, want.service);
  const { outcome, reason, code } = want;
  assert.deepEqual(p.event, code === undefined ? { outcome, reason } : { outcome, reason, code });
  assert.equal(p.source.ip, want.ip);
  if (want.ts !== undefined) assert.equal(new Date(p.ts).toISOString(), want.ts);
  if ("port" in want) assert.equal(p.source.port, want.port);
  if ("user" in want) assert.equal(p.user?.name, want.user);
  if ("host" in want) assert.equal(p.host?.name, want.host);
  if ("type" in want) assert.equal(p.logon?.type, want.type);
  if ("protocol" in want) assert.equal(p.logon?.protocol, want.protocol);
  if ("repeat" in want) assert.equal(p.repeat, want.repeat);
  assertValid(p);
  return p;
}

export function expectSkip(p: ParsedLogon | LineSkip | null, kind: "ignored" | "unknown", line?: string): LineSkip {
  assert.ok(p !== null && "skip" in p, `expected no record for ${JSON.stringify(line)}, got ${JSON.stringify(p)}`);
  assert.equal(p.skip, kind, `${JSON.stringify(line)}: ${p.why}`);
  return p;
}

/** A record is a valid logon telemetry record once given an id (`repeat` is the agent's, not the protocol's). */
function assertValid(p: ParsedLogon, line?: string): void {
  const { repeat, ...rec } = p;
  const v = logonRecord.safeParse({ id: "test-record-1", ...rec });
  assert.ok(v.success, `invalid record${line === undefined ? "" : ` for ${JSON.stringify(line)}`}: ${v.success ? "" : v.error.message}`);
  if (repeat !== undefined) assert.ok(Number.isInteger(repeat) && repeat >= 1, `repeat ${repeat}`);
}

export interface FuzzOptions {
  /** Lines to try; default 20 000. */
  lines?: number;
  /** A line is 1 to maxParts fragments; default 12. */
  maxParts?: number;
}

/**
 * Parses `lines` random concatenations of `parts` (a parser may answer null or a LineSkip
 * for no record) and checks every record; returns how many lines gave one.
 */
export function fuzzParser(parts: readonly string[], parse: (line: string) => ParsedLogon | LineSkip | null, seed: number, opts: FuzzOptions = {}): { records: number; skipped: number } {
  const lines = opts.lines ?? 20_000;
  const maxParts = opts.maxParts ?? 12;
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  let records = 0;
  for (let i = 0; i < lines; i++) {
    let l = "";
    const n = 1 + Math.floor(rnd() * maxParts);
    for (let j = 0; j < n; j++) l += parts[Math.floor(rnd() * parts.length)];
    const p = parse(l);
    if (p === null) continue;
    if ("skip" in p) {
      assert.ok((p.skip === "ignored" || p.skip === "unknown") && p.why.length > 0, `bad skip for ${JSON.stringify(l)}`);
      continue;
    }
    records++;
    assertValid(p, l);
  }
  return { records, skipped: lines - records };
}
