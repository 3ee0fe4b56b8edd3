import type { Severity } from "../core/index.ts";
import { RE2 } from "re2-wasm";
import type { Rule, WhereOperators } from "./rule.schema.ts";
import { validateRuleSet } from "./rule.schema.ts";

/** What the engine reads: one record of an asset. Records are plain objects (protocol schemas). */
export interface EngineInput {
  assetId: string;
  /** The asset's account; account-scoped rules group across its assets. */
  accountId?: string;
  record: { kind: string; ts: number; [k: string]: unknown };
}

/**
 * One detection. `opened` is true when the rule fired for this group now (a new or
 * recurring alert); false when an already-firing group saw one more matching record,
 * which the alerting layer folds into the same alert (count and last occurrence).
 */
export interface Detection {
  ruleId: string;
  type: string;
  name: string;
  severity: Severity;
  assetId: string;
  dedupKey: string;
  opened: boolean;
  firstSeen: number;
  lastSeen: number;
  count: number;
  sourceIp: string | null;
  userName: string | null;
  attack: string[];
  triage: string;
  response: "none" | "block_source" | "kill_process";
  /** ALR-4: the fields whitelisting this alert stores. */
  whitelistFields: readonly string[];
  notify: "every" | "first" | "never";
  evidence: Record<string, unknown>;
}

type Getter = (r: Record<string, unknown>) => unknown;

/** `asset.id` is not in the record: the engine sets it while a record is processed. */
let currentAsset = "";

function getter(path: string): Getter {
  if (path === "asset.id") return () => currentAsset;
  const parts = path.split(".");
  if (parts.length === 1) return (r) => r[parts[0]!];
  if (parts.length === 2) {
    const [a, b] = parts as [string, string];
    return (r) => (r[a] as Record<string, unknown> | undefined)?.[b];
  }
  return (r) => {
    let v: unknown = r;
    for (const p of parts) {
      if (v === null || typeof v !== "object") return undefined;
      v = (v as Record<string, unknown>)[p];
    }
    return v;
  };
}

function keyOf(getters: Getter[], r: Record<string, unknown>): string | null {
  let k = "";
  for (let i = 0; i < getters.length; i++) {
    const v = getters[i]!(r);
    if (v === undefined || v === null) return null;
    k += (i ? "\u0000" : "") + String(v);
  }
  return k;
}

interface ThresholdGroup {
  /** Timestamps of the last `count` matching records, oldest first (a ring). */
  times: number[];
  firing: boolean;
  /** When the group last started firing (0 = never). */
  firedAt: number;
  firstSeen: number;
  lastSeen: number;
  /**
   * Samples, copy-on-write: replaced, never changed in place, so detections can carry them
   * without a copy each (a firing group emits one detection per record).
   */
  users: readonly string[];
  lines: readonly string[];
  /** Distinct thresholds: value → last time seen within the window. */
  seen?: Map<string, number>;
  /** Sustain thresholds: records in the current run. */
  seenCount?: number;
  /** Samples for rules that span sources or assets. */
  sources?: readonly string[];
  assets?: readonly string[];
}

const NONE: readonly string[] = [];

/** State is kept per asset, or per account for account-scoped rules. */
function scopeOf(c: CompiledRule, input: EngineInput): string {
  return c.rule.scope === "account" ? "acct:" + (input.accountId ?? "") : input.assetId;
}

/** Per-asset maps: no key string is built (and hashed) per record. */
type ByAsset<T> = Map<string, Map<string, T>>;

function getIn<T>(m: ByAsset<T>, asset: string, key: string): T | undefined {
  return m.get(asset)?.get(key);
}

function setIn<T>(m: ByAsset<T>, asset: string, key: string, v: T): void {
  let inner = m.get(asset);
  if (inner === undefined) {
    inner = new Map();
    m.set(asset, inner);
  }
  inner.set(key, v);
}

