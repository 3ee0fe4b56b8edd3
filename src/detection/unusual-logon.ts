/**
 * LOG-1 … LOG-7: judging a successful logon on four independent factors.
 *
 * Pure: the caller loads what the asset learned (its learning start, approved locations,
 * how many successes this ip/user had) and the operators' approvals, and stores what the
 * judgement says to learn. So the same judgement runs in the server (state in the store)
 * and in `hostward replay` (state in memory).
 *
 * The learning, exactly as the spec (and its seed) says:
 * - First use: no approved location, nothing alerts.
 * - The first successful logon with a location (a public IP: LOG-5 — the GeoIP reader never
 *   locates private, loopback or documentation addresses) starts a 24-hour window; every
 *   located success in it approves its location. The window's end is inclusive: a logon
 *   exactly 24 h after the first is still learning.
 * - After the window, a success from a location not approved alerts (factor "location").
 * - LOG-4: the sixth successful logon from one IP approves that IP's location; that sixth
 *   logon is judged approved (it is the one that makes "6 or more"), the first five alert.
 * - LOG-6: operators' approvals take priority. A factor with operator entries for the asset
 *   is judged against them alone (location, ip, time range, account); with auto-update on,
 *   what learning approves is added to those entries. Factors with no entries: location
 *   is learned, ip/time/account are not judged.
 * Each factor is judged on its own; the alert names every factor that fired.
 */
import { cidrContains, parseCidr, type GeoLocation, type LogonApproval, type LogonFactor } from "../core/index.ts";

export const LEARNING_WINDOW_MS = 24 * 3_600_000;
export const APPROVE_AFTER_SUCCESSES = 6;

export interface LogonFacts {
  ts: number;
  ip: string;
  /** Null when the address has no location (LOG-5: private, loopback, documentation, unknown). */
  geo: GeoLocation | null;
  user: string | null;
}

/** What the asset learned before this logon. */
export interface LogonMemory {
  learningStartedAt: number | null;
  approvedLocations: ReadonlySet<string>;
  /** Successful logons from this IP on this asset, this one included. */
  ipSuccesses: number;
  /** Successful logons of this account on this asset, this one included. */
  userSuccesses: number;
}

export interface AutoUpdate { location: boolean; ip: boolean; account: boolean }

export interface FactorVerdict { factor: LogonFactor; detail: string }

export interface LogonJudgement {
  factors: FactorVerdict[];
  /** Set when this logon starts the asset's learning window. */
  startLearning: number | null;
  /** A location this logon approves (learning window or sixth success). */
  approve: { key: string; label: string; how: "learning" | "six_successes" } | null;
  /** LOG-6 automatic updates: approvals to add to the operators' entries. */
  autoAdd: { factor: LogonFactor; value: string }[];
}

/** The approvals that apply to an asset (null assetIds = every asset). */
export function approvalsFor(all: readonly LogonApproval[], assetId: string): LogonApproval[] {
  return all.filter((a) => a.assetIds === null || a.assetIds.includes(assetId));
}

/** "CC", "CC/Region" or "CC/Region/City", case-insensitive, against a location. */
export function locationMatches(pattern: string, geo: GeoLocation): boolean {
  const want = pattern.split("/").map((p) => p.trim().toLowerCase());
  const have = [geo.country, geo.region, geo.city].map((p) => p.toLowerCase());
  return want.every((w, i) => w === "*" || w === have[i]);
}

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export interface TimeRange { days: number[]; from: number; to: number }