interface CompiledRule {
  rule: Rule;
  match: (r: Record<string, unknown>) => boolean;
  group: Getter[];
  dedup: Getter[];
  join: Getter[];
  distinct: Getter | null;
  sustain: boolean;
  evidence: { path: string; get: Getter }[];
  /** Whether the alert names a single source (the dedup key holds source.ip). */
  hasSource: boolean;
  window: number;
  /** threshold state per asset, then group */
  groups: ByAsset<ThresholdGroup>;
  /** when this rule last fired, per asset, then join key, for rules that follow it */
  fired: ByAsset<number>;
  followers: CompiledRule[];
  suppressors: CompiledRule[];
  /** How long idle groups are kept: the rule's window, or longer when another rule's suppression reads them. */
  keepFor: number;
  /** evidence text of the threshold, e.g. "5 in 600s" */
  thresholdText: string | undefined;
}

const SAMPLE_LINES = 5;
const SAMPLE_USERS = 10;

const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

/** Regex answers remembered per rule operator: values up to this length, this many at most. */
const RE_MEMO_MAX_LEN = 1024;
const RE_MEMO_ENTRIES = 4096;

/** One operator object as a predicate on the field's value. Regexes are RE2 (linear time). */
function compileOperators(o: WhereOperators): (v: unknown) => boolean {
  const checks: ((v: unknown) => boolean)[] = [];
  if (o.exists !== undefined) checks.push((v) => (v !== undefined && v !== null) === o.exists);
  if (o.re !== undefined) {
    const re = new RE2(o.re, o.ignoreCase ? "iu" : "u");
    // A fleet repeats itself (the same services start and are sampled on every host), and a call
    // into RE2's WebAssembly costs microseconds: remember the answer for short values, bounded.
    const seen = new Map<string, boolean>();
    checks.push((v) => {
      if (typeof v !== "string") return false;
      if (v.length > RE_MEMO_MAX_LEN) return re.test(v);
      let hit = seen.get(v);
      if (hit === undefined) {
        if (seen.size >= RE_MEMO_ENTRIES) seen.clear();
        hit = re.test(v);
        seen.set(v, hit);
      }
      return hit;
    });
  }
  const lower = (xs: string[]) => (o.ignoreCase ? xs.map((x) => x.toLowerCase()) : xs);
  const text = (v: unknown): string | null => (typeof v === "string" ? (o.ignoreCase ? v.toLowerCase() : v) : null);
  if (o.contains !== undefined) { const xs = lower(list(o.contains)); checks.push((v) => { const t = text(v); return t !== null && xs.some((x) => t.includes(x)); }); }
  if (o.startsWith !== undefined) { const xs = lower(list(o.startsWith)); checks.push((v) => { const t = text(v); return t !== null && xs.some((x) => t.startsWith(x)); }); }
  if (o.endsWith !== undefined) { const xs = lower(list(o.endsWith)); checks.push((v) => { const t = text(v); return t !== null && xs.some((x) => t.endsWith(x)); }); }
  if (o.gte !== undefined) { const n = o.gte; checks.push((v) => typeof v === "number" && v >= n); }
  if (o.lte !== undefined) { const n = o.lte; checks.push((v) => typeof v === "number" && v <= n); }
  if (o.not !== undefined) { const xs = new Set(Array.isArray(o.not) ? o.not : [o.not]); checks.push((v) => !xs.has(v as never)); }
  return (v) => {
    for (const c of checks) if (!c(v)) return false;
    return true;
  };
}

function compileWhere(where: Rule["where"]): (r: Record<string, unknown>) => boolean {
  // all entries must hold and each is pure: test the cheap ones (equality, lists) first, so a
  // record of another action or outcome never reaches a regex
  const cost = (want: unknown) => (want !== null && typeof want === "object" && !Array.isArray(want) ? ("re" in want ? 2 : 1) : 0);
  const entries = Object.entries(where).sort((a, b) => cost(a[1]) - cost(b[1]));
  const checks = entries.map(([path, want]) => {
    const get = getter(path);
    if (Array.isArray(want)) {
      const set = new Set(want);
      return (r: Record<string, unknown>) => set.has(get(r) as never);
    }
    if (want !== null && typeof want === "object") {
      const test = compileOperators(want);
      return (r: Record<string, unknown>) => test(get(r));
    }
    return (r: Record<string, unknown>) => get(r) === want;
  });
  return (r) => {
    for (const c of checks) if (!c(r)) return false;
    return true;
  };
}

/**
 * The rules-as-data engine. Pure: no I/O, time comes from the records themselves, so
 * replaying stored records rebuilds the same state (used after a restart).
 */
export class DetectionEngine {
  readonly rules: readonly Rule[];
  #byKind = new Map<string, CompiledRule[]>();
  #all: CompiledRule[] = [];
  #maxWindow = 0;
  #sinceSweep = 0;

  constructor(rules: Rule[]) {
    // references are checked on the whole set: switching a rule off must not break those naming it
    validateRuleSet(rules);
    const enabled = rules.filter((r) => r.enabled);
    this.rules = enabled;
    const byId = new Map<string, CompiledRule>();
    for (const rule of enabled) {
      const c: CompiledRule = {
        rule,
        match: compileWhere(rule.where),
        group: (rule.threshold?.groupBy ?? rule.dedupKey).map(getter),
        dedup: rule.dedupKey.map(getter),
        join: (rule.after?.join ?? []).map(getter),
        distinct: rule.threshold?.distinct ? getter(rule.threshold.distinct) : null,
        sustain: rule.threshold?.sustain !== undefined,
        evidence: rule.evidence.map((path) => ({ path, get: getter(path) })),
        hasSource: rule.dedupKey.includes("source.ip"),
        window: rule.threshold?.window ?? rule.after?.within ?? 0,
        groups: new Map(),
        fired: new Map(),
        followers: [],
        suppressors: [],
        keepFor: 0,
        thresholdText: rule.threshold ? `${rule.threshold.count}${rule.threshold.distinct ? ` distinct ${rule.threshold.distinct}` : ""} in ${rule.threshold.window / 1000}s` : undefined,
      };
      this.#maxWindow = Math.max(this.#maxWindow, c.window);
      byId.set(rule.id, c);
      this.#all.push(c);
      const list = this.#byKind.get(rule.record) ?? [];
      list.push(c);
      this.#byKind.set(rule.record, list);
    }
    for (const c of this.#all) for (const a of c.rule.after?.rule ?? []) byId.get(a)?.followers.push(c);
    // a disabled suppressor simply does not suppress
    for (const c of this.#all) for (const a of c.rule.suppressedBy) { const o = byId.get(a); if (o) c.suppressors.push(o); }
    for (const c of this.#all) c.keepFor = Math.max(c.window, ...this.#all.filter((x) => x.suppressors.includes(c)).map((x) => x.window));
  }

  /** The longest window any rule looks back over: how much history rebuilds the state. */
  get lookback(): number {
    return this.#maxWindow;
  }

  process(input: EngineInput): Detection[] {
    const rules = this.#byKind.get(input.record.kind);
    if (!rules) return [];
    const out: Detection[] = [];
    const r = input.record as Record<string, unknown>;
    currentAsset = input.assetId;
    for (const c of rules) {
      if (!c.match(r)) {
        if (c.sustain) this.#breakRun(c, input);
        continue;
      }
      if (c.rule.threshold) this.#threshold(c, input, out);
      else if (c.rule.after) this.#after(c, input, out);
      else this.#single(c, input, out);
    }
    if (++this.#sinceSweep >= 50_000) {
      this.#sinceSweep = 0;
      this.sweep(input.record.ts);
    }
    return out;
  }

  /** Forgets groups idle for longer than their window (bounded memory). */
  sweep(now: number): void {
    for (const c of this.#all) {
      for (const [asset, inner] of c.groups) {
        for (const [k, g] of inner) if (now - g.lastSeen > (g.firedAt ? c.keepFor : c.window)) inner.delete(k);
        if (inner.size === 0) c.groups.delete(asset);
      }
      const keep = Math.max(0, ...c.followers.map((f) => f.window));
      for (const [asset, inner] of c.fired) {
        for (const [k, t] of inner) if (now - t > keep) inner.delete(k);
        if (inner.size === 0) c.fired.delete(asset);
      }
    }
  }

  #threshold(c: CompiledRule, input: EngineInput, out: Detection[]): void {
    const r = input.record as Record<string, unknown>;
    const gk = keyOf(c.group, r);
    if (gk === null) return;
    const ts = input.record.ts;
    const { count, window } = c.rule.threshold!;
    const scope = scopeOf(c, input);
    let g = getIn(c.groups, scope, gk);
    if (!g) {
      g = { times: [], firing: false, firedAt: 0, firstSeen: ts, lastSeen: ts, users: NONE, lines: NONE };
      setIn(c.groups, scope, gk, g);
    } else if (ts - g.lastSeen > window) {
      // the attack went quiet for a whole window: a later burst must cross the threshold again
      g.times.length = 0;
      g.firing = false;
      g.users = NONE;
      g.lines = NONE;
      g.seen = undefined;
      g.sources = undefined;
      g.assets = undefined;
    }
    if (ts > g.lastSeen) g.lastSeen = ts;
    const user = (r.user as { name?: string } | undefined)?.name;
    if (user !== undefined && g.users.length < SAMPLE_USERS && !g.users.includes(user)) g.users = [...g.users, user];
    const line = (r.log as { line?: string } | undefined)?.line;
    if (line !== undefined && g.lines.length < SAMPLE_LINES) g.lines = [...g.lines, line];
    if (!c.hasSource) {
      const ip = (r.source as { ip?: string } | undefined)?.ip;
      if (ip !== undefined && (g.sources?.length ?? 0) < SAMPLE_USERS && !g.sources?.includes(ip)) g.sources = [...(g.sources ?? NONE), ip];
    }
    if (c.rule.scope === "account" && (g.assets?.length ?? 0) < SAMPLE_USERS && !g.assets?.includes(input.assetId)) g.assets = [...(g.assets ?? NONE), input.assetId];

    if (!g.firing && c.suppressors.length && this.#suppressed(c, scope, gk, ts)) return;
    if (g.firing) {
      for (const f of c.followers) setIn(f.fired, scopeOf(f, input), keyOf(f.join, r) ?? "", ts);
      out.push(this.#detection(c, input, g.lastSeen, g.lastSeen, 1, false, g));
      return;
    }
    const sustain = c.rule.threshold!.sustain;
    if (sustain) {
      // a run of matching records no more than maxGap apart: it restarts after a gap
      if (g.times.length && ts - g.times[g.times.length - 1]! > sustain.maxGap) g.times.length = 0;
      if (g.times.length < 2) g.times.push(ts);
      else g.times[1] = ts;
      g.seenCount = g.times.length === 1 ? 1 : (g.seenCount ?? 1) + 1;
      if (g.times.length < 2 || g.times[1]! - g.times[0]! < sustain.for || g.seenCount < count) return;
      g.firing = true;
      g.firedAt = ts;
      g.firstSeen = g.times[0]!;
      for (const f of c.followers) setIn(f.fired, scopeOf(f, input), keyOf(f.join, r) ?? "", ts);
      out.push(this.#detection(c, input, g.firstSeen, g.lastSeen, g.seenCount, true, g));
      return;
    }
    if (c.distinct) {
      const v = c.distinct(r);
      if (v === undefined || v === null) return;
      g.seen ??= new Map();
      g.seen.delete(String(v));
      g.seen.set(String(v), ts);
      // oldest first (insertion order, re-inserted on each sighting): drop those out of the window
      for (const [k, t] of g.seen) {
        if (ts - t <= window) break;
        g.seen.delete(k);
      }
      if (g.seen.size < count) return;
      g.firing = true;
      g.firedAt = ts;
      g.firstSeen = g.seen.values().next().value!;
      g.seen = undefined;
      for (const f of c.followers) setIn(f.fired, scopeOf(f, input), keyOf(f.join, r) ?? "", ts);
      out.push(this.#detection(c, input, g.firstSeen, g.lastSeen, count, true, g));
      return;
    }
    g.times.push(ts);
    if (g.times.length > count) g.times.shift();
    if (g.times.length === count && ts - g.times[0]! <= window) {
      g.firing = true;
      g.firedAt = ts;
      g.firstSeen = g.times[0]!;
      for (const f of c.followers) setIn(f.fired, scopeOf(f, input), keyOf(f.join, r) ?? "", ts);
      out.push(this.#detection(c, input, g.firstSeen, g.lastSeen, count, true, g));
    }
  }

  /** Sustain rules: a record of the group that does not match (a sample under the bar) ends the run. */
  #breakRun(c: CompiledRule, input: EngineInput): void {
    const gk = keyOf(c.group, input.record as Record<string, unknown>);
    if (gk === null) return;
    const g = getIn(c.groups, scopeOf(c, input), gk);
    if (g && !g.firing) {
      g.times.length = 0;
      g.seenCount = 0;
    }
  }

  #suppressed(c: CompiledRule, scope: string, gk: string, ts: number): boolean {
    for (const o of c.suppressors) {
      const og = getIn(o.groups, scope, gk);
      if (og && og.firedAt > 0 && (og.firing || ts - og.lastSeen <= c.window)) return true;
    }
    return false;
  }

  #after(c: CompiledRule, input: EngineInput, out: Detection[]): void {
    const r = input.record as Record<string, unknown>;
    const jk = keyOf(c.join, r);
    if (jk === null) return;
    const t = getIn(c.fired, scopeOf(c, input), jk);
    if (t === undefined || input.record.ts - t > c.window || input.record.ts < t - c.window) return;
    out.push(this.#detection(c, input, input.record.ts, input.record.ts, 1, true));
  }

  #single(c: CompiledRule, input: EngineInput, out: Detection[]): void {
    out.push(this.#detection(c, input, input.record.ts, input.record.ts, 1, true));
  }

  #detection(c: CompiledRule, input: EngineInput, firstSeen: number, lastSeen: number, count: number, opened: boolean, g?: ThresholdGroup): Detection {
    const r = input.record as Record<string, unknown>;
    const recordIp = ((r.source as { ip?: string } | undefined)?.ip) ?? null;
    const sourceIp = c.hasSource ? recordIp : null;
    const userName = ((r.user as { name?: string } | undefined)?.name) ?? null;
    const evidence: Record<string, unknown> = { service: r.service, "source.ip": recordIp };
    for (const e of c.evidence) {
      const v = e.get(r);
      if (v !== undefined) evidence[e.path] = v;
    }
    if (g) {
      // shared snapshots (copy-on-write in the group): do not mutate
      if (g.sources) evidence["source.ips"] = g.sources;
      if (g.assets) evidence["asset.ids"] = g.assets;
      evidence["user.names"] = g.users;
      evidence["log.lines"] = g.lines;
    } else {
      if (userName !== null) evidence["user.name"] = userName;
      const line = (r.log as { line?: string } | undefined)?.line;
      if (line !== undefined) evidence["log.lines"] = [line];
    }
    if (c.thresholdText !== undefined) evidence.threshold = c.thresholdText;
    return {
      ruleId: c.rule.id,
      type: c.rule.type,
      name: c.rule.name,
      severity: c.rule.severity,
      assetId: input.assetId,
      dedupKey: c.rule.type + ":" + (keyOf(c.dedup, r) ?? ""),
      opened,
      firstSeen,
      lastSeen,
      count,
      sourceIp,
      userName: g ? (g.users.length === 1 ? g.users[0]! : null) : userName,
      attack: c.rule.attack,
      triage: c.rule.triage,
      response: c.rule.response,
      whitelistFields: c.rule.whitelist?.fields ?? c.rule.dedupKey,
      notify: c.rule.notify,
      evidence,
    };
  }
}