/** Parses "08:00-19:00", "Mon-Fri 08:00-19:00", "Sat,Sun 10:00-14:00", "22:00-06:00" (over midnight). */
export function parseTimeRange(s: string): TimeRange | null {
  const m = /^\s*(?:([A-Za-z]{3}(?:\s*[-,]\s*[A-Za-z]{3})*)\s+)?(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(s);
  if (!m) return null;
  const [fh, fm, th, tm] = [m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number];
  if (fh > 24 || th > 24 || fm > 59 || tm > 59) return null;
  let days = [0, 1, 2, 3, 4, 5, 6];
  if (m[1]) {
    days = [];
    for (const part of m[1].split(",")) {
      const [a, b] = part.split("-").map((x) => DAYS.indexOf(x.trim().toLowerCase()));
      if (a === undefined || a < 0 || (b !== undefined && b < 0)) return null;
      if (b === undefined) days.push(a);
      else for (let d = a; ; d = (d + 1) % 7) { days.push(d); if (d === b) break; }
    }
  }
  return { days, from: fh * 60 + fm, to: th * 60 + tm };
}

/** Minutes since local midnight and weekday (0 = Monday) of a time in a zone. */
function localTime(ts: number, tz: string): { minutes: number; day: number } {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: tz, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(ts);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return { minutes: Number(get("hour")) * 60 + Number(get("minute")), day: DAYS.indexOf(get("weekday").toLowerCase()) };
}

export function inTimeRange(ts: number, value: string, tz: string | null): boolean {
  const r = parseTimeRange(value);
  if (!r) return false;
  const { minutes, day } = localTime(ts, tz ?? "UTC");
  if (r.from <= r.to) return r.days.includes(day) && minutes >= r.from && minutes < r.to;
  // over midnight: the part after midnight belongs to the previous day's range
  if (minutes >= r.from) return r.days.includes(day);
  return minutes < r.to && r.days.includes((day + 6) % 7);
}

export function ipMatches(value: string, ip: string): boolean {
  const c = parseCidr(value);
  return c !== null && cidrContains(c, ip);
}

export function judgeLogon(f: LogonFacts, mem: LogonMemory, approvals: readonly LogonApproval[], auto: AutoUpdate): LogonJudgement {
  const out: LogonJudgement = { factors: [], startLearning: null, approve: null, autoAdd: [] };
  const of = (factor: LogonFactor) => approvals.filter((a) => a.factor === factor);
  const sixth = mem.ipSuccesses >= APPROVE_AFTER_SUCCESSES;

  // location: learned (LOG-2, LOG-4, LOG-5), unless operators set locations (LOG-6)
  if (f.geo) {
    const geo = f.geo;
    const start = mem.learningStartedAt ?? f.ts;
    if (mem.learningStartedAt === null) out.startLearning = f.ts;
    const learning = f.ts - start <= LEARNING_WINDOW_MS;
    const learned = mem.approvedLocations.has(geo.key);
    if (!learned && learning) out.approve = { key: geo.key, label: geo.label, how: "learning" };
    else if (!learned && sixth) out.approve = { key: geo.key, label: geo.label, how: "six_successes" };
    const set = of("location");
    if (set.length > 0) {
      if (!set.some((a) => locationMatches(a.value, geo))) {
        if (auto.location && out.approve) out.autoAdd.push({ factor: "location", value: `${geo.country}/${geo.region}/${geo.city}` });
        else out.factors.push({ factor: "location", detail: `${geo.label} is not an approved location (${set.map((a) => a.value).join(", ")})` });
      }
    } else if (!learned && !out.approve) {
      out.factors.push({ factor: "location", detail: `${geo.label} is not among the locations this asset learned (learning ended ${new Date(start + LEARNING_WINDOW_MS).toISOString()}); ${mem.ipSuccesses} of ${APPROVE_AFTER_SUCCESSES} successes from ${f.ip}` });
    }
  }

  const ips = of("ip");
  if (ips.length > 0 && !ips.some((a) => ipMatches(a.value, f.ip))) {
    if (auto.ip && sixth) out.autoAdd.push({ factor: "ip", value: f.ip });
    else out.factors.push({ factor: "ip", detail: `${f.ip} is not an approved address` });
  }

  const times = of("time");
  if (times.length > 0 && !times.some((a) => inTimeRange(f.ts, a.value, a.tz))) {
    out.factors.push({ factor: "time", detail: `${new Date(f.ts).toISOString()} is outside the approved time ranges (${times.map((a) => `${a.value} ${a.tz ?? "UTC"}`).join("; ")})` });
  }

  const accounts = of("account");
  if (accounts.length > 0 && f.user !== null && !accounts.some((a) => a.value === f.user)) {
    if (auto.account && mem.userSuccesses >= APPROVE_AFTER_SUCCESSES) out.autoAdd.push({ factor: "account", value: f.user });
    else out.factors.push({ factor: "account", detail: `account ${JSON.stringify(f.user)} is not an approved account` });
  }
  return out;
}

/** What the server adds to a logon record before the rules see it. */
export interface LogonEnrichment {
  source?: { geo?: GeoLocation; reputation?: "malicious"; intel?: { list: string; provenance: string } };
  user?: { weakPassword?: true; weakReason?: string; backdoor?: true; backdoorReasons?: string[] };
  unusual?: { fired: true; factors: string[]; details: string[] };
}

/** The judgement as record fields (`unusual.*`, read by the unusual-logon rule). */
export function unusualFields(j: LogonJudgement): LogonEnrichment["unusual"] {
  return j.factors.length ? { fired: true, factors: j.factors.map((f) => f.factor), details: j.factors.map((f) => f.detail) } : undefined;
}

/** The record with the enrichment merged in (the same object when there is none). */
export function enrichLogon<R extends { source: object; user?: object }>(r: R, e: LogonEnrichment): R {
  if (!e.source && !e.user && !e.unusual) return r;
  return {
    ...r,
    source: { ...r.source, ...e.source },
    ...(e.user || r.user ? { user: { ...r.user, ...e.user } } : {}),
    ...(e.unusual ? { unusual: e.unusual } : {}),
  };
}
